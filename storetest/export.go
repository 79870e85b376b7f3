package storetest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
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
// disk. It reports the import of the reports (load, once, before the timer, with the aggregates scores read) as
// import-s, and the export's
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
	reps = nil
	cs, ok := s.(qa.CodeSource)
	if !ok {
		b.Fatalf("the store %T has no code", s)
	}
	svc, err := supervise.New(supervise.Options{Store: s, Reports: s, Code: cs,
		Clock: fixedClock(time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC))})
	rpNoErr(b, err)
	// The scores' per-report aggregates, which filing stores and a bulk load does not, are part of the import.
	_, err = svc.Scores(ctx, m)
	rpNoErr(b, err)
	imported := time.Since(started)
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

// testExport: EachReport and EachRectification read what the export of a month holds, in pages, each row once
// and in order across the pages' boundaries, within the month's bounds; the counts agree with them.
func testExport(t *testing.T, s SuperviseStore) {
	ctx := context.Background()
	f := NewReportFixture(t, s, 7)
	m := supervise.MustMonth("2026-11")
	// 1,100 reports in the month: more than two pages, with many on the same day and half-day, so that pages
	// end inside runs of equal (visit date, half-day); and one on each side of the month.
	const n = 1100
	var in []*inspect.Report
	for i := 0; i < n; i++ {
		half := inspect.Morning
		if i%2 == 1 {
			half = inspect.Afternoon
		}
		r := f.NewReport(i, m.First().AddDays(i%5*7), half) // 5 days × 2 half-days: runs of 110
		r.State = inspect.Confirmed
		rpNoErr(t, s.FileReport(ctx, r, inspect.NewDraftID()))
		in = append(in, r)
	}
	for _, d := range []workday.Date{m.First().AddDays(-1), m.Last().AddDays(1)} {
		r := f.NewReport(1, d, inspect.Morning)
		rpNoErr(t, s.FileReport(ctx, r, inspect.NewDraftID()))
	}
	slices.SortFunc(in, func(a, b *inspect.Report) int {
		if c := a.VisitDate.Compare(b.VisitDate); c != 0 {
			return c
		}
		if a.HalfDay != b.HalfDay {
			if a.HalfDay == inspect.Morning {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	month := inspect.ReportFilter{From: m.First(), To: m.Last(), WithItems: true}
	var got []string
	items, findings := 0, 0
	rpNoErr(t, s.EachReport(ctx, month, func(r *inspect.Report) error {
		got = append(got, r.ID)
		want := in[min(len(got), n)-1]
		if r.ID == want.ID && (len(r.Items) != len(want.Items) || len(r.Findings) != len(want.Findings)) {
			t.Errorf("report %d: %d items, %d findings; want %d, %d", len(got), len(r.Items), len(r.Findings), len(want.Items), len(want.Findings))
		}
		items += len(r.Items)
		findings += len(r.Findings)
		return nil
	}))
	want := make([]string, n)
	for i, r := range in {
		want[i] = r.ID
	}
	if !slices.Equal(got, want) {
		t.Fatalf("EachReport: %d reports, want %d in order (visit date, half-day, ID)", len(got), n)
	}
	nr, ni, nf, err := s.CountReportRows(ctx, month)
	rpNoErr(t, err)
	if nr != n || ni != items || nf != findings || items == 0 || findings == 0 {
		t.Fatalf("CountReportRows: %d, %d, %d; want %d, %d, %d", nr, ni, nf, n, items, findings)
	}
	stop := errors.New("stop")
	calls := 0
	if err := s.EachReport(ctx, month, func(*inspect.Report) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("EachReport after fn's error: %v, %d calls", err, calls)
	}

	// 520 rectifications (more than a page), on 3 deadlines.
	for i, r := range in[:520] {
		fd := r.Findings[0]
		rc := &supervise.Rectification{ID: inspect.NewID(), ReportID: r.ID, FindingNo: fd.No, WindowID: r.WindowID, Title: fd.Title,
			Clauses: fd.Clauses, Critical: fd.Critical, Required: m.First(), Deadline: m.First().AddDays(10 + i%3)}
		rpNoErr(t, s.RequireRectification(ctx, rc, "要求整改"))
	}
	rf := supervise.RectFilter{From: m.First(), To: m.Last()}
	all, err := s.Rectifications(ctx, rf)
	rpNoErr(t, err)
	var each []string
	rpNoErr(t, s.EachRectification(ctx, rf, func(rc *supervise.Rectification) error {
		if len(rc.Events) == 0 {
			t.Errorf("rectification %s without its events", rc.ID)
		}
		each = append(each, rc.ID)
		return nil
	}))
	ids := make([]string, len(all))
	for i, rc := range all {
		ids[i] = rc.ID
	}
	if len(all) != 520 || !slices.Equal(each, ids) {
		t.Fatalf("EachRectification: %d, Rectifications: %d, want 520 in the same order", len(each), len(all))
	}
	nrc, err := s.CountRectifications(ctx, rf)
	rpNoErr(t, err)
	if nrc != 520 {
		t.Fatalf("CountRectifications: %d, want 520", nrc)
	}
	if nrc, err := s.CountRectifications(ctx, supervise.RectFilter{From: m.Last().AddDays(1)}); err != nil || nrc != 0 {
		t.Fatalf("CountRectifications after the month: %d, %v", nrc, err)
	}
}

// fixedClock stands still: the export benchmark's scores need a "now" and nothing that waits.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

func (fixedClock) After(d time.Duration) <-chan time.Time { return make(chan time.Time) }

// BenchmarkScoresSizes runs BenchmarkScores on 100 windows with 10 and 1000 reports each: what each engine's
// BenchmarkScores calls.
func BenchmarkScoresSizes(b *testing.B, open OpenSupervise, load ReportLoader) {
	b.Run("100windows×10reports", func(b *testing.B) { BenchmarkScores(b, open, load, 10) })
	b.Run("100windows×1000reports", func(b *testing.B) { BenchmarkScores(b, open, load, 1000) })
}

// BenchmarkExportSizes runs BenchmarkExport on a month of 10,000 reports, and of 100,000 with
// CONDUCTBOT_BENCH_100K=1: what each engine's BenchmarkExport calls.
func BenchmarkExportSizes(b *testing.B, open OpenSupervise, load ReportLoader) {
	b.Run("10k", func(b *testing.B) { BenchmarkExport(b, open, load, 10000) })
	b.Run("100k", func(b *testing.B) {
		if os.Getenv("CONDUCTBOT_BENCH_100K") != "1" {
			b.Skip("set CONDUCTBOT_BENCH_100K=1")
		}
		BenchmarkExport(b, open, load, 100000)
	})
}
