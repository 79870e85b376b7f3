package retrieval

import (
	"strings"
	"unicode/utf8"

	"github.com/conductbot/conductbot/rules"
)

// Verdict is the yes/no a conduct question gets.
type Verdict string

const (
	Forbidden Verdict = "forbidden" // 不可以
	Required  Verdict = "required"  // 必须
	Allowed   Verdict = "allowed"   // 可以
	NoVerdict Verdict = "none"      // not a yes/no question, or the code does not decide it
)

// Citation is one clause an answer rests on.
type Citation struct {
	ID    string  `json:"id"`
	Title string  `json:"title"`
	Text  string  `json:"text"`
	Score float64 `json:"score"`
}

// Answer is what `conductbot ask --json` prints and what the bot shows. The JSON form is a contract
// (docs/design.md): question, answer, verdict, abstained, citations (ranked, best first).
type Answer struct {
	Question  string     `json:"question"`
	Answer    string     `json:"answer"`
	Verdict   Verdict    `json:"verdict"`
	Abstained bool       `json:"abstained"`
	Citations []Citation `json:"citations"`

	// Deciding is the statement the verdict rests on, quoted in the answer; nil when there is none.
	Deciding *rules.Statement `json:"-"`
	// Quote is the deciding sentence the answer quotes, complete, without its closing mark; empty when the answer
	// quotes none.
	Quote string `json:"-"`
	// Lookup is true when the question named a clause ("1.3.3", "一(三)3") and the answer is that clause.
	Lookup bool `json:"-"`
	// Version is the ID of the code version the answer was drawn from.
	Version int64 `json:"-"`
}

// fullTextShare is the share of the clause a quote must fall below for the clause's full text to add to it.
const fullTextShare = 0.8

// FullTextAdds reports whether the cited clause's full text adds to what the answer quotes: it does when the
// quote is less than 80% of the clause, or when the answer quotes nothing of it.
func (a *Answer) FullTextAdds() bool {
	if a.Abstained || len(a.Citations) == 0 {
		return false
	}
	full := utf8.RuneCountInString(strings.TrimSpace(a.Citations[0].Text))
	if a.Quote == "" {
		return !a.Lookup && full > 0
	}
	return float64(utf8.RuneCountInString(a.Quote)) < fullTextShare*float64(full)
}
