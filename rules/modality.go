package rules

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// modalityMarkers are the words that give a statement its modality, longest first where one contains another.
// Quoted text (the examples in “…”) is never searched: "不知道" in 1.1.4 is an example of a forbidden phrase,
// not a prohibition.
var modalityMarkers = []struct {
	word     string
	modality Modality
}{
	{"禁止", Prohibited}, {"不得", Prohibited}, {"不准", Prohibited}, {"严禁", Prohibited}, {"不要", Prohibited},
	{"不能", Prohibited}, {"不可", Prohibited}, {"不许", Prohibited}, {"杜绝", Prohibited}, {"不应", Prohibited},
	{"必须", Required}, {"一律", Required}, {"应当", Required}, {"应该", Required}, {"务必", Required},
	{"做到", Required}, {"确保", Required}, {"及时", Required}, {"坚持", Required}, {"需要", Required}, {"须", Required},
	{"应", Required}, {"要", Required},
	{"提倡", Encouraged}, {"尽量", Encouraged}, {"鼓励", Encouraged}, {"尽可能", Encouraged},
	{"可以", Permitted}, {"允许", Permitted}, {"可", Permitted},
	{"不", Prohibited}, // a bare 不 before a verb in a norm: 不留胡须, 不与其争辩
}

// notMarkers are words that contain a marker without carrying its modality.
var notMarkers = []string{
	"重要", "主要", "只要", "要求", "要件", "要点", "需要的", "必要",
	"相应", "应答", "反应", "适应", "答应", "供应", "应用", "对应", "响应", "应对",
	"可能", "许可", "认可", "可靠", "可持续",
	"不断", "不仅", "不但", "不论", "不管", "不久", "不少", "不同", "不足", "不良", "不利", "不是", "不厌", "不烦",
	"不逊", "不清", "不全", "不了", "不到", "不会", "不太", "不满", "不便", "不齐", "不对", "不必",
	"不动产", "不符", "不属", "不一致", "不明", "不当", "不正之风", "不文明", "不规范", "不合理", "不合格", "不完整",
	"不及时", "不确定", "不熟悉", "不了解", "不耐烦", "不满意", "不得已", "不间断", "不定期", "不特定", "不方便",
	"不适", "不安", "不公", "必须的", "坚持不懈",
}

// exceptionPattern finds what a norm leaves out of its rule: 除工作用品和个人水杯外, 除了紧急情况以外.
var exceptionPattern = regexp.MustCompile(`除了?([^，。；,;（）()“”]{1,30}?)(?:之外|以外|外)`)

// Exception splits a sentence into what its rule leaves out (除…外: 工作用品和个人水杯) and the rest of the sentence;
// ok is false when it leaves nothing out.
func Exception(sentence string) (left, rest string, ok bool) {
	m := exceptionPattern.FindStringSubmatchIndex(sentence)
	if m == nil {
		return "", "", false
	}
	return sentence[m[2]:m[3]], sentence[:m[0]] + sentence[m[1]:], true
}

// DetectModality returns the modality of one statement: the earliest marker outside quotes wins.
func DetectModality(s string) Modality {
	plain := maskQuotes(s)
	best, bestPos, bestLen := None, -1, 0
	for _, m := range modalityMarkers {
		for from := 0; ; {
			i := strings.Index(plain[from:], m.word)
			if i < 0 {
				break
			}
			pos := from + i
			from = pos + len(m.word)
			if insideNotMarker(plain, pos, m.word) {
				continue
			}
			if bestPos < 0 || pos < bestPos || (pos == bestPos && len(m.word) > bestLen) {
				best, bestPos, bestLen = m.modality, pos, len(m.word)
			}
			break
		}
	}
	return best
}

// insideNotMarker reports whether the marker at pos is part of a word from notMarkers.
func insideNotMarker(s string, pos int, word string) bool {
	for _, nm := range notMarkers {
		at := strings.Index(nm, word)
		if at < 0 {
			continue
		}
		start := pos - at
		if start >= 0 && start+len(nm) <= len(s) && s[start:start+len(nm)] == nm {
			return true
		}
	}
	return false
}

