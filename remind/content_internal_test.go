package remind

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/conductbot/conductbot/bot"
	"github.com/conductbot/conductbot/rules"
)

func TestShippedContentFitsTheShippedCode(t *testing.T) {
	code := rules.Shipped()
	ct := ShippedContent()
	for _, c := range eligibleClauses(code) {
		r, ok := ct.Readings[c.ID]
		if !ok {
			t.Errorf("clause %s has no reading", c.ID)
			continue
		}
		if !strings.Contains(c.Text, r.Guard) {
			t.Errorf("clause %s: the guard %q is not in its text", c.ID, r.Guard)
		}
		if n := utf8.RuneCountInString(r.Text); n > 80 {
			t.Errorf("clause %s: a reading of %d characters is not one line", c.ID, n)
		}
		if ct.ReadingOf(c) != r.Text || ct.AskOf(c) != r.Ask {
			t.Errorf("clause %s: the curated reading is not used", c.ID)
		}
	}
	for id := range ct.Readings {
		if _, ok := code.Clause(id); !ok {
			t.Errorf("reading of unknown clause %s", id)
		}
	}
	qs := ct.Questions(code)
	bank := 0
	for _, q := range qs {
		if !strings.HasPrefix(q.ID, "gen-") {
			bank++
		}
		c, ok := code.Clause(q.ClauseID)
		if !ok {
			t.Errorf("question %s cites unknown clause %s", q.ID, q.ClauseID)
		}
		if q.Guard != "" && !strings.Contains(c.Text, q.Guard) {
			t.Errorf("question %s: guard %q not in clause %s", q.ID, q.Guard, q.ClauseID)
		}
		seen := map[string]bool{}
		for _, o := range q.Options {
			if seen[o] || o == "" {
				t.Errorf("question %s: option %q empty or twice", q.ID, o)
			}
			seen[o] = true
		}
		if len(bot.CallbackData("rmq", "20261102", "3")) > bot.MaxCallbackData {
			t.Fatal("answer callback too long")
		}
	}
	if bank != len(ct.Bank) {
		t.Errorf("%d of %d bank questions fit the shipped code", bank, len(ct.Bank))
	}
	if len(qs)-bank < 20 {
		t.Errorf("only %d generated questions", len(qs)-bank)
	}
}

func TestContentFallsBackWhenTheCodeChanges(t *testing.T) {
	ct := ShippedContent()
	c := rules.Clause{ID: "1.3.3", Title: "服务仪表", Text: "工作时不得玩手机，不得大声喧哗。",
		Statements: []rules.Statement{{Text: "工作时不得玩手机", Modality: rules.Prohibited}, {Text: "不得大声喧哗", Modality: rules.Prohibited}}}
	if got := ct.ReadingOf(c); got != "要点\uff1a工作时不得玩手机\uff1b不得大声喧哗。" {
		t.Errorf("derived reading: %q", got)
	}
	if got := ct.AskOf(c); !strings.Contains(got, "1.3.3") {
		t.Errorf("derived question: %q", got)
	}
}

func TestZh(t *testing.T) {
	got := zh("提醒时间(05:00–20:59),例如 /remind 08:15;共 10,000 人?好!")
	want := "提醒时间\uff0805:00–20:59\uff09\uff0c例如 /remind 08:15\uff1b共 10,000 人\uff1f好\uff01"
	if got != want {
		t.Fatalf("zh:\n got %q\nwant %q", got, want)
	}
}

