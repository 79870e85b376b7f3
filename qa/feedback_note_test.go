package qa_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/rules"
)

// Every reason of a 👎 offers to explain it in a sentence; the sentence reaches /gaps, and /cancel skips it.
func TestEveryReasonTakesANote(t *testing.T) {
	const adminID = 9001
	env := testkit.NewBot(t, nil, adminID)
	api := testkit.NewAPI(t)
	h := testkit.StartTelegram(t, api, env.Router, env.Store, slog.New(slog.DiscardHandler))
	admin := testkit.User(adminID, "boss", "王主任")
	for i, tc := range []struct {
		user         int64
		question     string
		reason, note string
	}{
		{3001, "工作时可以穿拖鞋吗", "答非所问", "我问的是凉鞋"},
		{3002, "窗口能放个人物品吗", "条款不对", "应该引用服务设施那一条"},
		{3003, "上班能戴耳机吗", "规范没写", "耳机规范里没有明说"},
		{3004, "接电话第一句说什么", "其他", "座机和手机是否一样"},
	} {
		u := testkit.User(tc.user, "u", "小"+string(rune('甲'+i)))
		h.Say(u, tc.question)
		h.Press(u, "👎 没帮助")
		_, edited := h.Press(u, tc.reason)
		if !strings.Contains(edited.Text, "已记录："+tc.reason) || !strings.Contains(edited.Text, "说明原因") ||
			!strings.Contains(edited.Text, "/cancel") {
			t.Errorf("%s: after the reason: %q", tc.reason, edited.Text)
		}
		if got := h.Say(u, tc.note); !strings.Contains(got.Text, "已记录您的说明") {
			t.Errorf("%s: the note was answered %q", tc.reason, got.Text)
		}
		// The note is taken once: the next line is a question again.
		if got := h.Say(u, "上班时间可以在窗口吃东西吗"); !strings.HasPrefix(got.Text, "不可以") {
			t.Errorf("%s: the line after the note was answered %q", tc.reason, got.Text)
		}
	}
	// /cancel declines the note: nothing recorded for it, and the next line is a question.
	u := testkit.User(3005, "u", "小戊")
	h.Say(u, "工作时可以穿拖鞋吗")
	h.Press(u, "👎 没帮助")
	h.Press(u, "答非所问")
	if got := h.Say(u, "/cancel"); !strings.Contains(got.Text, "不再补充说明") {
		t.Errorf("/cancel answered %q", got.Text)
	}
	if got := h.Say(u, "不想说"); strings.Contains(got.Text, "已记录您的说明") {
		t.Errorf("a line after /cancel was taken as a note: %q", got.Text)
	}

	g := h.Say(admin, "/gaps")
	for _, want := range []string{"我问的是凉鞋", "应该引用服务设施那一条", "耳机规范里没有明说", "座机和手机是否一样",
		"答非所问×", "条款不对×1", "规范没写×1", "其他×1"} {
		if !strings.Contains(g.Text, want) {
			t.Errorf("/gaps lacks %q:\n%s", want, g.Text)
		}
	}
	if strings.Contains(g.Text, "说明：不想说") {
		t.Errorf("/gaps shows a line sent after /cancel:\n%s", g.Text)
	}
}

// /help and /start take their examples from the code in force: after another code is imported, a real clause
// of it and a question from one of its titles, in either layout.
func TestHelpExamplesFromTheCodeInForce(t *testing.T) {
	for _, tc := range []struct{ name, file string }{
		{"articles", "../retrieval/testdata/codes/huzheng/code.txt"},
		{"outline", "../retrieval/testdata/codes/tax/code.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testkit.NewBot(t, nil)
			api := testkit.NewAPI(t)
			h := testkit.StartTelegram(t, api, env.Router, env.Store, slog.New(slog.DiscardHandler))
			u := testkit.User(4001, "u", "小王")
			shipped := h.Say(u, "/help").Text
			if !strings.Contains(shipped, "/clause 1.") {
				t.Errorf("the shipped code's /help has no clause of it:\n%s", shipped)
			}
			src, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			code, err := rules.Parse(string(src))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, _, err := env.Store.PutCode(ctx, code, string(src), testkit.Start.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := env.Engine.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			help := h.Say(u, "/help").Text
			id := between(help, "例如 /clause ", "\n")
			c, ok := code.Clause(id)
			if !ok {
				t.Fatalf("/help names clause %q, not in the imported code:\n%s", id, help)
			}
			if !strings.Contains(help, "“"+c.Title) || !strings.Contains(help, code.Title) {
				t.Errorf("/help has no question from %s's title %q or the code's title:\n%s", id, c.Title, help)
			}
			if strings.Contains(help, "1.3.3") || strings.Contains(help, "接电话") {
				t.Errorf("/help still shows the shipped code's examples:\n%s", help)
			}
			start := h.Say(u, "/start").Text
			if !strings.Contains(start, "/clause "+id+" ") || strings.Contains(start, "如皋") {
				t.Errorf("/start:\n%s", start)
			}
			if got := h.Say(u, "/clause "+id).Text; !strings.Contains(got, code.Cite(id)) {
				t.Errorf("/clause %s: %q", id, got)
			}
		})
	}
}

// between is the text of s after the first from up to the next to.
func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	out, _, _ := strings.Cut(rest, to)
	return strings.TrimSpace(out)
}
