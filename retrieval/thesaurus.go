package retrieval

import (
	"bufio"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

//go:embed thesaurus.txt
var shippedThesaurus string

// relation is how an everyday word stands to the formal words of a thesaurus line.
type relation int

const (
	same     relation = iota // "=": means the same; may decide a verdict
	related                  // "~": same topic; finds the clause, never decides
	opposite                 // "!": the opposite (便装 for 制服): asks whether a rule may be skipped
)

// sense is one reading of an everyday word.
type sense struct {
	formal []string
	rel    relation
}

// Thesaurus maps everyday words to the formal words of the code. It is data (thesaurus.txt), loaded once.
type Thesaurus struct {
	senses  map[string][]sense
	byFirst map[rune][]string // words by first rune, longest first
	formal  map[string]bool   // every formal word
	hash    string
}

// formalWords is the set of formal words the thesaurus maps to.
func (t *Thesaurus) formalWords() map[string]bool { return t.formal }

// ShippedThesaurus parses the embedded thesaurus; it cannot fail unless the file is broken, which tests prevent.
func ShippedThesaurus() *Thesaurus {
	t, err := ParseThesaurus(shippedThesaurus)
	if err != nil {
		panic(fmt.Sprintf("retrieval: shipped thesaurus: %v", err))
	}
	return t
}

// ParseThesaurus reads lines "FORMAL[|FORMAL…] =|~|! word word …"; # starts a comment.
func ParseThesaurus(src string) (*Thesaurus, error) {
	t := &Thesaurus{senses: map[string][]sense{}, byFirst: map[rune][]string{}, formal: map[string]bool{}, hash: textHash(src)}
	sc := bufio.NewScanner(strings.NewReader(src))
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
		if s == "" {
			continue
		}
		i := strings.IndexAny(s, "=~!")
		if i <= 0 {
			return nil, fmt.Errorf("thesaurus line %d: want FORMAL = words, FORMAL ~ words or FORMAL ! words", line)
		}
		rel := map[byte]relation{'=': same, '~': related, '!': opposite}[s[i]]
		var formal []string
		for _, f := range strings.Split(s[:i], "|") {
			if f = normalize(f); f != "" {
				formal = append(formal, f)
				t.formal[f] = true
			}
		}
		words := strings.Fields(s[i+1:])
		if len(formal) == 0 || len(words) == 0 {
			return nil, fmt.Errorf("thesaurus line %d: empty side", line)
		}
		for _, w := range words {
			w = normalize(w)
			if w == "" {
				continue
			}
			if _, known := t.senses[w]; !known {
				r, _ := utf8.DecodeRuneInString(w)
				t.byFirst[r] = append(t.byFirst[r], w)
			}
			t.senses[w] = append(t.senses[w], sense{formal: formal, rel: rel})
		}
	}
	// Formal words are words too: 三个一样 in a question must not lose its 个 to the filler removal.
	for f := range t.formal {
		if _, known := t.senses[f]; !known {
			r, _ := utf8.DecodeRuneInString(f)
			t.byFirst[r] = append(t.byFirst[r], f)
			t.senses[f] = []sense{{formal: []string{f}, rel: same}}
		}
	}
	for r, ws := range t.byFirst {
		sort.Slice(ws, func(i, j int) bool { return len(ws[i]) > len(ws[j]) })
		t.byFirst[r] = ws
	}
	return t, sc.Err()
}

// match is an everyday word found in a text, at byte offsets [start, end).
type match struct {
	word       string
	start, end int
	senses     []sense
}

// minFuzzyRunes is the shortest word matched with one wrong character: 指家油 for 指甲油, 普同话 for 普通话 (a
// pinyin input method puts in a homophone). Shorter words would match too much.
const minFuzzyRunes = 3

// scan finds thesaurus words in normalized text, longest first, left to right, without overlaps.
func (t *Thesaurus) scan(s string) []match { return t.scanFuzzy(s, nil) }

// scanFuzzy is scan where a word of minFuzzyRunes or more also matches with one inner character replaced, unless
// the text there is the code's own wording (known reports the code's bigrams): 服务对象 is not a typo of 服务形象.
func (t *Thesaurus) scanFuzzy(s string, known func(string) bool) []match {
	var out []match
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		found := false
		for _, w := range t.byFirst[r] {
			if strings.HasPrefix(s[i:], w) {
				out = append(out, match{word: w, start: i, end: i + len(w), senses: t.senses[w]})
				i += len(w)
				found = true
				break
			}
		}
		if !found && known != nil {
			for _, w := range t.byFirst[r] {
				if n, ok := fuzzyPrefix(s[i:], w); ok && !allKnown(s[i:i+n], known) {
					out = append(out, match{word: w, start: i, end: i + n, senses: t.senses[w]})
					i += n
					found = true
					break
				}
			}
		}
		if !found {
			i += size
		}
	}
	return out
}

func allKnown(s string, known func(string) bool) bool {
	rs := []rune(s)
	for i := 0; i+1 < len(rs); i++ {
		if !known(string(rs[i : i+2])) {
			return false
		}
	}
	return true
}

// fuzzyPrefix reports whether s starts with w with exactly one Han character after the first replaced, and how
// many bytes of s that takes.
func fuzzyPrefix(s, w string) (int, bool) {
	if utf8.RuneCountInString(w) < minFuzzyRunes {
		return 0, false
	}
	diff, n := 0, 0
	for _, wr := range w {
		sr, size := utf8.DecodeRuneInString(s[n:])
		if size == 0 || !isHan(sr) {
			return 0, false
		}
		if sr != wr {
			diff++
			if diff > 1 || n == 0 || n+size == len(w) {
				return 0, false
			}
		}
		n += size
	}
	return n, diff == 1
}

// Version identifies the thesaurus content; embeddings that use it change with it.
func (t *Thesaurus) Version() string { return t.hash }
