package retrieval

import (
	"math"
	"strings"

	"github.com/conductbot/conductbot/rules"
)

// Stage 5, verdict: the deciding statement of the best clause (bestStatement), the verdict read off it and the
// question's form (decideVerdict), what a prohibition leaves out (exceptedAct), and the checks that keep 可以
// only where it is safe (safeAllowed).

// verdict decides the verdict of a question from its best candidate, and returns the deciding statement.
func (e *Engine) verdict(ix *index, q question, us []unit, cands []candidate) (Verdict, decision) {
	best := cands[0]
	d := bestStatement(best.doc, us, ix.lex)
	v := decideVerdict(q, d)
	if best.doc.penalty {
		// A penalty clause (扣2分, 通报批评) answers 扣几分 / 会怎么处理; whether the act is allowed is for the rule
		// it punishes to say.
		v = NoVerdict
	}
	if v == Forbidden && d.st != nil && exceptedAct(sentenceOf(best.doc.clause.Text, d.st.statement.Text), us) {
		// 台面除个人水杯外不得摆放其他物品, asked 能放水杯吗: what is asked is what the prohibition leaves out.
		v = Allowed
	}
	if v == Allowed {
		v = e.safeAllowed(ix, q, us, d, best, cands)
	}
	return v, d
}

// decision is the statement that decides a question's verdict.
type decision struct {
	st       *lexStmt
	strong   bool // matched strongly enough to decide
	opposite bool // the question names the opposite of what the statement governs (便装 for 制服)
}

// sceneWeight is how much the context of a question counts when choosing the statement that decides its
// verdict: in 大爷问了五遍，我能不理他吗 the verdict is about 不理, not about 问.
const sceneWeight = 0.25

// bestStatement finds the statement of the clause that the question is about: the action counts fully, its
// scene (sceneWeight) little, and a thesaurus word counts by how specific it is in the code. The decision is
// weak when the statement matched only through related words or common characters.
func bestStatement(d *lexDoc, us []unit, lx *lexicon) decision {
	var best decision
	bestScore, bestStrong := 0.0, 0.0
	for i := range d.stmts {
		st := &d.stmts[i]
		score, strong, opposite := 0.0, 0.0, false
		for _, u := range us {
			choose := u.weight
			if choose < 1 {
				choose = sceneWeight
			}
			if len(u.senses) > 0 {
				hit := senseHit(st.norm, u, 0.4)
				w := math.Max(1.5, float64(u.runes))
				score += w * lx.specificity(u) * hit * choose
				if hit == 0 {
					// 留胡子 (the formal word 留胡须) asked of 不蓄胡须: a telling bigram of a formal word the
					// statement has counts as a part of it.
					if part := formalPart(st, u, lx); part > 0 {
						score += w * 0.5 * part * choose
						strong += w * 0.6 * part * u.weight
					}
				}
				if hit >= 1 && (u.runes >= 2 || meansFormalIn(st.norm, u)) {
					// A single character found as written (穿 in 不得穿拖鞋, asked of 穿高跟鞋) is not enough to
					// decide; it must stand for a formal word the statement has (睡 for 打瞌睡).
					strong += w * u.weight
				}
				if hit > 0 && u.weight >= 1 && hasOpposite(st.norm, u) {
					opposite = true
				}
				if strings.Contains(st.norm, u.text) {
					score += 0.2 // the statement uses the very word
				}
				continue
			}
			rs := []rune(u.text)
			covered := make([]bool, len(rs))
			for j := 0; j+1 < len(rs); j++ {
				if g := string(rs[j : j+2]); st.grams[g] {
					w := lx.bigramWeight(g)
					score += w * choose
					strong += w * u.weight
					covered[j], covered[j+1] = true, true
				}
			}
			// 在工位吃不 asked of 在窗口吃零食, 能收吗 of 收受: colloquial Chinese asks with one character where the
			// code writes a word that has it. A telling character counts for a part of a bigram.
			for j, r := range rs {
				if covered[j] || !isHan(r) || !strings.ContainsRune(st.norm, r) {
					continue
				}
				if cw := lx.charWeight(r); cw >= minCharWeight {
					score += charShare * cw * choose
					strong += charShare * cw * u.weight
				}
			}
		}
		if st.statement.Modality != rules.None {
			score += 0.01 // between equals, the normative one
		}
		if score > bestScore {
			best, bestScore, bestStrong = decision{st: st, opposite: opposite}, score, strong
		}
	}
	if best.st == nil && len(d.stmts) > 0 {
		return decision{st: &d.stmts[0]}
	}
	best.strong = bestStrong >= 0.7
	return best
}

