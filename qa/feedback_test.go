package qa_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/internal/testkit"
)

// In a group, only the user who asked rates the answer: 👍, 👎 and the reasons of a 👎 pressed by anyone else
// are answered with a notice and recorded nowhere.
func TestFeedbackOnlyFromTheAsker(t *testing.T) {
	env := testkit.NewBot(t, nil)
	api := testkit.NewAPI(t)
	h := testkit.StartTelegram(t, api, env.Router, env.Store, slog.New(slog.DiscardHandler))
	group := testkit.Group(-100555, "窗口工作群")
	asker := testkit.User(2001, "asker", "小李")
	other := testkit.User(2002, "other", "小张")

	h.Push(api.Text(group, asker, "@"+api.Bot.Username+" 上班时间可以在窗口吃东西吗"))
	answer, up := h.WithButton(group.ID, "👍 有帮助")
	_, down := h.WithButton(group.ID, "👎 没帮助")

	pressAs := func(who string, msgID int, data string) string {
		t.Helper()
		u := asker
		if who == "other" {
			u = other
		}
		upd := api.Press(group, u, msgID, data)
		h.Push(upd)
		id := testkit.CallbackID(upd)
		for _, c := range api.Calls("answerCallbackQuery") {
			if c.Params["callback_query_id"] == id {
				return c.Params["text"]
			}
		}
		t.Fatalf("press %q by %s not answered", data, who)
		return ""
	}
	rated := func() (upN, downN int) {
		t.Helper()
		rq, err := env.Store.DownRated(context.Background(), time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range rq {
			upN, downN = upN+q.Up, downN+q.Down
		}
		return upN, downN
	}

	sentBefore := len(api.Sent(group.ID))
	for _, data := range []string{up.CallbackData, down.CallbackData} {
		if a := pressAs("other", answer.ID, data); !strings.Contains(a, "只有提问的人可以评价") {
			t.Errorf("another member pressing %q was answered %q", data, a)
		}
	}
	reason := strings.Replace(down.CallbackData, "fb:d:", "fb:r:", 1) + ":1"
	if a := pressAs("other", answer.ID, reason); !strings.Contains(a, "只有提问的人可以评价") {
		t.Errorf("another member choosing a reason was answered %q", a)
	}
	if n := len(api.Sent(group.ID)); n != sentBefore {
		t.Errorf("another member's presses made the bot send %d messages", n-sentBefore)
	}
	if u, d := rated(); u != 0 || d != 0 {
		t.Fatalf("another member's presses were recorded: %d 👍, %d 👎", u, d)
	}

	// The asker rates it: recorded.
	if a := pressAs("asker", answer.ID, down.CallbackData); !strings.Contains(a, "已记录") {
		t.Errorf("the asker's 👎 was answered %q", a)
	}
	if u, d := rated(); u != 0 || d != 1 {
		t.Errorf("after the asker's 👎: %d 👍, %d 👎, want 0 and 1", u, d)
	}
	// The reasons' message: another member choosing one changes nothing; the asker's choice is recorded.
	reasons, first := h.WithButton(group.ID, "答非所问")
	if a := pressAs("other", reasons.ID, first.CallbackData); !strings.Contains(a, "只有提问的人可以评价") {
		t.Errorf("another member choosing the asker's reason was answered %q", a)
	}
	if a := pressAs("asker", reasons.ID, first.CallbackData); !strings.Contains(a, "已记录") {
		t.Errorf("the asker's reason was answered %q", a)
	}
	if un := api.Unanswered(); len(un) > 0 {
		t.Errorf("unanswered presses: %v", un)
	}
}
