package retrieval

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Stage 2, question: analyze takes a question apart — its kind (what, may I, must I, what does the rule say),
// whether it asks about not doing something, and its content without the question forms and fillers.

// questionKind is what a question asks of the code.
type questionKind int

const (
	askPlain      questionKind = iota // what/how/why: no verdict
	askPermission                     // 能不能/可以…吗/是否可以: may I?
	askObligation                     // 要不要/需要…吗/必须…吗: must I?
	askRule                           // 有什么要求/有什么规定: what does the rule say?
)

// Question forms, longest first within each list. They are removed from the content before matching; the
// form that comes last in the question decides its kind ("群众要复印，我们收点钱行不" asks permission).
var (
	ruleForms = []string{
		"有什么要求", "有啥要求", "有哪些要求", "什么要求", "有没有要求", "有要求吗", "要求是什么", "有什么规定", "有啥规定",
		"有哪些规定", "什么规定", "有没有规定", "有规定吗", "规定是什么", "怎么规定", "如何规定", "咋规定", "有什么讲究",
		"有什么规矩", "有啥规矩", "什么规矩", "有没有规矩", "规范要求", "怎么要求", "有要求没", "有规定没", "有规定不",
		"要求没", "规定没", "有讲究吗", "有啥讲究", "规范里怎么说", "规范怎么说", "规定怎么说", "怎么说的",
		"有什么说法", "有啥说法", "有没有依据", "有依据吗", "依据是什么", "有没有明确规定", "有明确规定吗",
		"是不是有明确规定", "明确规定", "规范里有", "规范里是不是", "有没有这条", "有这条吗", "哪条规定", "哪条",
	}
	// okForms ask whether something is all right: they are permission questions whatever precedes them.
	okForms = []string{
		"算不算违规", "违不违规", "算违规吗", "算违规不", "算违规没", "算违反规定吗", "违反规定吗", "违反规范吗", "违反规范不",
		"违反规定不", "算违纪吗", "违规吗", "违规不", "违规没", "合不合适", "合不合规", "有没有问题", "有问题吗", "有问题不",
		"有问题没", "有事吗", "有事没", "有事不", "没事吧", "没事吗", "没问题吧", "会被说吗", "会挨批吗", "会被批吗",
		"会被骂吗", "会扣分吗", "扣分吗", "对不对", "合理吗", "合理吧", "合适吗", "合适不", "妥不妥", "妥吗", "可以吧",
		"行吧", "对吗", "ok吗", "ok嘛", "ok么", "ok的吧", "ok", "算不算不合规矩", "合不合规矩", "不合规矩",
		"合规矩吗", "合规吗", "合规", "可以吗", "可以嘛", "行了吗", "行了嘛", "就行了", "就行吧", "好嘛",
		"会有事不", "会有事吗", "过分吧", "过分吗", "不过分吧", "问题大不大", "大不大", "严重吗", "严重不",
		"会不会被扣分", "会不会扣分", "会被扣分不", "扣分不",
		"算不算问题", "算什么问题", "算不算错", "违纪吗", "违纪不", "违不违纪", "算违纪不", "会被查吗", "会被查不",
		"会被查到吗", "会被发现吗", "会怎么样", "会被说不", "会被说吗", "会被处分吗", "会被处分不", "会不会被处分",
		"会被罚吗", "会被罚不", "会不会被罚", "会挨骂吗", "会挨说吗", "管不管", "管吗", "不太好吧", "不好吧", "不妥吧",
	}
	// okEndForms ask "all right?" only at the end of a phrase: 抽烟可以不 asks, 可以不放 is 可以 + 不放.
	okEndForms = []string{"可以不", "行不", "能不", "好不", "ok不", "合规不", "合适不", "中不"}
	// aNotAForms come first: 能不能不走 is 能不能 + 不走, not 能不 + 能不 + 走.
	aNotAForms = map[string]questionKind{
		"可以不可以": askPermission, "可不可以": askPermission, "能不能够": askPermission, "能不能": askPermission,
		"允不允许": askPermission, "行不行": askPermission, "准不准": askPermission, "让不让": askPermission,
		"许不许": askPermission, "成不成": askPermission, "算不算": askPermission, "中不中": askPermission, "给不给": askPermission,
		"需要不需要": askObligation, "应该不应该": askObligation, "需不需要": askObligation, "必不必须": askObligation,
		"应不应该": askObligation, "要不要": askObligation, "用不用": askObligation, "得不得": askObligation,
		"该不该": askObligation,
	}
	obligationForms = []string{
		"需要不需要", "应该不应该", "是不是必须", "是不是需要", "是不是要", "是不是得", "需不需要", "必不必须", "应不应该",
		"是否必须", "是否需要", "是否应该", "是否要", "要不要", "用不用", "得不得", "该不该", "有没有必要", "有必要",
		"一定要", "一定得", "必须要", "非得", "非要", "必须", "需要", "应该", "应当", "不需要", "不用", "用得着", "得要",
	}
	permissionForms = []string{
		"可以不可以", "可不可以", "允不允许", "能不能够", "能不能", "是否可以", "是否允许", "是否能", "准不准", "让不让",
		"许不许", "行不行", "成不成", "中不中", "给不给", "算不算", "能否", "可否", "能够", "可以", "允许", "准许", "不可以", "不能",
		"不准", "不让", "不许", "行吗", "行么", "行嘛", "好吗", "可行",
	}
	// Single characters are forms only outside words: 要 in 群众要复印 is the citizen's wish, 要…吗 asks.
	obligationRunes = "要得该需"
	permissionRunes = "能可"
	fillerWords     = []string{
		"请问一下", "请问", "想问一下", "想问问", "想问", "问一下", "问下", "我想知道", "想知道", "咨询一下", "请教一下", "请教",
		"怎么办才好", "怎么办", "咋办", "咋整", "咋弄", "怎么弄", "怎么整", "怎么处理", "如何处理", "怎么样", "怎么做",
		"如何做", "该怎么", "应该怎么", "怎么", "如何", "为什么", "为啥", "什么", "啥", "哪些", "哪个", "哪里", "哪儿",
		"是不是", "有没有", "是否", "会不会", "的话", "一下", "一点", "有点", "有些", "这个", "那个", "这样", "那样",
		"这种", "那种", "我们", "咱们", "你们", "他们", "她们", "人家", "大家", "自己", "比如", "例如", "的时候", "时候",
		"现在", "平时", "一般", "总是", "老是", "经常", "其实", "就是", "还是", "还有", "然后", "但是", "可是", "因为",
		"所以", "如果", "要是", "到底", "究竟", "真的", "可能", "感觉", "觉得", "比较好", "比较", "算是", "规定", "规范",
		"条款", "要求", "违规", "违反", "问题",
	}
	fillerRunes = "我你他她它吗呢吧啊呀哦哈啦嘛呗么了的地得着过还就都也又很太挺好真在是有会被把给让和跟与及或个些这那算咋整弄干"
	negRunes    = "不没别未勿莫"
	// askingRunes end a question as its A-not-A half (能上班不, 吃了没): they ask, they negate nothing.
	askingRunes = "不没"
	yesNoEnd    = regexp.MustCompile(`(吗|么|嘛|不|没|没有|否|吧|没得|不成)$`)
	whWordEnd   = regexp.MustCompile(`(什么|怎么|那么|这么|多么|要么)$`) // 先说什么 asks what, not whether
	aNotA       = regexp.MustCompile(`(能不能|可不可|要不要|行不行|是不是|用不用|该不该|准不准|让不让|许不许|需不需|得不得|会不会|好不好|对不对|算不算)`)
)

