package supervise_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/conductbot/conductbot/supervise"
	"github.com/conductbot/conductbot/workday"
)

func TestParseScale(t *testing.T) {
	def := supervise.DefaultScale()
	got, err := supervise.ParseScale("")
	if err != nil || !reflect.DeepEqual(got, def) {
		t.Fatalf("empty scale: %+v %v", got, err)
	}
	back, err := supervise.ParseScale(def.String())
	if err != nil || !reflect.DeepEqual(back, def) {
		t.Fatalf("the default's text %q reads back as %+v (%v)", def.String(), back, err)
	}
	custom, err := supervise.ParseScale("95=+2, 80=0 0=-3 critical=-2 trend=3:2 min=2")
	if err != nil {
		t.Fatal(err)
	}
	want := supervise.Scale{Bands: []supervise.Band{{95, 2}, {80, 0}, {0, -3}}, Critical: -2, TrendMin: 3, TrendPts: 2, MinReports: 2}
	if !reflect.DeepEqual(custom, want) {
		t.Fatalf("custom: %+v", custom)
	}
	only, _ := supervise.ParseScale("critical=0")
	if !reflect.DeepEqual(only.Bands, def.Bands) || only.Critical != 0 {
		t.Fatalf("one term keeps the default's others: %+v", only)
	}
	for _, bad := range []string{"95", "95=+6", "101=1", "50=1", "90=1 0=2", "90=1 90=2 0=0", "critical=1", "trend=5", "trend=5:9",
		"min=0", "x=1", "95=a"} {
		if _, err := supervise.ParseScale(bad); err == nil {
			t.Errorf("ParseScale(%q) succeeded", bad)
		}
	}
	if s := def.Chinese(); !strings.Contains(s, "≥ 98%：+3") || !strings.Contains(s, "低于 60%：−4") || strings.Contains(s, "-") || !strings.Contains(s, "关键项") {
		t.Errorf("Chinese:\n%s", s)
	}
}

func TestSuggest(t *testing.T) {
	def := supervise.DefaultScale()
	sc := func(reports int, rate float64, critical int, prev float64, prevOK bool) *supervise.WindowScore {
		s := &supervise.WindowScore{Compliance: rate, Observed: true, PrevCompliance: prev, PrevObserved: prevOK}
		s.Reports = reports
		for range critical {
			s.Critical = append(s.Critical, supervise.CriticalFailure{})
		}
		return s
	}
	for _, c := range []struct {
		name  string
		s     *supervise.WindowScore
		want  int
		basis bool
	}{
		{"98% exactly", sc(1, 0.98, 0, 0, false), 3, true},
		{"97.95% shows as 98.0%", sc(1, 0.9795, 0, 0, false), 3, true},
		{"97.9%", sc(1, 0.979, 0, 0, false), 2, true},
		{"85%", sc(1, 0.85, 0, 0, false), 0, true},
		{"59.9%", sc(1, 0.599, 0, 0, false), -4, true},
		{"clamped at −5", sc(3, 0.2, 4, 0.9, true), -5, true},
		{"trend up 5 points", sc(2, 0.92, 0, 0.87, true), 2, true},
		{"trend down 4.9 points: nothing", sc(2, 0.92, 0, 0.969, true), 1, true},
		{"too few reports", func() *supervise.WindowScore { s := sc(0, 1, 0, 0, false); return s }(), 0, false},
		{"nothing observed", &supervise.WindowScore{Tally: supervise.Tally{Reports: 2}}, 0, false},
	} {
		g := def.Suggest(c.s)
		if g.Points != c.want || g.Basis != c.basis {
			t.Errorf("%s: %+v, want %d (basis %v)", c.name, g, c.want, c.basis)
		}
	}
	// The clamp at +5, on a scale that would give more.
	big := supervise.Scale{Bands: []supervise.Band{{0, 5}}, TrendMin: 1, TrendPts: 3, MinReports: 1}
	if g := big.Suggest(sc(1, 1, 0, 0.5, true)); g.Points != 5 || len(g.Parts) != 2 || !g.Capped() || g.Raw != 8 {
		t.Errorf("clamp at +5: %+v", g)
	}
	// A capped suggestion says so: its parts add to −7, and −5 is the limit.
	capped := def.Suggest(sc(2, 0.55, 3, 0.58, true))
	if want := "符合率 55.0% → −4；关键项不符合 3 项 → −3；合计 −7，按上限计 −5"; capped.Points != -5 || capped.Explain() != want {
		t.Errorf("capped: %+v %q, want %q", capped, capped.Explain(), want)
	}
	// One that is not capped says nothing of a limit; every minus is U+2212.
	plain := def.Suggest(sc(2, 0.82, 1, 0.90, true))
	if e := plain.Explain(); plain.Capped() || strings.Contains(e, "上限") || strings.Contains(e, "-") ||
		e != "符合率 82.0% → −1；关键项不符合 1 项 → −1；较上月 −8.0 个百分点 → −1" {
		t.Errorf("not capped: %+v %q", plain, e)
	}
}

func TestParseMonth(t *testing.T) {
	cur := supervise.MustMonth("2026-03")
	for in, want := range map[string]string{
		"2026-11": "2026-11", "2026/1": "2026-01", "202611": "2026-11", "2026年11月": "2026-11", "2026年2": "2026-02",
		"2月": "2026-02", "3月": "2026-03", "11月": "2025-11", "2026-11-05": "2026-11", " 2026-11 ": "2026-11",
	} {
		got, err := supervise.ParseMonth(in, cur)
		if err != nil || got.String() != want {
			t.Errorf("ParseMonth(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "2026-13", "2026-00", "1999-01", "十一月", "13月", "2026-1-1x"} {
		if _, err := supervise.ParseMonth(bad, cur); err == nil {
			t.Errorf("ParseMonth(%q) succeeded", bad)
		}
	}
	m := supervise.MustMonth("2026-11")
	if m.Compact() != "202611" || m.Chinese() != "2026年11月" || !m.Contains(workday.MustDate("2026-11-30")) || m.Contains(workday.MustDate("2026-12-01")) ||
		!m.Before(m.Next()) || m.Next().Before(m) {
		t.Fatal("month helpers")
	}
}
