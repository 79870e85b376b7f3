package inspect_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/conductbot/conductbot/inspect"
)

// grayPNG writes a valid w×h 8-bit grayscale PNG of one shade, row by row, so that making a 7000×7000 one takes
// neither the 49 MB of its pixels nor long: it compresses to a few hundred KB. interlaced sets the Adam7 flag
// (the data is then only valid as far as the header goes).
func grayPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		out.Write(n[:])
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.BigEndian.PutUint32(n[:], crc.Sum32())
		out.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // 8 bits, grayscale
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	zw, err := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]byte, 1+w) // filter byte 0, then the pixels
	for i := 1; i < len(row); i++ {
		row[i] = 0x80
	}
	for y := 0; y < h; y++ {
		if _, err := zw.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

var (
	bombOnce sync.Once
	bomb     []byte
)

// bombPNG is the 7000×7000 PNG of issue 12 (49 megapixels, decoding to 49 MB and, copied, 196 MB more).
func bombPNG(t testing.TB) []byte {
	bombOnce.Do(func() { bomb = grayPNG(t, 7000, 7000) })
	return bomb
}

func TestReencodeRefusesHugePNGWithoutDecoding(t *testing.T) {
	data := bombPNG(t)
	if cfg, err := pngConfig(data); err != nil || cfg.Width != 7000 || cfg.Height != 7000 {
		t.Fatalf("the test PNG: %+v, %v", cfg, err)
	}
	t.Logf("a 7000×7000 PNG of %d KB", len(data)>>10)

	_, err := inspect.Reencode(data)
	if !errors.Is(err, inspect.ErrPhotoTooLarge) {
		t.Fatalf("Reencode of a 7000×7000 PNG: %v, want ErrPhotoTooLarge", err)
	}
	if errors.Is(err, inspect.ErrNotImage) {
		t.Errorf("a too large photo is reported as not an image: %v", err)
	}
	notice := inspect.PhotoTooLargeNotice(err)
	for _, want := range []string{"照片太大", "7000×7000", "4000 万像素"} {
		if !strings.Contains(notice, want) {
			t.Errorf("notice %q lacks %q", notice, want)
		}
	}

	// Refused from the header alone: a few KB, where decoding would take 49 MB at least.
	allocs := testing.AllocsPerRun(5, func() { _, _ = inspect.Reencode(data) })
	if allocs > 200 {
		t.Errorf("refusing a 7000×7000 PNG took %.0f allocations", allocs)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 10; i++ {
		_, _ = inspect.Reencode(data)
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Errorf("refusing a 7000×7000 PNG ten times allocated %d KB", d>>10)
	}
}

func pngConfig(data []byte) (image.Config, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	return cfg, err
}

func TestReencodeDecodeBudget(t *testing.T) {
	// Within MaxPixels but over the memory budget: a 16-bit PNG's header is refused; an interlaced one too.
	for _, c := range []struct {
		name        string
		depth, kind byte // IHDR's bit depth and colour type
		interlace   byte
	}{
		{"16-bit RGBA", 16, 6, 0}, // 25 megapixels, 200 MB to decode
		{"interlaced RGBA", 8, 6, 1},
	} {
		h := append([]byte{}, grayPNG(t, 5000, 5000)[:33]...) // the signature and IHDR: all DecodeConfig reads
		h[24], h[25], h[28] = c.depth, c.kind, c.interlace
		fixCRC(h)
		if _, err := pngConfig(h); err != nil {
			t.Fatalf("%s: the test header: %v", c.name, err)
		}
		if _, err := inspect.Reencode(h); !errors.Is(err, inspect.ErrPhotoTooLarge) {
			t.Errorf("a 5000×5000 %s PNG: %v, want ErrPhotoTooLarge", c.name, err)
		}
	}
	// 8-bit gray of 9 megapixels fits the budget and is decoded, scaled to MaxSide.
	p, err := inspect.Reencode(grayPNG(t, 3000, 3000))
	if err != nil {
		t.Fatalf("a 3000×3000 gray PNG: %v", err)
	}
	if p.Width != inspect.MaxSide || p.Height != inspect.MaxSide {
		t.Errorf("scaled to %d×%d", p.Width, p.Height)
	}
	img, err := jpeg.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	if c := color.GrayModel.Convert(img.At(100, 100)).(color.Gray); c.Y < 0x78 || c.Y > 0x88 {
		t.Errorf("the scaled pixel is %v, want about 0x80", c)
	}
}

// fixCRC recomputes the IHDR chunk's CRC after a test changed its fields.
func fixCRC(png []byte) {
	binary.BigEndian.PutUint32(png[29:], crc32.ChecksumIEEE(png[12:29]))
}
