package qa

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/conductbot/conductbot/bot"
)

// GapWindow is how far back /gaps looks.
const GapWindow = 30 * 24 * time.Hour

// Cluster is a group of similarly worded texts.
type Cluster struct {
	Text     string // the most frequent wording
	Count    int
	Variants []string // other distinct wordings, most frequent first
	Members  []int    // indexes into the clustered slice
	// Question is, in FindGaps's clusters, the ID of the group's first question (the newest uncovered, the most
	// 👎 rated): 归入条款 attaches its text.
	Question int64
}

// ClusterTexts groups texts whose character-bigram sets have a Jaccard similarity of at least threshold with
// the group's first (most frequent) wording. Punctuation, spaces and case are ignored. Groups come out
// largest first; ties keep the order of first appearance.
func ClusterTexts(texts []string, threshold float64) []Cluster {
	type wording struct {
		norm    string
		text    string
		members []int
		grams   map[string]struct{}
	}
	byNorm := map[string]*wording{}
	var ws []*wording
	for i, t := range texts {
		n := normalizeQuestion(t)
		w := byNorm[n]
		if w == nil {
			w = &wording{norm: n, text: strings.TrimSpace(t), grams: bigrams(n)}
			byNorm[n] = w
			ws = append(ws, w)
		}
		w.members = append(w.members, i)
	}
	sort.SliceStable(ws, func(i, j int) bool { return len(ws[i].members) > len(ws[j].members) })
	type group struct {
		lead  *wording
		words []*wording
	}
	var groups []*group
	for _, w := range ws {
		var best *group
		bestSim := threshold
		for _, g := range groups {
			if s := jaccard(g.lead.grams, w.grams); s >= bestSim {
				best, bestSim = g, s
			}
		}
		if best == nil {
			groups = append(groups, &group{lead: w, words: []*wording{w}})
			continue
		}
		best.words = append(best.words, w)
	}
	out := make([]Cluster, 0, len(groups))
	for _, g := range groups {
		c := Cluster{Text: g.lead.text}
		for i, w := range g.words {
			c.Count += len(w.members)
			c.Members = append(c.Members, w.members...)
			if i > 0 {
				c.Variants = append(c.Variants, w.text)
			}
		}
		sort.Ints(c.Members)
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// questionNoise are the words that make a question a question but say nothing of what it asks about.
var questionNoise = strings.NewReplacer(
	"可不可以", "", "能不能", "", "是不是", "", "允不允许", "", "行不行", "", "请问", "",
	"可以", "", "能否", "", "是否", "", "允许", "", "应该", "", "需要", "", "一下", "", "吗", "", "呢", "", "吧", "", "啊", "")

// normalizeQuestion keeps letters and digits, lower-cased, without question words:
// "上班时，可以吃东西吗？" → "上班时吃东西".
func normalizeQuestion(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	if n := questionNoise.Replace(b.String()); n != "" {
		return n
	}
	return b.String()
}

// bigrams is the set of adjacent character pairs of s (the single character of a one-character s).
func bigrams(s string) map[string]struct{} {
	rs := []rune(s)
	set := make(map[string]struct{}, len(rs))
	if len(rs) == 1 {
		set[s] = struct{}{}
	}
	for i := 0; i+1 < len(rs); i++ {
		set[string(rs[i:i+2])] = struct{}{}
	}
	return set
}

func jaccard(a, b map[string]struct{}) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for g := range a {
		if _, ok := b[g]; ok {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// GapThreshold is the bigram Jaccard similarity at which /gaps counts two questions as the same question.
const GapThreshold = 0.4

// Gaps is what /gaps reports.
type Gaps struct {
	Since      time.Time
	Uncovered  []Cluster // questions the code does not cover
	UncoveredN int
	Worst      []RatedCluster // answers rated 👎, worst first
	DownRatedN int
}

// RatedCluster is a group of similarly worded questions whose answers were rated 👎.
type RatedCluster struct {
	Cluster
	Up, Down int
	Reasons  map[bot.Reason]int
	Clauses  []string // clause IDs the answers cited first, most frequent first
	Notes    []string
}

// FindGaps reads the last GapWindow of the log and groups it by wording.
func FindGaps(ctx context.Context, qa bot.QALog, now time.Time, limit int) (*Gaps, error) {
	since := now.Add(-GapWindow)
	unc, err := qa.UncoveredQuestions(ctx, since, limit)
	if err != nil {
		return nil, fmt.Errorf("uncovered questions: %w", err)
	}
	rated, err := qa.DownRated(ctx, since, limit)
	if err != nil {
		return nil, fmt.Errorf("down-rated answers: %w", err)
	}
	// Greetings, thanks, 👍 and the like are not questions the code fails to cover.
	var texts []string
	var ids []int64
	for _, q := range unc {
		if !IsSmallTalk(q.Text) {
			texts = append(texts, q.Text)
			ids = append(ids, q.ID)
		}
	}
	g := &Gaps{Since: since, UncoveredN: len(texts), DownRatedN: len(rated)}
	g.Uncovered = ClusterTexts(texts, GapThreshold)
	for i := range g.Uncovered {
		g.Uncovered[i].Question = ids[g.Uncovered[i].Members[0]] // newest first: the first member is the newest
	}

	texts = make([]string, len(rated))
	for i, q := range rated {
		texts[i] = q.Text
	}
	for _, c := range ClusterTexts(texts, GapThreshold) {
		rc := RatedCluster{Cluster: c, Reasons: map[bot.Reason]int{}}
		rc.Question = rated[c.Members[0]].ID
		clauses := map[string]int{}
		for _, m := range c.Members {
			q := rated[m]
			rc.Up += q.Up
			rc.Down += q.Down
			for _, r := range q.Reasons {
				rc.Reasons[r]++
			}
			if len(q.Clauses) > 0 {
				clauses[q.Clauses[0]]++
			}
			for _, n := range q.Notes {
				if n != "" && len(rc.Notes) < 3 {
					rc.Notes = append(rc.Notes, n)
				}
			}
		}
		for id := range clauses {
			rc.Clauses = append(rc.Clauses, id)
		}
		sort.Slice(rc.Clauses, func(i, j int) bool {
			if clauses[rc.Clauses[i]] != clauses[rc.Clauses[j]] {
				return clauses[rc.Clauses[i]] > clauses[rc.Clauses[j]]
			}
			return rc.Clauses[i] < rc.Clauses[j]
		})
		g.Worst = append(g.Worst, rc)
	}
	sort.SliceStable(g.Worst, func(i, j int) bool {
		a, b := g.Worst[i], g.Worst[j]
		if a.Down-a.Up != b.Down-b.Up {
			return a.Down-a.Up > b.Down-b.Up
		}
		return a.Down > b.Down
	})
	return g, nil
}

// Format writes the report shown to admins, at most top groups of each kind.
func (g *Gaps) Format(top int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "📋 规范盲区（近 30 天，自 %s 起）\n\n", g.Since.Format("2006-01-02"))
	if g.UncoveredN == 0 {
		b.WriteString("一、规范未覆盖的问题：暂无。\n")
	} else {
		fmt.Fprintf(&b, "一、规范未覆盖的问题（共 %d 次，%d 类）：\n", g.UncoveredN, len(g.Uncovered))
		for i, c := range g.Uncovered {
			if i == top {
				fmt.Fprintf(&b, "…… 另有 %d 类\n", len(g.Uncovered)-top)
				break
			}
			fmt.Fprintf(&b, "%d. “%s” ×%d\n", i+1, bot.Clip(c.Text, 60), c.Count)
			if len(c.Variants) > 0 {
				vs := c.Variants
				if len(vs) > 2 {
					vs = vs[:2]
				}
				for j := range vs {
					vs[j] = "“" + bot.Clip(vs[j], 40) + "”"
				}
				fmt.Fprintf(&b, "   类似问法：%s\n", strings.Join(vs, "、"))
			}
		}
	}
	b.WriteString("\n")
	if g.DownRatedN == 0 {
		b.WriteString("二、评价差的回答：暂无。\n")
	} else {
		fmt.Fprintf(&b, "二、评价差的回答（共 %d 个问题，%d 类，差评多者在前）：\n", g.DownRatedN, len(g.Worst))
		for i, c := range g.Worst {
			if i == top {
				fmt.Fprintf(&b, "…… 另有 %d 类\n", len(g.Worst)-top)
				break
			}
			fmt.Fprintf(&b, "%d. “%s” 👎%d 👍%d", i+1, bot.Clip(c.Text, 60), c.Down, c.Up)
			if len(c.Clauses) > 0 {
				fmt.Fprintf(&b, " · 引用 %s", strings.Join(c.Clauses, "、"))
			}
			b.WriteString("\n")
			var rs []string
			for _, r := range bot.Reasons {
				if n := c.Reasons[r]; n > 0 {
					rs = append(rs, fmt.Sprintf("%s×%d", r.Chinese(), n))
				}
			}
			if len(rs) > 0 {
				fmt.Fprintf(&b, "   原因：%s\n", strings.Join(rs, "、"))
			}
			for _, n := range c.Notes {
				fmt.Fprintf(&b, "   说明：%s\n", bot.Clip(n, 80))
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
