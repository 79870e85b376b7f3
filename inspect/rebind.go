package inspect

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/rules"
)

// A Review is a clause an item cited that did not come through a change of the code unchanged: reworded (the
// item now cites the clause of the new code whose text is closest) or gone (the item no longer cites it).
type Review struct {
	Item    Item   // the item as it was
	Clause  string // the clause ID the item cited in the old code
	Now     string // the clause of the new code the item cites instead of a reworded one; "" when it is gone
	Dropped bool   // the item cited nothing else and left the checklist
}

// similarEnough is the least share of character pairs (Dice) a reworded clause keeps with the old text to
// be taken for the same clause. Below it, a clause is gone: an item is never bound to an unrelated clause.
const similarEnough = 0.6

// Rebind carries items written against the old code over to the new one. An item follows its clause by the
// clause's text, not by its ID (IDs shift when clauses are added or removed): a clause whose normalized text
// is in the new code is cited under its new ID, silently. A clause whose text is not is reviewed: bound to the
// new code's clause closest to it when that one is similar enough and is not the text of another old clause,
// else dropped from the item; an item left without clauses leaves the checklist. Without the old code
// (old == nil) a clause is taken to be unchanged when its ID exists in the new code.
func Rebind(items []Item, old, new *rules.Code) (kept []Item, review []Review) {
	byText := map[string]string{} // text key → the first clause of the new code with it
	for _, c := range new.Clauses {
		if k := textKey(c.Text); byText[k] == "" {
			byText[k] = c.ID
		}
	}
	var wasOld map[string]bool // text keys of the old code's clauses: a clause moved is not a rewording
	if old != nil {
		wasOld = make(map[string]bool, len(old.Clauses))
		for _, c := range old.Clauses {
			wasOld[textKey(c.Text)] = true
		}
	}
	m := &matcher{old: old, new: new, byText: byText, wasOld: wasOld}
	for _, it := range items {
		var cs []string
		var rs []Review
		for _, id := range it.Clauses {
			now, changed := m.follow(id)
			if changed {
				rs = append(rs, Review{Item: it, Clause: id, Now: now})
			}
			if now != "" && !slices.Contains(cs, now) {
				cs = append(cs, now)
			}
		}
		if len(cs) == 0 {
			for i := range rs {
				rs[i].Dropped = true
			}
		} else {
			it.Clauses = cs
			kept = append(kept, it)
		}
		review = append(review, rs...)
	}
	return kept, review
}

// matcher finds what the clauses of old became in new.
type matcher struct {
	old, new   *rules.Code
	byText     map[string]string // text key → the first clause of new with it
	wasOld     map[string]bool   // text keys of old's clauses
	candidates []candidate       // new's clauses that may be rewordings, made when first needed
}

type candidate struct {
	id    string
	pairs map[[2]rune]int
}

// follow finds the clause of new that clause id of old became: its ID, and whether the clause changed.
func (m *matcher) follow(id string) (string, bool) {
	if m.old == nil {
		if _, ok := m.new.Clause(id); ok {
			return id, false
		}
		return "", true
	}
	oc, ok := m.old.Clause(id)
	if !ok {
		return "", true
	}
	key := textKey(oc.Text)
	if now, ok := m.byText[key]; ok {
		if c, _ := m.new.Clause(id); textKey(c.Text) == key {
			return id, false // the same text under the same ID: prefer it to an earlier copy
		}
		return now, false
	}
	if m.candidates == nil {
		m.candidates = []candidate{}
		for _, c := range m.new.Clauses {
			if c.ID != rules.PreambleID && !m.wasOld[textKey(c.Text)] {
				m.candidates = append(m.candidates, candidate{c.ID, pairs(c.Text)})
			}
		}
	}
	best, bestScore := "", 0.0
	from := pairs(oc.Text)
	for _, c := range m.candidates {
		if sc := dice(from, c.pairs); sc > bestScore {
			best, bestScore = c.id, sc
		}
	}
	if bestScore >= similarEnough {
		return best, true
	}
	return "", true
}

