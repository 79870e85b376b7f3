package inspect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/bot/bottest"
	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testenv"
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

// revisedSource is the shipped code revised under a new number, so without a pack: 1.1.3 removed (the rest of
// 1.1 moves up), 着装 (1.3.1) replaced by an unrelated clause on 容缺受理 under the same ID, 台面整洁 (1.4.4)
// reworded, and 便民物品 (1.4.3) rewritten beyond recognition.
func revisedSource(t testing.TB) string {
	t.Helper()
	src := rules.ShippedSource
	for _, r := range []struct{ old, new string }{
		{"文号：皋行服中心〔2012〕25号", "文号：皋行服中心〔2026〕9号"},
		{"1、工作时间必须按“中心”的规定着装，有制服的部门窗口工作人员一律着制服上岗。", "1、对次要材料暂缺但主要材料齐全的申请，窗口应当实行容缺受理，一次性告知补正期限。"},
		{"做到工作台面整洁、清洁、有序。", "保持工作台面整洁、清洁、有序。"},
		{"3、各窗口服务柜台应备好笔、纸等便民物品。", "3、窗口可以提供自助打印服务。"},
	} {
		if !strings.Contains(src, r.old) {
			t.Fatalf("the shipped code no longer has %q", r.old)
		}
		src = strings.Replace(src, r.old, r.new, 1)
	}
	// Remove 1.1.3 (its paragraph, up to the blank line) and renumber the rest of 服务语言.
	i := strings.Index(src, "3、在办理有关审批手续")
	j := strings.Index(src[max(i, 0):], "\n\n")
	if i < 0 || j < 0 {
		t.Fatal("the shipped code no longer has 1.1.3 in its place")
	}
	src = src[:i] + src[i+j+2:]
	for n, from := range []string{"4、禁止使用伤害感情", "5、服务对象找错窗口", "6、工作中要严守政治纪律"} {
		src = strings.Replace(src, from, string(rune('3'+n))+from[1:], 1)
	}
	return src
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

// articlesCode is a code in the 第X章/第X条 layout that ships without a pack.
const articlesCode = `某县政务服务中心窗口工作人员管理办法
县政务办〔2021〕7号

第一章 总则
第一条 为规范窗口工作人员服务行为，制定本办法。

第二章 服务行为
第一节 仪容仪表
第二条【着装】工作时间应当统一着装，佩戴工作牌。不得穿拖鞋、背心上岗。
第三条 窗口工作人员严禁下列行为：
（一）在窗口吃零食、玩手机；
（二）擅自离岗、串岗。
第二节 服务规范
第四条【告知】应当一次性告知所需材料。
第五条 提倡使用普通话。

第三章 附则
第六条 本办法自2021年5月1日起施行。
`

// TestDeriveItemsOfAnArticlesCode: a code without a pack gets one item for each article that requires or
// prohibits something, its sub-items included, titled from the article; the checklist is valid for the code.
func TestDeriveItemsOfAnArticlesCode(t *testing.T) {
	code := parse(t, articlesCode)
	if code.Layout != rules.LayoutArticles || rules.PackOf(code) != nil {
		t.Fatalf("layout %q: want an articles code without a pack", code.Layout)
	}
	items := inspect.DefaultItemsFor(code)
	got := inspect.FormatItems(items)
	want := "c2 2 2 着装：工作时间应当统一着装，佩戴工作牌\n" +
		"c3 3,3.1,3.2 2 仪容仪表：窗口工作人员严禁下列行为\n" +
		"c4 4 1 告知：应当一次性告知所需材料\n"
	if got != want {
		t.Errorf("derived items:\n%s\nwant:\n%s", got, want)
	}
	if probs := inspect.ValidateItems(items, code); len(probs) > 0 {
		t.Errorf("derived items are not valid: %v", probs)
	}
}

// TestFollowCodeWarns: the service's checklist follows an import, and FollowCode returns the warning once.
func TestFollowCodeWarns(t *testing.T) {
	store := testenv.SQLite(t) // the shipped code is version 1
	svc, err := inspect.New(inspect.Options{Store: store, Code: store})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if w, err := svc.FollowCode(ctx); err != nil || w != "" {
		t.Fatalf("first checklist: %q %v", w, err)
	}
	revised := revisedSource(t)
	if _, _, err := store.PutCode(ctx, parse(t, revised), revised, bottest.Start.Add(time.Hour)); err != nil {
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
