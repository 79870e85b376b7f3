package postgres

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/storetest"
)

func TestSuperviseStore(t *testing.T) {
	storetest.TestSupervise(t, func(tb testing.TB) storetest.SuperviseStore { return openDB(tb) })
}

// bulkReports stores reports (their rows, items and findings; no photos, events or outbox) with COPY.
func bulkReports(tb testing.TB, s storetest.SuperviseStore, reps []*inspect.Report) {
	tb.Helper()
	db := s.(*DB)
	ctx := context.Background()
	var reports, items, findings [][]any
	for _, r := range reps {
		reports = append(reports, []any{r.ID, r.WindowID, r.WindowLabel, r.VisitDate.String(), string(r.HalfDay), r.Filed.String(),
			r.CodeVersionID, r.ChecklistID, r.Description, string(r.State), "", r.Filed.String(), r.ReceiptHash})
		for i, it := range r.Items {
			cs, _ := json.Marshal(it.Clauses)
			items = append(items, []any{r.ID, int32(i), it.Key, it.Title, string(cs), int32(it.Weight), it.Critical, string(it.Result)})
		}
		for _, f := range r.Findings {
			cs, _ := json.Marshal(f.Clauses)
			findings = append(findings, []any{r.ID, int32(f.No), f.ItemKey, f.Title, string(cs), f.Critical, f.Note, string(f.Source)})
		}
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Release()
	// Dates and JSON go in as text through a staging copy of each table's shape.
	for _, c := range []struct {
		table string
		cols  []string
		cast  string
		rows  [][]any
	}{
		{"reports", []string{"id", "window_id", "window_label", "visit_date", "half_day", "filed", "code_version_id", "checklist_id",
			"description", "state", "state_reason", "changed", "receipt_hash"},
			`id, window_id, window_label, visit_date::date, half_day, filed::date, code_version_id, checklist_id, description, state,
			state_reason, changed::date, receipt_hash`, reports},
		{"report_items", []string{"report_id", "ord", "key", "title", "clauses", "weight", "critical", "result"},
			`report_id, ord, key, title, clauses::jsonb, weight, critical, result`, items},
		{"report_findings", []string{"report_id", "no", "item_key", "title", "clauses", "critical", "note", "source"},
			`report_id, no, item_key, title, clauses::jsonb, critical, note, source`, findings},
	} {
		stage := "stage_" + c.table
		var defs []string
		for _, col := range c.cols {
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
		}
		if _, err := conn.Exec(ctx, "CREATE TEMP TABLE "+stage+" ("+join(defs)+")"); err != nil {
			tb.Fatal(err)
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{stage}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			tb.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "INSERT INTO "+c.table+" ("+join(c.cols)+") SELECT "+c.cast+" FROM "+stage); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, "ANALYZE reports; ANALYZE report_items; ANALYZE report_findings"); err != nil {
		tb.Fatal(err)
	}
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

func openSupervise(tb testing.TB) storetest.SuperviseStore { return openDB(tb) }

// BenchmarkScores: 100 windows with 10 and with 1,000 confirmed reports each in the month (and as many in the
// month before, for the trend).
func BenchmarkScores(b *testing.B) {
	b.Run("100windows×10reports", func(b *testing.B) { storetest.BenchmarkScores(b, openSupervise, bulkReports, 10) })
	b.Run("100windows×1000reports", func(b *testing.B) { storetest.BenchmarkScores(b, openSupervise, bulkReports, 1000) })
}

// BenchmarkExport: a month of 10,000 reports (and 100,000 with CONDUCTBOT_BENCH_100K=1).
func BenchmarkExport(b *testing.B) {
	b.Run("10k", func(b *testing.B) { storetest.BenchmarkExport(b, openSupervise, bulkReports, 10000) })
	b.Run("100k", func(b *testing.B) {
		if os.Getenv("CONDUCTBOT_BENCH_100K") != "1" {
			b.Skip("set CONDUCTBOT_BENCH_100K=1")
		}
		storetest.BenchmarkExport(b, openSupervise, bulkReports, 100000)
	})
}
