package retrieval

import (
	"fmt"
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

// The vocabulary of question forms, fillers and chat spellings is data: lang/question.txt, read once at start
// (lang.go). Each list there says what it is for; analyze takes the form lists in this order: aNotAForms (in
// aNotAOrder), ruleForms, okForms, okEndForms, obligationForms, permissionForms, fillerWords.
var (
	ruleForms       = questionLang.rule
	okForms         = questionLang.ok    // ask whether something is all right: permission questions whatever precedes them
	okEndForms      = questionLang.okEnd // ask "all right?" only at the end of a phrase
	aNotAForms      = questionLang.aNotA
	aNotAOrder      = sortedForms(aNotAForms) // longest first: a longer form is taken before one it contains
	obligationForms = questionLang.obligation
	permissionForms = questionLang.permission
	obligationRunes = questionLang.obligationChars // single characters that are forms only outside words
	permissionRunes = questionLang.permissionChars
	fillerWords     = questionLang.filler
	fillerRunes     = questionLang.fillerChars
	negRunes        = questionLang.negation
	askingRunes     = questionLang.asking // end a question as its A-not-A half (能上班不, 吃了没): they negate nothing
	yesNoEnd        = questionLang.yesNoEnd
	whWordEnd       = questionLang.whWordEnd // 先说什么 asks what, not whether
	aNotA           = questionLang.aNotAAnywhere
	formNotBefore   = questionLang.formNotBefore // after a form, the characters that make it a word: 能力 is not 能 + 力
	slang           = questionLang.slang         // chat spellings to standard ones, before a question is taken apart
)

// questionLang is lang/question.txt read; fillerBigrams is built from it, so it is read before.
var questionLang = mustReadLang("question.txt", readQuestionLang)

// questionWords are the lists of lang/question.txt.
type questionWords struct {
	slang                                                           *strings.Replacer
	aNotA                                                           map[string]questionKind
	rule, ok, okEnd, obligation, permission, filler, atWork         []string
	obligationChars, permissionChars, fillerChars, negation, asking string
	formNotBefore                                                   map[string]string
	yesNoEnd, whWordEnd, aNotAAnywhere                              *regexp.Regexp
}

// readQuestionLang reads lang/question.txt.
func readQuestionLang(f *langFile) *questionWords {
	w := &questionWords{aNotA: map[string]questionKind{}, formNotBefore: map[string]string{}}
	w.slang = strings.NewReplacer(f.pairs("slang")...)
	for _, kv := range f.table("aNotA") {
		switch kv[1] {
		case "permission":
			w.aNotA[kv[0]] = askPermission
		case "obligation":
			w.aNotA[kv[0]] = askObligation
		default:
			f.fail(fmt.Errorf("%s:%d: @aNotA: %s asks permission or obligation, not %s", f.name, f.lists["aNotA"].line, kv[0], kv[1]))
		}
	}
	w.rule = f.words("rule")
	w.ok = f.words("ok")
	w.okEnd = f.words("okEnd")
	w.obligation = f.words("obligation")
	w.permission = f.words("permission")
	w.filler = f.words("filler")
	w.atWork = f.words("atWork")
	w.obligationChars = f.chars("obligationChars")
	w.permissionChars = f.chars("permissionChars")
	for _, kv := range f.table("formNotBefore") {
		w.formNotBefore[kv[0]] = kv[1]
	}
	w.fillerChars = f.chars("fillerChars")
	w.negation = f.chars("negation")
	w.asking = f.chars("asking")
	w.yesNoEnd = f.regexp("yesNoEnd", -1)
	w.whWordEnd = f.regexp("whWordEnd", -1)
	w.aNotAAnywhere = f.regexp("aNotAAnywhere", -1)
	return w
}

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
				if kind == askPlain && len(fr) >= 2 && known(f) && (cutsWord(rs, i, known) || cutsWord(rs, i+len(fr), known)) {
					// 能跟病人说自己看吗 of a code that quotes “自己看”: a filler word the code itself writes, next to
					// the same neighbour, is the code's wording, not filler.
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
		for _, f := range aNotAOrder {
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
	if formPhrase > 0 && utf8.RuneCountInString(withoutWords(string(cs[formPhrase].runes), questionLang.atWork)) < 2 {
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

// withoutWords is s without its spaces and the given words.
func withoutWords(s string, words []string) string {
	s = strings.ReplaceAll(s, " ", "")
	for _, w := range words {
		s = strings.ReplaceAll(s, w, "")
	}
	return s
}
