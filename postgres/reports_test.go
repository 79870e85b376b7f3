package postgres

import (
	"testing"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/storetest"
)

func TestReportStore(t *testing.T) {
	storetest.TestReports(t, func(tb testing.TB) inspect.Store { return openDB(tb) })
}
