package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShapes are the GEMMs of the seed network (28x28x1 -> Conv5x5x32 ->
// MaxPool2 -> Conv5x5x64 -> MaxPool2 -> Dense1024 -> Dense10) as the engine
// runs them, plus a square reference size.
var benchShapes = []struct {
	name    string
	transB  bool
	m, n, k int
}{
	{"conv1_32x576x25", false, 32, 576, 25},
	{"conv2_64x64x800", false, 64, 64, 800},
	{"dense1_b1_1x1024x1024", false, 1, 1024, 1024},
	{"dense1_b1T_1x1024x1024", true, 1, 1024, 1024},
	{"dense1_b64_64x1024x1024", false, 64, 1024, 1024},
	{"dense2_b64_64x10x1024", false, 64, 10, 1024},
	{"square_256", false, 256, 256, 256},
}

func benchMatrices(m, n, k int) (a, b, c []float32) {
	r := rand.New(rand.NewPCG(1, 2))
	a, b, c = make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = r.Float32()
	}
	for i := range b {
		b[i] = r.Float32()
	}
	return a, b, c
}

func reportGflops(b *testing.B, m, n, k int) {
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// benchKernels runs f with each kernel set the CPU supports (AVX2, pure
// Go), side by side.
func benchKernels(b *testing.B, f func(b *testing.B)) {
	for _, set := range kernelSets() {
		restore := selectKernels(set)
		b.Run("kernel="+set, f) // benchstat -col /kernel puts them side by side
		restore()
	}
}

func BenchmarkSgemm(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			benchKernels(b, func(b *testing.B) {
				a, bm, c := benchMatrices(s.m, s.n, s.k)
				ldb := s.n
				if s.transB {
					ldb = s.k
				}
				b.ReportAllocs()
				for b.Loop() {
					Sgemm(false, s.transB, s.m, s.n, s.k, 1, a, s.k, bm, ldb, 0, c, s.n)
				}
				reportGflops(b, s.m, s.n, s.k)
			})
		})
	}
}

// BenchmarkSgemmPackedA is the convolution case: constant weights packed
// once at load time.
func BenchmarkSgemmPackedA(b *testing.B) {
	for _, s := range benchShapes[:2] {
		b.Run(s.name, func(b *testing.B) {
			benchKernels(b, func(b *testing.B) {
				a, bm, c := benchMatrices(s.m, s.n, s.k)
				pa := PackA(false, s.m, s.k, a, s.k)
				b.ReportAllocs()
				for b.Loop() {
					SgemmPackedA(pa, false, s.n, 1, bm, s.n, 0, c, s.n)
				}
				reportGflops(b, s.m, s.n, s.k)
			})
		})
	}
}

// BenchmarkSgemmPackedB is the dense-layer case: constant weights packed
// once at load time.
func BenchmarkSgemmPackedB(b *testing.B) {
	for _, s := range benchShapes[2:6] {
		if s.transB {
			continue
		}
		b.Run(s.name, func(b *testing.B) {
			benchKernels(b, func(b *testing.B) {
				a, bm, c := benchMatrices(s.m, s.n, s.k)
				pb := PackB(false, s.k, s.n, bm, s.n)
				b.ReportAllocs()
				for b.Loop() {
					SgemmPackedB(false, s.m, 1, a, s.k, pb, 0, c, s.n)
				}
				reportGflops(b, s.m, s.n, s.k)
			})
		})
	}
}

// BenchmarkSgemmNaive is the plain triple loop, the baseline.
func BenchmarkSgemmNaive(b *testing.B) {
	for _, s := range benchShapes[:2] {
		b.Run(fmt.Sprint(s.name), func(b *testing.B) {
			a, bm, c := benchMatrices(s.m, s.n, s.k)
			b.ReportAllocs()
			for b.Loop() {
				naiveSgemm(s.m, s.n, s.k, a, bm, c)
			}
			reportGflops(b, s.m, s.n, s.k)
		})
	}
}

func naiveSgemm(m, n, k int, a, b, c []float32) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				s += a[i*k+p] * b[p*n+j]
			}
			c[i*n+j] = s
		}
	}
}
