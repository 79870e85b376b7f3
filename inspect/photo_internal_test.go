package inspect

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// Ten photos at once cannot all be decoding: with every slot taken, a photo waits, and gives up when its
// context ends; when a slot is freed, it is decoded.
func TestReencodeWaitsForADecodeSlot(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 32, 24))); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < MaxDecoding; i++ {
		decoding <- struct{}{}
	}
	release := func() {
		for len(decoding) > 0 {
			<-decoding
		}
	}
	defer release()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReencodeContext(ctx, buf.Bytes()); !errors.Is(err, context.Canceled) {
		t.Fatalf("with %d photos decoding: %v, want to wait (context.Canceled)", MaxDecoding, err)
	}
	// The header is checked before waiting: a photo refused by its size does not wait.
	if _, err := ReencodeContext(ctx, []byte("not an image")); !errors.Is(err, ErrNotImage) {
		t.Errorf("not an image: %v", err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := ReencodeContext(context.Background(), buf.Bytes())
		done <- err
	}()
	<-decoding // one slot free
	if err := <-done; err != nil {
		t.Fatalf("after a slot was freed: %v", err)
	}
	if n := len(decoding); n != MaxDecoding-1 {
		t.Errorf("%d slots taken after the decode, want %d (its slot given back)", n, MaxDecoding-1)
	}
}

func TestDecodeBytesEstimate(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  image.Config
		fmt  string
		data []byte
		want int64
	}{
		{"gray png", image.Config{ColorModel: colorGray(), Width: 100, Height: 10}, "png", nil, 1000},
		{"baseline jpeg", image.Config{ColorModel: colorYCbCr(), Width: 100, Height: 10}, "jpeg", []byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 2}, 3000},
		{"progressive jpeg", image.Config{ColorModel: colorYCbCr(), Width: 100, Height: 10}, "jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 2, 0xFF, 0xC2, 0, 2}, 3000 + 12000},
	} {
		if got := decodeBytes(c.fmt, c.cfg, c.data); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

func colorGray() color.Model  { return color.GrayModel }
func colorYCbCr() color.Model { return color.YCbCrModel }
