package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/conductbot/conductbot/remind"
	"github.com/conductbot/conductbot/storetest"
)

func TestRemindStore(t *testing.T) {
	t.Run("File", func(t *testing.T) {
		storetest.TestRemind(t, func(tb testing.TB) remind.Store { return openPath(tb, filepath.Join(tb.TempDir(), "conductbot.db")) })
	})
	t.Run("Memory", func(t *testing.T) {
		storetest.TestRemind(t, func(tb testing.TB) remind.Store { return openPath(tb, Memory) })
	})
}
