package supervise_test

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/supervise"
)

var chartNames = []string{"不动产登记", "社保医保", "公积金", "市场监管", "税务", "公安户政", "出入境", "民政婚姻", "人才就业", "交通运输"}

// manyWindows is a month of n windows, each with a report this month and last; a few fail a critical item.
func manyWindows(n int) []supervise.WindowScore {
	var reps []inspect.Report
	for i := 1; i <= n; i++ {
		w := inspect.Window{ID: int64(i), No: fmt.Sprint(i), Name: chartNames[i%len(chartNames)], Active: true}
		for j, day := range []string{"2026-10-12", "2026-11-03", "2026-11-10"} {
			res := inspect.Pass
			if (i+j)%4 == 0 || j == 1 {
				res = inspect.Fail
			}
			crit := inspect.Pass
			if i%7 == 1 && day != "2026-10-12" {
				crit = inspect.Fail
			}
			reps = append(reps, rep(fmt.Sprintf("w%02d%s", i, day), w, day, inspect.Confirmed,
				it("greet", 2, false, res, "1.2.1"), it("discipline", 2, true, crit, "1.3.3"),
				it("nobadword", 3, true, inspect.Pass, "1.1.4"), it("tidy", 1, false, res, "1.4.4")))
		}
	}
	return scoresOf(supervise.MustMonth("2026-11"), reps)
}

// TestChartWindowCounts renders the chart for 1, 5 and 30 windows (CHART_DIR keeps the PNGs to look at): the
// chart grows by a fixed row a window, so a bar is as thick for one window as for fifteen, and shows at most
// ChartWindows windows.
func TestChartWindowCounts(t *testing.T) {
	heights := map[int]int{}
	for _, n := range []int{1, 5, 30} {
		data, err := supervise.Chart(supervise.MustMonth("2026-11"), manyWindows(n), rules.Shipped())
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		heights[n] = img.Bounds().Dy()
		if dir := os.Getenv("CHART_DIR"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("chart-%d.png", n)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The clause part is the same for all three (the same three clauses): the difference is the windows'.
	if row := (heights[5] - heights[1]) / 4; row < 40 || heights[5]-heights[1] != 4*row || heights[30]-heights[5] != (supervise.ChartWindows-5)*row {
		t.Errorf("heights %v: a window's row is not the same whatever the number of windows", heights)
	}
}
