package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/storetest"
)

func TestSuperviseStore(t *testing.T) {
	storetest.TestSupervise(t, func(tb testing.TB) storetest.SuperviseStore { return openDB(tb) })
}

// bulkReports stores reports (storetest.ReportTables: their rows, items and findings) with COPY.
func bulkReports(tb testing.TB, s storetest.SuperviseStore, reps []*inspect.Report) {
	tb.Helper()
	db := s.(*DB)
	ctx := context.Background()
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Release()
	// Dates and JSON go in as text through a staging copy of each table's shape, and are cast on the way on.
	casts := map[string]string{"visit_date": "::date", "filed": "::date", "changed": "::date", "clauses": "::jsonb"}
	for _, t := range storetest.ReportTables(reps) {
		stage := "stage_" + t.Name
		var defs, sel []string
		for _, col := range t.Columns {
			typ := "text"
			switch col {
			case "window_id", "code_version_id", "checklist_id":
				typ = "bigint"
			case "ord", "weight", "no":
				typ = "integer"
			case "critical":
				typ = "boolean"
			}
			defs = append(defs, col+" "+typ)
			sel = append(sel, col+casts[col])
		}
		if _, err := conn.Exec(ctx, "CREATE TEMP TABLE "+stage+" ("+strings.Join(defs, ", ")+")"); err != nil {
			tb.Fatal(err)
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{stage}, t.Columns, pgx.CopyFromRows(t.Rows)); err != nil {
			tb.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "INSERT INTO "+t.Name+" ("+strings.Join(t.Columns, ", ")+") SELECT "+strings.Join(sel, ", ")+" FROM "+stage); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, "ANALYZE reports; ANALYZE report_items; ANALYZE report_findings"); err != nil {
		tb.Fatal(err)
	}
}

func openSupervise(tb testing.TB) storetest.SuperviseStore { return openDB(tb) }

// BenchmarkScores: 100 windows with 10 and with 1,000 confirmed reports each in the month (and as many in the
// month before, for the trend).
func BenchmarkScores(b *testing.B) { storetest.BenchmarkScoresSizes(b, openSupervise, bulkReports) }

// BenchmarkExport: a month of 10,000 reports (and 100,000 with CONDUCTBOT_BENCH_100K=1).
func BenchmarkExport(b *testing.B) { storetest.BenchmarkExportSizes(b, openSupervise, bulkReports) }
