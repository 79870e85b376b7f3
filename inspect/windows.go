package inspect

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// windowLine is one line of a window list: a number, optionally followed by 号 or 号窗口, then the name,
// separated by spaces, a tab, a comma or a colon.
var windowLine = regexp.MustCompile(`^([0-9A-Za-z][0-9A-Za-z-]{0,7})(?:号窗口|号|窗口)?\s*[,，:：\t]?\s*(.+)$`)

// ParseWindows reads a window list, one window a line:
//
//	3 不动产登记
//	3号窗口 不动产登记
//	3,不动产登记
//
// Blank lines and lines starting with # are skipped; a header line "窗口号,名称" too. Problems are returned in
// Chinese, one per bad line; numbers must be unique.
func ParseWindows(text string) ([]Window, []string) {
	var ws []Window
	var probs []string
	seen := map[string]int{}
	text = strings.TrimPrefix(text, "\ufeff")
	for n, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(strings.ReplaceAll(line, "\u3000", " "))
		if line == "" || strings.HasPrefix(line, "#") || n == 0 && (strings.HasPrefix(line, "窗口") || strings.HasPrefix(strings.ToLower(line), "no")) {
			continue
		}
		m := windowLine.FindStringSubmatch(line)
		if m == nil {
			probs = append(probs, fmt.Sprintf("第 %d 行“%s”：应为“窗口号 名称”，例如 3 不动产登记", n+1, clipRunes(line, 30)))
			continue
		}
		name := strings.TrimSpace(strings.Trim(m[2], ",\uff0c:\uff1a\""))
		if name == "" || utf8.RuneCountInString(name) > 40 {
			probs = append(probs, fmt.Sprintf("第 %d 行：名称应为 1–40 个字", n+1))
			continue
		}
		if prev, dup := seen[m[1]]; dup {
			probs = append(probs, fmt.Sprintf("第 %d 行：窗口号 %s 与第 %d 行重复", n+1, m[1], prev))
			continue
		}
		seen[m[1]] = n + 1
		ws = append(ws, Window{No: m[1], Name: name, Active: true})
	}
	return ws, probs
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
