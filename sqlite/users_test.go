package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/conductbot/conductbot/storetest"
)

func TestBotStore(t *testing.T) {
	storetest.TestBot(t, func(tb testing.TB) storetest.BotStore { return openPath(tb, filepath.Join(tb.TempDir(), "bot.db")) })
	t.Run("InMemory", func(t *testing.T) {
		storetest.TestBot(t, func(tb testing.TB) storetest.BotStore { return openPath(tb, Memory) })
	})
}
