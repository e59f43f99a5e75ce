package scan

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

var benchSizes = []int{28, 512}

// randomBytes returns n seeded pseudo-random bytes.
func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// BenchmarkCopyBaseline is the floor every decoder is compared with:
// converting uint8 to float32 into a fresh slice, nothing else.
func BenchmarkCopyBaseline(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			payload := randomBytes(n * n)
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				pix := make([]float32, len(payload))
				for i, v := range payload {
					pix[i] = float32(v) / 255
				}
			}
		})
	}
}

func BenchmarkDecodeBlob(b *testing.B) {
	for _, dtype := range []string{DTypeUint8, DTypeFloat32} {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/%d", dtype, n), func(b *testing.B) {
				size, _ := dtypeSize(dtype)
				payload := randomBytes(n * n * size)
				if dtype == DTypeFloat32 { // keep values finite
					payload = le32(floats(n * n)...)
				}
				l := blob(dtype, n, n)
				b.ReportAllocs()
				b.SetBytes(int64(len(payload)))
				for b.Loop() {
					if _, _, err := Decode(l, payload); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func floats(n int) []float32 {
	r := rand.New(rand.NewPCG(3, 4))
	out := make([]float32, n)
	for i := range out {
		out[i] = r.Float32() * 100
	}
	return out
}

func BenchmarkDecodeText(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var sb strings.Builder
			for i, v := range floats(n * n) {
				sb.WriteString(strconv.FormatFloat(float64(v), 'g', 6, 32))
				if (i+1)%n == 0 {
					sb.WriteByte('\n')
				} else {
					sb.WriteByte(',')
				}
			}
			payload := []byte(sb.String())
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if _, _, err := Decode(Layout{Format: FormatText}, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeImagePNG(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			payload := pngBytes(b, n, n)
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if _, _, err := Decode(Layout{Format: FormatImage}, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodePoints(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			pts := make([]Point, n*n)
			for i, v := range floats(n * n) {
				pts[i] = Point{Index: i, Value: float64(v)}
			}
			l := Layout{Format: FormatPoints, Width: n, Height: n, Order: OrderSerpentine}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := DecodePoints(l, pts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncodePNG(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := Matrix{n, n, floats(n * n)}
			for i := range m.Pix {
				m.Pix[i] /= 100
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := EncodePNG(io.Discard, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