// textKey identifies a clause's text across versions of the code: a hash of its letters and digits, so
// that spacing, punctuation and the width of characters do not count.
func textKey(text string) string {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(normalize(text))))
}

// normalize keeps the letters and digits of text, folding full-width forms to their ASCII ones.
func normalize(text string) string {
	var b strings.Builder
	for _, r := range text {
		if r >= '\uff01' && r <= '\uff5e' {
			r -= 0xfee0
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// pairs are the adjacent character pairs of text's normalized form, counted.
func pairs(text string) map[[2]rune]int {
	rs := []rune(normalize(text))
	out := make(map[[2]rune]int, len(rs))
	for i := 1; i < len(rs); i++ {
		out[[2]rune{rs[i-1], rs[i]}]++
	}
	return out
}

// dice is the Sørensen–Dice similarity of two pair counts: 1 for the same pairs, 0 for none shared.
func dice(a, b map[[2]rune]int) float64 {
	na, nb, shared := 0, 0, 0
	for p, n := range a {
		na += n
		shared += min(n, b[p])
	}
	for _, n := range b {
		nb += n
	}
	if na+nb == 0 {
		return 0
	}
	return 2 * float64(shared) / float64(na+nb)
}

// FormatReview is the warning an admin reads after the code in force changed: which items of the checklist
// cite clauses that changed or are gone, and what became of them; "" when there is nothing to review.
func FormatReview(review []Review, old, new *rules.Code) string {
	if len(review) == 0 {
		return ""
	}
	items := map[string]bool{}
	var b strings.Builder
	for _, r := range review {
		items[r.Item.Key] = true
		fmt.Fprintf(&b, "\n· %s（原%s）：", r.Item.Title, old.Cite(r.Clause))
		switch {
		case r.Now != "":
			fmt.Fprintf(&b, "条款已修改，现对应%s", new.Cite(r.Now))
		case r.Dropped:
			b.WriteString("条款已删除，此项已移出清单")
		default:
			b.WriteString("条款已删除，此项不再引用它")
		}
	}
	return fmt.Sprintf("检查清单中有 %d 项对应的条款已变更，请核对：", len(items)) + b.String() +
		"\n查看：/checklist；修改：/checklist edit。"
}

// DeriveItems makes a checklist from a code that ships without one: one item for each clause that states a
// requirement or a prohibition an inspector can observe, with the sub-clauses of an article in its item,
// titled from the clause (its title and first such statement). Items that prohibit weigh 2, the others 1;
// none is critical (an admin decides that). When there are more than MaxItems, the first MaxItems are kept.
func DeriveItems(code *rules.Code) []Item {
	var out []Item
	index := map[string]int{} // clause ID → its item
	for _, c := range code.Clauses {
		if c.ID == rules.PreambleID {
			continue
		}
		first, prohibits := "", false
		for _, s := range c.Statements {
			if s.Modality != rules.Required && s.Modality != rules.Prohibited {
				continue
			}
			prohibits = prohibits || s.Modality == rules.Prohibited
			if first == "" {
				first = strings.TrimRight(strings.TrimSpace(s.Text), "。；;，,：:")
			}
		}
		if first == "" {
			continue
		}
		if i, ok := index[rules.ParentID(c.ID)]; ok { // a sub-clause of an article: part of its item
			out[i].Clauses = append(out[i].Clauses, c.ID)
			if prohibits {
				out[i].Weight = 2
			}
			index[c.ID] = i
			continue
		}
		if len(out) == MaxItems {
			continue
		}
		it := Item{Key: deriveKey(c.ID), Title: bot.Clip(c.Title+"："+first, 40), Clauses: []string{c.ID}, Weight: 1}
		if prohibits {
			it.Weight = 2
		}
		index[c.ID] = len(out)
		out = append(out, it)
	}
	return out
}

// deriveKey is the key of a derived item: c and the clause ID, e.g. c1_3_3.
func deriveKey(id string) string {
	k := "c" + strings.ReplaceAll(id, ".", "_")
	if len(k) > 16 {
		k = k[:16]
	}
	return k
}
