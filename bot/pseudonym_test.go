package bot_test

import (
	"testing"

	"github.com/conductbot/conductbot/bot"
)

func TestChatPseudonym(t *testing.T) {
	k1, k2 := bot.ChatPseudonym([]byte("key one")), bot.ChatPseudonym([]byte("key two"))
	if k1(0) != 0 {
		t.Errorf("chat 0 (bot-wide state) became %d", k1(0))
	}
	seen := map[int64]int64{}
	for _, chat := range []int64{1, 2, 1001, 7351906642, -1001234567890, 1<<52 - 1, -(1<<52 - 1)} {
		p := k1(chat)
		if !bot.IsPseudonym(p) || bot.IsPseudonym(chat) {
			t.Errorf("chat %d → %d: IsPseudonym %v, of the chat %v", chat, p, bot.IsPseudonym(p), bot.IsPseudonym(chat))
		}
		if p != k1(chat) {
			t.Errorf("chat %d: not deterministic", chat)
		}
		if p == k2(chat) {
			t.Errorf("chat %d: the same pseudonym under another key", chat)
		}
		if other, dup := seen[p]; dup {
			t.Errorf("chats %d and %d share pseudonym %d", other, chat, p)
		}
		seen[p] = chat
	}
}
