package retrieval_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/sqlite"
)

// answerBudget is the most characters an answer's text may have in a chat: a phone screen, without scrolling.
const answerBudget = 160

var dumpAnswers = flag.String("dump-answers", "", "write every answer of TestAnswerBudget to this file")

// blindCodes are measured once, at the end (testdata/codes/README.md): never read or run here.
var blindCodes = map[string]bool{"hotline": true, "social": true}

// TestAnswerBudget asks every question of the sets that are not blind and holds each answer to the phone's
// shape: at most answerBudget characters; one complete sentence of the clause quoted (never a comma fragment,
// never a list of examples standing for the rule); the clause cited the way its document cites it; no text
// said twice. It reports the longest answer and the 95th percentile.
func TestAnswerBudget(t *testing.T) {
	type set struct {
		name string
		e    *retrieval.Engine
		code *rules.Code
		file string
	}
	var sets []set
	shipped := newEngine(t, openSQLite(t), retrieval.Options{})
	files, err := filepath.Glob("testdata/eval/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no question sets: %v", err)
	}
	for _, f := range files {
		sets = append(sets, set{filepath.Base(f), shipped, rules.Shipped(), f})
	}
	dirs, err := filepath.Glob("testdata/codes/*/questions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range dirs {
		name := filepath.Base(filepath.Dir(f))
		if blindCodes[name] {
			continue
		}
		code, e := engineFor(t, filepath.Join(filepath.Dir(f), "code.txt"))
		sets = append(sets, set{name, e, code, f})
	}
	if len(sets) < 12 {
		t.Fatalf("%d sets, want the 9 of eval/ and the 4 codes that are not blind", len(sets))
	}
	var dump strings.Builder
	var lens []int
	longest := ""
	for _, s := range sets {
		for _, it := range readSet(t, s.file) {
			a, err := s.e.Ask(context.Background(), it.Q)
			if err != nil {
				t.Fatal(err)
			}
			n := utf8.RuneCountInString(a.Answer)
			lens = append(lens, n)
			if n > utf8.RuneCountInString(longest) {
				longest = a.Answer
			}
			fmt.Fprintf(&dump, "=== %d %s | %s\n%s\n", n, s.name, it.Q, a.Answer)
			if n > answerBudget {
				t.Errorf("%s %q: %d characters, want at most %d:\n%s", s.name, it.Q, n, answerBudget, a.Answer)
			}
			checkShape(t, s.name, s.code, a)
		}
	}
	sort.Ints(lens)
	t.Logf("%d answers: max %d, p95 %d, median %d characters (budget %d)\nlongest: %s", len(lens), lens[len(lens)-1],
		lens[len(lens)*95/100], lens[len(lens)/2], answerBudget, longest)
	if *dumpAnswers != "" {
		if err := os.WriteFile(*dumpAnswers, []byte(dump.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkShape checks one answer that quotes a clause.
func checkShape(t *testing.T, set string, code *rules.Code, a *retrieval.Answer) {
	t.Helper()
	if a.Abstained || a.Lookup || len(a.Citations) == 0 || a.Quote == "" {
		return
	}
	c, ok := code.Clause(a.Citations[0].ID)
	if !ok {
		t.Errorf("%s %q: cites %s, not in the code", set, a.Question, a.Citations[0].ID)
		return
	}
	if !strings.Contains(a.Answer, code.Cite(c.ID)) {
		t.Errorf("%s %q: the answer does not cite %s as the document does (%s):\n%s", set, a.Question, c.ID, code.Cite(c.ID), a.Answer)
	}
	if strings.Contains(a.Answer, "原文") || strings.Count(a.Answer, "规定：") != 1 {
		t.Errorf("%s %q: the answer repeats itself:\n%s", set, a.Question, a.Answer)
	}
	rule, _, _ := strings.Cut(a.Quote, "。如“") // the rule, then the example closest to the question
	if listsExamples(rule) {
		t.Errorf("%s %q: quotes a list of examples as the rule: %q", set, a.Question, a.Quote)
	}
	at := strings.Index(c.Text, rule)
	if at < 0 {
		t.Errorf("%s %q: the quote %q is not in %s's text %q", set, a.Question, rule, c.ID, c.Text)
		return
	}
	before, after := strings.TrimRight(c.Text[:at], " \u3000\n"), strings.TrimLeft(c.Text[at+len(rule):], " \u3000")
	starts := before == "" || strings.HasSuffix(before, "。") || strings.HasSuffix(before, "；") ||
		strings.HasSuffix(before, "！") || strings.HasSuffix(before, "？") || strings.HasSuffix(before, ";")
	ends := after == "" || strings.HasPrefix(after, "。") || strings.HasPrefix(after, "；") || strings.HasPrefix(after, "！") ||
		strings.HasPrefix(after, "？") || strings.HasPrefix(after, ";") || strings.HasPrefix(after, "\n") ||
		strings.HasPrefix(after, "，如") || strings.HasPrefix(after, "，例如") || // the examples after it are left out
		strings.HasPrefix(after, "：") || strings.HasPrefix(after, ":") // a lead-in to a list
	if !starts || !ends {
		t.Errorf("%s %q: the quote %q is not a whole sentence of %s: %q", set, a.Question, a.Quote, c.ID, c.Text)
	}
}

// listsExamples tells a list of examples (如“…”、“…”等, 例如：“…”) from a rule that opens with 如 (如有传呼电话).
func listsExamples(s string) bool {
	for _, p := range []string{"例如", "比如", "如"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			rest = strings.TrimLeft(rest, "：: ")
			return strings.HasPrefix(rest, "“")
		}
	}
	return false
}

// engineFor imports a code as an admin would and returns it with an engine on it.
func engineFor(t *testing.T, path string) (*rules.Code, *retrieval.Engine) {
	t.Helper()
	code, db := storeFor(t, path)
	return code, newEngine(t, db, retrieval.Options{})
}

// storeFor imports the code at path into a fresh SQLite store.
func storeFor(t *testing.T, path string) (*rules.Code, *sqlite.DB) {
	t.Helper()
	return testkit.ImportFile(t, path)
}
