package inspect_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/golden"
	"github.com/conductbot/conductbot/internal/testkit"
)

// transcript writes conversations as their users read them: what they typed, sent or pressed, each new message
// of the bot and each message it changed in place, with its buttons, and the notices presses get. Codes that are
// random on each run are written as placeholders.
type transcript struct {
	api   *testkit.API
	chats map[int64]string // the chats followed, by the name written before what the bot says there
	b     strings.Builder
	seen  map[int64]map[int]string
	codes map[string]string // a random code → its placeholder
}

func newTranscript(api *testkit.API) *transcript {
	return &transcript{api: api, chats: map[int64]string{}, seen: map[int64]map[int]string{}, codes: map[string]string{}}
}

func (tr *transcript) mask(s string) string {
	for code, ph := range tr.codes {
		s = strings.ReplaceAll(s, code, ph)
	}
	return s
}

func (tr *transcript) typed(who, line string) { fmt.Fprintf(&tr.b, "%s> %s\n", who, tr.mask(line)) }

func (tr *transcript) pressed(who, label, notice string) {
	fmt.Fprintf(&tr.b, "%s> [按下 %s]\n", who, label)
	if notice != "" {
		fmt.Fprintf(&tr.b, "（%s）\n", notice)
	}
}

// catchUp writes the bot's messages in the followed chats that are new or changed since the last call, chat by
// chat in the order they were added.
func (tr *transcript) catchUp(order ...int64) {
	for _, chat := range order {
		if tr.seen[chat] == nil {
			tr.seen[chat] = map[int]string{}
		}
		for _, m := range tr.api.BotMessages(chat) {
			key := fmt.Sprintf("%d\x00%s\x00%v", m.Edits, m.Text, m.Markup)
			old, seen := tr.seen[chat][m.ID]
			if seen && old == key {
				continue
			}
			header := "规范助手："
			if seen {
				header = "规范助手（更新了上面的消息）："
			}
			if name := tr.chats[chat]; name != "" {
				header = "规范助手 → " + name + "："
			}
			tr.seen[chat][m.ID] = key
			fmt.Fprintf(&tr.b, "%s\n%s\n", header, tr.mask(m.Text))
			tr.b.WriteString(golden.Buttons(m.Markup))
			tr.b.WriteString("\n")
		}
	}
}

// internalID is a report, draft or photo ID (NewID, NewDraftID): 16 or more base32 letters and digits.
var internalID = regexp.MustCompile(`\b[a-z2-7]{16,}\b`)

// checkReadable checks a transcript as a reader would: ASCII punctuation next to Chinese text, a paragraph of
// the bot's said twice in one message, a text cut with "…", an internal ID or the inspector's identity shown.
func checkReadable(t *testing.T, s string) {
	t.Helper()
	golden.Readable(t, s, "规范助手", func(line string) bool {
		return strings.Contains(line, "> ") && !strings.HasPrefix(line, "规范助手")
	}, "更早…")
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "> ") && !strings.HasPrefix(line, "规范助手") {
			continue // what a user typed
		}
		if id := internalID.FindString(line); id != "" {
			t.Errorf("an internal ID shown: %q", line)
		}
	}
	for _, who := range []string{fmt.Sprint(tgInsp.ID), tgInsp.Username} {
		if strings.Contains(s, who) {
			t.Errorf("the transcript shows the inspector's %q", who)
		}
	}
}

// TestInspectorTranscript drives a whole inspector's session through the Bot API stand-in and compares what
// the inspector (and the supervisors' group, notified) read with testdata/inspector-transcript.golden: /join with
// an invite code; /report through every step — a visit on a Sunday, questioned and confirmed, a ❌ item with a
// note and a photo, a description whose clauses are confirmed — the review, 提交 and the receipt; the
// notification with its 查看 button; /status with the receipt.
func TestInspectorTranscript(t *testing.T) {
	store := testkit.SQLite(t)
	h := startTG(t, store, tgSetup{opts: []envOption{func(o *inspect.Options) {
		o.NotifyChat = tgReports.ID
		o.Release = inspect.Release{Immediate: true}
	}}})
	h.seedWindows()
	tr := newTranscript(h.api)
	tr.chats[tgReports.ID] = "督查通知群"
	const me = "暗访人员"
	code := h.invite()
	tr.codes[code] = "H4KD7-PQ2XM"

	say := func(text string) {
		t.Helper()
		tr.typed(me, text)
		h.Say(tgInsp, text)
		tr.catchUp(tgInsp.ID)
	}
	press := func(label string) {
		t.Helper()
		answer, _ := h.Press(tgInsp, label)
		tr.pressed(me, label, answer)
		tr.catchUp(tgInsp.ID)
	}
	say("/join " + code)
	say("/report")
	press("3号窗口 不动产登记")
	press("昨天 11月1日") // a Sunday: the form asks
	press("是这一天")
	press("上午")
	for i := 0; strings.Contains(h.Last(tgInsp.ID).Text, "是否符合"); i++ {
		if i > 40 {
			t.Fatal("the checklist does not end")
		}
		if strings.Contains(h.Last(tgInsp.ID).Text, "无吃东西") {
			press("❌ 不符合")
			say("工作人员一直低头玩手机，我站了两分钟她才抬头。")
			tr.typed(me, "[照片：台面下的手机]")
			h.Push(h.api.Photo(testkit.Private(tgInsp), tgInsp, "", gpsJPEG(t, 320, 240, 1)))
			tr.catchUp(tgInsp.ID)
			press("下一项")
			continue
		}
		press("✅ 符合")
	}
	say("窗口人员一直在看手机，没抬头。")
	for i := 1; ; i++ {
		label := fmt.Sprintf("✅ 采纳 %d", i)
		if last := h.Last(tgInsp.ID); !hasButton(&last, label) {
			break
		}
		press(label)
	}
	press("完成")
	answer, last := h.Press(tgInsp, "✅ 提交")
	receipt := codePattern.FindString(last.Text)
	if receipt == "" {
		t.Fatalf("no receipt in %q", last.Text)
	}
	tr.codes[receipt] = "K7P3-Q9XW-M2TA" // written so: the code is random
	tr.pressed(me, "✅ 提交", answer)
	tr.catchUp(tgInsp.ID)

	// The supervisors' group hears of it.
	if n, err := h.svc.Notifier().Flush(context.Background(), h.Bot.Client()); err != nil || n != 1 {
		t.Fatalf("flush: %d %v", n, err)
	}
	tr.catchUp(tgReports.ID)
	note := h.Last(tgReports.ID)
	if b, ok := (&note).Button("🔎 查看"); !ok || !strings.HasPrefix(b.CallbackData, inspect.ViewPrefix+":"+inspect.ViewAction+":") {
		t.Errorf("the notification has no 查看 button opening the report: %+v", note.Buttons())
	}

	say("/status " + receipt)

	got := tr.b.String()
	golden.Compare(t, filepath.Join("testdata", "inspector-transcript.golden"), got)
	checkReadable(t, got)
	for _, want := range []string{"⚠️ 这一天是休息日（周末）", "已收到第 1 张照片", "（休息日：周末）", "回执码：K7P3-Q9XW-M2TA",
		"处理状态：待审核", "[🔎 查看]", "暗访报告（3号窗口 不动产登记，11月1日 上午）"} {
		if !strings.Contains(got, want) {
			t.Errorf("the transcript lacks %q", want)
		}
	}
	if un := h.api.Unanswered(); len(un) > 0 {
		t.Errorf("unanswered presses: %v", un)
	}
}

func hasButton(m *testkit.Msg, label string) bool {
	_, ok := m.Button(label)
	return ok
}
