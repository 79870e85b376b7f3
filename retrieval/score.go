package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// Stage 3, score: the question's content as units (thesaurus words and runs of other characters), and every
// clause ranked by BM25, the share of the question it explains (explain) and vector similarity.

// candidate is a clause with its scores for one question.
type candidate struct {
	doc      *lexDoc
	coverage float64
	evidence float64 // characters of the question explained by strong evidence
	cosine   float64
	score    float64
}

// rank scores every clause: BM25 with the thesaurus's formal words added, the share of the question each clause
// explains, and vector similarity; best first.
func (e *Engine) rank(ctx context.Context, ix *index, q question, units []unit) ([]candidate, error) {
	for i := range units {
		if len(units[i].senses) > 0 {
			units[i].formalGrams = formalGrams(units[i], ix.lex)
		}
	}
	var terms []weightedTerm
	addGrams := func(text string, w float64) {
		for _, g := range grams(text, true) {
			gw := w
			if strings.HasPrefix(g, "1:") {
				gw *= unigramWeight
			}
			terms = append(terms, weightedTerm{g, gw})
		}
	}
	for _, u := range units {
		addGrams(u.text, u.weight)
		for _, s := range u.senses {
			// A line with many formal words spreads its weight over them.
			w := u.weight / math.Sqrt(float64(len(s.formal)))
			if s.rel == related {
				w *= 0.5
			}
			for _, f := range s.formal {
				addGrams(f, w)
			}
		}
	}
	bm := ix.lex.bm25(terms)
	cos, hits, err := e.similarities(ctx, ix, q.content)
	if err != nil {
		return nil, err
	}
	maxBM := 0.0
	for _, s := range bm {
		maxBM = math.Max(maxBM, s)
	}
	// Explaining a clause is the costly part: only the best by BM25 and the vector hits are candidates (with the
	// shipped code's 31 clauses, all of them).
	cand := make([]int, 0, min(len(ix.lex.docs), e.tun.Candidates+len(cos)))
	if len(ix.lex.docs) <= e.tun.Candidates {
		for i := range ix.lex.docs {
			cand = append(cand, i)
		}
	} else {
		seen := map[int]bool{}
		for _, i := range topK(bm, e.tun.Candidates) {
			cand, seen[i] = append(cand, i), true
		}
		for _, id := range hits { // best first: candidates (and ties among them) in the same order every time
			if i, ok := ix.docByID[id]; ok && !seen[i] {
				cand, seen[i] = append(cand, i), true
			}
		}
	}
	cands := make([]candidate, 0, len(cand))
	for _, i := range cand {
		d := ix.lex.doc(i)
		c := candidate{doc: d, cosine: cos[d.clause.ID]}
		c.coverage, c.evidence = explain(units, d, ix.lex)
		lexical := 0.0
		if maxBM > 0 {
			lexical = bm[i] / maxBM
		}
		c.score = e.tun.LexicalWeight*lexical + e.tun.CoverageWeight*c.coverage + e.tun.VectorWeight*math.Max(0, c.cosine)
		cands = append(cands, c)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	return cands, nil
}

// topK returns the indexes of the k highest scores, highest first (the lower index first among equals),
// keeping a min-heap of k instead of sorting every score.
func topK(scores []float64, k int) []int {
	if k <= 0 {
		return nil
	}
	// less orders the heap: the weakest of the kept on top.
	less := func(a, b int) bool { return scores[a] < scores[b] || scores[a] == scores[b] && a > b }
	h := make([]int, 0, k)
	down := func(i int) {
		for {
			l, s := 2*i+1, i
			if l < len(h) && less(h[l], h[s]) {
				s = l
			}
			if r := l + 1; r < len(h) && less(h[r], h[s]) {
				s = r
			}
			if s == i {
				return
			}
			h[i], h[s] = h[s], h[i]
			i = s
		}
	}
	for i := range scores {
		if len(h) < k {
			h = append(h, i)
			for j := len(h) - 1; j > 0 && less(h[j], h[(j-1)/2]); j = (j - 1) / 2 {
				h[j], h[(j-1)/2] = h[(j-1)/2], h[j]
			}
			continue
		}
		if less(h[0], i) {
			h[0] = i
			down(0)
		}
	}
	out := make([]int, len(h))
	for n := len(h) - 1; n >= 0; n-- { // pop the weakest to the end
		out[n] = h[0]
		h[0] = h[len(h)-1]
		h = h[:len(h)-1]
		down(0)
	}
	return out
}

// similarities returns cosine similarity by clause ID, and the clause IDs best first, from the remote space when
// it answers in time, else from the offline one.
func (e *Engine) similarities(ctx context.Context, ix *index, content string) (map[string]float64, []string, error) {
	search := func(space Space, vec []float32) (map[string]float64, []string, error) {
		hits, err := e.opts.Vectors.SearchClauses(ctx, space, ix.version.ID, vec, e.tun.VectorK)
		if err != nil {
			return nil, nil, fmt.Errorf("vector search: %w", err)
		}
		out := make(map[string]float64, len(hits))
		ids := make([]string, len(hits))
		for i, h := range hits {
			out[h.ClauseID] = h.Similarity
			ids[i] = h.ClauseID
		}
		return out, ids, nil
	}
	if ix.remoteSpace != nil {
		rctx, cancel := context.WithTimeout(ctx, e.tun.RemoteTimeout)
		vecs, err := e.opts.Remote.Embed(rctx, []string{content})
		cancel()
		if err == nil && len(vecs) == 1 && len(vecs[0]) == ix.remoteSpace.Dims {
			return search(*ix.remoteSpace, vecs[0])
		}
		if err == nil {
			err = errors.New("unexpected vector shape")
		}
		e.log.Warn("remote embedding failed; using offline vectors for this question", "err", err)
	}
	return search(ix.offlineSpace, ix.offline.embed(content))
}

// unit is a piece of a question's content: a thesaurus word with its senses, or a run of other characters.
type unit struct {
	text string // the thesaurus word, or the question's own characters
	span string // the question's characters it stands for (扣几分 for the word 扣五分)
	// formalGrams are the telling bigrams of the word's deciding formal words (formalGrams), noted by rank.
	formalGrams []gramWeight
	senses      []sense
	runes       int
	weight      float64
}

func queryUnits(q question, th *Thesaurus) []unit {
	var out []unit
	for _, p := range q.pieces {
		plain := func(s string) {
			if s != "" {
				out = append(out, unit{text: s, span: s, runes: utf8.RuneCountInString(s), weight: p.weight})
			}
		}
		last := 0
		for _, m := range th.scanFuzzy(p.text, q.known, scanTypos) {
			plain(p.text[last:m.start])
			out = append(out, unit{text: m.word, span: p.text[m.start:m.end], senses: m.senses, runes: utf8.RuneCountInString(m.word), weight: p.weight})
			last = m.end
		}
		plain(p.text[last:])
	}
	return out
}

// senseHit is how well a text accounts for a thesaurus word: 1 when it has the word or a formal word it means,
// less for a related one.
func senseHit(text string, u unit, relatedHit float64) float64 {
	best := 0.0
	if strings.Contains(text, u.text) {
		best = 1
	}
	for _, s := range u.senses {
		for _, f := range s.formal {
			if strings.Contains(text, f) {
				if s.rel == related {
					best = math.Max(best, relatedHit)
				} else {
					best = 1
				}
			}
		}
	}
	return best
}

// meansFormalIn reports whether text has a formal word that u means (a "=" or "<" sense).
func meansFormalIn(text string, u unit) bool {
	for _, s := range u.senses {
		if s.decides() && containsAnyWord(text, s.formal) {
			return true
		}
	}
	return false
}

func containsAnyWord(text string, words []string) bool {
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// bigramWeight is how telling a bigram of the code is: its IDF as a share of the highest, at least 0.3.
func (lx *lexicon) bigramWeight(g string) float64 {
	return math.Max(0.3, lx.idf[g]/lx.maxIDF)
}

// explain measures how much of the question a clause accounts for: coverage is the weighted share of the
// question's characters explained (a thesaurus word whose formal word is in the clause, or a bigram the clause
// has, discounted when the bigram is common across clauses); evidence counts the characters explained.
func explain(units []unit, d *lexDoc, lx *lexicon) (coverage, evidence float64) {
	var num, den float64
	for _, u := range units {
		if len(u.senses) > 0 {
			w := math.Max(1.5, float64(u.runes)) * u.weight
			den += w
			hit := senseHit(d.norm, u, 0.6)
			if hit == 0 {
				// 留胡子 (the formal word 留胡须) of a clause that says 不蓄胡须: a telling bigram of a formal word
				// the clause has explains part of the word, as it does when the deciding statement is chosen.
				hit = 0.5 * formalPartIn(d.hasGram, u, lx)
			}
			num += w * hit
			evidence += w * hit
			continue
		}
		rs := []rune(u.text)
		for i := range rs {
			den += u.weight
			best := 0.0
			for _, j := range []int{i - 1, i} {
				if j < 0 || j+1 >= len(rs) {
					continue
				}
				g := string(rs[j : j+2])
				if tf := d.tf[g]; tf > 0 {
					w := lx.bigramWeight(g)
					if tf < 1 { // only in quoted examples
						w *= quotedWeight
					}
					best = math.Max(best, w)
				} else if d.topic[g] {
					best = math.Max(best, topicWeight*lx.topic[g])
				}
			}
			if best == 0 && len(rs) == 1 && d.tf["1:"+string(rs[i])] > 0 {
				best = 0.2
			}
			num += best * u.weight
			evidence += best * u.weight
		}
	}
	if den == 0 {
		return 0, 0
	}
	return num / den, evidence
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
