package bot_test

import (
	"testing"

	"github.com/conductbot/conductbot/bot"
)

func TestLead(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"工作时不得吃东西。女工作人员可淡妆。", 60, "工作时不得吃东西。"},
		{"接打电话时应先说“您好。”再说话；不超过3分钟。", 60, "接打电话时应先说“您好。”再说话；"},
		{"工作时不得在窗口吃东西、打瞌睡，不得上网做与工作无关的事，不得在窗口工作区会客。", 30, "工作时不得在窗口吃东西、打瞌睡，不得上网做与工作无关的事……"},
	} {
		if got := bot.Lead(tc.s, tc.n); got != tc.want {
			t.Errorf("Lead(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
