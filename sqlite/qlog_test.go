package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/conductbot/conductbot/storetest"
)

func TestQuestionLog(t *testing.T) {
	storetest.TestQuestionLog(t, func(tb testing.TB) (storetest.BotStore, func(testing.TB) storetest.BotStore) {
		path := filepath.Join(tb.TempDir(), "bot.db")
		return openPath(tb, path), func(tb testing.TB) storetest.BotStore { return openPath(tb, path) }
	})
}