// maskQuotes replaces quoted text with spaces of the same byte length, so positions stay valid and commas or
// markers inside quotes are not seen.
func maskQuotes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	depth := 0
	for _, r := range s {
		switch r {
		case '“', '「', '『':
			depth++
			b.WriteString(strings.Repeat(" ", utf8.RuneLen(r)))
			continue
		case '”', '」', '』':
			if depth > 0 {
				depth--
			}
			b.WriteString(strings.Repeat(" ", utf8.RuneLen(r)))
			continue
		}
		if depth > 0 {
			b.WriteString(strings.Repeat(" ", utf8.RuneLen(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SplitStatements cuts a clause's text into statements, each with its modality. Sentences end at 。;!?; inside a
// sentence, fragments separated by commas become statements of their own when they carry a modality marker
// (1.3.2: 女工作人员可淡妆 / 不披散发 / 不涂浓指甲油); a fragment without one joins its neighbour: a leading
// condition (工作时, 如有传呼电话) joins the next fragment, anything else the previous one.
//
// A statement is the stretch of the sentence from its first fragment to its last, commas included as written.
func SplitStatements(text string) []Statement {
	type span struct {
		from, to int
		m        Modality
	}
	var out []Statement
	for _, sentence := range splitOutsideQuotes(text, "。;!?\n\uff1b\uff01\uff1f") {
		var stmts []span
		pending := -1 // start of the fragments waiting for a statement to join
		end := 0
		for _, sp := range SplitSpans(sentence, ",\uff0c") {
			f := sentence[sp[0]:sp[1]]
			end = sp[1]
			m := DetectModality(f)
			if m == None {
				if len(stmts) > 0 && !isCondition(f) && pending < 0 {
					stmts[len(stmts)-1].to = sp[1]
				} else if pending < 0 {
					pending = sp[0]
				}
				continue
			}
			from := sp[0]
			if pending >= 0 {
				from = pending
			}
			stmts = append(stmts, span{from, sp[1], m})
			pending = -1
		}
		if pending >= 0 {
			if len(stmts) > 0 {
				stmts[len(stmts)-1].to = end
			} else {
				stmts = append(stmts, span{pending, end, None})
			}
		}
		for _, st := range stmts {
			m, text := st.m, sentence[st.from:st.to]
			// Examples (如：“…”、“…”等) illustrate the statement before them and share its modality: the quoted
			// phrases of a prohibition are prohibited phrases.
			if m == None && len(out) > 0 && isExamples(text) {
				m = out[len(out)-1].Modality
			}
			out = append(out, Statement{Text: text, Modality: m})
		}
	}
	return out
}

// isExamples reports whether a statement lists examples: it starts with 如, 例如 or 比如 and is mostly
// quotations.
func isExamples(s string) bool {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "如") && !strings.HasPrefix(s, "例如") && !strings.HasPrefix(s, "比如") {
		return false
	}
	return len(strings.ReplaceAll(maskQuotes(s), " ", "")) < len(s)/2
}

// isCondition reports whether a fragment sets the scene for what follows rather than ending a statement.
func isCondition(f string) bool {
	f = strings.TrimSpace(f)
	return strings.HasSuffix(f, "时") || strings.HasPrefix(f, "如") || strings.HasPrefix(f, "在") ||
		strings.HasPrefix(f, "对") || strings.HasPrefix(f, "为") || f == "然后" || f == "同时" || f == "为此"
}

// splitOutsideQuotes splits s after any rune of seps that is not inside quotes or brackets, dropping the
// separators and empty pieces. Sentence-ending punctuation stays with nothing: statements are quoted without it.
func splitOutsideQuotes(s, seps string) []string {
	var out []string
	for _, sp := range SplitSpans(s, seps) {
		out = append(out, s[sp[0]:sp[1]])
	}
	return out
}

// SplitSpans is splitOutsideQuotes giving the byte offsets of the pieces in s, without the separators and the
// spaces around them; empty pieces are left out. Quotes (“「『) and brackets are counted apart.
func SplitSpans(s, seps string) [][2]int {
	var out [][2]int
	piece := func(from, to int) {
		for from < to {
			r, n := utf8.DecodeRuneInString(s[from:])
			if !unicode.IsSpace(r) {
				break
			}
			from += n
		}
		for to > from {
			r, n := utf8.DecodeLastRuneInString(s[from:to])
			if !unicode.IsSpace(r) {
				break
			}
			to -= n
		}
		if from < to {
			out = append(out, [2]int{from, to})
		}
	}
	quotes, brackets := 0, 0 // counted apart: a stray ) must not end a quote, which maskQuotes still sees open
	start := 0
	for i, r := range s {
		switch r {
		case '“', '「', '『':
			quotes++
		case '(', '\uff08':
			brackets++
		case '”', '」', '』':
			quotes = max(quotes-1, 0)
		case ')', '\uff09':
			brackets = max(brackets-1, 0)
		default:
			if quotes == 0 && brackets == 0 && strings.ContainsRune(seps, r) {
				piece(start, i)
				start = i + utf8.RuneLen(r)
			}
		}
	}
	piece(start, len(s))
	return out
}
