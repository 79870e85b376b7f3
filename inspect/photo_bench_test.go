package inspect_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/conductbot/conductbot/inspect"
)

// cameraJPEG is a w×h baseline JPEG with some detail (a gradient), as a camera's full-size picture.
func cameraJPEG(b testing.TB, w, h int) []byte {
	b.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[y*img.YStride+x] = uint8((x + y) % 256)
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 100, 150
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkReencodeLarge re-encodes a 12-megapixel (4000×3000) camera JPEG and a 2560×1920 RGBA PNG (the
// largest size Telegram sends a photo at); -benchmem reports what one takes.
func BenchmarkReencodeLarge(b *testing.B) {
	for _, c := range []struct {
		name string
		data func(testing.TB) []byte
	}{
		{"jpeg-4000x3000", func(t testing.TB) []byte { return cameraJPEG(t, 4000, 3000) }},
		{"png-2560x1920", func(t testing.TB) []byte {
			img := image.NewNRGBA(image.Rect(0, 0, 2560, 1920))
			for i := range img.Pix {
				img.Pix[i] = uint8(i * 7)
			}
			return encodePNG(t, img)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			data := c.data(b)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := inspect.Reencode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReencodeRefused refuses the 7000×7000 PNG of issue 12 from its header.
func BenchmarkReencodeRefused(b *testing.B) {
	data := bombPNG(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := inspect.Reencode(data); err == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkReencodeTenAtOnce re-encodes ten 12-megapixel JPEGs at once and reports the heap's peak above what
// it was before (peak-MB): the decode slots keep it near MaxDecoding photos' worth, not ten.
func BenchmarkReencodeTenAtOnce(b *testing.B) {
	data := cameraJPEG(b, 4000, 3000)
	b.ReportAllocs()
	var peak uint64
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stop := make(chan struct{})
		sampled := make(chan uint64)
		go func() {
			var m runtime.MemStats
			var top uint64
			for {
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > top {
					top = m.HeapAlloc
				}
				select {
				case <-stop:
					sampled <- top
					return
				case <-time.After(2 * time.Millisecond): // sampling only: nothing is decided by the clock
				}
			}
		}()
		var wg sync.WaitGroup
		for k := 0; k < 10; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := inspect.Reencode(data); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		close(stop)
		if top := <-sampled; top > peak {
			peak = top
		}
	}
	if peak > base.HeapAlloc {
		b.ReportMetric(float64(peak-base.HeapAlloc)/(1<<20), "peak-MB")
	}
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
