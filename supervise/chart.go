package supervise

import (
	_ "embed"
	"fmt"
	"math"
	"sort"
	"sync"

	"github.com/go-analyze/charts"
	"github.com/golang/freetype/truetype"

	"github.com/conductbot/conductbot/rules"
)

// fontData is a subset of WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0) with the GB2312 characters and ASCII:
// the chart renders Chinese offline on any machine. See fonts/README.md for how it was made.
//
//go:embed fonts/wqy-microhei-gb2312.ttf
var fontData []byte

// FontFamily is the name the chart font is installed under in the charts library.
const FontFamily = "wqy-microhei-gb2312"

var (
	fontOnce sync.Once
	font     *truetype.Font
	fontErr  error
)

// chartFont installs the embedded font once and returns it.
func chartFont() (*truetype.Font, error) {
	fontOnce.Do(func() {
		if fontErr = charts.InstallFont(FontFamily, fontData); fontErr != nil {
			return
		}
		font = charts.GetFont(FontFamily)
		if font == nil {
			fontErr = fmt.Errorf("supervise: font %s not installed", FontFamily)
		}
	})
	return font, fontErr
}

// Chart size in pixels.
const (
	ChartWidth  = 1200
	ChartHeight = 1000
	// ChartWindows and ChartClauses are the most windows and clauses the chart shows: the windows with the
	// lowest compliance this month, the most-violated clauses.
	ChartWindows = 15
	ChartClauses = 10
)

