package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// poolRef pools in float64 by walking the padded window explicitly. avg
// selects average pooling; countPad counts padding taps inside the padded
// input (ending padBottom/padRight beyond the image).
func poolRef(s PoolShape, avg, countPad bool, padBottom, padRight int, src []float32) []float64 {
	sh, sw, dh, dw := one(s.StrideH), one(s.StrideW), one(s.DilH), one(s.DilW)
	out := make([]float64, s.C*s.OutH*s.OutW)
	for c := 0; c < s.C; c++ {
		for y := 0; y < s.OutH; y++ {
			for x := 0; x < s.OutW; x++ {
				m, sum, n, nPad := math.Inf(-1), 0.0, 0, 0
				for kh := 0; kh < s.KH; kh++ {
					for kw := 0; kw < s.KW; kw++ {
						iy, ix := y*sh-s.PadTop+kh*dh, x*sw-s.PadLeft+kw*dw
						if iy < s.InH+padBottom && ix < s.InW+padRight {
							nPad++
						}
						if iy < 0 || iy >= s.InH || ix < 0 || ix >= s.InW {
							continue
						}
						v := float64(src[(c*s.InH+iy)*s.InW+ix])
						m = math.Max(m, v)
						sum += v
						n++
					}
				}
				v := m
				if avg {
					if countPad {
						n = nPad
					}
					v = 0
					if n > 0 {
						v = sum / float64(n)
					}
				}
				out[(c*s.OutH+y)*s.OutW+x] = v
			}
		}
	}
	return out
}

func TestPool2D(t *testing.T) {
	type poolCase struct {
		s                   PoolShape
		padBottom, padRight int
	}
	var cases []poolCase
	for _, ceil := range []bool{false, true} {
		for _, g := range []struct{ in, k, s, d, p0, p1 int }{
			{24, 2, 2, 1, 0, 0}, {8, 2, 2, 1, 0, 0}, {7, 2, 2, 1, 0, 0}, {4, 3, 2, 1, 0, 0},
			{5, 3, 2, 1, 1, 1}, {9, 3, 1, 2, 2, 0}, {6, 2, 3, 1, 0, 1}, {1, 3, 1, 1, 1, 1},
		} {
			o := PoolOutSize(g.in, g.k, g.s, g.d, g.p0, g.p1, ceil)
			cases = append(cases, poolCase{PoolShape{C: 3, InH: g.in, InW: g.in + 1, OutH: o,
				OutW: PoolOutSize(g.in+1, g.k, g.s, g.d, g.p0, g.p1, ceil), KH: g.k, KW: g.k,
				StrideH: g.s, StrideW: g.s, DilH: g.d, DilW: g.d, PadTop: g.p0, PadLeft: g.p0}, g.p1, g.p1})
		}
	}
	withKernels(t, func(t *testing.T) {
		for i, tc := range cases {
			checkPool(t, i, tc.s, tc.padBottom, tc.padRight)
		}
	})
}

// checkPool runs MaxPool2D and AveragePool2D (both count modes) on one
// shape and compares them with poolRef.
func checkPool(t *testing.T, i int, s PoolShape, padBottom, padRight int) {
	t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
		if err := s.Validate(); err != nil {
			t.Fatalf("Validate(%+v) = %v", s, err)
		}
		r := rand.New(rand.NewPCG(uint64(i), 5))
		src := randSlice(r, s.C*s.InH*s.InW)
		dst := make([]float32, s.C*s.OutH*s.OutW)
		MaxPool2D(s, src, dst)
		closeAll(t, fmt.Sprintf("MaxPool2D(%+v)", s), dst, poolRef(s, false, false, 0, 0, src), 0)
		for _, countPad := range []bool{false, true} {
			AveragePool2D(s, countPad, padBottom, padRight, src, dst)
			closeAll(t, fmt.Sprintf("AveragePool2D(%+v, countPad=%v)", s, countPad), dst,
				poolRef(s, true, countPad, padBottom, padRight, src), 1e-6)
		}
	})
}

func TestPoolOutSize(t *testing.T) {
	// Expected sizes follow the ONNX MaxPool/AveragePool output shape formula
	// (operators spec, ceil_mode) and its maxpool_2d_ceil conformance case.
	tests := []struct {
		in, k, s, d, p0, p1 int
		ceil                bool
		want                int
	}{
		{4, 3, 2, 1, 0, 0, false, 1},
		{4, 3, 2, 1, 0, 0, true, 2}, // maxpool_2d_ceil
		{24, 2, 2, 1, 0, 0, false, 12},
		{7, 2, 2, 1, 0, 0, true, 4},
		{5, 3, 2, 1, 1, 1, true, 3},
		{2, 5, 1, 1, 0, 0, false, 0},
		{6, 1, 5, 1, 0, 0, true, 2}, // last window would start in the padding only if padded
		{5, 2, 2, 1, 0, 1, true, 3},
	}
	for _, tt := range tests {
		if got := PoolOutSize(tt.in, tt.k, tt.s, tt.d, tt.p0, tt.p1, tt.ceil); got != tt.want {
			t.Errorf("PoolOutSize(%d, k=%d, s=%d, d=%d, pads=%d,%d, ceil=%v) = %d; want %d",
				tt.in, tt.k, tt.s, tt.d, tt.p0, tt.p1, tt.ceil, got, tt.want)
		}
	}
}

func TestMaxPoolNaN(t *testing.T) {
	// 2x2 pooling of a 2 x 46 image: 23 outputs, so the AVX2 steps (8 and 4
	// at a time) and the scalar tail all see a NaN in each window position.
	s := PoolShape{C: 1, InH: 2, InW: 46, OutH: 1, OutW: 23, KH: 2, KW: 2, StrideH: 2, StrideW: 2}
	withKernels(t, func(t *testing.T) {
		for pos := 0; pos < 4; pos++ {
			for _, x := range []int{0, 5, 7, 8, 13, 16, 19, 20, 22} {
				src := make([]float32, 92)
				for i := range src {
					src[i] = float32(i%7) - 3
				}
				src[(pos/2)*46+2*x+pos%2] = float32(math.NaN())
				dst := make([]float32, 23)
				MaxPool2D(s, src, dst)
				for o, v := range dst {
					if isNaN := v != v; isNaN != (o == x) {
						t.Fatalf("MaxPool2D with NaN at window %d position %d: out[%d] = %v", x, pos, o, v)
					}
				}
			}
		}
	})
}

func TestSoftmax(t *testing.T) {
	x := []float32{1, 2, 3, 1000, 1000, -1000}
	Softmax(2, 3, x)
	// Row 1 from scipy.special.softmax([1, 2, 3]).
	want := []float64{0.09003057, 0.24472847, 0.66524096, 0.5, 0.5, 0}
	closeAll(t, "Softmax", x, want, 1e-6)
}
