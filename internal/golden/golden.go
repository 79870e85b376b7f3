// Package golden is the test support of transcript tests: a golden file compared with what the program says
// (rewritten with -update), and the checks a reader makes of a transcript.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
)

// Update is the -update flag of every test package that compares golden files: rewrite them from what the
// program says now.
var Update = flag.Bool("update", false, "rewrite the golden files (testdata/…) from what the program says now")

// Compare checks got against the file at path, or writes it there with -update.
func Compare(t testing.TB, path, got string) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("the transcript differs from %s (-update rewrites it):\n%s", path, Diff(string(want), got))
	}
}

// Diff lists the lines that differ, with their numbers.
func Diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// Readable checks a transcript as a reader would: ASCII ,:() next to Chinese text, a line of 12 characters or
// more said twice in one message (messages start with speaker), a text cut with "…" (but for the labels in
// cut, which end in one). typed tells the lines a user typed, which are not checked.
func Readable(t testing.TB, s, speaker string, typed func(line string) bool, cut ...string) {
	t.Helper()
	han := func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }
	for _, line := range strings.Split(s, "\n") {
		if typed(line) {
			continue
		}
		rs := []rune(line)
		for i, r := range rs {
			if strings.ContainsRune(",:()", r) && (i > 0 && han(rs[i-1]) || i+1 < len(rs) && han(rs[i+1])) {
				t.Errorf("ASCII %q next to Chinese text: %q", r, line)
			}
		}
		if strings.Contains(line, "…") && !strings.Contains(line, "……") && !containsAny(line, cut) {
			t.Errorf("a text cut short: %q", line)
		}
	}
	for _, msg := range strings.Split(s, speaker) {
		seen := map[string]bool{}
		for _, p := range strings.Split(msg, "\n") {
			p = strings.TrimSpace(p)
			if len([]rune(p)) < 12 || strings.HasPrefix(p, "[") {
				continue
			}
			if seen[p] {
				t.Errorf("said twice in one message: %q", p)
			}
			seen[p] = true
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Buttons writes a message's inline keyboard as a transcript shows it: a line a row, "  [甲] [乙]".
func Buttons(kb *models.InlineKeyboardMarkup) string {
	if kb == nil {
		return ""
	}
	var b strings.Builder
	for _, row := range kb.InlineKeyboard {
		labels := make([]string, len(row))
		for i, btn := range row {
			labels[i] = "[" + btn.Text + "]"
		}
		fmt.Fprintf(&b, "  %s\n", strings.Join(labels, " "))
	}
	return b.String()
}