// formNotBefore lists, for forms that begin common words, the characters after which they are those words:
// 不准备 is not 不准 + 备, 能力 is not 能 + 力.
var formNotBefore = map[string]string{"不准": "备确时", "不能": "力够", "能": "力够量源耐", "可": "能靠怜爱口笑疑", "要": "求点素件"}

// piece is a phrase of a question's content (between punctuation or spaces), with its weight: the phrase that
// carries the question form is what is asked; the others are context.
type piece struct {
	text   string
	weight float64
}

// question is a question taken apart: its kind, whether it asks about not doing something, and its content
// with the question forms and fillers removed.
type question struct {
	text    string // normalized
	kind    questionKind
	negated bool // 可以不起立吗: asks about not doing something
	pieces  []piece
	content string // the pieces joined by spaces
	known   func(string) bool
}

const contextWeight = 0.6

// slang maps chat spellings to standard ones before a question is taken apart.
var slang = strings.NewReplacer(
	"有木有", "有没有", "木有", "没有", "肿么", "怎么", "神马", "什么", "啥子", "什么", "咋个", "怎么",
	"可以滴", "可以的", "行滴", "行的", "好滴", "好的", "滴吧", "的吧", "滴吗", "的吗", "表酱紫", "不要这样",
	"酱紫", "这样", "介样", "这样", "伐", "吗", "不啦", "不", "没得", "没有", "咋", "怎么",
)

