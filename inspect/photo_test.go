package inspect_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/conductbot/conductbot/inspect"
)

// Marks of the EXIF segment gpsJPEG writes: a test finds none of them in what the store keeps.
var exifMarks = [][]byte{[]byte("Exif"), []byte("SpyCam-X9"), append(le32(3456), le32(100)...), append(le32(5678), le32(100)...)}

func le32(v uint32) []byte { b := make([]byte, 4); binary.LittleEndian.PutUint32(b, v); return b }

// gpsJPEG is a w×h JPEG, red in its top-left quarter and blue elsewhere, carrying an EXIF segment with the
// camera's make (SpyCam-X9), the orientation o and a GPS position (32°22'34.56"N 120°34'56.78"E).
func gpsJPEG(t testing.TB, w, h, o int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{0, 0, 255, 255}
			if x < w/2 && y < h/2 {
				c = color.RGBA{255, 0, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()

	// A little-endian TIFF: IFD0 (Make, Orientation, GPSInfo) at 8, the make string at 50, the GPS IFD at 60
	// (LatitudeRef, Latitude, LongitudeRef, Longitude), the rationals at 114 and 138.
	tiff := make([]byte, 162)
	bo := binary.LittleEndian
	copy(tiff, "II")
	bo.PutUint16(tiff[2:], 42)
	bo.PutUint32(tiff[4:], 8)
	entry := func(at int, tag, typ uint16, count, value uint32) {
		bo.PutUint16(tiff[at:], tag)
		bo.PutUint16(tiff[at+2:], typ)
		bo.PutUint32(tiff[at+4:], count)
		bo.PutUint32(tiff[at+8:], value)
	}
	bo.PutUint16(tiff[8:], 3)
	entry(10, 0x010F, 2, 10, 50)       // Make → "SpyCam-X9\0"
	entry(22, 0x0112, 3, 1, uint32(o)) // Orientation
	entry(34, 0x8825, 4, 1, 60)        // GPSInfo IFD
	bo.PutUint32(tiff[46:], 0)
	copy(tiff[50:], "SpyCam-X9\x00")
	bo.PutUint16(tiff[60:], 4)
	entry(62, 0x0001, 2, 2, uint32('N'))
	entry(74, 0x0002, 5, 3, 114)
	entry(86, 0x0003, 2, 2, uint32('E'))
	entry(98, 0x0004, 5, 3, 138)
	bo.PutUint32(tiff[110:], 0)
	for i, v := range []uint32{32, 1, 22, 1, 3456, 100, 120, 1, 34, 1, 5678, 100} {
		bo.PutUint32(tiff[114+4*i:], v)
	}
	app1 := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(2+6+len(tiff)))
	app1 = append(app1, "Exif\x00\x00"...)
	app1 = append(app1, tiff...)

	out := append([]byte{}, plain[:2]...)
	out = append(out, app1...)
	out = append(out, plain[2:]...)
	for _, m := range exifMarks {
		if !bytes.Contains(out, m) {
			t.Fatalf("the test JPEG lacks %q", m)
		}
	}
	return out
}

// assertNoMetadata fails unless data is a JPEG with no application, comment or other metadata segment and
// none of the marks of gpsJPEG.
func assertNoMetadata(t testing.TB, data []byte) {
	t.Helper()
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("not a JPEG: %v", err)
	}
	for _, m := range exifMarks {
		if bytes.Contains(data, m) {
			t.Errorf("the stored photo contains %q", m)
		}
	}
	// Walk the segments up to the image data: only tables and the frame header are allowed.
	for i := 2; i+4 <= len(data); {
		marker := data[i+1]
		if marker == 0xDA {
			break
		}
		if marker >= 0xE0 && marker <= 0xEF || marker == 0xFE {
			t.Errorf("the stored photo has a metadata segment FF%02X", marker)
		}
		i += 2 + int(binary.BigEndian.Uint16(data[i+2:]))
	}
}

func TestReencodeDropsEXIF(t *testing.T) {
	in := gpsJPEG(t, 64, 48, 1)
	p, err := inspect.Reencode(in)
	if err != nil {
		t.Fatal(err)
	}
	assertNoMetadata(t, p.Data)
	if p.Width != 64 || p.Height != 48 || p.Bytes != len(p.Data) || len(p.ID) != 16 {
		t.Errorf("photo %+v", p.PhotoRef)
	}
}

func TestReencodeAppliesOrientation(t *testing.T) {
	// Orientation 6: the camera was turned; the viewer turns the picture 90° clockwise, so the red top-left
	// corner ends up top-right.
	p, err := inspect.Reencode(gpsJPEG(t, 64, 48, 6))
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 48 || b.Dy() != 64 {
		t.Fatalf("size %v, want 48×64", b)
	}
	red := func(x, y int) bool { r, g, b, _ := img.At(x, y).RGBA(); return r > 0xa000 && g < 0x6000 && b < 0x6000 }
	if !red(40, 5) || red(5, 5) {
		t.Errorf("orientation not applied: top-right red %v, top-left red %v", red(40, 5), red(5, 5))
	}
}

func TestReencodePNGAndLimits(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 3000, 20))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p, err := inspect.Reencode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if p.Width != inspect.MaxSide || p.Height != 20*inspect.MaxSide/3000 {
		t.Errorf("scaled to %d×%d", p.Width, p.Height)
	}
	for _, bad := range [][]byte{nil, []byte("GIF89a...."), []byte("%PDF-1.4 not an image")} {
		if _, err := inspect.Reencode(bad); err == nil {
			t.Errorf("Reencode(%q) succeeded", bad)
		}
	}
}
