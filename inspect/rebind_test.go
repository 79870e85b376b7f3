package inspect_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/rules"
)

// TestDefaultItemsAreThePacks: the shipped code's pack gives exactly the checklist the center started with.
func TestDefaultItemsAreThePacks(t *testing.T) {
	want := []inspect.Item{
		{Key: "greet", Title: "起立、微笑、主动招呼", Clauses: []string{"1.2.1"}, Weight: 2},
		{Key: "polite", Title: "使用文明用语", Clauses: []string{"1.1.2"}, Weight: 1},
		{Key: "nobadword", Title: "无禁用语", Clauses: []string{"1.1.4"}, Weight: 3, Critical: true},
		{Key: "equal", Title: "三个一样（领导与群众、生人与熟人、本地人与外地人）", Clauses: []string{"1.2.2"}, Weight: 2},
		{Key: "patient", Title: "耐心解答，不冷落、刁难、训斥", Clauses: []string{"1.2.3"}, Weight: 2, Critical: true},
		{Key: "dress", Title: "着装规范", Clauses: []string{"1.3.1"}, Weight: 1},
		{Key: "appearance", Title: "仪容仪表", Clauses: []string{"1.3.2"}, Weight: 1},
		{Key: "discipline", Title: "无吃东西、打瞌睡、玩手机、串岗", Clauses: []string{"1.3.3"}, Weight: 2, Critical: true},
		{Key: "inform", Title: "一次性告知所需材料", Clauses: []string{"1.5.1"}, Weight: 2},
		{Key: "supplies", Title: "便民物品齐全", Clauses: []string{"1.4.3"}, Weight: 1},
		{Key: "tidy", Title: "台面整洁", Clauses: []string{"1.4.4"}, Weight: 1},
	}
	for name, got := range map[string][]inspect.Item{"DefaultItems": inspect.DefaultItems, "DefaultItemsFor(shipped)": inspect.DefaultItemsFor(rules.Shipped())} {
		if inspect.FormatItems(got) != inspect.FormatItems(want) {
			t.Errorf("%s:\n%s\nwant:\n%s", name, inspect.FormatItems(got), inspect.FormatItems(want))
		}
	}
}

// revisedSource is the shipped code revised under a new number, so without a pack
// (rules/testdata/rugao-revised.txt): 1.1.3 removed (the rest of 1.1 moves up), 着装 (1.3.1) replaced by an
// unrelated clause on 容缺受理 under the same ID, 台面整洁 (1.4.4) reworded, and 便民物品 (1.4.3) rewritten
// beyond recognition.
func revisedSource(t testing.TB) string { return readTestdata(t, "rugao-revised.txt") }

