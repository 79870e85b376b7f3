package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/storetest"
)

func TestReportStore(t *testing.T) {
	storetest.TestReports(t, func(tb testing.TB) inspect.Store { return openDB(tb) })
}

// TestReportStoreShared runs the two-process part of the contract on two connection pools on one schema.
func TestReportStoreShared(t *testing.T) {
	storetest.TestReportsShared(t, func(tb testing.TB) (inspect.Store, inspect.Store) {
		url := testkit.PostgresURL(tb)
		var dbs [2]*DB
		for i := range dbs {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			db, err := Open(ctx, url, testLogger(tb))
			cancel()
			if err != nil {
				tb.Fatalf("Open: %v", err)
			}
			tb.Cleanup(db.Close)
			dbs[i] = db
		}
		return dbs[0], dbs[1]
	})
}