// charShare is how much of a bigram a telling single character counts for when choosing the deciding statement;
// minCharWeight is how telling (its IDF as a share of the highest) a character must be to count at all.
const (
	charShare     = 0.5
	minCharWeight = 0.4
)

// charWeight is how telling a single character is in this code: its IDF over the clauses as a share of the
// highest (的, 窗, 应 tell nothing; 推, 胡 tell much).
func (lx *lexicon) charWeight(r rune) float64 {
	idf, ok := lx.idf["1:"+string(r)]
	if !ok {
		return 0
	}
	return idf / lx.maxIDF
}

// formalPart is the best weight of a bigram of u's deciding formal words that the statement has, when it has
// none of them whole: 胡须 of 留胡须 in 不蓄胡须.
func formalPart(st *lexStmt, u unit, lx *lexicon) float64 {
	return formalPartIn(st.hasGram, u, lx)
}

// formalPartIn is formalPart over any text, given by the bigrams it has.
func formalPartIn(has func(string) bool, u unit, lx *lexicon) float64 {
	gs := u.formalGrams
	if gs == nil {
		gs = formalGrams(u, lx)
	}
	best := 0.0
	for _, g := range gs {
		if g.weight > best && has(g.gram) {
			best = g.weight
		}
	}
	return best
}

// gramWeight is a bigram and how telling it is in the code.
type gramWeight struct {
	gram   string
	weight float64
}

// formalGrams lists the telling bigrams (minCharWeight or more) of u's deciding formal words; rank notes them on
// each unit once a question, as explaining and deciding ask for them of every candidate.
func formalGrams(u unit, lx *lexicon) []gramWeight {
	out := []gramWeight{}
	for _, s := range u.senses {
		if !s.decides() {
			continue
		}
		for _, f := range s.formal {
			rs := []rune(f)
			for j := 0; j+1 < len(rs); j++ {
				g := string(rs[j : j+2])
				if w := lx.bigramWeight(g); w >= minCharWeight {
					out = append(out, gramWeight{g, w})
				}
			}
		}
	}
	return out
}

// decideVerdict reads the verdict off the deciding statement and the question's form. A question that names the
// opposite of what the statement governs (便装 where the rule says 制服) asks about breaking it; one that asks
// about not doing something (可以不起立吗) asks whether the rule may be skipped.
func decideVerdict(q question, d decision) Verdict {
	if d.st == nil || q.kind == askPlain || !d.strong {
		return NoVerdict
	}
	m := d.st.statement.Modality
	if d.opposite && q.kind != askRule { // 字写得潦草有要求吗 asks what the rule requires, not about 潦草
		switch m {
		case rules.Required:
			m = rules.Prohibited
		case rules.Prohibited:
			m = rules.Required
		}
	}
	switch {
	case m == rules.None:
		return NoVerdict
	case m == rules.Prohibited:
		return Forbidden
	case m == rules.Required && q.negated && q.kind == askPermission:
		return Forbidden
	case m == rules.Required && q.kind == askPermission:
		return Allowed // 能不能特事特办: yes — the code even asks for it
	case m == rules.Required:
		return Required
	case q.kind == askRule:
		return NoVerdict
	default:
		return Allowed
	}
}

