package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/conductbot/conductbot/storetest"
	"github.com/conductbot/conductbot/workday"
)

func TestDailyRuns(t *testing.T) {
	t.Run("File", func(t *testing.T) {
		storetest.TestDaily(t, func(tb testing.TB) workday.Claims { return openPath(tb, filepath.Join(tb.TempDir(), "conductbot.db")) })
	})
	t.Run("Memory", func(t *testing.T) {
		storetest.TestDaily(t, func(tb testing.TB) workday.Claims { return openPath(tb, Memory) })
	})
}
