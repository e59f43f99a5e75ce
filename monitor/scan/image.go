package scan

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // registers GIF with image.Decode
	_ "image/jpeg" // registers JPEG with image.Decode
	_ "image/png"  // registers PNG with image.Decode

	_ "golang.org/x/image/bmp"  // registers BMP with image.Decode
	_ "golang.org/x/image/tiff" // registers TIFF with image.Decode
)

// MaxImageSide bounds the width and height of an "image" payload, checked
// from its header before the pixels are decoded.
const MaxImageSide = 4096

// decodeImage decodes PNG, JPEG, BMP, TIFF or GIF bytes to grey levels as
// stored: 0..255 for 8-bit images, 0..65535 for 16-bit ones (which matters
// for a "fixed" normalisation range). Colour is converted to luminance.
func decodeImage(l Layout, payload []byte) (Matrix, Report, error) {
	cfg, kind, err := image.DecodeConfig(bytes.NewReader(payload))
	if err != nil {
		return Matrix{}, Report{}, fmt.Errorf("image payload of %d bytes is not PNG, JPEG, BMP or TIFF, nor GIF: %w", len(payload), err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxImageSide || cfg.Height > MaxImageSide {
		return Matrix{}, Report{}, fmt.Errorf("%s image is %d x %d; sides must be 1..%d", kind, cfg.Width, cfg.Height, MaxImageSide)
	}
	if l.Width != 0 && (cfg.Width != l.Width || cfg.Height != l.Height) {
		return Matrix{}, Report{}, fmt.Errorf("%s image is %d x %d; layout says %d x %d: fix width and height (or set both to 0)", kind, cfg.Width, cfg.Height, l.Width, l.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(payload))
	if err != nil {
		return Matrix{}, Report{}, fmt.Errorf("decode %s image: %w", kind, err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w != cfg.Width || h != cfg.Height {
		return Matrix{}, Report{}, fmt.Errorf("%s image decodes to %d x %d but its header says %d x %d", kind, w, h, cfg.Width, cfg.Height)
	}
	raw := getRaw(w * h)
	switch g := img.(type) {
	case *image.Gray:
		for y := range h {
			row := g.Pix[y*g.Stride : y*g.Stride+w]
			for x, v := range row {
				raw[y*w+x] = float64(v)
			}
		}
	case *image.Gray16:
		for y := range h {
			row := g.Pix[y*g.Stride : y*g.Stride+2*w]
			for x := range w {
				raw[y*w+x] = float64(uint16(row[2*x])<<8 | uint16(row[2*x+1]))
			}
		}
	default:
		scale := 1.0 / 257 // 16-bit luminance to 8-bit levels
		switch img.(type) {
		case *image.RGBA64, *image.NRGBA64:
			scale = 1
		}
		for y := range h {
			for x := range w {
				raw[y*w+x] = float64(color.Gray16Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray16).Y) * scale
			}
		}
	}
	defer putRaw(raw)
	return normalize(l, raw, w, h, 0)
}