// exceptedAct reports whether the question asks about what a prohibition leaves out (rules.Exception): one of its words of two
// characters or more (of the act or its scene) is in the exception, and no other word of the act is named by the
// rest of the sentence (能放零食吗 of 除个人水杯外不得摆放其他个人物品 stays forbidden).
func exceptedAct(text string, us []unit) bool {
	left, rest, ok := rules.Exception(text)
	if !ok {
		return false
	}
	inLeft := false
	for _, u := range us {
		if u.runes < 2 {
			continue
		}
		if names(left, u) {
			inLeft = true // the scene counts too: 药有质量问题能退吗 asks of 除药品质量问题外
			continue
		}
		if u.weight >= 1 && names(rest, u) {
			return false
		}
	}
	return inLeft
}

// sentenceOf is the sentence of text that holds statement (药品一经发出，除药品质量问题外，不予退换 for 不予退换): an
// exception is often a fragment of its own.
func sentenceOf(text, statement string) string {
	at := strings.Index(text, statement)
	if at < 0 {
		return statement
	}
	for _, sp := range sentenceSpans(text) {
		if sp[0] <= at && at < sp[1] {
			return text[sp[0]:sp[1]]
		}
	}
	return statement
}

// names reports whether text names u: a thesaurus word by its senses, the question's own characters by a bigram
// (药有质量问题 in 除药品质量问题外).
func names(text string, u unit) bool {
	if len(u.senses) > 0 {
		return senseHit(text, u, 0) > 0
	}
	rs := []rune(u.text)
	for j := 0; j+1 < len(rs); j++ {
		if strings.Contains(text, string(rs[j:j+2])) {
			return true
		}
	}
	return false
}

// safeAllowed keeps 可以 only where it is safe: a wrong 可以 for a forbidden act is the worst answer. It is
// withdrawn (the clause is quoted, the reader judges) when it was read off a requirement whose statement does
// not account for what the question asks, when it was read as the opposite of a prohibition that names the act,
// or when the deciding clause or one close to it forbids the act the question names.
func (e *Engine) safeAllowed(ix *index, q question, us []unit, d decision, best candidate, cands []candidate) Verdict {
	if d.st != nil && d.st.statement.Modality == rules.Required && !d.opposite &&
		(actCoverage(d.st, us, ix.lex) < e.tun.MinActCoverage || missesAct(d.st, us, ix.lex)) {
		return NoVerdict
	}
	// 中秋纳税人送月饼能收吗, read off 纳税人不会操作的，工作人员可以现场辅导: a 可以 must rest on the asked act (收),
	// not on its scene (纳税人) alone.
	if d.st != nil && !namesAct(d.st, us) {
		return NoVerdict
	}
	// 可以 because the question seemed to name the opposite of what is forbidden, while the prohibition names most
	// of the asked act (不得…跷二郎腿, asked 翘二郎腿行不) or the question says not to do something: the reader
	// must judge.
	// 随便哪台电脑都能受理吗, read off 确保事项由指定电脑……网上受理: the scene names the opposite of what the requirement
	// governs, so the question asks about breaking it.
	if d.st != nil && !d.opposite && d.st.statement.Modality == rules.Required && opposes(d.st, us) {
		return NoVerdict
	}
	if d.st != nil && d.opposite && d.st.statement.Modality == rules.Prohibited &&
		(q.negated || actCoverage(d.st, us, ix.lex) >= e.tun.MinForbidCoverage) {
		return NoVerdict
	}
	// A prohibition in the deciding clause or a close one that names much of the asked act (坐姿端正，不得…跷二郎腿
	// asked 翘二郎腿行不) outweighs a 可以 read off another statement.
	for i := 0; i < len(cands) && i <= e.tun.RelatedShown; i++ {
		c := cands[i]
		if c.score < best.score*e.tun.RelatedMin {
			break
		}
		for j := range c.doc.stmts {
			st := &c.doc.stmts[j]
			if st.statement.Modality != rules.Prohibited || d.st == st {
				continue
			}
			if actCoverage(st, us, ix.lex) >= e.tun.MinForbidCoverage && !opposes(st, us) {
				return NoVerdict
			}
			// 能涂大红色的指甲吗, read off 女工作人员可淡妆 beside 不涂浓指甲油; 天天穿拖鞋进办公区……能通融吗, read
			// off 坚持原则性与灵活性相结合 near 不得穿拖鞋: a word of the question — of its act or its scene — that a
			// prohibition names decisively and the permitting statement does not speak to is the reader's to judge.
			if forbidsWordOf(st, d.st, us) && !opposes(st, us) {
				return NoVerdict
			}
		}
	}
	return Allowed
}

