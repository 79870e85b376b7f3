package inspect

import (
	"context"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/rules"
)

// Proposal is a clause the inspector's description seems to describe a breach of, for them to confirm.
type Proposal struct {
	Quote   string  `json:"quote"`   // the part of the description it was found for
	Clause  string  `json:"clause"`  // clause ID
	Title   string  `json:"title"`   // the clause's section title
	ItemKey string  `json:"item"`    // the checklist item citing the clause; "" when none does
	Score   float64 `json:"score"`   // the retrieval score
	Adopted *bool   `json:"adopted"` // nil until the inspector decides
}

// Thresholds of Propose.
const (
	// MinProposalScore is the lowest retrieval score a proposal needs.
	MinProposalScore = 0.45
	// MaxProposals is the most proposals made for one description.
	MaxProposals = 5
)

// Propose maps an inspector's description to the clauses it describes breaches of, using the Q&A retrieval:
// the description is cut into sentences and their comma-separated parts, each part is asked as it is, and
// the clauses cited with enough confidence are proposed, best first, one per clause, mapped to the checklist
// item citing them. Only clauses that oblige or forbid something (and not the preamble) are proposed.
func Propose(ctx context.Context, asker qa.Asker, code *rules.Code, cl *Checklist, description string) ([]Proposal, error) {
	best := map[string]Proposal{}
	for _, frag := range fragments(description) {
		a, err := asker.Ask(ctx, frag)
		if err != nil {
			return nil, err
		}
		if a.Abstained || a.Lookup {
			continue
		}
		for i, c := range a.Citations {
			if i >= 2 || c.Score < MinProposalScore {
				break
			}
			if code != nil && !normative(code, c.ID) {
				continue
			}
			if old, ok := best[c.ID]; ok && (old.Score > c.Score ||
				old.Score == c.Score && utf8.RuneCountInString(old.Quote) <= utf8.RuneCountInString(frag)) {
				continue
			}
			p := Proposal{Quote: frag, Clause: c.ID, Title: c.Title, Score: c.Score}
			if cl != nil {
				for _, it := range cl.Items {
					if contains(it.Clauses, c.ID) {
						p.ItemKey = it.Key
						break
					}
				}
			}
			best[c.ID] = p
		}
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

// fragments cuts a description into what is asked: each sentence, and each comma-separated part of a sentence
// that has several; parts too short to mean anything are dropped, duplicates too. At most 12.
func fragments(text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.Trim(s, " \t\r\n\"'“”‘’「」")
		if utf8.RuneCountInString(s) < 2 || seen[s] || len(out) >= 12 {
			return
		}
		seen[s] = true
		out = append(out, s)
	}
	for _, sent := range splitAny(text, "\u3002\uff01\uff1f!?\uff1b;\n") {
		parts := splitAny(sent, ",\uff0c\u3001")
		add(sent)
		if len(parts) > 1 {
			for _, p := range parts {
				add(p)
			}
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
