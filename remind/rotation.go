package remind

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
)

// ViolationWeight is how much one violation found in the last 30 days adds to a clause's chance of being
// the next clause of the day (a clause without violations has weight 1).
const ViolationWeight = 3

// pick chooses the next item of a rotation: items already shown in the current cycle are skipped until all
// were shown, then a new cycle starts. Among the rest, an item is chosen at random with weight
// 1 + ViolationWeight×violations of its clause, from a generator seeded by seed, so the same history, counts
// and seed always give the same item.
//
// items are the IDs available now, in order; weight gives an item's weight (at least 1); shown are the items
// of the current cycle already shown (which may include items no longer available).
func pick(items []string, weight func(string) int, cycle int, shown []string, seed string) (item string, newCycle int) {
	if len(items) == 0 {
		return "", cycle
	}
	if cycle < 1 {
		cycle = 1
	}
	rest := make([]string, 0, len(items))
	for _, it := range items {
		if !slices.Contains(shown, it) {
			rest = append(rest, it)
		}
	}
	if len(rest) == 0 {
		cycle++
		rest = items
	}
	total := 0
	weights := make([]int, len(rest))
	for i, it := range rest {
		w := max(1, weight(it))
		weights[i] = w
		total += w
	}
	h := fnv.New64a()
	h.Write([]byte(seed))
	r := rand.New(rand.NewPCG(h.Sum64(), 0x72656d696e64))
	x := r.IntN(total)
	for i, w := range weights {
		if x < w {
			return rest[i], cycle
		}
		x -= w
	}
	return rest[len(rest)-1], cycle
}

// shuffleOptions returns the options in a seeded order and the index the right one (options[0]) moved to.
func shuffleOptions(options []string, seed string) ([]string, int) {
	h := fnv.New64a()
	h.Write([]byte(seed))
	r := rand.New(rand.NewPCG(h.Sum64(), 0x71756978))
	idx := r.Perm(len(options))
	out := make([]string, len(options))
	answer := 0
	for to, from := range idx {
		out[to] = options[from]
		if from == 0 {
			answer = to
		}
	}
	return out, answer
}
