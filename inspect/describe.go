package inspect

import (
	"context"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
)

// Proposal is a clause the inspector's description seems to describe a breach of, for them to confirm.
type Proposal struct {
	Quote   string            `json:"quote"`             // the part of the description it was found for
	Clause  string            `json:"clause"`            // clause ID
	Title   string            `json:"title"`             // the clause's section title
	ItemKey string            `json:"item"`              // the checklist item citing the clause; "" when none does
	Score   float64           `json:"score"`             // the retrieval score
	Matches []retrieval.Match `json:"matches,omitempty"` // the quote's words and the clause's words they matched
	Adopted *bool             `json:"adopted"`           // nil until the inspector decides
}

// Observer reads one phrase of a description as an observed fact and finds the clause it shows broken
// (retrieval.Engine); nil when it shows none, or when the phrase tells what someone other than the staff did.
type Observer interface {
	Observe(ctx context.Context, fact string) (*retrieval.Breach, error)
}

// MaxProposals is the most proposals made for one description.
const MaxProposals = 5

// Propose maps an inspector's description to the clauses it describes breaches of: the description is cut
// into its phrases (sentences and their comma-separated parts), each is read as an observed fact (the Observer
// takes what the inspector or one of the people served did — 我去咨询…, 一个家属在窗口嚷嚷 — for context, not a
// finding), and every clause a fact shows broken is proposed, best first, one per clause, mapped to the
// checklist item citing it.
func Propose(ctx context.Context, obs Observer, code *rules.Code, cl *Checklist, description string) ([]Proposal, error) {
	best := map[string]Proposal{}
	for _, frag := range fragments(description) {
		b, err := obs.Observe(ctx, frag)
		if err != nil {
			return nil, err
		}
		if b == nil || code != nil && !normative(code, b.Clause) {
			continue
		}
		if old, ok := best[b.Clause]; ok && (old.Score > b.Score ||
			old.Score == b.Score && utf8.RuneCountInString(old.Quote) <= utf8.RuneCountInString(frag)) {
			continue
		}
		p := Proposal{Quote: frag, Clause: b.Clause, Title: b.Title, Score: b.Score, Matches: b.Matches}
		if cl != nil {
			for _, it := range cl.Items {
				if contains(it.Clauses, b.Clause) {
					p.ItemKey = it.Key
					break
				}
			}
		}
		best[b.Clause] = p
	}
	out := make([]Proposal, 0, len(best))
	for _, p := range best {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return rules.CompareIDs(out[i].Clause, out[j].Clause) < 0
	})
	if len(out) > MaxProposals {
		out = out[:MaxProposals]
	}
	return out, nil
}

// normative reports whether the clause obliges, forbids or encourages something: a window can break it.
func normative(code *rules.Code, id string) bool {
	if id == rules.PreambleID {
		return false
	}
	c, ok := code.Clause(id)
	if !ok {
		return false
	}
	for _, st := range c.Statements {
		switch st.Modality {
		case rules.Prohibited, rules.Required, rules.Encouraged:
			return true
		}
	}
	return false
}

// fragments cuts a description into its phrases: the comma-separated parts of each sentence (a sentence of one
// part is a phrase). Phrases too short to mean anything are dropped, duplicates too. At most 12.
func fragments(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, sent := range splitAny(text, "\u3002\uff01\uff1f!?\uff1b;\n") {
		for _, p := range splitAny(sent, ",\uff0c") {
			p = strings.Trim(p, " \t\r\n\"'“”‘’「」")
			if utf8.RuneCountInString(p) < 2 || seen[p] || len(out) >= 12 {
				continue
			}
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func splitAny(s, seps string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
