package supervise

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Scale turns a window's month into a suggested evaluation adjustment within −5…+5 (part 三 of the code gives
// the center ±5 points of discretion). The suggestion is only that: a supervisor records the final figure with
// a reason, and both are kept.
//
// The suggestion is the sum of three parts, then clamped to −5…+5:
//
//  1. Band: the points of the highest band whose threshold the weighted compliance rate reaches.
//  2. Critical: Critical points (zero or negative) for each critical item answered 不符合.
//  3. Trend: +TrendPoints when the rate rose by at least TrendMin percentage points against the previous month,
//     −TrendPoints when it fell by as much (nothing when either month has no observations).
//
// A window with fewer than MinReports confirmed reports with observations gets no suggestion (0, "数据不足").
//
// DefaultScale:
//
//	compliance ≥ 98% +3 · ≥ 95% +2 · ≥ 90% +1 · ≥ 85% 0 · ≥ 80% −1 · ≥ 70% −2 · ≥ 60% −3 · below −4
//	each critical failure −1 · trend ±1 for a change of 5 points or more · at least 1 report
//
// It is configured with CONDUCTBOT_SCORE_SCALE in the text form of ParseScale, e.g. the default:
//
//	98=+3 95=+2 90=+1 85=0 80=-1 70=-2 60=-3 0=-4 critical=-1 trend=5:1 min=1
type Scale struct {
	Bands      []Band  // highest threshold first; the last threshold is 0
	Critical   int     // points per critical failure, −5…0
	TrendMin   float64 // percentage points; 0 disables the trend part
	TrendPts   int     // 0…5
	MinReports int     // at least 1
}

// Band gives Points to a compliance rate of at least Min percent.
type Band struct {
	Min    float64
	Points int
}

// DefaultScale is the scale without CONDUCTBOT_SCORE_SCALE.
func DefaultScale() Scale {
	return Scale{
		Bands:    []Band{{98, 3}, {95, 2}, {90, 1}, {85, 0}, {80, -1}, {70, -2}, {60, -3}, {0, -4}},
		Critical: -1, TrendMin: 5, TrendPts: 1, MinReports: 1,
	}
}

// ParseScale reads a scale: space-separated terms, each
//
//	P=N         compliance of at least P percent (0–100) gives N points (−5…+5); a band 0=N is required
//	critical=N  N points (−5…0) per critical failure
//	trend=P:N   ±N points (0–5) for a change of at least P percentage points against the previous month
//	min=N       at least N confirmed reports for a suggestion (1–100)
//
// Terms not given take the default's values, except that giving any band replaces all the bands. An empty
// text is DefaultScale.
func ParseScale(text string) (Scale, error) {
	sc := DefaultScale()
	var bands []Band
	for _, term := range strings.Fields(strings.ReplaceAll(text, ",", " ")) {
		k, v, ok := strings.Cut(term, "=")
		if !ok {
			return Scale{}, fmt.Errorf("scale term %q: want KEY=VALUE", term)
		}
		switch k {
		case "critical":
			n, err := strconv.Atoi(v)
			if err != nil || n < -5 || n > 0 {
				return Scale{}, fmt.Errorf("scale critical=%s: want -5…0", v)
			}
			sc.Critical = n
		case "trend":
			p, n, ok := strings.Cut(v, ":")
			pf, err1 := strconv.ParseFloat(p, 64)
			nn, err2 := strconv.Atoi(n)
			if !ok || err1 != nil || err2 != nil || pf < 0 || pf > 100 || nn < 0 || nn > 5 {
				return Scale{}, fmt.Errorf("scale trend=%s: want POINTS:N, N 0…5", v)
			}
			sc.TrendMin, sc.TrendPts = pf, nn
		case "min":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				return Scale{}, fmt.Errorf("scale min=%s: want 1…100", v)
			}
			sc.MinReports = n
		default:
			p, err1 := strconv.ParseFloat(strings.TrimSuffix(k, "%"), 64)
			n, err2 := strconv.Atoi(v)
			if err1 != nil || err2 != nil || p < 0 || p > 100 || n < -5 || n > 5 {
				return Scale{}, fmt.Errorf("scale band %q: want PERCENT=POINTS, 0–100 and -5…+5", term)
			}
			for _, b := range bands {
				if b.Min == p {
					return Scale{}, fmt.Errorf("scale band %v%% given twice", p)
				}
			}
			bands = append(bands, Band{p, n})
		}
	}
	if bands != nil {
		sort.Slice(bands, func(i, j int) bool { return bands[i].Min > bands[j].Min })
		if bands[len(bands)-1].Min != 0 {
			return Scale{}, fmt.Errorf("scale: give a band 0=N for the lowest rates")
		}
		for i := 1; i < len(bands); i++ {
			if bands[i].Points > bands[i-1].Points {
				return Scale{}, fmt.Errorf("scale: band %v%% gives more points than band %v%%", bands[i].Min, bands[i-1].Min)
			}
		}
		sc.Bands = bands
	}
	return sc, nil
}

