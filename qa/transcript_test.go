package qa_test

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/internal/golden"
	"github.com/conductbot/conductbot/internal/testkit"
)

// transcript writes a conversation as a user reads it: what they typed or pressed, each new message of the bot
// and each message it changed in place, with its buttons, and the notices presses get.
type transcript struct {
	api   *testkit.API
	chat  int64
	b     strings.Builder
	edits map[int]int // message ID → edits seen
	text  map[int]string
}

func (tr *transcript) typed(line string) { fmt.Fprintf(&tr.b, "> %s\n", line) }

func (tr *transcript) pressed(label, notice string) {
	fmt.Fprintf(&tr.b, "> [按下 %s]\n", label)
	if notice != "" {
		fmt.Fprintf(&tr.b, "（%s）\n", notice)
	}
}

// catchUp writes the bot's messages that are new or changed since the last call.
func (tr *transcript) catchUp() {
	for _, m := range tr.api.BotMessages(tr.chat) {
		old, seen := tr.edits[m.ID]
		if seen && old == m.Edits && tr.text[m.ID] == m.Text {
			continue
		}
		header := "规范助手："
		if seen {
			header = "规范助手（更新了上面的消息）："
		}
		tr.edits[m.ID], tr.text[m.ID] = m.Edits, m.Text
		fmt.Fprintf(&tr.b, "%s\n%s\n", header, m.Text)
		tr.b.WriteString(golden.Buttons(m.Markup))
	}
	tr.b.WriteString("\n")
}

// TestStaffTranscript drives a realistic staff session through the Bot API stand-in — /start, a question the
// code forbids, one it allows, one it does not cover, a 👎 with its reason and a sentence of explanation,
// /help, and browsing to a clause — and compares what the user reads with testdata/staff-transcript.golden
// (go test ./qa -run TestStaffTranscript -update rewrites it). It also checks what a reader would: Chinese
// punctuation in Chinese text, no paragraph said twice, nothing cut.
func TestStaffTranscript(t *testing.T) {
	env := testkit.NewBot(t, nil)
	api := testkit.NewAPI(t)
	h := testkit.StartTelegram(t, api, env.Router, env.Store, slog.New(slog.DiscardHandler))
	u := testkit.User(5001, "xiaowang", "小王")
	tr := &transcript{api: api, chat: u.ID, edits: map[int]int{}, text: map[int]string{}}
	say := func(line string) {
		tr.typed(line)
		h.Say(u, line)
		tr.catchUp()
	}
	press := func(label string) {
		m, b := h.WithButton(u.ID, label)
		notice, _ := h.PressData(u, m.ID, b.CallbackData)
		tr.pressed(b.Text, notice)
		tr.catchUp()
	}

	say("/start")
	say("上班时间可以在窗口吃东西吗？") // 不可以
	say("女同事上班可以化淡妆吗")    // 可以
	say("食堂几点开饭")         // not covered
	press("👎 没帮助")        // of the latest answer with one: the one not covered
	press("规范没写")
	say("食堂开饭时间也影响窗口有没有人，希望规范写上")
	say("/help")
	say("/rules")
	press("规范化服务的内容")
	press("服务仪表")
	press("1.3.2")

	got := tr.b.String()
	golden.Compare(t, filepath.Join("testdata", "staff-transcript.golden"), got)
	golden.Readable(t, got, "规范助手", func(line string) bool { return strings.HasPrefix(line, "> ") })
	if un := api.Unanswered(); len(un) > 0 {
		t.Errorf("unanswered presses: %v", un)
	}
}
