package supervise_test

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/golang/freetype/truetype"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/rules"
	"github.com/conductbot/conductbot/supervise"
)

// chartScores is a month of three windows with data this month and last, and violations of several clauses.
func chartScores() []supervise.WindowScore {
	nov := supervise.MustMonth("2026-11")
	var reps []inspect.Report
	for i, day := range []string{"2026-10-10", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06"} {
		for _, w := range []inspect.Window{win3, win4, win5} {
			res := inspect.Pass
			if (i+int(w.ID))%3 == 0 {
				res = inspect.Fail
			}
			reps = append(reps, rep(w.No+day, w, day, inspect.Confirmed,
				it("greet", 2, false, inspect.Pass, "1.2.1"), it("discipline", 2, true, res, "1.3.3"),
				it("nobadword", 3, true, res, "1.1.4"), it("tidy", 1, false, inspect.Fail, "1.4.4")))
		}
	}
	return scoresOf(nov, reps)
}

// TestChart renders the chart and checks it is a PNG of the expected size that is not blank: many colours
// (bars, anti-aliased text) and a fair share of non-white pixels.
func TestChart(t *testing.T) {
	for name, ss := range map[string][]supervise.WindowScore{
		"month with data": chartScores(),
		"empty month":     scoresOf(supervise.MustMonth("2026-11"), nil),
	} {
		t.Run(name, func(t *testing.T) {
			data, err := supervise.Chart(supervise.MustMonth("2026-11"), ss, rules.Shipped())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
				t.Fatalf("not a PNG: % x", data[:8])
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			b := img.Bounds()
			if b.Dx() != supervise.ChartWidth || b.Dy() < 300 || b.Dy() > 2000 {
				t.Fatalf("size %v, want %d wide and 300–2000 high", b, supervise.ChartWidth)
			}
			colours, nonWhite := stats(img)
			total := b.Dx() * b.Dy()
			t.Logf("%d bytes, %d distinct colours, %.1f%% not white", len(data), colours, 100*float64(nonWhite)/float64(total))
			if colours < 20 || nonWhite < total/100 {
				t.Fatalf("the chart looks blank: %d colours, %d non-white pixels", colours, nonWhite)
			}
			if name == "month with data" && nonWhite < total/20 {
				t.Fatalf("a month with data has only %d non-white pixels", nonWhite)
			}
		})
	}
}

func stats(img image.Image) (colours, nonWhite int) {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				nonWhite++
			}
		}
	}
	return len(seen), nonWhite
}

// TestChartText draws the chart's Chinese: the embedded font has a glyph for every character of its titles,
// legends, window labels and clause titles.
func TestChartText(t *testing.T) {
	f, err := truetype.Parse(supervise.FontData())
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"2026年11月 各窗口加权符合率（%）", "只计督查确认的报告，按符合率从低到高；条形空缺表示该月没有观察数据；★ 表示该月有关键项不符合",
		"；另有 12 个窗口未列出", "违规最多的条款（确认报告数）", "（本月没有违规）", "（本月没有观察数据）", "3号窗口 不动产登记", "公积金", "社保", "0123456789.%…★"}
	for _, c := range rules.Shipped().Clauses {
		texts = append(texts, c.Title)
	}
	for _, s := range texts {
		for _, r := range s {
			if f.Index(r) == 0 {
				t.Errorf("no glyph for %q in %q", r, s)
			}
		}
	}
}