// analyze takes a question apart. known reports whether a two-character string occurs in the code's own words,
// so that a filler character inside a code word (会 in 会客, 有 in 有偿) is kept.
func analyze(raw string, th *Thesaurus, known func(string) bool) question {
	text := slang.Replace(normalize(raw))
	q := question{text: text, known: known}
	phrases := strings.Fields(text)
	trimmed := strings.TrimSpace(raw)
	yesNo := strings.Contains(text, "是否") || aNotA.MatchString(text) ||
		strings.Contains(trimmed, "?") || strings.Contains(trimmed, "\uff1f")
	for _, ph := range phrases {
		if yesNoEnd.MatchString(ph) && !whWordEnd.MatchString(ph) {
			yesNo = true
		}
	}
	lastKind, lastPos, formPhrase := askPlain, -1, -1
	modalAt := -1 // rune index in the form's phrase where the asked action starts
	type cleaned struct {
		runes     []rune
		protected []bool
	}
	cs := make([]cleaned, len(phrases))
	for pi, ph := range phrases {
		rs := []rune(ph)
		prot := make([]bool, len(rs))
		for _, m := range th.scanFuzzy(ph, knownOrFiller(known), scanTypos) {
			from := utf8.RuneCountInString(ph[:m.start])
			for i := from; i < from+utf8.RuneCountInString(m.word); i++ {
				prot[i] = true
			}
		}
		note := func(kind questionKind, end int, modal bool) {
			if kind == askPlain {
				return
			}
			if pos := pi*1000 + end; pos > lastPos {
				lastKind, lastPos, formPhrase, modalAt = kind, pos, pi, -1
				if modal {
					modalAt = end
				}
			}
		}
		blankAt := func(f string, kind questionKind, modal, atEnd bool) {
			fr := []rune(f)
			for i := 0; i+len(fr) <= len(rs); i++ {
				if !runesAt(rs, fr, i) {
					continue
				}
				if anyProtected(prot, i, i+len(fr)) && !(kind == askPermission && !modal && len(fr) >= 3 && i+len(fr) == len(rs)) {
					// A thesaurus word is content, except inside an "is it all right" form that ends the
					// phrase: 扣分 in 说方言会被扣分吗 asks about the rule, it is not about the score.
					continue
				}
				if atEnd && i+len(fr) != len(rs) {
					continue
				}
				if next := i + len(fr); next < len(rs) && strings.ContainsRune(formNotBefore[f], rs[next]) {
					continue
				}
				for j := i; j < i+len(fr); j++ {
					rs[j] = ' '
				}
				note(kind, i+len(fr), modal)
			}
		}
		blank := func(forms []string, kind questionKind, modal bool) {
			for _, f := range forms {
				blankAt(f, kind, modal, false)
			}
		}
		for _, f := range sortedForms(aNotAForms) {
			blankAt(f, aNotAForms[f], true, false)
		}
		blank(ruleForms, askRule, false)
		blank(okForms, askPermission, false)
		for _, f := range okEndForms {
			blankAt(f, askPermission, false, true)
		}
		blank(obligationForms, askObligation, true)
		blank(permissionForms, askPermission, true)
		blank(fillerWords, askPlain, false)
		// Single-character fillers go only where they are not part of a word of the code (会 in 会客); modal
		// verbs (要, 能) are forms wherever no thesaurus word holds them: 要说 in the code is still 要 + 说.
		inWord := func(i int) bool {
			return (i > 0 && rs[i-1] != ' ' && known(string(rs[i-1:i+1]))) ||
				(i+1 < len(rs) && rs[i+1] != ' ' && known(string(rs[i:i+2])))
		}
		for i, r := range rs {
			if r == ' ' || prot[i] {
				continue
			}
			switch {
			case i+1 < len(rs) && strings.ContainsRune(formNotBefore[string(r)], rs[i+1]):
				// 能力, 可能, 要求: a word, not a form
			case strings.ContainsRune(obligationRunes, r) && yesNo:
				note(askObligation, i+1, true)
				rs[i] = ' '
			case strings.ContainsRune(permissionRunes, r):
				note(askPermission, i+1, true)
				rs[i] = ' '
			case strings.ContainsRune(fillerRunes, r) && !inWord(i):
				rs[i] = ' '
			}
		}
		cs[pi] = cleaned{runes: rs, protected: prot}
	}
	standalone := false
	if formPhrase > 0 && utf8.RuneCountInString(strings.ReplaceAll(string(cs[formPhrase].runes), " ", "")) < 2 {
		// 没走行权网，这样行吗 (or 我需要做什么): the form stands alone, or nearly, and asks about what was told before it, all of it alike
		// (我趴在桌上睡了十分钟，被领导看到了，这算违规吗); a negation is read in the phrase just before.
		formPhrase, modalAt, standalone = formPhrase-1, -1, true
	}
	if lastKind == askObligation && !yesNo {
		// 必须/需要 without a question: still asks what the rule requires.
		lastKind = askRule
	}
	q.kind = lastKind
	add := func(rs []rune, w float64) {
		for _, f := range strings.Fields(string(rs)) {
			q.pieces = append(q.pieces, piece{text: f, weight: w})
		}
	}
	for pi, c := range cs {
		w := 1.0
		if formPhrase >= 0 && pi != formPhrase && len(cs) > 1 && !standalone {
			w = contextWeight
		}
		rs := c.runes
		if pi == formPhrase || (formPhrase < 0 && pi == len(cs)-1) {
			if end := lastRune(rs); end >= 0 && strings.ContainsRune(askingRunes, rs[end]) && !c.protected[end] && q.kind != askPlain {
				rs[end] = ' '
			}
			for i, r := range rs {
				if strings.ContainsRune(negRunes, r) && !c.protected[i] {
					q.negated = true
				}
			}
		}
		if pi == formPhrase && modalAt > 0 && modalAt < len(rs) && strings.TrimSpace(string(rs[modalAt:])) != "" {
			// 我能不能不理他: what follows the modal verb is the action; what precedes it is the scene.
			add(rs[:modalAt], contextWeight)
			rs = rs[modalAt:]
		}
		add(rs, w)
	}
	if q.kind == askPlain {
		q.negated = false
	}
	parts := make([]string, len(q.pieces))
	for i, p := range q.pieces {
		parts[i] = p.text
	}
	q.content = strings.Join(parts, " ")
	return q
}

