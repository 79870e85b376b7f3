package supervise_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
	"github.com/conductbot/conductbot/internal/testkit"
	"github.com/conductbot/conductbot/supervise"
)

func TestParseFinalBounds(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"+2", 2, true}, {"-1.5", -1.5, true}, {"0", 0, true}, {"5", 5, true}, {"-5", -5, true}, {"+5.0", 5, true},
		{".5", 0.5, true}, {"-0", 0, true}, {"-0.0", 0, true}, {"03", 3, true},
		{"＋２", 2, true}, {"－１．５", -1.5, true}, {"−3", -3, true}, {"2分", 2, true}, {" 4.5 ", 4.5, true},
		// Exponents, specials, subnormals, hexadecimal, separators: refused, not read as 0 or as a figure.
		{"1e-309", 0, false}, {"4.9e-324", 0, false}, {"1e0", 0, false}, {"2E0", 0, false}, {"0x1p1", 0, false},
		{"NaN", 0, false}, {"nan", 0, false}, {"Inf", 0, false}, {"+Inf", 0, false}, {"-infinity", 0, false},
		{"1_0", 0, false}, {"0b1", 0, false},
		// Out of range or too precise.
		{"5.1", 0, false}, {"-5.5", 0, false}, {"9", 0, false}, {"99", 0, false}, {"100", 0, false},
		{"1.25", 0, false}, {"0.05", 0, false}, {"1.", 0, false}, {"", 0, false}, {"+", 0, false}, {"1.2.3", 0, false},
		{"++1", 0, false}, {"2 3", 0, false},
	} {
		got, err := supervise.ParseFinal(c.in)
		if (err == nil) != c.ok || got != c.want || got == 0 && math.Signbit(got) {
			t.Errorf("ParseFinal(%q) = %v, %v; want %v, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestParseMonthInBounds(t *testing.T) {
	cur := supervise.MustMonth("2026-11")
	for _, c := range []struct {
		in   string
		want string
		err  error
	}{
		{"2026-11", "2026-11", nil}, {"2026-12", "2026-12", nil}, {"2000-01", "2000-01", nil}, {"202612", "2026-12", nil},
		{"2026年12月", "2026-12", nil}, {"11月", "2026-11", nil}, {"12月", "2025-12", nil},
		{"2027-01", "", supervise.ErrMonthRange}, {"2200-12", "", supervise.ErrMonthRange}, {"1999-12", "", supervise.ErrMonthRange},
		{"9999-01", "", supervise.ErrMonthRange}, {"0001-01", "", supervise.ErrMonthRange}, {"220012", "", supervise.ErrMonthRange},
		{"2026-13", "", supervise.ErrMonthFormat}, {"下个月", "", supervise.ErrMonthFormat}, {"", "", supervise.ErrMonthFormat},
	} {
		got, err := supervise.ParseMonthIn(c.in, cur)
		if c.err == nil && (err != nil || got.String() != c.want) || c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("ParseMonthIn(%q) = %v, %v; want %s, %v", c.in, got, err, c.want, c.err)
		}
	}
	// The range follows the clock: in January 2027, 2027-02 is the latest month.
	if _, err := supervise.ParseMonthIn("2027-02", supervise.MustMonth("2027-01")); err != nil {
		t.Errorf("2027-02 in January 2027: %v", err)
	}
	if n := supervise.MonthRangeNotice(cur); n != "月份超出范围：只能是 2000年1月 到 2026年12月 之间的月份。" {
		t.Errorf("notice %q", n)
	}
}

// Through Telegram: months out of range and figures that are not plain decimals are refused in Chinese, and
// nothing is recorded.
func TestMonthAndFigureBoundsThroughTelegram(t *testing.T) {
	f := newFixture(t)
	f.file("rep1aaaaaaaaaaaa", 1, "2026-11-02", inspect.Morning, inspect.Confirmed, nil, "K7P3-Q9XW-M2TA")
	h := startTG(t, f, testkit.NewClock(start.Add(8*time.Hour)))

	for _, cmd := range []string{"/stats 2200-12", "/stats 2027-01", "/stats 1999-12", "/adjust 2200-12 4 +1 理由充分", "/reports 2200-12"} {
		expect(t, h.Say(tgSuper, cmd).Text, "月份超出范围", "2000年1月 到 2026年12月")
	}
	expect(t, h.Say(tgSuper, "/stats 2026-12").Text, "2026年12月")
	for _, fig := range []string{"1e-309", "4.9e-324", "NaN", "Inf", "0x1p1", "1.25"} {
		expect(t, h.Say(tgSuper, "/adjust 2026-11 4 "+fig+" 复核后调整").Text, "调整分应为 −5 到 +5")
	}
	revs, err := f.db.AdjustmentRevisions(context.Background(), f.windows[1].ID, supervise.MustMonth("2026-11"))
	if err != nil || len(revs) != 0 {
		t.Fatalf("revisions after refused figures: %+v %v", revs, err)
	}
	expect(t, h.Say(tgSuper, "/adjust 2026-11 4 -0.5 复核后调整").Text, "最终调整分 −0.5")
}

// A rectification photo whose header promises 49 megapixels is refused with a Chinese notice, unseen by the
// decoder, and nothing is attached.
func TestRectificationPhotoTooLarge(t *testing.T) {
	f := newFixture(t)
	f.file("rep2bbbbbbbbbbbb", 0, "2026-10-30", inspect.Afternoon, inspect.Pending,
		map[string]inspect.Result{"discipline": inspect.Fail}, "K7P3-Q9XW-M2TB")
	h := startTG(t, f, testkit.NewClock(start))
	h.Say(tgSuper, "/reports")
	h.Press(tgSuper, "1")
	h.Press(tgSuper, "✅ 确认")
	h.Press(tgSuper, "🛠 整改 1")
	_, m := h.Press(tgSuper, "⭐ 5 个工作日")
	expect(t, m.Text, "已要求 3号窗口 不动产登记 整改问题 1")
	h.Press(tgHead, "✍️ 回复整改情况")
	expect(t, h.Last(headID).Text, "请发送整改情况")

	h.Push(h.api.Photo(testkit.Private(tgHead), tgHead, "", hugePNG(t, 7000, 7000)))
	expect(t, h.Last(headID).Text, "照片太大（7000×7000 像素）", "4000 万像素")
	h.Push(h.api.Photo(testkit.Private(tgHead), tgHead, "", jpegPhoto(t)))
	expect(t, h.Last(headID).Text, "已收到照片 1 张")
}

// hugePNG is a valid w×h grayscale PNG of one shade, written row by row: a few hundred KB at most.
func hugePNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&out, binary.BigEndian, uint32(len(data)))
		out.WriteString(typ)
		out.Write(data)
		_ = binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 8 // 8-bit grayscale
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, 1+w)
	for y := 0; y < h; y++ {
		_, _ = zw.Write(row)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}
