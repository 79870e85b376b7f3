package retrieval

import (
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Fact questions ask for a number, a time, a place, a person, an attribute or how to operate something. A code
// answers one only where a clause states that kind of fact (离开不超过10分钟, 由值班长负责, 在后台休息区就餐); the
// question must also be about what the clause is about (factEvidence). The kinds of fact and the way a code
// states each are general Chinese, read below as data.

// factQuestion matches questions that ask for a number, a time, a place, a person, an attribute (颜色, 尺码), how
// to operate a system or a fault (卡纸, 死机).
var factQuestion = regexp.MustCompile(`多少(?:分钟|分|个月|月|天|点|号|度|个人|人|钱|块|元)?|(?:^|[^好这那十哪])(几(?:分钟|分|个小时|小时|个工作日|个月|月|天|日|点|号|度|个人|钱|块|元))|多久|多长时间|什么时候|啥时候|哪天|哪个月|找谁|谁负责|谁值班|谁会修|找哪个部门|哪个部门|在哪|哪里办|去哪(?:儿|里)?(?:投诉|申请|报销|领|交)|几楼|几层|哪层|哪一层|由谁|哪位|颜色|款式|尺码|型号|品牌|牌子|怎么登录|登录不了|登不上|忘了密码|密码忘|怎么操作|卡纸|卡住了|坏了|死机|开不了机|打不开|连不上|没网|断网|故障|报错|蓝屏|中毒|流程`)

// askedFact is the fact a question asks for, without the character before 几 that the pattern needs to see.
func askedFact(text string) string {
	m := factQuestion.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	if m[1] != "" {
		return m[1]
	}
	return m[0]
}

const numeral = `[0-9０-９一二三四五六七八九十百两半]+`

// factKinds are the kinds of fact a question may ask for (by the words that ask) and how a clause states one.
var factKinds = []struct {
	name   string
	ask    *regexp.Regexp
	states *regexp.Regexp
}{
	// 扣几分, 占多少分: a count of points.
	{"points", regexp.MustCompile(`^(?:几|多少)分$`), regexp.MustCompile(numeral + `\s*分(?:[^钟]|$)`)},
	// 多少钱, 几块: money, or that something is free.
	{"money", regexp.MustCompile(`钱|块|元`), regexp.MustCompile(numeral + `\s*(?:元|块)|免费|不收费|收取|收费标准`)},
	// 几点: a time of day or a day.
	{"clock", regexp.MustCompile(`几点|哪天|哪个月`), regexp.MustCompile(
		`\d{1,2}\s*[:：]\s*\d{2}|` + numeral + `\s*(?:点|时)|` + numeral + `\s*月|工作日|节假日|周末|双休日|午休|(?:上|下|中)午|早上|晚上`)},
	// 什么时候: a time, a date, the day a rule takes effect, or an occasion (接待群众时要…).
	{"when", regexp.MustCompile(`什么时候|啥时候`), regexp.MustCompile(
		`\d{1,2}\s*[:：]\s*\d{2}|` + numeral + `\s*(?:点|时)|` + numeral + `\s*月|之日起|起施行|起执行|起实施|工作日|节假日|周末|双休日|午休|` +
			`(?:上|下|中)午|早上|晚上|[^同及随按准暂临适]时[，,]?(?:要|应|必须|不得|不准|不要|一律)`)},
	// 多久, 几天, 几分钟, 几个工作日: a duration or a deadline.
	{"duration", regexp.MustCompile(`多久|多长时间|分钟|小时|天|日|月`), regexp.MustCompile(
		numeral + `\s*(?:个)?(?:分钟|小时|工作日|天|日|周|星期|个月|月|年)|即时|立即|当场|马上|当日|当天|及时|随到随办`)},
	// 找谁, 谁负责, 哪个部门, 由谁: a person or a body responsible.
	{"who", regexp.MustCompile(`谁|哪个部门|哪位`), regexp.MustCompile(
		`负责|由[^，。；]{1,15}(?:解释|处理|督查|监督|检查|协调|受理|办理|管理|审核|签字|审批)|` +
			`(?:值班长|负责人|带班领导|主任|科长|组长|股长|所长)[^，。；]{0,8}(?:应|要|负责|处理|协调|到场|出面|签字)`)},
	// 几楼, 几层: a floor.
	{"floor", regexp.MustCompile(`几楼|几层|哪层|哪一层`), regexp.MustCompile(numeral + `\s*(?:楼|层)`)},
	// 在哪, 去哪投诉: a place, or a channel.
	{"where", regexp.MustCompile(`哪`), regexp.MustCompile(
		`(?:在|到|至|于|进入|存放|放置|摆放)[^，。；]{0,12}(?:区|室|处|窗口|柜|楼|层|厅|台|点|站|箱|网站|平台|热线)|渠道|电话|热线`)},
	// 多少 alone (占多少): any count.
	{"count", regexp.MustCompile(`^多少$`), regexp.MustCompile(numeral + `\s*(?:分钟|小时|分|天|日|元|块|%|％)`)},
}

// statesFact reports whether a clause states the kind of fact the question asks for: 多久 is answered by 在2个工
// 作日内, 几点 by 8:30 or 自印发之日起施行, 找谁 by 由值班长负责, 在哪 by 在后台休息区. Attributes, operations and
// faults (颜色, 怎么登录, 卡纸) are answered only by a clause that uses the very word.
func statesFact(text, asked, question string) bool {
	if utf8.RuneCountInString(asked) >= 2 && strings.Contains(text, asked) {
		return true // 网上流程: the code's own word, not a fact it leaves out
	}
	for _, k := range factKinds {
		if !k.ask.MatchString(asked) {
			continue
		}
		for _, m := range k.states.FindAllStringIndex(text, -1) {
			// 不得在窗口吸烟 says where not to, which is not where to: 抽烟区在哪 is not answered by it.
			if k.name != "where" || !negatedBefore(text[:m[0]]) {
				return true
			}
		}
		return false
	}
	return false
}

// negatedBefore reports whether the phrase ending where a match starts is a prohibition (不得…, 禁止…).
func negatedBefore(before string) bool {
	rs := []rune(before)
	for i := len(rs) - 1; i >= 0 && i >= len(rs)-4; i-- {
		switch rs[i] {
		case '，', '。', '；', ',', ';':
			return false
		case '不', '禁', '严', '勿':
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

// countQuestion is a fact question that asks how many (多少分, 几分钟): a clause that states the count answers it
// even when another clause is about the act.
var countQuestion = regexp.MustCompile(`多少|几`)