// forbidsWordOf reports whether a prohibition names one of the question's thesaurus words decisively (it has a
// formal word the question's word means: a "=" or "<" sense) that the permitting statement does not name.
func forbidsWordOf(st, permits *lexStmt, us []unit) bool {
	for _, u := range us {
		if meansFormalIn(st.norm, u) && (permits == nil || senseHit(permits.norm, u, 0) == 0) {
			return true
		}
	}
	return false
}

// actCoverage is the share of the question's act (its units of full weight, not the scene) that a statement
// accounts for: thesaurus words by their senses, other characters by the statement's bigrams.
func actCoverage(st *lexStmt, us []unit, lx *lexicon) float64 {
	var num, den float64
	for _, u := range us {
		if u.weight < 1 {
			continue
		}
		if len(u.senses) > 0 {
			w := math.Max(1.5, float64(u.runes))
			den += w
			num += w * senseHit(st.norm, u, 0.6)
			continue
		}
		rs := []rune(u.text)
		for i := range rs {
			den++
			for _, j := range []int{i - 1, i} {
				if j >= 0 && j+1 < len(rs) && st.grams[string(rs[j:j+2])] {
					num++
					break
				}
			}
		}
	}
	if den == 0 {
		return 1
	}
	return num / den
}

// missesAct reports whether the asked act has a telling character or a thesaurus word that the statement does not
// account for: 在工位吃 asked of 在工位上放置服务牌 shares the place, not the act.
func missesAct(st *lexStmt, us []unit, lx *lexicon) bool {
	for _, u := range us {
		if u.weight < 1 {
			continue
		}
		if len(u.senses) > 0 {
			if senseHit(st.norm, u, 0.6) == 0 && formalPart(st, u, lx) == 0 {
				return true
			}
			continue
		}
		for _, r := range u.text {
			if isHan(r) && !strings.ContainsRune(st.norm, r) && lx.charWeight(r) >= minCharWeight {
				return true
			}
		}
	}
	return false
}

// opposes reports whether the question names the opposite of what st governs (淡妆 for 不得浓妆): then the
// prohibition does not speak to the act asked.
func opposes(st *lexStmt, us []unit) bool {
	for _, u := range us {
		if hasOpposite(st.norm, u) {
			return true
		}
	}
	return false
}

// hasOpposite reports whether u names the opposite of a formal word the text has — unless the text names that
// opposite side itself (不得将制服与便装混穿, asked 穿自己衣服行吗: the statement is about 便装, not 制服 alone).
func hasOpposite(text string, u unit) bool {
	for _, s := range u.senses {
		if s.rel != opposite || containsAnyWord(text, s.side) {
			continue
		}
		for _, f := range s.formal {
			if strings.Contains(text, f) {
				return true
			}
		}
	}
	return false
}

// namesAct reports whether a statement names any of the asked act (the question's units of full weight): a
// thesaurus word by its senses, other characters by a bigram — or, for an act of one character (能用吗, 能给开吗),
// by the character itself. A question with no act names none.
func namesAct(st *lexStmt, us []unit) bool {
	for _, u := range us {
		if u.weight < 1 {
			continue
		}
		if names(st.norm, u) || u.runes == 1 && len(u.senses) == 0 && strings.Contains(st.norm, u.text) {
			return true
		}
	}
	return false
}
