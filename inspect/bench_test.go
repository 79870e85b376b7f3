package inspect_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/storetest"
	"github.com/conductbot/conductbot/workday"
)

// benchStores are the stores the benchmarks run on: SQLite in memory (one connection), SQLite in a file, and
// PostgreSQL when TEST_DATABASE_URL is set; each with the shipped code in force.
func benchStores(b *testing.B, run func(b *testing.B, store fullStore)) {
	b.Run("SQLiteMemory", func(b *testing.B) {
		run(b, testkit.SQLite(b))
	})
	b.Run("SQLite", func(b *testing.B) {
		run(b, testkit.SQLiteFile(b, filepath.Join(b.TempDir(), "bench.db")))
	})
	b.Run("PostgreSQL", func(b *testing.B) {
		db := openPostgres(b)
		if err := testkit.ImportShipped(context.Background(), db); err != nil {
			b.Fatal(err)
		}
		run(b, db)
	})
}

// BenchmarkSubmit measures what the inspector waits for after pressing 提交: the report written in one
// transaction (with one photo moved from the draft), the draft deleted, the acknowledgement and the receipt
// sent. Filling the form before each press is not timed.
func BenchmarkSubmit(b *testing.B) {
	photo := gpsJPEG(b, 640, 480, 1)
	benchStores(b, func(b *testing.B, store fullStore) {
		e := newEnvOn(b, store, nil)
		e.seedWindows()
		e.join(inspUser)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			e.clock.Advance(time.Minute)
			e.say(inspUser, "/report")
			e.press(inspUser, "3号窗口")
			e.press(inspUser, "今天")
			e.press(inspUser, "上午")
			for k := 0; k < len(inspect.DefaultItems); k++ {
				if k == 7 {
					e.press(inspUser, "不符合")
					e.photo(inspUser, "在玩手机", photo)
					e.press(inspUser, "下一项")
					continue
				}
				e.press(inspUser, "✅ 符合")
			}
			e.press(inspUser, "跳过")
			m := e.last(inspUser.ID)
			btn, ok := m.button("提交")
			if !ok {
				b.Fatalf("not at the review:\n%s", m.Text)
			}
			b.StartTimer()
			e.pressData(inspUser, m.ID, btn.Data)
			b.StopTimer()
			if !strings.Contains(e.last(inspUser.ID).Text, "回执码") {
				b.Fatalf("not filed: %s", e.last(inspUser.ID).Text)
			}
			b.StartTimer()
		}
	})
}

// Benchmark1000ReportsADay files a busy day's 1,000 reports over 50 windows (one in five with a 640×480
// photo), then reads the day back with every item and finding, as the day's scores need. One op is the whole
// day.
func Benchmark1000ReportsADay(b *testing.B) {
	p, err := inspect.Reencode(gpsJPEG(b, 640, 480, 1))
	if err != nil {
		b.Fatal(err)
	}
	benchStores(b, func(b *testing.B, store fullStore) {
		ctx := context.Background()
		f := storetest.NewReportFixture(b, store, 50)
		day := workday.MustDate("2026-11-02")
		b.ReportAllocs()
		b.ResetTimer()
		var filing time.Duration
		for i := 0; i < b.N; i++ {
			start := time.Now()
			for k := 0; k < 1000; k++ {
				r := f.NewReport(k, day, []inspect.HalfDay{inspect.Morning, inspect.Afternoon}[k%2])
				draft := inspect.NewDraftID()
				if k%5 == 0 {
					ph := *p
					ph.ID = inspect.NewID()
					if err := store.PutDraftPhoto(ctx, draft, &ph, time.Now().Add(time.Hour)); err != nil {
						b.Fatal(err)
					}
					r.Findings[0].Photos = []inspect.PhotoRef{ph.PhotoRef}
				}
				if err := store.FileReport(ctx, r, draft); err != nil {
					b.Fatal(err)
				}
			}
			filing += time.Since(start)
			reps, err := store.Reports(ctx, inspect.ReportFilter{From: day, To: day, WithItems: true})
			if err != nil || len(reps) != 1000 {
				b.Fatalf("%d reports of the day: %v", len(reps), err)
			}
			day = day.AddDays(1)
		}
		b.ReportMetric(float64(filing.Microseconds())/float64(b.N*1000), "µs/report")
	})
}

var _ = fmt.Sprint