// String is the scale in the form ParseScale reads.
func (sc Scale) String() string {
	var parts []string
	for _, b := range sc.Bands {
		parts = append(parts, fmt.Sprintf("%s=%+d", trimFloat(b.Min), b.Points))
	}
	parts = append(parts, fmt.Sprintf("critical=%d", sc.Critical), fmt.Sprintf("trend=%s:%d", trimFloat(sc.TrendMin), sc.TrendPts),
		fmt.Sprintf("min=%d", sc.MinReports))
	return strings.Join(parts, " ")
}

// Chinese describes the scale for supervisors.
func (sc Scale) Chinese() string {
	var b strings.Builder
	b.WriteString("建议调整分的计算（裁量建议，最终由督查人员决定）：\n")
	for i, band := range sc.Bands {
		if i == len(sc.Bands)-1 && band.Min == 0 {
			fmt.Fprintf(&b, "· 符合率低于 %s%%：%s\n", trimFloat(sc.Bands[max(0, i-1)].Min), signed(band.Points))
			continue
		}
		fmt.Fprintf(&b, "· 符合率 ≥ %s%%：%s\n", trimFloat(band.Min), signed(band.Points))
	}
	if sc.Critical != 0 {
		fmt.Fprintf(&b, "· 每个关键项不符合：%s\n", signed(sc.Critical))
	}
	if sc.TrendPts != 0 && sc.TrendMin > 0 {
		fmt.Fprintf(&b, "· 比上月提高（降低）%s 个百分点及以上：%s（%s）\n", trimFloat(sc.TrendMin), signed(sc.TrendPts), signed(-sc.TrendPts))
	}
	fmt.Fprintf(&b, "· 合计限定在 −5 到 +5 之间（超出时按上限计）；已确认报告少于 %d 份时不给建议", sc.MinReports)
	return b.String()
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Suggestion is a suggested adjustment with how it was reached.
type Suggestion struct {
	Points int
	Raw    int      // the parts' sum before it was clamped to −5…+5
	Basis  bool     // false: too few reports or no observations, Points is 0
	Parts  []string // in Chinese: 符合率 92.5% → +1；关键项不符合 1 项 → −1；较上月 +6.0 个百分点 → +1
}

// Capped reports whether the parts add up to more than the scale allows, so that Points is the limit.
func (sg Suggestion) Capped() bool { return sg.Basis && sg.Raw != sg.Points }

// Explain is how the suggestion was reached, in Chinese: its parts, and their sum when it was capped
// (符合率 55.0% → −4；关键项不符合 3 项 → −3；合计 −7，按上限计 −5).
func (sg Suggestion) Explain() string {
	t := strings.Join(sg.Parts, "；")
	if sg.Capped() {
		t += fmt.Sprintf("；合计 %s，按上限计 %s", signed(sg.Raw), signed(sg.Points))
	}
	return t
}

// Suggest computes the suggestion for a window's score.
func (sc Scale) Suggest(s *WindowScore) Suggestion {
	if s.Reports < sc.MinReports || !s.Observed {
		return Suggestion{Parts: []string{"数据不足"}}
	}
	var sg Suggestion
	sg.Basis = true
	pct := s.Compliance * 100
	for _, b := range sc.Bands {
		// Rates are compared at the precision shown (one decimal), so 97.95% shown as 98.0% meets 98.
		if math.Round(pct*10)/10 >= b.Min {
			sg.Points += b.Points
			sg.Parts = append(sg.Parts, fmt.Sprintf("符合率 %s → %s", Percent(s.Compliance), signed(b.Points)))
			break
		}
	}
	if n := len(s.Critical); n > 0 && sc.Critical != 0 {
		sg.Points += n * sc.Critical
		sg.Parts = append(sg.Parts, fmt.Sprintf("关键项不符合 %d 项 → %s", n, signed(n*sc.Critical)))
	}
	if s.PrevObserved && sc.TrendPts != 0 && sc.TrendMin > 0 {
		d := math.Round((s.Compliance-s.PrevCompliance)*1000) / 10
		switch {
		case d >= sc.TrendMin:
			sg.Points += sc.TrendPts
			sg.Parts = append(sg.Parts, fmt.Sprintf("较上月 %s 个百分点 → %s", signedPoints(d), signed(sc.TrendPts)))
		case d <= -sc.TrendMin:
			sg.Points -= sc.TrendPts
			sg.Parts = append(sg.Parts, fmt.Sprintf("较上月 %s 个百分点 → %s", signedPoints(d), signed(-sc.TrendPts)))
		}
	}
	sg.Raw = sg.Points
	sg.Points = max(-5, min(5, sg.Points))
	return sg
}

// signedPoints writes percentage points with one decimal and their sign, a minus sign for negatives: +6.0, −5.2.
func signedPoints(d float64) string {
	t := strconv.FormatFloat(math.Abs(d), 'f', 1, 64)
	switch {
	case d > 0:
		return "+" + t
	case d < 0:
		return "\u2212" + t
	}
	return t
}

// Percent formats a rate as 92.5%.
func Percent(rate float64) string { return strconv.FormatFloat(rate*100, 'f', 1, 64) + "%" }