func TestPickRotatesWithoutRepeats(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	one := func(string) int { return 1 }
	var shown []string
	cycle := 1
	for i := 0; i < 5; i++ {
		it, c := pick(items, one, cycle, shown, "seed"+string(rune('0'+i)))
		if c != 1 {
			t.Fatalf("a new cycle after %d items", i)
		}
		for _, s := range shown {
			if s == it {
				t.Fatalf("%s repeated within a cycle", it)
			}
		}
		shown = append(shown, it)
	}
	if _, c := pick(items, one, cycle, shown, "x"); c != 2 {
		t.Fatalf("cycle %d after all were shown, want 2", c)
	}
	// Deterministic: the same inputs give the same item.
	a, _ := pick(items, one, 1, nil, "same")
	b, _ := pick(items, one, 1, nil, "same")
	if a != b {
		t.Fatal("pick is not deterministic")
	}
}

func TestPickFavoursHeavyItems(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	w := func(s string) int {
		if s == "j" {
			return 1 + ViolationWeight*20
		}
		return 1
	}
	hits := 0
	for i := 0; i < 200; i++ {
		if it, _ := pick(items, w, 1, nil, "day"+string(rune(i))); it == "j" {
			hits++
		}
	}
	// j weighs 61 of 70: expect about 174 of 200.
	if hits < 150 {
		t.Fatalf("the heavily violated item was picked %d times of 200", hits)
	}
}

func TestShuffleOptionsKeepsTheAnswer(t *testing.T) {
	opts := []string{"right", "w1", "w2", "w3"}
	positions := map[int]bool{}
	for i := 0; i < 50; i++ {
		got, ans := shuffleOptions(opts, "d"+string(rune(i)))
		if got[ans] != "right" || len(got) != 4 {
			t.Fatalf("%v %d", got, ans)
		}
		positions[ans] = true
	}
	if len(positions) < 4 {
		t.Fatalf("the right answer only ever lands on %v", positions)
	}
}

// TestContentOfACodeWithoutAPack: a code without a pack gets no curated content: every clause's reading is
// derived from its statements, and the quiz is generated from the code, its options the code's own titles.
func TestContentOfACodeWithoutAPack(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "rules", "testdata", "articles-sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	code, err := rules.Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if code.Layout != rules.LayoutArticles || rules.PackOf(code) != nil {
		t.Fatalf("layout %q, pack %v: want an articles code without a pack", code.Layout, rules.PackOf(code))
	}
	ct := ContentFor(code)
	if len(ct.Readings) != 0 || len(ct.Bank) != 0 {
		t.Fatalf("curated content for a code without a pack: %d readings, %d questions", len(ct.Readings), len(ct.Bank))
	}
	dress, _ := code.Clause("3")
	if got, want := ct.ReadingOf(dress), "要点：工作时间应当统一着装，佩戴工作牌；不得穿拖鞋、背心上岗。"; got != want {
		t.Errorf("reading of 第三条: %q, want %q", got, want)
	}
	qs := ct.Questions(code)
	if len(qs) == 0 {
		t.Fatal("no quiz for a code in the articles layout")
	}
	titles := map[string]bool{}
	for _, c := range code.Clauses {
		titles[c.Title] = true
	}
	for _, q := range qs {
		c, ok := code.Clause(q.ClauseID)
		if !ok || q.Options[0] != c.Title {
			t.Errorf("question %s: right option %q, clause %s titled %q", q.ID, q.Options[0], q.ClauseID, c.Title)
		}
		for _, o := range q.Options[1:] {
			if !titles[o] || o == c.Title || slices.Contains(c.Path, o) {
				t.Errorf("question %s: wrong option %q is not another part of the code", q.ID, o)
			}
		}
	}
}

// TestShippedContentIsThePack: the shipped code's content is its pack's, parsed once.
func TestShippedContentIsThePack(t *testing.T) {
	p := rules.PackOf(rules.Shipped())
	r, err := ParseReadings(p.Readings)
	if err != nil {
		t.Fatal(err)
	}
	if ct := ContentFor(rules.Shipped()); len(ct.Readings) != len(r) || len(ct.Readings) == 0 || ct != ShippedContent() {
		t.Errorf("ContentFor(shipped): %d readings, want the pack's %d, the same content each time", len(ct.Readings), len(r))
	}
}
