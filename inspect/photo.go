package inspect

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	_ "image/png" // PNG photos are decoded too
)

// Limits of photos.
const (
	// MaxPhotoBytes is the largest photo downloaded: the Bot API lets bots download up to 20 MB.
	MaxPhotoBytes = 20 << 20
	// MaxPixels refuses images whose header promises more pixels than this (a decompression bomb: a 7000×7000
	// PNG of one colour is a few hundred KB and decodes to 200 MB). Photos sent as photos come from Telegram at
	// most 2560 pixels on a side (6.5 megapixels); cameras' full-size pictures are 12 to 24 megapixels.
	MaxPixels = 40_000_000
	// MaxDecodeBytes bounds the memory one decode may take, estimated from the header before decoding: 16-bit
	// PNGs, interlaced PNGs and progressive JPEGs take more a pixel than MaxPixels allows for.
	MaxDecodeBytes = 160 << 20
	// MaxDecoding is how many photos are decoded at once in the process; more wait their turn, so that ten
	// photos at once cannot take ten times MaxDecodeBytes.
	MaxDecoding = 2
	// MaxSide is the longest side of a stored photo; larger photos are scaled down.
	MaxSide = 2560
	// JPEGQuality is the quality stored photos are encoded at.
	JPEGQuality = 85
)

// ErrNotImage is returned by Reencode for data that is not a JPEG or PNG image.
var ErrNotImage = errors.New("inspect: not a JPEG or PNG image")

// ErrPhotoTooLarge is returned (as a *PhotoSizeError) by Reencode for an image whose header promises more
// pixels than MaxPixels, or more memory to decode than MaxDecodeBytes: it is refused without being decoded.
var ErrPhotoTooLarge = errors.New("inspect: photo too large to decode")

// PhotoSizeError tells the size of a refused photo; errors.Is(err, ErrPhotoTooLarge) holds for it.
type PhotoSizeError struct {
	Width, Height int
	Decode        int64 // the estimated bytes decoding would take
}

func (e *PhotoSizeError) Error() string {
	return fmt.Sprintf("%v: %d×%d pixels, about %d MB to decode", ErrPhotoTooLarge, e.Width, e.Height, e.Decode>>20)
}

// Is makes errors.Is(err, ErrPhotoTooLarge) true.
func (e *PhotoSizeError) Is(target error) bool { return target == ErrPhotoTooLarge }

// PhotoTooLargeNotice is what the sender of a photo refused with ErrPhotoTooLarge is told, in Chinese; the
// size is named when err carries it.
func PhotoTooLargeNotice(err error) string {
	var se *PhotoSizeError
	size := ""
	if errors.As(err, &se) {
		size = fmt.Sprintf("（%d×%d 像素）", se.Width, se.Height)
	}
	return fmt.Sprintf("照片太大%s，没有保存。请缩小到 %d 万像素以内（如 %d×%d）后重新发送。", size, MaxPixels/10_000, 6000, 4000)
}

// decoding holds a slot for each photo being decoded (MaxDecoding).
var decoding = make(chan struct{}, MaxDecoding)

// Reencode decodes a JPEG or PNG photo and encodes it again as a baseline JPEG with nothing but the pixels:
// EXIF (GPS position, device, time of shooting), XMP, ICC profiles, comments and every other segment are gone,
// because the encoder writes none. The EXIF orientation is applied to the pixels first, so the photo still
// shows the right way up; photos over MaxSide are scaled down. The header is checked before anything is
// decoded (ErrPhotoTooLarge), and at most MaxDecoding photos are decoded at once: Reencode waits its turn.
func Reencode(data []byte) (*Photo, error) {
	return ReencodeContext(context.Background(), data)
}

// ReencodeContext is Reencode giving up with ctx's error when ctx ends while it waits its turn to decode.
func ReencodeContext(ctx context.Context, data []byte) (*Photo, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotImage, err)
	}
	if format != "jpeg" && format != "png" {
		return nil, fmt.Errorf("%w: %s", ErrNotImage, format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%w: %d×%d pixels", ErrNotImage, cfg.Width, cfg.Height)
	}
	need := decodeBytes(format, cfg, data)
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels || need > MaxDecodeBytes {
		return nil, &PhotoSizeError{Width: cfg.Width, Height: cfg.Height, Decode: need}
	}
	select {
	case decoding <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait to decode photo: %w", ctx.Err())
	}
	defer func() { <-decoding }()

	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotImage, err)
	}
	rgba := fit(img, MaxSide) // scaled straight from the decoded image: no full-size copy
	if format == "jpeg" {
		rgba = orient(rgba, exifOrientation(data))
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, rgba, &jpeg.Options{Quality: JPEGQuality}); err != nil {
		return nil, fmt.Errorf("encode photo: %w", err)
	}
	b := rgba.Bounds()
	return &Photo{PhotoRef: PhotoRef{ID: NewID(), Width: b.Dx(), Height: b.Dy(), Bytes: out.Len()}, Data: out.Bytes()}, nil
}

