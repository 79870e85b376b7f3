package retrieval_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/retrieval"
)

// TestRoleQuestions: a question about what a code provides for itself — when it takes effect, whom it applies
// to, what it is based on, what befalls a breach — is answered with the clause that holds the role, found by
// the code's own words (起施行, 适用于, 依据…制定, its penalty clauses); other questions are left to ranking.
func TestRoleQuestions(t *testing.T) {
	_, e := engineFor(t, filepath.Join("testdata", "codes", "huzheng", "code.txt"))
	for _, tc := range []struct{ q, want string }{
		{"这规定啥时候开始执行", "30"},
		{"这个规范什么时候生效的", "30"},
		{"辅警也要守这个规范吗", "2"},
		{"这个规范是依据啥定的", "1"},
		{"违规了怎么处理", "27"},
	} {
		a, err := e.Ask(context.Background(), tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if a.Abstained || len(a.Citations) == 0 || !within(a.Citations[0].ID, tc.want) {
			t.Errorf("%q: cites %v (abstained %v), want %s first", tc.q, a.Citations, a.Abstained, tc.want)
		}
	}
	// On the shipped code, 执行 in a question about how the code is carried out asks nothing about its date.
	shipped := newEngine(t, openSQLite(t), retrieval.Options{})
	a, err := shipped.Ask(context.Background(), "规范执行情况在绩效里占多大分量")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Citations) == 0 || a.Citations[0].ID != "3" {
		t.Errorf("规范执行情况在绩效里占多大分量: cites %v, want 3 first", a.Citations)
	}
}

// within reports whether id is want or one of its items.
func within(id, want string) bool { return id == want || strings.HasPrefix(id, want+".") }
