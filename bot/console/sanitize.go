package console

import (
	"strings"
	"unicode/utf8"
)

// Sanitize makes text safe to print on a terminal: escape sequences (CSI such as ESC[31m or ESC[2J, OSC such as
// a window title or a hyperlink, and the other ESC sequences, in their 7-bit and 8-bit forms) are removed, and
// so is every other C0 or C1 control character, DEL, and the bidirectional overrides that can make a line read
// differently from what it says, except newline and tab. Invalid UTF-8 becomes U+FFFD. Message text comes from
// users (questions, notes, imported codes), so the console never prints it raw.
func Sanitize(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
			i++
		case r == 0x1B: // ESC
			i = skipEscape(s, i+1)
		case r == 0x9B: // CSI, 8-bit
			i = skipCSI(s, i+size)
		case r == 0x9D || r == 0x90 || r == 0x98 || r == 0x9E || r == 0x9F: // OSC, DCS, SOS, PM, APC, 8-bit
			i = skipString(s, i+size)
		case unsafeRune(r):
			i += size
		default:
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// unsafeRune: control characters other than newline and tab, DEL, and bidirectional overrides and isolates.
func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r >= 0x7F && r <= 0x9F:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// skipEscape skips the rest of an escape sequence whose ESC ended before i.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: up to BEL or ST
		return skipString(s, i+1)
	}
	// nF sequences: intermediates 0x20–0x2F, then one final byte 0x30–0x7E.
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2F {
		i++
	}
	if i < len(s) && s[i] >= 0x30 && s[i] <= 0x7E {
		i++
	}
	return i
}

// skipCSI skips a control sequence's parameters and intermediates (0x20–0x3F) and its final byte (0x40–0x7E).
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3F {
		i++
	}
	if i < len(s) && s[i] >= 0x40 && s[i] <= 0x7E {
		i++
	}
	return i
}

// skipString skips a control string up to and including its terminator: BEL, ESC \ or the 8-bit ST.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1B && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}