// fillerBigrams are the bigrams inside question forms and filler words: a typo match may not cut them (时候我 is
// not 吼我).
var fillerBigrams = func() map[string]bool {
	m := map[string]bool{}
	for _, list := range [][]string{ruleForms, okForms, obligationForms, permissionForms, fillerWords} {
		for _, w := range list {
			rs := []rune(w)
			for i := 0; i+1 < len(rs); i++ {
				m[string(rs[i:i+2])] = true
			}
		}
	}
	return m
}()

// knownOrFiller extends the code's bigrams with those of question forms and fillers.
func knownOrFiller(known func(string) bool) func(string) bool {
	return func(b string) bool { return known(b) || fillerBigrams[b] }
}

// sortedForms lists the forms of m longest first, so that a longer form is taken before one it contains.
func sortedForms(m map[string]questionKind) []string {
	out := make([]string, 0, len(m))
	for f := range m {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

func runesAt(rs, f []rune, i int) bool {
	for j, r := range f {
		if rs[i+j] != r {
			return false
		}
	}
	return true
}

func anyProtected(p []bool, from, to int) bool {
	for i := from; i < to && i < len(p); i++ {
		if p[i] {
			return true
		}
	}
	return false
}

// lastRune is the index of the last rune of rs that is not a space, or -1.
func lastRune(rs []rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] != ' ' {
			return i
		}
	}
	return -1
}
