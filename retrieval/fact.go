package retrieval

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Fact questions ask for a number, a time, a place, a person, an attribute or how to operate something. A code
// answers one only where a clause states that kind of fact (离开不超过10分钟, 由值班长负责, 在后台休息区就餐); the
// sentence stating it must also be about the question (answersFact). The kinds of fact, the words that ask for
// each and the way a code states each are general Chinese, kept as data in facts.txt.

//go:embed facts.txt
var factsSource string

// factVocabulary is facts.txt read.
type factVocabulary struct {
	question *regexp.Regexp // a question asking for a fact; group 1, where it matched, is the asking words
	count    *regexp.Regexp // asking words that ask how many
	negation string         // characters after which a place is where not to be
	kinds    []factKind
}

// factKind is one kind of fact: the asking words it answers and how a sentence states it.
type factKind struct {
	ask    *regexp.Regexp
	states *regexp.Regexp
	placed bool // not when the statement follows a negation (不得在窗口吸烟 is not where to smoke)
}

var facts = func() *factVocabulary {
	f, err := parseFacts(factsSource)
	if err != nil {
		panic(fmt.Sprintf("retrieval: facts.txt: %v", err))
	}
	return f
}()

// parseFacts reads the fact vocabulary (the format is in facts.txt's header).
func parseFacts(src string) (*factVocabulary, error) {
	f := &factVocabulary{}
	numeral := ""
	compile := func(line int, expr string) (*regexp.Regexp, error) {
		re, err := regexp.Compile(strings.ReplaceAll(expr, "{numeral}", numeral))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		return re, nil
	}
	var err error
	for i, line := range strings.Split(src, "\n") {
		if line = strings.TrimRight(line, "\r"); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Split(line, "\t")
		switch {
		case fs[0] == "numeral" && len(fs) == 2:
			numeral = fs[1]
		case fs[0] == "question" && len(fs) == 2:
			f.question, err = compile(i+1, fs[1])
		case fs[0] == "count" && len(fs) == 2:
			f.count, err = compile(i+1, fs[1])
		case fs[0] == "negation" && len(fs) == 2:
			f.negation = fs[1]
		case fs[0] == "kind" && (len(fs) == 4 || len(fs) == 5 && fs[4] == "placed"):
			k := factKind{placed: len(fs) == 5} // fs[1] names the kind for the reader
			if k.ask, err = compile(i+1, fs[2]); err == nil {
				k.states, err = compile(i+1, fs[3])
			}
			f.kinds = append(f.kinds, k)
		default:
			return nil, fmt.Errorf("line %d: want numeral, question, count, negation or kind with its fields", i+1)
		}
		if err != nil {
			return nil, err
		}
	}
	if f.question == nil || f.count == nil || len(f.kinds) == 0 {
		return nil, errors.New("question, count and kinds are required")
	}
	return f, nil
}

// askedFact is the fact a question asks for, without the character before 几 that the pattern needs to see.
func askedFact(text string) string {
	m := facts.question.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	if len(m) > 1 && m[1] != "" {
		return m[1]
	}
	return m[0]
}

// statesFact reports whether a clause states the kind of fact the question asks for: 多久 is answered by 在2个工
// 作日内, 几点 by 8:30 or 自印发之日起施行, 找谁 by 由值班长负责, 在哪 by 在后台休息区. Attributes, operations and
// faults (颜色, 怎么登录, 卡纸) are answered only by a clause that uses the very word.
func statesFact(text, asked, question string) bool {
	if utf8.RuneCountInString(asked) >= 2 && strings.Contains(text, asked) {
		return true // 网上流程: the code's own word, not a fact it leaves out
	}
	for _, k := range facts.kinds {
		if !k.ask.MatchString(asked) {
			continue
		}
		for _, m := range k.states.FindAllStringIndex(text, -1) {
			if !k.placed || !negatedBefore(text[:m[0]]) {
				return true
			}
		}
		return false
	}
	return false
}

// negatedBefore reports whether the phrase ending where a match starts is a prohibition: a negation character
// (facts.txt) within the last four characters of the phrase.
func negatedBefore(before string) bool {
	rs := []rune(before)
	for i := len(rs) - 1; i >= 0 && i >= len(rs)-4; i-- {
		switch rs[i] {
		case '，', '。', '；', ',', ';':
			return false
		}
		if strings.ContainsRune(facts.negation, rs[i]) {
			return true
		}
	}
	return false
}

// answersFact reports whether a clause answers a fact question: one of its sentences states the kind of fact
// asked (statesFact) and is itself about the question — the question's other words (restUnits) give that
// sentence at least minEvidence. 早上几点打卡 is not answered by a clause that states 8:30 for something else.
func answersFact(us []unit, asked, question string, d *lexDoc, lx *lexicon, minEvidence float64) bool {
	rest := restUnits(us, asked)
	text := d.clause.Text
	for _, sp := range sentenceSpans(text) {
		sentence := text[sp[0]:sp[1]]
		if !statesFact(sentence, asked, question) {
			continue
		}
		norm := withSameAs(lx.th, normalize(sentence))
		gs := map[string]bool{}
		for _, g := range grams(normalize(sentence), false) {
			gs[g] = true
		}
		need := minEvidence
		if asked == "多少" {
			need += vagueFactEvidence // 电话是多少, 能拿多少: what is counted must be tied all the more firmly
		}
		if evidenceIn(rest, &lexStmt{norm: norm, grams: gs}, lx) >= need {
			return true
		}
	}
	return false
}

// restUnits are the question's units once the fact words themselves are set aside (打多久 is also a thesaurus
// word, 负责 in 谁负责 a word of many clauses). A fact word that means one of the code's own words (多少分 = 考核)
// stays: it asks about the very thing the clause counts.
func restUnits(us []unit, asked string) []unit {
	rest := make([]unit, 0, len(us))
	for _, u := range us {
		if !strings.Contains(u.span, asked) && !strings.Contains(asked, u.span) {
			rest = append(rest, u)
			continue
		}
		if len(u.senses) > 0 {
			for _, s := range u.senses {
				if s.decides() {
					rest = append(rest, u)
					break
				}
			}
			continue
		}
		for _, piece := range strings.Split(u.text, asked) {
			if piece != "" {
				p := u
				p.text, p.span, p.runes = piece, piece, utf8.RuneCountInString(piece)
				rest = append(rest, p)
			}
		}
	}
	return rest
}

// evidenceIn counts the characters of the question a statement or sentence accounts for, as explain does for a
// clause: thesaurus words by their senses, other characters by the bigrams it has, weighed by how telling each is.
func evidenceIn(us []unit, st *lexStmt, lx *lexicon) float64 {
	var ev float64
	for _, u := range us {
		if len(u.senses) > 0 {
			ev += math.Max(1.5, float64(u.runes)) * u.weight * senseHit(st.norm, u, factRelatedHit)
			continue
		}
		rs := []rune(u.text)
		for i := range rs {
			best := 0.0
			for _, j := range []int{i - 1, i} {
				if j >= 0 && j+1 < len(rs) && st.grams[string(rs[j:j+2])] {
					best = math.Max(best, lx.bigramWeight(string(rs[j:j+2])))
				}
			}
			ev += best * u.weight
		}
	}
	return ev
}

// vagueFactEvidence is the evidence a bare 多少 needs beyond the usual: it does not say what it counts.
const vagueFactEvidence = 1.5

// factRelatedHit is what a related word (打卡 ~ 检查) counts for tying a fact question to a sentence: less than
// in ranking, for the sentence must be about the very thing asked.
const factRelatedHit = 0.4
