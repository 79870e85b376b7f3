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

// Chart layout in pixels: the width is fixed; the height grows with the rows shown, so a bar is as thick for
// one window as for fifteen.
const (
	ChartWidth = 1200
	// ChartWindows and ChartClauses are the most windows and clauses the chart shows: the windows with the
	// lowest compliance this month, the most-violated clauses.
	ChartWindows = 15
	ChartClauses = 10

	chartHeader    = 96 // title, subtitle and legend
	chartWindowRow = 58 // a window: this month's bar and last month's
	chartClauseRow = 40
	chartAxis      = 46 // the value axis under a chart
	chartGap       = 70 // between the charts: the second one's title
)

// Chart renders the month as a PNG ChartWidth wide: above, each window's weighted compliance rate this month
// beside last month's as horizontal bars (the lowest first), windows with a critical item failed marked ★;
// below, the clauses broken in most confirmed reports.
func Chart(m Month, ss []WindowScore, code *rules.Code) ([]byte, error) {
	f, err := chartFont()
	if err != nil {
		return nil, err
	}
	style := func(size float64, c charts.Color) charts.FontStyle {
		return charts.FontStyle{Font: f, FontSize: size, FontColor: c}
	}
	theme := charts.GetTheme(charts.ThemeLight)

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
	more := len(ws) - ChartWindows
	if more > 0 {
		ws = ws[:ChartWindows]
	}
	// The most-violated clauses of the month.
	all := map[string]int{}
	for i := range ss {
		for c, n := range ss[i].Violations {
			all[c] += n
		}
	}
	tops := TopClauses(all, ChartClauses)

	topH := max(len(ws), 1)*chartWindowRow + chartAxis
	bottomH := max(len(tops), 1)*chartClauseRow + chartAxis
	height := chartHeader + topH + chartGap + bottomH + 16
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: ChartWidth, Height: height, Font: f})
	p.FilledRect(0, 0, ChartWidth, height, charts.ColorWhite, charts.ColorWhite, 0)

	// Header: title, subtitle, and the legend of the months that have bars.
	p.Text(m.Chinese()+" 各窗口加权符合率（%）", 24, 40, 0, style(22, charts.ColorBlack))
	sub := "只计督查确认的报告，按符合率从低到高；条形空缺表示该月没有观察数据；★ 表示该月有关键项不符合"
	if more > 0 {
		sub += fmt.Sprintf("；另有 %d 个窗口未列出", more)
	}
	p.Text(sub, 24, 70, 0, style(13, charts.ColorDarkGray))
	hasCur, hasPrev := false, false
	for _, w := range ws {
		hasCur, hasPrev = hasCur || w.Observed, hasPrev || w.PrevObserved
	}
	var series [][]float64
	var names []string
	var colors []charts.Color
	labels := make([]string, len(ws))
	cur := make([]float64, len(ws))
	prev := make([]float64, len(ws))
	for i, w := range ws {
		// Horizontal bars are drawn from the bottom: reverse, so the lowest rate is on top.
		j := len(ws) - 1 - i
		labels[j] = w.Window.Label()
		if len([]rune(labels[j])) > 12 {
			labels[j] = string([]rune(labels[j])[:11]) + "…"
		}
		if n := len(w.Critical); n > 0 {
			labels[j] = fmt.Sprintf("★%d %s", n, labels[j])
		}
		cur[j], prev[j] = rateOrNull(w.Observed, w.Compliance), rateOrNull(w.PrevObserved, w.PrevCompliance)
	}
	if hasCur || len(ws) == 0 {
		series, names, colors = append(series, cur), append(names, m.Chinese()), append(colors, theme.GetSeriesColor(0))
	}
	if hasPrev {
		series, names, colors = append(series, prev), append(names, m.Prev().Chinese()), append(colors, theme.GetSeriesColor(1))
	}
	if len(ws) == 0 {
		labels, series = []string{"（本月没有观察数据）"}, [][]float64{{0}}
	}
	// The legend, at the right of the title: one swatch a month that has bars.
	x := ChartWidth - 24
	for i := len(names) - 1; i >= 0; i-- {
		w := len([]rune(names[i]))*14 + 8
		x -= w
		p.Text(names[i], x, 40, 0, style(14, charts.ColorBlack))
		x -= 26
		p.FilledRect(x, 27, x+18, 41, colors[i], colors[i], 0)
		x -= 22
	}

	top := p.Child(charts.PainterBoxOption(charts.NewBox(0, chartHeader, ChartWidth, chartHeader+topH)))
	opt := charts.NewBarChartOptionWithData(series)
	opt.Horizontal = true
	opt.Title = charts.TitleOption{Show: charts.Ptr(false)}
	opt.Legend = charts.LegendOption{Show: charts.Ptr(false)}
	opt.Theme = theme.WithSeriesColors(colors)
	opt.CategoryAxis = charts.CategoryAxisOption{Labels: labels, LabelFontStyle: style(13, charts.ColorBlack)}
	opt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), Max: charts.Ptr(100.0), LabelCount: 11, LabelFontStyle: style(12, charts.ColorBlack),
		ValueFormatter: func(v float64) string { return fmt.Sprintf("%.0f", v) }}}
	opt.Padding = charts.NewBox(24, 0, 60, 8)
	opt.SeriesLabelPosition = charts.PositionRight
	for i := range opt.SeriesList {
		opt.SeriesList[i].Label = charts.SeriesLabel{Show: charts.Ptr(len(ws) > 0), FontStyle: style(12, charts.ColorBlack),
			ValueFormatter: func(v float64) string { return fmt.Sprintf("%.1f", v) }}
	}
	if err := top.BarChart(opt); err != nil {
		return nil, fmt.Errorf("supervise: window chart: %w", err)
	}

	// The clauses, the most-violated at the top.
	y := chartHeader + topH + chartGap
	p.Text(m.Chinese()+" 违规最多的条款（确认报告数）", 24, y-22, 0, style(20, charts.ColorBlack))
	clabels := make([]string, len(tops))
	counts := make([]float64, len(tops))
	for i, c := range tops {
		j := len(tops) - 1 - i
		clabels[j] = clauseTitle(code, c.ClauseID)
		counts[j] = float64(c.Count)
	}
	if len(tops) == 0 {
		clabels, counts = []string{"（本月没有违规）"}, []float64{0}
	}
	bottom := p.Child(charts.PainterBoxOption(charts.NewBox(0, y, ChartWidth, y+bottomH)))
	hopt := charts.NewBarChartOptionWithData([][]float64{counts})
	hopt.Horizontal = true
	hopt.Title = charts.TitleOption{Show: charts.Ptr(false)}
	hopt.Legend = charts.LegendOption{Show: charts.Ptr(false)}
	hopt.CategoryAxis = charts.CategoryAxisOption{Labels: clabels, LabelFontStyle: style(13, charts.ColorBlack)}
	maxCount := 1.0
	for _, c := range counts {
		maxCount = math.Max(maxCount, c)
	}
	step := niceStep(maxCount * 1.1)
	axisMax := math.Ceil(maxCount*1.1/step) * step
	hopt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), Max: charts.Ptr(axisMax), LabelCount: int(axisMax/step) + 1,
		LabelFontStyle: style(12, charts.ColorBlack), ValueFormatter: func(v float64) string { return fmt.Sprintf("%.0f", v) }}}
	hopt.Padding = charts.NewBox(24, 0, 60, 8)
	hopt.SeriesLabelPosition = charts.PositionRight
	hopt.SeriesList[0].Label = charts.SeriesLabel{Show: charts.Ptr(len(tops) > 0), FontStyle: style(12, charts.ColorBlack),
		ValueFormatter: func(v float64) string { return fmt.Sprintf("%.0f", v) }}
	hopt.Theme = theme.WithSeriesColors([]charts.Color{{R: 0xd9, G: 0x53, B: 0x4f, A: 0xff}})
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
