package storetest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/qa"
	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

// BenchmarkExport measures the export of a month of n reports (100 windows; every report with the checklist's
// answers and findings, one in 50 with a rectification): the workbook and the zip of CSV files written to
// disk. It reports the import of the reports (load, once, before the timer) as import-s, and the export's
// peak heap in use as peak-MB (sampled while it runs; live-MB is the heap in use before it starts).
func BenchmarkExport(b *testing.B, open OpenSupervise, load ReportLoader, n int) {
	const windows = 100
	ctx := context.Background()
	s := open(b)
	f := NewReportFixture(b, s, windows)
	m := supervise.MustMonth("2026-11")
	reps := make([]*inspect.Report, 0, n)
	for i := 0; i < n; i++ {
		half := inspect.Morning
		if i%3 == 0 {
			half = inspect.Afternoon
		}
		r := f.NewReport(i, m.First().AddDays(i%30), half)
		r.State = supervise.Counted[i%len(supervise.Counted)]
		reps = append(reps, r)
	}
	started := time.Now()
	if load == nil {
		for _, r := range reps {
			rpNoErr(b, s.FileReport(ctx, r, inspect.NewDraftID()))
		}
	} else {
		load(b, s, reps)
	}
	rects := 0
	for i := 0; i < n; i += 50 {
		r := reps[i]
		if len(r.Findings) == 0 || r.State != inspect.Confirmed {
			continue
		}
		rc := &supervise.Rectification{ID: inspect.NewID(), ReportID: r.ID, FindingNo: r.Findings[0].No, WindowID: r.WindowID,
			Title: r.Findings[0].Title, Clauses: r.Findings[0].Clauses, Critical: r.Findings[0].Critical, Required: r.VisitDate.AddDays(1),
			Deadline: r.VisitDate.AddDays(8)}
		rpNoErr(b, s.RequireRectification(ctx, rc, "要求整改"))
		rects++
	}
	imported := time.Since(started)
	reps = nil
	cs, ok := s.(qa.CodeSource)
	if !ok {
		b.Fatalf("the store %T has no code", s)
	}
	svc, err := supervise.New(supervise.Options{Store: s, Reports: s, Code: cs,
		Clock: workday.NewFake(time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC))})
	rpNoErr(b, err)
	dir := b.TempDir()
	var peak, live uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		out := filepath.Join(dir, "out")
		rpNoErr(b, os.RemoveAll(out))
		rpNoErr(b, os.MkdirAll(out, 0o755))
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = max(live, ms.HeapInuse)
		stop := samplePeak(&peak)
		b.StartTimer()
		d, err := svc.MonthData(ctx, m)
		if err == nil {
			err = d.WriteFiles(ctx, out, true)
		}
		b.StopTimer()
		stop()
		rpNoErr(b, err)
		if d.Reports != n {
			b.Fatalf("exported %d reports, want %d", d.Reports, n)
		}
		for _, name := range []string{"conductbot-2026-11.xlsx", "conductbot-2026-11-csv.zip"} {
			st, err := os.Stat(filepath.Join(out, name))
			rpNoErr(b, err)
			if st.Size() < int64(n) {
				b.Fatalf("%s: %d bytes for %d reports", name, st.Size(), n)
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	b.ReportMetric(float64(live)/(1<<20), "live-MB")
	b.ReportMetric(imported.Seconds(), "import-s")
	b.ReportMetric(float64(rects), "rectifications")
}

// samplePeak records the largest heap in use into peak until the returned stop is called.
func samplePeak(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
