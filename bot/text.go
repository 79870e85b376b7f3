package bot

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Len16 is the length of s in UTF-16 code units, the unit of Telegram's message limits.
func Len16(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// SplitText cuts s into parts of at most max UTF-16 code units, each cut at the best boundary in the last
// three quarters of a part: a blank line, a line end, the end of a sentence (。！？!?；;), a comma, a space,
// or, failing all, anywhere between characters.
func SplitText(s string, max int) []string {
	if max <= 0 {
		max = MaxMessageLen
	}
	var parts []string
	for Len16(s) > max {
		cut := bestCut(s, max)
		part := strings.TrimRight(s[:cut], " \n")
		if part != "" {
			parts = append(parts, part)
		}
		s = strings.TrimLeft(s[cut:], " \n")
	}
	if s != "" || len(parts) == 0 {
		parts = append(parts, s)
	}
	return parts
}

// bestCut returns the byte offset to cut s at, so that s[:cut] has at most max UTF-16 units.
func bestCut(s string, max int) int {
	// limit: the byte offset after the last rune that fits.
	limit, units := 0, 0
	for i, r := range s {
		u := utf16.RuneLen(r)
		if units+u > max {
			break
		}
		units += u
		limit = i + utf8.RuneLen(r)
	}
	floor := limit / 4
	window := s[:limit]
	classes := []func(string) int{
		func(w string) int { return after(w, strings.LastIndex(w, "\n\n"), 2) },
		func(w string) int { return after(w, strings.LastIndex(w, "\n"), 1) },
		func(w string) int { return lastAfterAny(w, []string{"。", "！", "？", "；", "!", "?", ";", "…"}) },
		func(w string) int { return lastAfterAny(w, []string{"，", "、", ",", "：", ":"}) },
		func(w string) int { return after(w, strings.LastIndex(w, " "), 1) },
	}
	for _, c := range classes {
		if i := c(window); i > floor {
			return i
		}
	}
	if limit == 0 { // a single rune wider than max: take it anyway
		_, n := utf8.DecodeRuneInString(s)
		return n
	}
	return limit
}

func after(_ string, i, n int) int {
	if i < 0 {
		return -1
	}
	return i + n
}

// lastAfterAny is the offset just after the last of the marks in w, also taking a closing quote or bracket
// that directly follows it (。” stays together).
func lastAfterAny(w string, marks []string) int {
	best := -1
	for _, m := range marks {
		if i := strings.LastIndex(w, m); i >= 0 && i+len(m) > best {
			best = i + len(m)
		}
	}
	if best < 0 {
		return -1
	}
	for _, q := range []string{"”", "’", "」", "』", "）", ")", "\""} {
		if strings.HasPrefix(w[best:], q) {
			best += len(q)
			break
		}
	}
	return best
}

// Clip shortens s to at most n runes, marking the cut with "…".
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(0, n-1)]) + "…"
}

// Lead is the opening of a text for a list: its first sentence, whole, with its closing mark. A first sentence
// longer than n runes ends at the last comma that fits, followed by "……" (the text goes on), never mid-word.
func Lead(s string, n int) string {
	s = strings.TrimSpace(s)
	rs := []rune(s)
	depth := 0
	end := len(rs)
	for i, r := range rs {
		switch r {
		case '“', '（', '(':
			depth++
		case '”', '）', ')':
			depth = max(depth-1, 0)
		case '。', '！', '？', '；', '!', '?', ';', '\n':
			if depth == 0 && end == len(rs) {
				end = i + 1
			}
		}
	}
	first := strings.TrimSpace(string(rs[:end]))
	if utf8.RuneCountInString(first) <= n {
		return first
	}
	fr := []rune(first)
	for i := n - 2; i > n/3; i-- {
		if fr[i] == '，' || fr[i] == '、' || fr[i] == '：' {
			return string(fr[:i]) + "……"
		}
	}
	return string(fr[:n-2]) + "……"
}
