package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/storetest"
)

func TestReportStore(t *testing.T) {
	storetest.TestReports(t, func(tb testing.TB) inspect.Store { return openPath(tb, filepath.Join(tb.TempDir(), "reports.db")) })
	t.Run("InMemory", func(t *testing.T) {
		storetest.TestReports(t, func(tb testing.TB) inspect.Store { return openPath(tb, Memory) })
	})
}
