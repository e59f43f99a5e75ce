package scan

import (
	"bytes"
	"fmt"
	"image"
	"testing"
)

// adhocBefore is the ad hoc decoder the console had before this package's
// decoder served it (ui/adhoc.go decodeScan), kept as the benchmark's
// baseline: image.Decode, then one interface call per pixel.
func adhocBefore(data []byte) (Matrix, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Matrix{}, err
	}
	b := img.Bounds()
	m := Matrix{Width: b.Dx(), Height: b.Dy(), Pix: make([]float32, b.Dx()*b.Dy())}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			lum := (19595*cr + 38470*cg + 7471*cb + 1<<15) >> 16
			m.Pix[(y-b.Min.Y)*m.Width+(x-b.Min.X)] = float32(lum) / 0xffff
		}
	}
	return m, nil
}

// BenchmarkDecodeImageFile compares the one image decoder (as ad hoc
// grading and "gradewatch grade" use it) with the ad hoc decoder it
// replaced, on seeded grey PNGs.
func BenchmarkDecodeImageFile(b *testing.B) {
	for _, n := range benchSizes {
		payload := pngBytes(b, n, n)
		b.Run(fmt.Sprintf("adhoc-before/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if _, err := adhocBefore(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("scan/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if _, _, err := DecodeImageFile(DefaultImageLayout, bytes.NewReader(payload)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
