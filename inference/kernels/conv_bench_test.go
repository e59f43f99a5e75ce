package kernels

import (
	"math/rand/v2"
	"testing"
)

// benchConvShapes are the convolutions of the seed network and mnist-8.
var benchConvShapes = []struct {
	name string
	s    ConvShape
}{
	{"seed_conv1", ConvShape{InC: 1, InH: 28, InW: 28, OutC: 32, KH: 5, KW: 5}},
	{"seed_conv2", ConvShape{InC: 32, InH: 12, InW: 12, OutC: 64, KH: 5, KW: 5}},
	{"mnist8_conv1", ConvShape{InC: 1, InH: 28, InW: 28, OutC: 8, KH: 5, KW: 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2}},
	{"mnist8_conv2", ConvShape{InC: 8, InH: 14, InW: 14, OutC: 16, KH: 5, KW: 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2}},
}

func convFlops(s ConvShape) float64 {
	return 2 * float64(s.OutC) * float64(s.K()) * float64(s.OutH()*s.OutW())
}

// BenchmarkConv2D is one image through Conv2D with fused bias and ReLU.
func BenchmarkConv2D(b *testing.B) {
	for _, c := range benchConvShapes {
		b.Run(c.name, func(b *testing.B) {
			benchKernels(b, func(b *testing.B) {
				s := c.s
				r := rand.New(rand.NewPCG(1, 2))
				pw, err := PackConvWeights(s, randSlice(r, s.OutC*s.K()))
				if err != nil {
					b.Fatal(err)
				}
				bias := randSlice(r, s.OutC)
				src := randSlice(r, s.InC*s.InH*s.InW)
				dst := make([]float32, s.OutC*s.OutH()*s.OutW())
				scratch := make([]float32, s.ColSize())
				b.ReportAllocs()
				for b.Loop() {
					Conv2D(s, pw, bias, ActReLU, src, dst, scratch)
				}
				b.ReportMetric(convFlops(s)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		})
	}
}

// BenchmarkIm2col is the lowering step of Conv2D alone.
func BenchmarkIm2col(b *testing.B) {
	for _, c := range benchConvShapes {
		b.Run(c.name, func(b *testing.B) {
			s := c.s
			src := randSlice(rand.New(rand.NewPCG(1, 2)), s.InC*s.InH*s.InW)
			col := make([]float32, s.ColSize())
			b.ReportAllocs()
			for b.Loop() {
				Im2col(s, src, col)
			}
		})
	}
}

// BenchmarkMaxPool2x2 is the seed network's first pooling layer.
func BenchmarkMaxPool2x2(b *testing.B) {
	s := PoolShape{C: 32, InH: 24, InW: 24, OutH: 12, OutW: 12, KH: 2, KW: 2, StrideH: 2, StrideW: 2}
	src := randSlice(rand.New(rand.NewPCG(1, 2)), s.C*s.InH*s.InW)
	dst := make([]float32, s.C*s.OutH*s.OutW)
	b.ReportAllocs()
	for b.Loop() {
		MaxPool2D(s, src, dst)
	}
}

// BenchmarkIm2colPacked is Conv2D's lowering into the packed GEMM layout
// alone (compare BenchmarkIm2col, the plain layout).
func BenchmarkIm2colPacked(b *testing.B) {
	for _, c := range benchConvShapes {
		b.Run(c.name, func(b *testing.B) {
			s := c.s
			src := randSlice(rand.New(rand.NewPCG(1, 2)), s.InC*s.InH*s.InW)
			dst := make([]float32, packedColSize(s))
			pad := make([]float32, paddedSize(s))
			b.ReportAllocs()
			for b.Loop() {
				im2colPacked(s, src, dst, pad)
			}
		})
	}
}

// BenchmarkMaxPool3x3 is mnist-8's second pooling layer (general path).
func BenchmarkMaxPool3x3(b *testing.B) {
	s := PoolShape{C: 16, InH: 14, InW: 14, OutH: 4, OutW: 4, KH: 3, KW: 3, StrideH: 3, StrideW: 3}
	src := randSlice(rand.New(rand.NewPCG(1, 2)), s.C*s.InH*s.InW)
	dst := make([]float32, s.C*s.OutH*s.OutW)
	b.ReportAllocs()
	for b.Loop() {
		MaxPool2D(s, src, dst)
	}
}
