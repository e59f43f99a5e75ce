package modelcmd

import (
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/gradewatch/gradewatch/monitor/scan"
)

// TestReadImageFormats writes one grey gradient as PNG, JPEG and BMP (and
// as RGBA PNG) and reads it back as a plane in [0, 1].
func TestReadImageFormats(t *testing.T) {
	grey := image.NewGray(image.Rect(0, 0, 16, 8))
	rgba := image.NewRGBA(grey.Rect)
	for y := 0; y < 8; y++ {
		for x := 0; x < 16; x++ {
			v := uint8(x * 16)
			grey.SetGray(x, y, color.Gray{Y: v})
			rgba.Set(x, y, color.RGBA{R: v, G: v, B: v, A: 255})
		}
	}
	tests := []struct {
		name string
		enc  func(io.Writer) error
		tol  float64
	}{
		{"grey.png", func(w io.Writer) error { return png.Encode(w, grey) }, 1e-6},
		{"rgba.png", func(w io.Writer) error { return png.Encode(w, rgba) }, 1e-6},
		{"grey.bmp", func(w io.Writer) error { return bmp.Encode(w, grey) }, 1e-6},
		{"grey.jpg", func(w io.Writer) error { return jpeg.Encode(w, grey, &jpeg.Options{Quality: 100}) }, 0.02},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name)
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.enc(f); err != nil {
				t.Fatal(err)
			}
			f.Close()
			img, err := readImage(scan.DefaultImageLayout, p)
			if err != nil {
				t.Fatal(err)
			}
			if img.Width != 16 || img.Height != 8 {
				t.Fatalf("readImage(%s) size %dx%d; want 16x8", tt.name, img.Width, img.Height)
			}
			for k, v := range img.Pix {
				want := float64((k%16)*16) / 255
				if math.Abs(float64(v)-want) > tt.tol {
					t.Fatalf("readImage(%s) pixel %d = %g; want %g", tt.name, k, v, want)
				}
			}
		})
	}
}
