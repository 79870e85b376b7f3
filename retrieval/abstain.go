package retrieval

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Stage 4, abstain: whether the best clause covers the question at all (Tuning.MinCoverage, MinEvidence), whether
// it states the fact asked for (fact.go), and whether the question is about conduct at work (offTopic).

// abstains reports whether the best candidate leaves the question unanswered: it explains too little of it, it
// does not state the fact asked for, or the question is not about conduct at work. When a count is asked (扣几分)
// and a close candidate states it, that candidate is moved first and the engine answers.
func (e *Engine) abstains(ix *index, q question, us []unit, cands []candidate) bool {
	fact := askedFact(q.text)
	covers := func(c candidate) bool {
		// 今晚吃啥, 猫不吃饭咋办: a plain question with no workplace in it, tied to the code only by an everyday
		// word, is not about conduct at work.
		return c.coverage >= e.tun.MinCoverage && c.evidence >= e.tun.MinEvidence && !offTopic(q, us, c.doc, c.evidence)
	}
	statesIt := func(c candidate) bool {
		// 下班时间是几点: the code gives numbers only where it states them (打电话不超过3分钟, ±5分), and the
		// question must be about what the clause counts, not just share the unit (产假多长时间).
		return fact == "" || answersFact(us, fact, q.text, c.doc, ix.lex, e.tun.MinEvidence)
	}
	abstain := !covers(cands[0]) || !statesIt(cands[0])
	if abstain && covers(cands[0]) && facts.count.MatchString(fact) {
		// 上班刷短视频被抓了扣几分: the best clause is about the act and a close one states the count; it goes
		// first, the others keep their order.
		for i := 1; i < len(cands) && i <= e.tun.RelatedShown; i++ {
			if cands[i].score >= cands[0].score*e.tun.RelatedMin && covers(cands[i]) && statesIt(cands[i]) {
				c := cands[i]
				copy(cands[1:i+1], cands[:i])
				cands[0] = c
				abstain = false
				break
			}
		}
	}
	return abstain
}

// workContext are words that place a question at work; questionWord marks a question that asks something (rather
// than naming a topic, like 工服). Both are data: lang/abstain.txt.
var workContext, questionWord = func() (*regexp.Regexp, *regexp.Regexp) {
	rs := mustReadLang("abstain.txt", readAbstainLang)
	return rs[0], rs[1]
}()

// readAbstainLang reads lang/abstain.txt: workContext, questionWord.
func readAbstainLang(f *langFile) [2]*regexp.Regexp {
	return [2]*regexp.Regexp{f.regexp("workContext", -1), f.regexp("questionWord", -1)}
}

// offTopicEvidence is the most evidence (in characters) an off-topic question may have: one everyday word.
const offTopicEvidence = 2

// offTopic reports whether a plain question without any workplace word is tied to the clause only through one
// short everyday word of the thesaurus (吃 in 今晚吃啥): none of its own words is the code's.
func offTopic(q question, us []unit, d *lexDoc, evidence float64) bool {
	if q.kind != askPlain || evidence > offTopicEvidence || workContext.MatchString(q.text) || !questionWord.MatchString(q.text) {
		return false
	}
	for _, u := range us {
		if len(u.senses) > 0 {
			if strings.Contains(d.norm, u.text) && utf8.RuneCountInString(u.text) >= 2 {
				return false // the code's own word
			}
			continue
		}
		rs := []rune(u.text)
		for j := 0; j+1 < len(rs); j++ {
			if d.tf[string(rs[j:j+2])] >= 1 {
				return false
			}
		}
	}
	return true
}
