package retrieval

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/conductbot/conductbot/rules"
)

// Breach is a clause that an observed act breaks: the act is one the clause forbids, or the observation says a
// required act was not done (or its opposite was: 便装 where the rule says 制服).
type Breach struct {
	Clause    string         // clause ID
	Title     string         // the clause's section title
	Statement string         // the statement broken, as the code words it
	Modality  rules.Modality // Prohibited or Required
	Score     float64        // the clause's retrieval score
	// Matches pair the words of the observation with the statement's words that account for them: what the
	// inspector checks the proposal against.
	Matches []Match
}

// Match is a word of an observation and the word of a statement it was matched to (看手机 → 上网).
type Match struct {
	Seen   string `json:"seen"`
	Clause string `json:"clause"`
}

// Observe reads one phrase of an inspector's description ("窗口小伙子一直低头玩手机", "没戴工号牌") as a fact and
// finds the clause it shows broken, if any: the engine asks itself whether what was seen is allowed, as a window
// clerk would ask it, and only a clear 不可以 from a statement that accounts for the act is a breach. A phrase
// the code does not cover, one whose best clause only permits, encourages or describes, and one about a penalty
// give nil, as does a phrase about what someone other than the staff did (lang/observe.txt). It fails only when
// the store fails.
func (e *Engine) Observe(ctx context.Context, fact string) (*Breach, error) {
	fact = strings.TrimSpace(fact)
	if fact == "" || observeLang.context.MatchString(fact) {
		return nil, nil
	}
	ix := e.state.Load()
	q := analyze(observeLang.prefix+fact+observeLang.suffix, ix.th, ix.lex.known)
	if q.content == "" || q.kind != askPermission {
		return nil, nil
	}
	us := queryUnits(q, ix.th)
	cands, err := e.rank(ctx, ix, q, us)
	if err != nil {
		return nil, err
	}
	best := cands[0]
	if best.coverage < minObservedCoverage || best.evidence < e.tun.MinEvidence {
		return nil, nil
	}
	v, d := e.verdict(ix, q, us, cands)
	if v != Forbidden || d.st == nil {
		return nil, nil
	}
	st := d.st
	b := &Breach{Clause: best.doc.clause.ID, Title: best.doc.clause.Title, Statement: st.statement.Text,
		Modality: st.statement.Modality, Score: round3(best.score)}
	for _, u := range us {
		if w := wordFor(st.norm, u); w != "" {
			b.Matches = append(b.Matches, Match{Seen: u.span, Clause: w})
		}
	}
	if examples := exampleQuotes(best.doc.clause.Text); len(examples) > 0 && !reportsSpeech(fact) {
		// 外面排了一长串 of 不得使用……的语言，如“后面排队去”: words found only in the quoted examples of what may
		// not be said match an observation only of something said.
		quoted := normalize(strings.Join(examples, " "))
		bare := best.doc.clause.Text
		for _, p := range examples {
			bare = strings.Replace(bare, "“"+p+"”", "", 1)
		}
		bare = normalize(bare)
		kept := b.Matches[:0]
		for _, m := range b.Matches {
			if strings.Contains(bare, m.Clause) || !strings.Contains(quoted, m.Clause) {
				kept = append(kept, m)
			}
		}
		b.Matches = kept
	}
	if len(b.Matches) == 0 || onlyWorkplace(b.Matches) {
		// 大厅挺安静 of 不得在大厅内大声喧哗: the place is shared, not the act.
		return nil, nil
	}
	return b, nil
}

// onlyWorkplace reports whether every matched word of an observation only places it at work (大厅, 窗口,
// 工作人员: lang/abstain.txt's workContext).
func onlyWorkplace(ms []Match) bool {
	for _, m := range ms {
		if workContext.ReplaceAllString(m.Seen, "") != "" {
			return false
		}
	}
	return true
}

// minObservedCoverage is the share of an observed phrase its best clause must explain for the phrase to be read
// as a breach of it (a question needs less: it is answered, a breach becomes a finding). Calibrated on the
// observation sets of five codes (inspect/testdata/observations): 0.2 drops 14 proposals, 8 of them wrong.
const minObservedCoverage = 0.2

// wordFor is the word of a statement's text that accounts for u: the word itself, a formal word it means, or the
// longest run of u's characters the text has (two at least); "" when there is none.
func wordFor(text string, u unit) string {
	if strings.Contains(text, u.text) {
		return u.text
	}
	for _, s := range u.senses {
		for _, f := range s.formal {
			if strings.Contains(text, f) {
				return f
			}
		}
	}
	rs := []rune(u.text)
	best := ""
	for i := range rs {
		for j := i + 2; j <= len(rs); j++ {
			if g := string(rs[i:j]); strings.Contains(text, g) && j-i > len([]rune(best)) {
				best = g
			}
		}
	}
	return best
}

// reportsSpeech reports whether an observation tells of something said: a quotation, or a verb of saying.
func reportsSpeech(fact string) bool { return strings.ContainsAny(fact, observeLang.speech) }

// observeLang is lang/observe.txt read.
var observeLang = mustReadLang("observe.txt", readObserveLang)

// observeWords are the lists of lang/observe.txt.
type observeWords struct {
	prefix, suffix string         // how a phrase is asked
	context        *regexp.Regexp // a phrase about someone other than the staff
	speech         string         // the characters that mark something said
}

// readObserveLang reads lang/observe.txt.
func readObserveLang(f *langFile) observeWords {
	var w observeWords
	for _, kv := range f.table("askAs") {
		switch kv[0] {
		case "prefix":
			w.prefix = kv[1]
		case "suffix":
			w.suffix = kv[1]
		default:
			f.fail(fmt.Errorf("%s: @askAs: %s is neither prefix nor suffix", f.name, kv[0]))
		}
	}
	w.context = f.regexp("context", -1)
	w.speech = f.chars("speech")
	return w
}

// exampleQuotes are the quoted examples of a clause's text: those of a sentence that lists them (如“…”、“…”等),
// or of the list that ends a sentence (……的语言，如“不知道”“自己看”). A quoted name (“暂停服务”标识牌) is none.
func exampleQuotes(text string) []string {
	var out []string
	for _, sp := range sentenceSpans(text) {
		sentence := text[sp[0]:sp[1]]
		if isExampleList(sentence) {
			out = append(out, quotedPhrases(sentence)...)
		} else if _, ex := examplesInside(sentence); ex != "" {
			out = append(out, quotedPhrases(ex)...)
		}
	}
	return out
}