// Chart renders the month as a PNG of ChartWidth × ChartHeight: above, each window's weighted compliance rate
// this month beside last month's; below, the clauses broken in most confirmed reports.
func Chart(m Month, ss []WindowScore, code *rules.Code) ([]byte, error) {
	f, err := chartFont()
	if err != nil {
		return nil, err
	}
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: ChartWidth, Height: ChartHeight, Font: f})
	p.FilledRect(0, 0, ChartWidth, ChartHeight, charts.ColorWhite, charts.ColorWhite, 0)
	top := p.Child(charts.PainterBoxOption(charts.NewBox(0, 0, ChartWidth, ChartHeight*55/100)))
	bottom := p.Child(charts.PainterBoxOption(charts.NewBox(0, ChartHeight*55/100, ChartWidth, ChartHeight)))

	style := func(size float64) charts.FontStyle {
		return charts.FontStyle{Font: f, FontSize: size, FontColor: charts.ColorBlack}
	}

	// Windows with data in either month, the lowest rate this month first.
	var ws []*WindowScore
	for i := range ss {
		if ss[i].Observed || ss[i].PrevObserved {
			ws = append(ws, &ss[i])
		}
	}
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		if a.Observed != b.Observed {
			return a.Observed
		}
		return a.Compliance < b.Compliance
	})
	if len(ws) > ChartWindows {
		ws = ws[:ChartWindows]
	}
	labels := make([]string, len(ws))
	cur := make([]float64, len(ws))
	prev := make([]float64, len(ws))
	for i, w := range ws {
		labels[i] = w.Window.Label()
		if len([]rune(labels[i])) > 10 {
			labels[i] = string([]rune(labels[i])[:9]) + "…"
		}
		cur[i], prev[i] = rateOrNull(w.Observed, w.Compliance), rateOrNull(w.PrevObserved, w.PrevCompliance)
	}
	if len(ws) == 0 {
		labels, cur, prev = []string{"（无数据）"}, []float64{0}, []float64{0}
	}
	opt := charts.NewBarChartOptionWithData([][]float64{cur, prev})
	opt.Title = charts.TitleOption{Text: m.Chinese() + " 各窗口加权符合率（%）", Subtext: "只计督查确认的报告；空缺表示该月没有观察数据",
		FontStyle: style(18), SubtextFontStyle: style(12)}
	opt.Legend = charts.LegendOption{SeriesNames: []string{m.Chinese(), m.Prev().Chinese()}, FontStyle: style(13), Offset: charts.OffsetRight}
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: labels, LabelFontStyle: style(11)}
	if len(labels) > 6 {
		opt.CategoryAxis.LabelRotation = charts.DegreesToRadians(30)
	}
	opt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), Max: charts.Ptr(100.0), LabelCount: 11, LabelFontStyle: style(11),
		ValueFormatter: func(v float64) string { return fmt.Sprintf("%.0f", v) }}}
	opt.Padding = charts.NewBox(20, 20, 30, 20)
	opt.SeriesLabelPosition = charts.PositionTop
	for i := range opt.SeriesList {
		opt.SeriesList[i].Label = charts.SeriesLabel{Show: charts.Ptr(len(labels) <= 10), FontStyle: style(10),
			ValueFormatter: func(v float64) string { return fmt.Sprintf("%.1f", v) }}
	}
	if err := top.BarChart(opt); err != nil {
		return nil, fmt.Errorf("supervise: window chart: %w", err)
	}

	// The most-violated clauses of the month, the most at the top.
	all := map[string]int{}
	for i := range ss {
		for c, n := range ss[i].Violations {
			all[c] += n
		}
	}
	tops := TopClauses(all, ChartClauses)
	clabels := make([]string, len(tops))
	counts := make([]float64, len(tops))
	for i, c := range tops {
		// Horizontal bars are drawn from the bottom: reverse, so the most-violated clause is on top.
		j := len(tops) - 1 - i
		clabels[j] = clauseTitle(code, c.ClauseID)
		counts[j] = float64(c.Count)
	}
	if len(tops) == 0 {
		clabels, counts = []string{"（本月没有违规）"}, []float64{0}
	}
	hopt := charts.NewBarChartOptionWithData([][]float64{counts})
	hopt.Horizontal = true
	hopt.Title = charts.TitleOption{Text: m.Chinese() + " 违规最多的条款（确认报告数）", FontStyle: style(18)}
	hopt.Legend = charts.LegendOption{Show: charts.Ptr(false)}
	hopt.CategoryAxis = charts.CategoryAxisOption{Labels: clabels, LabelFontStyle: style(12)}
	maxCount := 1.0
	for _, c := range counts {
		maxCount = math.Max(maxCount, c)
	}
	step := niceStep(maxCount * 1.1)
	axisMax := math.Ceil(maxCount*1.1/step) * step
	hopt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), Max: charts.Ptr(axisMax), LabelCount: int(axisMax/step) + 1,
		LabelFontStyle: style(11), ValueFormatter: func(v float64) string { return fmt.Sprintf("%.0f", v) }}}
	hopt.Padding = charts.NewBox(20, 10, 40, 20)
	hopt.SeriesLabelPosition = charts.PositionRight
	hopt.SeriesList[0].Label = charts.SeriesLabel{Show: charts.Ptr(true), FontStyle: style(11),
		ValueFormatter: func(v float64) string { return fmt.Sprintf("%.0f", v) }}
	hopt.Theme = charts.GetTheme(charts.ThemeLight).WithSeriesColors([]charts.Color{{R: 0xd9, G: 0x53, B: 0x4f, A: 0xff}})
	if err := bottom.BarChart(hopt); err != nil {
		return nil, fmt.Errorf("supervise: clause chart: %w", err)
	}
	return p.Bytes()
}

// niceStep is a round step (1, 2, 5, 10, 20, 50 …) giving at most 10 intervals up to max.
func niceStep(max float64) float64 {
	for step := 1.0; ; step *= 10 {
		for _, k := range []float64{1, 2, 5} {
			if max/(k*step) <= 10 {
				return k * step
			}
		}
	}
}

// rateOrNull is the rate in percent, or the library's null value (no bar) when there is none.
func rateOrNull(ok bool, rate float64) float64 {
	if !ok {
		return charts.GetNullValue()
	}
	return math.Round(rate*1000) / 10
}
