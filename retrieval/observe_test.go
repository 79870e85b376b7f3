package retrieval_test

import (
	"context"
	"testing"

	"github.com/conductbot/conductbot/retrieval"
)

// TestObserve reads phrases of inspectors' descriptions as facts on the shipped code: an act the code forbids,
// and a required act not done, are breaches; compliance, the public's own doings and neutral remarks are not.
func TestObserve(t *testing.T) {
	e := newEngine(t, openSQLite(t), retrieval.Options{})
	for _, tc := range []struct {
		fact, clause string
	}{
		{"窗口小伙子一直低头玩手机", "1.3.3"},
		{"没有起身打招呼", "1.2.1"},
		{"女工作人员涂着很浓的指甲油", "1.3.2"},
		{"起身微笑打了招呼", ""},
		{"窗口工作人员在抽烟", "1.3.3"},
		{"有个群众在窗口抽烟", ""},     // what the people served do is context
		{"我在窗口等着，顺手抽了根烟", ""}, // and so is what the inspector did
		{"大厅新装了叫号机和电子屏", ""},
		{"今天天气不错", ""},
		{"还没到上班时间就有人排队", ""},             // 上班时间 is in 1.1.4's examples of what may not be said
		{"工作人员跟群众说“我要下班了，你快点”", "1.1.4"}, // said, it is one of them
		{"", ""},
	} {
		b, err := e.Observe(context.Background(), tc.fact)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if b != nil {
			got = b.Clause
			if len(b.Matches) == 0 || b.Statement == "" {
				t.Errorf("%q: breach of %s without its statement or matched words: %+v", tc.fact, b.Clause, b)
			}
		}
		if got != tc.clause {
			t.Errorf("%q: breach of %q, want %q (%+v)", tc.fact, got, tc.clause, b)
		}
	}
}
