package rules

import (
	"strings"
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
	"必须的", "坚持不懈",
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
func SplitStatements(text string) []Statement {
	var out []Statement
	for _, sentence := range splitOutsideQuotes(text, "。;!?\n\uff1b\uff01\uff1f") {
		frags := splitOutsideQuotes(sentence, ",\uff0c")
		var pending string // fragments waiting for a statement to join
		start := len(out)
		for _, f := range frags {
			m := DetectModality(f)
			if m == None {
				if len(out) > start && !isCondition(f) && pending == "" {
					out[len(out)-1].Text += "\uff0c" + f
				} else {
					pending = joinFrag(pending, f)
				}
				continue
			}
			out = append(out, Statement{Text: joinFrag(pending, f), Modality: m})
			pending = ""
		}
		if pending != "" {
			if len(out) > start {
				out[len(out)-1].Text += "\uff0c" + pending
			} else {
				out = append(out, Statement{Text: pending, Modality: None})
			}
		}
	}
	return out
}

func joinFrag(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\uff0c" + b
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
	depth := 0
	start := 0
	for i, r := range s {
		switch r {
		case '“', '「', '『', '(', '\uff08':
			depth++
		case '”', '」', '』', ')', '\uff09':
			if depth > 0 {
				depth--
			}
		default:
			if depth == 0 && strings.ContainsRune(seps, r) {
				if piece := strings.TrimSpace(s[start:i]); piece != "" {
					out = append(out, piece)
				}
				start = i + utf8.RuneLen(r)
			}
		}
	}
	if piece := strings.TrimSpace(s[start:]); piece != "" {
		out = append(out, piece)
	}
	return out
}
