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

// TestReportStoreShared runs the two-process part of the contract on two handles on one file.
func TestReportStoreShared(t *testing.T) {
	storetest.TestReportsShared(t, func(tb testing.TB) (inspect.Store, inspect.Store) {
		path := filepath.Join(tb.TempDir(), "reports.db")
		return openPath(tb, path), openPath(tb, path)
	})
}
