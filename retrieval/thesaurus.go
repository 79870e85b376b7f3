package retrieval

import (
	"bufio"
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
)

//go:embed thesaurus.txt
var shippedThesaurus string

// relation is how an everyday word stands to the formal words of a thesaurus line.
type relation int

const (
	same     relation = iota // "=": means the same; may decide a verdict
	related                  // "~": same topic; finds the clause, never decides
	opposite                 // "!": the opposite (便装 for 制服): asks whether a rule may be skipped
	kindOf                   // "<": a kind of the formal thing (耳环 of 饰品): decides like "=", one way only
)

// sense is one reading of an everyday word.
type sense struct {
	formal []string
	rel    relation
	// side are the words of an opposite ("!") line of two characters or more: the things that stand on the
	// other side of formal (便装 便服 自己的衣服 for 制服).
	side []string
}

// decides reports whether the word stands for its formal words fully: the same thing, or a kind of it.
func (s sense) decides() bool { return s.rel == same || s.rel == kindOf }

// Thesaurus maps everyday words to the formal words of the code. It is data (thesaurus.txt), loaded once.
type Thesaurus struct {
	senses  map[string][]sense
	byFirst map[rune][]string // words by first rune, longest first
	formal  map[string]bool   // every formal word
	hash    string
	src     string // the text it was parsed from, for With

	byPinyin     map[string][]string // words of two or more characters by their pinyin ("tuo'xie'")
	maxWordRunes int
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

// ParseThesaurus reads lines "FORMAL[|FORMAL…] =|~|!|< word word …"; # starts a comment.
func ParseThesaurus(src string) (*Thesaurus, error) {
	t := &Thesaurus{senses: map[string][]sense{}, byFirst: map[rune][]string{}, formal: map[string]bool{}, hash: textHash(src), byPinyin: map[string][]string{},
		src: src}
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
		i := strings.IndexAny(s, "=~!<")
		if i <= 0 {
			return nil, fmt.Errorf("thesaurus line %d: want FORMAL = words, FORMAL ~ words, FORMAL ! words or FORMAL < words", line)
		}
		rel := map[byte]relation{'=': same, '~': related, '!': opposite, '<': kindOf}[s[i]]
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
		var side []string
		if rel == opposite {
			for _, w := range words {
				if w = normalize(w); utf8.RuneCountInString(w) >= 2 {
					side = append(side, w)
				}
			}
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
			t.senses[w] = append(t.senses[w], sense{formal: formal, rel: rel, side: side})
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
	for w := range t.senses {
		n := utf8.RuneCountInString(w)
		t.maxWordRunes = max(t.maxWordRunes, n)
		if n < 2 {
			continue
		}
		key := ""
		for _, r := range w {
			py := runePinyin(r)
			if py == "" {
				key = ""
				break
			}
			key += py + "'"
		}
		if key != "" {
			t.byPinyin[key] = append(t.byPinyin[key], w)
		}
	}
	for _, ws := range t.byPinyin {
		sort.Strings(ws)
	}
	for r, ws := range t.byFirst {
		sort.Slice(ws, func(i, j int) bool { return len(ws[i]) > len(ws[j]) })
		t.byFirst[r] = ws
	}
	return t, sc.Err()
}

// sameAs returns the formal words that the everyday words of text (two characters or more, read with a "="
// sense) mean and that text does not have itself: a code that writes 吸烟 gets 抽烟, so that 抽根烟 finds it. A "="
// line names one thing in several words, and a code may use any of them.
func (t *Thesaurus) sameAs(text string) []string {
	var out []string
	for _, m := range t.scan(text) {
		if utf8.RuneCountInString(m.word) < 2 {
			continue
		}
		for _, s := range m.senses {
			if s.rel != same || len(s.formal) != 1 {
				continue // a line with several formal words points at a topic; it does not name one thing
			}
			for _, f := range s.formal {
				if !strings.Contains(text, f) && !slices.Contains(out, f) {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// With returns the thesaurus with a code's own word list (its pack, rules.Words) read after this one's lines.
func (t *Thesaurus) With(words string) (*Thesaurus, error) {
	if strings.TrimSpace(words) == "" {
		return t, nil
	}
	return ParseThesaurus(t.src + "\n" + words)
}

// match is an everyday word found in a text, at byte offsets [start, end).
type match struct {
	word       string
	start, end int
	senses     []sense
}

// minFuzzyRunes is the shortest word matched with one wrong character: 指家油 for 指甲油. Shorter words would
// match too much; homophones (托鞋 for 拖鞋) are matched through pinyin instead.
const minFuzzyRunes = 3

// How much a character of a match counts when matches compete for the same text: an exact match beats a
// separable verb (插个队 for 插队), which beats a typo.
const (
	exactWeight     = 1.0
	separableWeight = 0.95
	typoWeight      = 0.8
	wordPenalty     = 0.1 // fewer, longer words win ties
)

// How loosely words are found is data, lang/scan.txt: separableInfixes may stand between the two characters of a
// verb-object word (插个队, 睡会觉, 抽根烟); functionRunes are characters too common to be taken for a homophone
// typo (对群众 is not 怼群众); questionRunes ask rather than name: a word with one of them in the middle is not a
// typo, 个啥形象 is not 个人形象.
var separableInfixes, functionRunes, questionRunes = func() ([]string, string, string) {
	w := mustReadLang("scan.txt", readScanLang)
	return w.separableInfixes, w.functionChars + w.questionChars, w.questionChars
}()

// scanWords are the lists of lang/scan.txt.
type scanWords struct {
	separableInfixes             []string
	questionChars, functionChars string
}

// readScanLang reads lang/scan.txt.
func readScanLang(f *langFile) scanWords {
	return scanWords{
		separableInfixes: f.words("separableInfixes"),
		questionChars:    f.chars("questionChars"),
		functionChars:    f.chars("functionChars"),
	}
}

// span is a candidate match in a text, in runes.
type span struct {
	from, to int
	word     string
	weight   float64
}

// How loosely scanFuzzy matches.
type scanMode int

const (
	scanExact     scanMode = iota // as written
	scanSeparable                 // also separable verbs: 插个队
	scanTypos                     // also typos and homophones: 指家油, 托鞋
)

// scan finds thesaurus words in normalized text, without overlaps, exactly as written.
func (t *Thesaurus) scan(s string) []match { return t.scanFuzzy(s, nil, scanExact) }

// scanFuzzy finds thesaurus words in normalized text. Where known is not nil it also matches separable verbs (插个
// 队), words of minFuzzyRunes or more with one inner character wrong (指家油), and homophones typed by a pinyin
// input method (托鞋, 头诉) — unless the text there is the code's own wording (known reports the code's bigrams):
// 服务对象 is not a typo of 服务形象. Among overlapping candidates it chooses the segmentation that covers the most
// text with the fewest words, preferring the later word on ties (backward maximum matching): 会客气点 is 会 + 客气.
func (t *Thesaurus) scanFuzzy(s string, known func(string) bool, mode scanMode) []match {
	if known == nil {
		mode = scanExact
	}
	rs := []rune(s)
	var py []string
	if mode == scanTypos {
		py = make([]string, len(rs))
		for i, r := range rs {
			py[i] = runePinyin(r)
		}
	}
	var spans []span
	for i := range rs {
		spans = append(spans, t.spansAt(rs, py, i, known, mode)...)
	}
	if len(spans) == 0 {
		return nil
	}
	spans = dropTyposOfWords(rs, spans)
	byStart := make([][]span, len(rs))
	for _, sp := range spans {
		byStart[sp.from] = append(byStart[sp.from], sp)
	}
	best := make([]float64, len(rs)+1)
	choice := make([]int, len(rs)) // index into byStart[i], or -1 to skip the rune
	for i := len(rs) - 1; i >= 0; i-- {
		best[i], choice[i] = best[i+1], -1
		for k, sp := range byStart[i] {
			v := float64(sp.to-sp.from)*sp.weight - wordPenalty + best[sp.to]
			if v > best[i]+1e-9 {
				best[i], choice[i] = v, k
			}
		}
	}
	// byte offsets of rune positions
	offs := make([]int, len(rs)+1)
	for i, r := range rs {
		offs[i+1] = offs[i] + utf8.RuneLen(r)
	}
	var out []match
	for i := 0; i < len(rs); {
		if choice[i] < 0 {
			i++
			continue
		}
		sp := byStart[i][choice[i]]
		out = append(out, match{word: sp.word, start: offs[sp.from], end: offs[sp.to], senses: t.senses[sp.word]})
		i = sp.to
	}
	return out
}

// spansAt lists the candidate matches starting at rune i.
func (t *Thesaurus) spansAt(rs []rune, py []string, i int, known func(string) bool, mode scanMode) []span {
	var out []span
	for _, w := range t.byFirst[rs[i]] {
		wr := []rune(w)
		if i+len(wr) <= len(rs) && runesEqual(rs[i:i+len(wr)], wr) {
			out = append(out, span{i, i + len(wr), w, exactWeight})
		}
	}
	if mode == scanExact || !isHan(rs[i]) {
		return out
	}
	exact := len(out) > 0
	for _, in := range separableInfixes {
		ir := []rune(in)
		end := i + 1 + len(ir) + 1
		if end > len(rs) || !runesEqual(rs[i+1:i+1+len(ir)], ir) {
			continue
		}
		if w := string([]rune{rs[i], rs[end-1]}); len(t.senses[w]) > 0 {
			out = append(out, span{i, end, w, separableWeight})
		}
	}
	if mode != scanTypos || exact {
		return out
	}
	for _, w := range t.byFirst[rs[i]] {
		wr := []rune(w)
		if len(wr) >= minFuzzyRunes && i+len(wr) <= len(rs) && oneInnerTypo(rs[i:i+len(wr)], wr) &&
			!strings.ContainsAny(string(rs[i:i+len(wr)]), questionRunes) && !allKnown(string(rs[i:i+len(wr)]), known) {
			out = append(out, span{i, i + len(wr), w, typoWeight})
		}
	}
	out = append(out, t.homophonesAt(rs, py, i, known)...)
	// A typo match may not start inside one of the code's own words: in 规范里, 范里 is not a typo of 范例. (Its
	// end is not checked: bigrams across word ends, like 话不 in 接电话不能, are common.)
	// Nor may it change the character that begins one: in 领证要签字, 要签 is not a slip for 要钱 — 签 begins 签字,
	// which the code writes.
	kept := out[:0]
	for _, sp := range out {
		if sp.weight < separableWeight && cutsWord(rs, sp.from, known) {
			continue
		}
		if sp.weight == typoWeight && []rune(sp.word)[sp.to-sp.from-1] != rs[sp.to-1] && cutsWord(rs, sp.to, known) {
			continue
		}
		kept = append(kept, sp)
	}
	return kept
}

// dropTyposOfWords removes the typo matches that would correct a character belonging to a thesaurus word
// written out as it is: in 窗口禁语, 禁 is part of 禁语, not a slip for the 用 of 窗口用语.
func dropTyposOfWords(rs []rune, spans []span) []span {
	inWord := make([]bool, len(rs))
	for _, sp := range spans {
		if sp.weight == exactWeight {
			for i := sp.from; i < sp.to; i++ {
				inWord[i] = true
			}
		}
	}
	kept := spans[:0]
	for _, sp := range spans {
		if sp.weight == typoWeight {
			wr := []rune(sp.word)
			typoOfWord := false
			for k := range wr {
				if rs[sp.from+k] != wr[k] && inWord[sp.from+k] {
					typoOfWord = true
				}
			}
			if typoOfWord {
				continue
			}
		}
		kept = append(kept, sp)
	}
	return kept
}

// cutsWord reports whether a boundary at rune i falls inside a bigram of the code.
func cutsWord(rs []rune, i int, known func(string) bool) bool {
	return i > 0 && i < len(rs) && known(string(rs[i-1:i+1]))
}

// homophonesAt matches words that sound like the text at rune i: same pinyin (tones ignored), at least one
// character the same, the others different.
func (t *Thesaurus) homophonesAt(rs []rune, py []string, i int, known func(string) bool) []span {
	var out []span
	key := ""
	for j := i; j < len(rs) && j-i < t.maxWordRunes; j++ {
		if py[j] == "" {
			break
		}
		key += py[j] + "'"
		if j == i {
			continue
		}
		for _, w := range t.byPinyin[key] {
			wr := []rune(w)
			same := 0
			for k := range wr {
				if wr[k] == rs[i+k] {
					same++
				}
			}
			if same > 0 && same < len(wr) && !allKnown(string(rs[i:j+1]), known) && !functionTypo(rs[i:j+1], wr) {
				out = append(out, span{i, j + 1, w, typoWeight})
			}
		}
	}
	return out
}

// functionTypo reports whether text differs from word in a function character.
func functionTypo(text, word []rune) bool {
	for k := range word {
		if text[k] != word[k] && strings.ContainsRune(functionRunes, text[k]) {
			return true
		}
	}
	return false
}

func runesEqual(a, b []rune) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
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

// oneInnerTypo reports whether text differs from word in exactly one Han character that is neither the first
// nor the last.
func oneInnerTypo(text, word []rune) bool {
	diff := 0
	for k := range word {
		if !isHan(text[k]) {
			return false
		}
		if text[k] != word[k] {
			if k == 0 || k == len(word)-1 {
				return false
			}
			diff++
		}
	}
	return diff == 1
}

var pinyinArgs = pinyin.NewArgs()

// pinyinCache holds readings already looked up: the library styles each reading with regular expressions.
var pinyinCache sync.Map // rune → string

// runePinyin is the first reading of a Han character without tone, or "" for anything else.
func runePinyin(r rune) string {
	if !isHan(r) {
		return ""
	}
	if v, ok := pinyinCache.Load(r); ok {
		return v.(string)
	}
	py := ""
	if ps := pinyin.SinglePinyin(r, pinyinArgs); len(ps) > 0 {
		py = ps[0]
	}
	pinyinCache.Store(r, py)
	return py
}

// Version identifies the thesaurus content; embeddings that use it change with it.
func (t *Thesaurus) Version() string { return t.hash }
