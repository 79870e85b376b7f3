package sqlite

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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

// bulkReports stores reports (their rows, items and findings; no photos, events or outbox) in one transaction.
func bulkReports(tb testing.TB, s storetest.SuperviseStore, reps []*inspect.Report) {
	tb.Helper()
	db := s.(*DB)
	ctx := context.Background()
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	rep, err := tx.PrepareContext(ctx, `INSERT INTO reports (id, window_id, window_label, visit_date, half_day, filed, code_version_id,
		checklist_id, description, state, state_reason, changed, receipt_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)`)
	if err != nil {
		tb.Fatal(err)
	}
	item, err := tx.PrepareContext(ctx, `INSERT INTO report_items (report_id, ord, key, title, clauses, weight, critical, result)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tb.Fatal(err)
	}
	finding, err := tx.PrepareContext(ctx, `INSERT INTO report_findings (report_id, no, item_key, title, clauses, critical, note, source)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range reps {
		if _, err := rep.ExecContext(ctx, r.ID, r.WindowID, r.WindowLabel, r.VisitDate.String(), string(r.HalfDay), r.Filed.String(),
			r.CodeVersionID, r.ChecklistID, r.Description, string(r.State), r.Filed.String(), r.ReceiptHash); err != nil {
			tb.Fatal(err)
		}
		for i, it := range r.Items {
			cs, _ := json.Marshal(it.Clauses)
			if _, err := item.ExecContext(ctx, r.ID, i, it.Key, it.Title, string(cs), it.Weight, it.Critical, string(it.Result)); err != nil {
				tb.Fatal(err)
			}
		}
		for _, f := range r.Findings {
			cs, _ := json.Marshal(f.Clauses)
			if _, err := finding.ExecContext(ctx, r.ID, f.No, f.ItemKey, f.Title, string(cs), f.Critical, f.Note, string(f.Source)); err != nil {
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
func BenchmarkScores(b *testing.B) {
	b.Run("100windows×10reports", func(b *testing.B) { storetest.BenchmarkScores(b, openSuperviseFile, bulkReports, 10) })
	b.Run("100windows×1000reports", func(b *testing.B) { storetest.BenchmarkScores(b, openSuperviseFile, bulkReports, 1000) })
}

// BenchmarkExport: a month of 10,000 reports (and 100,000 with CONDUCTBOT_BENCH_100K=1), on a file.
func BenchmarkExport(b *testing.B) {
	b.Run("10k", func(b *testing.B) { storetest.BenchmarkExport(b, openSuperviseFile, bulkReports, 10000) })
	b.Run("100k", func(b *testing.B) {
		if os.Getenv("CONDUCTBOT_BENCH_100K") != "1" {
			b.Skip("set CONDUCTBOT_BENCH_100K=1")
		}
		storetest.BenchmarkExport(b, openSuperviseFile, bulkReports, 100000)
	})
}
