package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/storetest"
)

func TestSuperviseStore(t *testing.T) {
	t.Run("File", func(t *testing.T) {
		storetest.TestSupervise(t, func(tb testing.TB) storetest.SuperviseStore {
			return openPath(tb, filepath.Join(tb.TempDir(), "conductbot.db"))
		})
	})
	t.Run("Memory", func(t *testing.T) {
		storetest.TestSupervise(t, func(tb testing.TB) storetest.SuperviseStore { return openPath(tb, Memory) })
	})
}

// bulkReports stores reports (storetest.ReportTables: their rows, items and findings) in one transaction, with one
// prepared statement a table.
func bulkReports(tb testing.TB, s storetest.SuperviseStore, reps []*inspect.Report) {
	tb.Helper()
	db := s.(*DB)
	ctx := context.Background()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	for _, t := range storetest.ReportTables(reps) {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(t.Columns)), ", ")
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO "+t.Name+" ("+strings.Join(t.Columns, ", ")+") VALUES ("+marks+")")
		if err != nil {
			tb.Fatal(err)
		}
		for _, row := range t.Rows {
			if _, err := stmt.ExecContext(ctx, row...); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

func openSuperviseFile(tb testing.TB) storetest.SuperviseStore {
	return openPath(tb, filepath.Join(tb.TempDir(), "conductbot.db"))
}

// BenchmarkScores: 100 windows with 10 and with 1,000 confirmed reports each in the month (and as many in the
// month before, for the trend).
func BenchmarkScores(b *testing.B) { storetest.BenchmarkScoresSizes(b, openSuperviseFile, bulkReports) }

// BenchmarkExport: a month of 10,000 reports (and 100,000 with CONDUCTBOT_BENCH_100K=1).
func BenchmarkExport(b *testing.B) { storetest.BenchmarkExportSizes(b, openSuperviseFile, bulkReports) }