// decodeBytes estimates the memory image.Decode takes for an image of the header cfg, on the side of more:
// the decoded pixels in the decoder's own type, a progressive JPEG's coefficients (256 bytes a block of 8×8
// of each component, taken at full resolution) and an interlaced PNG's passes (the image twice).
func decodeBytes(format string, cfg image.Config, data []byte) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	var perPixel int64
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		perPixel = 1
	} else {
		switch cfg.ColorModel {
		case color.GrayModel, color.AlphaModel:
			perPixel = 1
		case color.Gray16Model, color.Alpha16Model:
			perPixel = 2
		case color.YCbCrModel:
			perPixel = 3 // 4:4:4 at worst
		case color.RGBA64Model, color.NRGBA64Model:
			perPixel = 8
		default: // RGBA, NRGBA, CMYK
			perPixel = 4
		}
	}
	n := px * perPixel
	switch {
	case format == "jpeg" && jpegProgressive(data):
		comps := perPixel // one byte a pixel of each component
		n += px * 4 * comps
	case format == "png" && len(data) > 28 && data[28] == 1: // IHDR's interlace method: Adam7
		n *= 2
	}
	return n
}

// jpegProgressive tells whether a JPEG's frame header is progressive (SOF2, SOF6, SOF10, SOF14).
func jpegProgressive(data []byte) bool {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return false
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return false
		}
		marker := data[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xD8 || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			i += 2
			continue
		}
		switch marker {
		case 0xC2, 0xC6, 0xCA, 0xCE:
			return true
		case 0xC0, 0xC1, 0xC3, 0xC5, 0xC7, 0xC9, 0xCB, 0xCD, 0xCF, 0xDA, 0xD9:
			return false
		}
		size := int(binary.BigEndian.Uint16(data[i+2:]))
		if size < 2 {
			return false
		}
		i += 2 + size
	}
	return false
}

// exifOrientation reads the Orientation tag (1..8) of a JPEG's EXIF segment; 1 when there is none.
func exifOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		if marker == 0xD8 || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			i += 2
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data starts: no more metadata
			return 1
		}
		size := int(binary.BigEndian.Uint16(data[i+2:]))
		if size < 2 || i+2+size > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+size]
		if marker == 0xE1 && len(seg) > 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

// tiffOrientation finds tag 0x0112 in IFD0 of a TIFF structure.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[off:]))
	for k := 0; k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			v := int(bo.Uint16(t[e+8:]))
			if v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// orient turns the pixels as EXIF orientation o says the camera held them.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2: // mirrored horizontally
				dx, dy = w-1-x, y
			case 3: // rotated 180°
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // transposed
				dx, dy = y, x
			case 6: // rotated 90° clockwise to view
				dx, dy = h-1-y, x
			case 7: // transversed
				dx, dy = h-1-y, w-1-x
			case 8: // rotated 90° counter-clockwise to view
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+dx*4:dy*dst.Stride+dx*4+4], src.Pix[y*src.Stride+x*4:y*src.Stride+x*4+4])
		}
	}
	return dst
}

// fit copies img into an RGBA image with its origin at 0,0, scaled down so that its longer side is at most max
// pixels, averaging the source pixels each destination pixel covers. A scaled image is read a band of rows at a
// time (draw has fast paths for the decoders' types), so no full-size copy of a large image is made.
func fit(img image.Image, max int) *image.RGBA {
	sb := img.Bounds()
	w, h := sb.Dx(), sb.Dy()
	if w <= max && h <= max {
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(dst, dst.Bounds(), img, sb.Min, draw.Src)
		return dst
	}
	nw, nh := max, h*max/w
	if h > w {
		nw, nh = w*max/h, max
	}
	nw, nh = maxInt(nw, 1), maxInt(nh, 1)
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	band := image.NewRGBA(image.Rect(0, 0, w, (h+nh-1)/nh+1))
	for y := 0; y < nh; y++ {
		y0, y1 := y*h/nh, maxInt((y+1)*h/nh, y*h/nh+1)
		draw.Draw(band, image.Rect(0, 0, w, y1-y0), img, image.Pt(sb.Min.X, sb.Min.Y+y0), draw.Src)
		for x := 0; x < nw; x++ {
			x0, x1 := x*w/nw, maxInt((x+1)*w/nw, x*w/nw+1)
			var sum [4]int
			n := 0
			for sy := 0; sy < y1-y0; sy++ {
				row := band.Pix[sy*band.Stride:]
				for sx := x0; sx < x1; sx++ {
					p := row[sx*4 : sx*4+4]
					sum[0], sum[1], sum[2], sum[3] = sum[0]+int(p[0]), sum[1]+int(p[1]), sum[2]+int(p[2]), sum[3]+int(p[3])
					n++
				}
			}
			d := dst.Pix[y*dst.Stride+x*4:]
			d[0], d[1], d[2], d[3] = uint8(sum[0]/n), uint8(sum[1]/n), uint8(sum[2]/n), uint8(sum[3]/n)
		}
	}
	return dst
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