// readTestdata reads a code of rules/testdata.
func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "rules", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parse(t testing.TB, src string) *rules.Code {
	t.Helper()
	c, err := rules.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRebindFollowsClausesByText: after a revision, items follow their clause by its text whatever its new ID;
// the reworded and removed clauses are listed, and no item is bound to an unrelated clause with the old ID.
func TestRebindFollowsClausesByText(t *testing.T) {
	old, revised := rules.Shipped(), parse(t, revisedSource(t))
	if c, _ := revised.Clause("1.3.1"); !strings.Contains(c.Text, "容缺受理") {
		t.Fatalf("the revision's 1.3.1 is %q", c.Text)
	}
	if c, _ := revised.Clause("1.1.3"); !strings.Contains(c.Text, "禁止使用伤害感情") {
		t.Fatalf("the revision's 1.1.3 is %q", c.Text)
	}
	kept, review := inspect.Rebind(inspect.DefaultItems, old, revised)

	cites := map[string][]string{}
	for _, it := range kept {
		cites[it.Key] = it.Clauses
	}
	for _, tc := range []struct {
		key  string
		want string // "" when the item left the checklist
	}{
		{"nobadword", "1.1.3"}, // moved up with the removal of 1.1.3
		{"polite", "1.1.2"},
		{"appearance", "1.3.2"},
		{"discipline", "1.3.3"},
		{"tidy", "1.4.4"}, // reworded, still there
		{"dress", ""},     // gone: not bound to 容缺受理 under its old ID
		{"supplies", ""},  // rewritten beyond recognition
	} {
		if got := strings.Join(cites[tc.key], ","); got != tc.want {
			t.Errorf("item %s cites %q, want %q", tc.key, got, tc.want)
		}
	}
	// Every item not reviewed cites clauses whose text did not change.
	reviewed := map[string]bool{}
	for _, r := range review {
		reviewed[r.Item.Key] = true
	}
	for _, it := range kept {
		if reviewed[it.Key] {
			continue
		}
		for i, id := range it.Clauses {
			was, _ := old.Clause(inspect.DefaultItems[indexOf(t, it.Key)].Clauses[i])
			now, _ := revised.Clause(id)
			if was.Text != now.Text {
				t.Errorf("item %s silently bound to %s: %q, was %q", it.Key, id, now.Text, was.Text)
			}
		}
	}
	want := map[string]inspect.Review{
		"dress":    {Clause: "1.3.1", Dropped: true},
		"supplies": {Clause: "1.4.3", Dropped: true},
		"tidy":     {Clause: "1.4.4", Now: "1.4.4"},
	}
	if len(review) != len(want) {
		t.Fatalf("review: %+v", review)
	}
	for _, r := range review {
		w, ok := want[r.Item.Key]
		if !ok || r.Clause != w.Clause || r.Now != w.Now || r.Dropped != w.Dropped {
			t.Errorf("review of %s: %+v", r.Item.Key, r)
		}
	}
	warning := inspect.FormatReview(review, old, revised)
	for _, s := range []string{
		"检查清单中有 3 项对应的条款已变更，请核对：",
		"着装规范（原第 1.3.1 条）：条款已删除，此项已移出清单",
		"便民物品齐全（原第 1.4.3 条）：条款已删除，此项已移出清单",
		"台面整洁（原第 1.4.4 条）：条款已修改，现对应第 1.4.4 条",
	} {
		if !strings.Contains(warning, s) {
			t.Errorf("the warning lacks %q:\n%s", s, warning)
		}
	}
	if inspect.FormatReview(nil, old, revised) != "" {
		t.Error("a warning with nothing to review")
	}
}

func indexOf(t *testing.T, key string) int {
	for i, it := range inspect.DefaultItems {
		if it.Key == key {
			return i
		}
	}
	t.Fatalf("no default item %s", key)
	return -1
}

// TestRebindWithoutTheOldCode: without the old code, a clause whose ID exists is kept and the others are listed.
func TestRebindWithoutTheOldCode(t *testing.T) {
	revised := parse(t, revisedSource(t))
	items := []inspect.Item{
		{Key: "a", Title: "甲", Clauses: []string{"1.2.1", "9.9.9"}, Weight: 1},
		{Key: "b", Title: "乙", Clauses: []string{"9.9.8"}, Weight: 1},
	}
	kept, review := inspect.Rebind(items, nil, revised)
	if len(kept) != 1 || strings.Join(kept[0].Clauses, ",") != "1.2.1" {
		t.Errorf("kept: %+v", kept)
	}
	if len(review) != 2 || review[0].Dropped || !review[1].Dropped {
		t.Errorf("review: %+v", review)
	}
}

// TestDeriveItemsOfAnArticlesCode: a code without a pack gets one item for each article that requires or
// prohibits something, its sub-items included, titled from the article; the checklist is valid for the code.
func TestDeriveItemsOfAnArticlesCode(t *testing.T) {
	code := parse(t, readTestdata(t, "articles-sample.txt"))
	if code.Layout != rules.LayoutArticles || rules.PackOf(code) != nil {
		t.Fatalf("layout %q: want an articles code without a pack", code.Layout)
	}
	items := inspect.DefaultItemsFor(code)
	got := inspect.FormatItems(items)
	want := "c3 3 2 着装：工作时间应当统一着装，佩戴工作牌\n" +
		"c4 4,4.1,4.2,4.3 2 仪容仪表：窗口工作人员严禁下列行为\n" +
		"c5 5,5.1,5.2 1 服务规范：接待服务对象应当做到\n"
	if got != want {
		t.Errorf("derived items:\n%s\nwant:\n%s", got, want)
	}
	if probs := inspect.ValidateItems(items, code); len(probs) > 0 {
		t.Errorf("derived items are not valid: %v", probs)
	}
}

// TestFollowCodeWarns: the service's checklist follows an import, and FollowCode returns the warning once.
func TestFollowCodeWarns(t *testing.T) {
	store := testkit.SQLite(t) // the shipped code is version 1
	svc, err := inspect.New(inspect.Options{Store: store, Code: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if w, err := svc.FollowCode(ctx); err != nil || w != "" {
		t.Fatalf("first checklist: %q %v", w, err)
	}
	revised := revisedSource(t)
	if _, _, err := store.PutCode(ctx, parse(t, revised), revised, testkit.Start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	w, err := svc.FollowCode(ctx)
	if err != nil || !strings.Contains(w, "检查清单中有 3 项") || !strings.Contains(w, "着装规范") {
		t.Fatalf("after the import: %q %v", w, err)
	}
	cl, v, err := svc.Checklist(ctx)
	if err != nil || cl.CodeVersionID != v.ID || len(cl.Items) != len(inspect.DefaultItems)-2 {
		t.Fatalf("checklist after the import: %+v %v", cl, err)
	}
	if w, err := svc.FollowCode(ctx); err != nil || w != "" {
		t.Errorf("a second warning: %q %v", w, err)
	}
}

// BenchmarkRebind: carrying the default checklist over to a revision of the shipped code (the work of the first
// FollowCode after an import).
func BenchmarkRebind(b *testing.B) {
	old, revised := rules.Shipped(), parse(b, revisedSource(b))
	b.ReportAllocs()
	for b.Loop() {
		if kept, _ := inspect.Rebind(inspect.DefaultItems, old, revised); len(kept) != len(inspect.DefaultItems)-2 {
			b.Fatalf("%d items kept", len(kept))
		}
	}
}
