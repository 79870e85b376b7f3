package retrieval_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/conductbot/conductbot/retrieval"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/sqlite"
)

// TestAdminLessonFindsTheClause: a question the engine ranks wrongly, attached by an admin to the right clause,
// finds that clause after Learn — in the engine that learned and in a new one loading the stored index — and a
// lesson of another clause leaves other questions alone.
func TestAdminLessonFindsTheClause(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	db := st.(*sqlite.DB)
	e := newEngine(t, st, retrieval.Options{})
	// Questions of the colloquial set the shipped engine ranks below another clause (at the time of writing).
	var q, gold string
	for _, c := range []struct{ q, gold string }{
		{"来办社保的跑到我们这了 我咋说", "1.1.5"},
		{"能训群众两句吗 他材料老弄错", "1.2.3"},
		{"哪些话是绝对不能跟群众讲的", "1.1.4"},
	} {
		a, err := e.Ask(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Citations) == 0 || a.Citations[0].ID != c.gold {
			q, gold = c.q, c.gold
			break
		}
	}
	if q == "" {
		t.Skip("the engine finds every candidate question's clause without lessons: pick a question it misses")
	}
	other := "上班时可以吃东西吗"
	before, err := e.Ask(ctx, other)
	if err != nil {
		t.Fatal(err)
	}

	v := e.Version()
	c, _ := v.Code.Clause(gold)
	if _, err := db.PutLessons(ctx, []rules.Lesson{{VersionID: v.ID, ClauseID: gold, Text: q, Source: rules.LessonAdmin,
		ClauseHash: rules.TextHash(c.Text), CreatedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}}); err != nil {
		t.Fatal(err)
	}
	if a, _ := e.Ask(ctx, q); len(a.Citations) > 0 && a.Citations[0].ID == gold {
		t.Fatalf("the engine found %s before it learned", gold)
	}
	if err := e.Learn(ctx); err != nil {
		t.Fatal(err)
	}
	again := newEngine(t, st, retrieval.Options{}) // loads the index stored by Learn
	for name, eng := range map[string]*retrieval.Engine{"learned": e, "loaded": again} {
		a, err := eng.Ask(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if a.Abstained || len(a.Citations) == 0 || a.Citations[0].ID != gold {
			t.Errorf("%s engine: %q → %v abstained %v; want %s first", name, q, ids(a), a.Abstained, gold)
		}
		b, err := eng.Ask(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		if b.Verdict != before.Verdict || ids(b)[0] != ids(before)[0] {
			t.Errorf("%s engine: %q changed from %s %v to %s %v", name, other, before.Verdict, ids(before), b.Verdict, ids(b))
		}
	}
	// Learn without a change keeps the index.
	if err := e.Learn(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestOtherCodesWithLessons measures whether admin lessons make answers worse on the development codes: half of
// each set's in-scope questions (every other one) become admin lessons of their first gold clause, and the
// other half — never a lesson — is asked with and without them. A lesson changes which clause ranks first for
// other questions too, and the first clause's own statements decide the verdict; measured when this was written
// (hit@1 without → with): hospital 0.814 → 0.791, tax 0.921 → 0.895, realestate 0.821 → 0.872, huzheng 0.732 →
// 0.756, verdicts the same but huzheng 0.64 → 0.60 (中午…吃饭 now finds its clause, whose statement is too weak to
// decide). So: over the four codes lessons find as many first clauses as before or more, no figure of a code
// loses more than one question, and no unsafe verdict comes.
func TestOtherCodesWithLessons(t *testing.T) {
	var hitsWithout, hitsWith float64
	t.Cleanup(func() {
		if hitsWith < hitsWithout {
			t.Errorf("with lessons, %.0f first clauses right; without, %.0f", hitsWith, hitsWithout)
		}
	})
	for _, code := range []string{"hospital", "tax", "realestate", "huzheng"} {
		t.Run(code, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join("testdata", "codes", code)
			items := readSet(t, filepath.Join(dir, "questions.jsonl"))
			var taught, asked []retrieval.EvalItem
			for i, it := range items {
				if len(it.Gold) > 0 && i%2 == 0 {
					taught = append(taught, it)
				} else {
					asked = append(asked, it)
				}
			}
			_, db := storeFor(t, filepath.Join(dir, "code.txt"))
			e := newEngine(t, db, retrieval.Options{})
			_, without, err := retrieval.Evaluate(ctx, e.Ask, asked)
			if err != nil {
				t.Fatal(err)
			}
			v := e.Version()
			var ls []rules.Lesson
			for _, it := range taught {
				if c, ok := v.Code.Clause(it.Gold[0]); ok {
					ls = append(ls, rules.Lesson{VersionID: v.ID, ClauseID: c.ID, Text: it.Q, Source: rules.LessonAdmin, ClauseHash: rules.TextHash(c.Text)})
				}
			}
			if _, err := db.PutLessons(ctx, ls); err != nil {
				t.Fatal(err)
			}
			if err := e.Learn(ctx); err != nil {
				t.Fatal(err)
			}
			_, with, err := retrieval.Evaluate(ctx, e.Ask, asked)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s, %d lessons, %d questions asked:\n without %+v\n with    %+v", code, len(ls), len(asked), without, with)
			hitsWithout += without.HitAt1 * float64(without.InScope)
			hitsWith += with.HitAt1 * float64(with.InScope)
			// One question of each figure's denominator, rounded up a little for the rounding of the figures.
			one := func(n int) float64 { return 1.001 / float64(max(n, 1)) }
			in, out, vq := one(with.InScope), one(with.OutOfScope), one(with.VerdictQuestions)
			if with.HitAt1 < without.HitAt1-in-0.001 || with.HitAt3 < without.HitAt3-in-0.001 || with.AbstentionAcc < without.AbstentionAcc-out-0.001 ||
				with.FalseAbstention > without.FalseAbstention+in+0.001 || with.VerdictAcc < without.VerdictAcc-vq-0.001 || with.Unsafe > without.Unsafe {
				t.Errorf("lessons cost more than one question of a figure")
			}
		})
	}
}

// withColloquialLessons stores the colloquial set's in-scope questions as admin lessons of their first gold
// clause (about 200 lessons over the shipped code's clauses) and returns how many.
func withColloquialLessons(tb testing.TB, db *sqlite.DB) int {
	tb.Helper()
	ctx := context.Background()
	v, err := db.CodeInForce(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	var ls []rules.Lesson
	for _, it := range readSet(tb, filepath.Join("testdata", "eval", "colloquial.jsonl")) {
		if c, ok := v.Code.Clause(firstGold(it)); ok {
			ls = append(ls, rules.Lesson{VersionID: v.ID, ClauseID: c.ID, Text: it.Q, Source: rules.LessonAdmin, ClauseHash: rules.TextHash(c.Text)})
		}
	}
	if _, err := db.PutLessons(ctx, ls); err != nil {
		tb.Fatal(err)
	}
	return len(ls)
}

func firstGold(it retrieval.EvalItem) string {
	if len(it.Gold) == 0 {
		return ""
	}
	return it.Gold[0]
}

// BenchmarkAskWithLessons is BenchmarkAsk with about 200 admin lessons over the shipped code.
func BenchmarkAskWithLessons(b *testing.B) {
	st := openSQLite(b)
	withColloquialLessons(b, st.(*sqlite.DB))
	askLoop(b, newEngine(b, st, retrieval.Options{}))
}

// BenchmarkLearn measures what an admin's 归入条款 costs: one lesson stored and the index of the shipped code
// (with about 200 lessons) rebuilt and stored.
func BenchmarkLearn(b *testing.B) {
	ctx := context.Background()
	st := openSQLite(b)
	db := st.(*sqlite.DB)
	withColloquialLessons(b, db)
	e := newEngine(b, st, retrieval.Options{})
	v := e.Version()
	c, _ := v.Code.Clause("1.3.3")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := rules.Lesson{VersionID: v.ID, ClauseID: c.ID, Text: fmt.Sprintf("第%d个问题", i), Source: rules.LessonAdmin, ClauseHash: rules.TextHash(c.Text)}
		if _, err := db.PutLessons(ctx, []rules.Lesson{l}); err != nil {
			b.Fatal(err)
		}
		if err := e.Learn(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
