package kernels

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// convRef is the direct 6-loop convolution in float64, the reference for
// Conv2D and DepthwiseConv2D. groups splits input and output channels.
func convRef(s ConvShape, groups int, w, bias []float32, act Activation, src []float32) []float64 {
	oh, ow := s.OutH(), s.OutW()
	sh, sw, dh, dw := one(s.StrideH), one(s.StrideW), one(s.DilH), one(s.DilW)
	cinG, coutG := s.InC/groups, s.OutC/groups
	out := make([]float64, s.OutC*oh*ow)
	for o := 0; o < s.OutC; o++ {
		g := o / coutG
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				var sum float64
				if bias != nil {
					sum = float64(bias[o])
				}
				for ci := 0; ci < cinG; ci++ {
					c := g*cinG + ci
					for kh := 0; kh < s.KH; kh++ {
						for kw := 0; kw < s.KW; kw++ {
							iy, ix := y*sh-s.PadTop+kh*dh, x*sw-s.PadLeft+kw*dw
							if iy < 0 || iy >= s.InH || ix < 0 || ix >= s.InW {
								continue
							}
							sum += float64(w[((o*cinG+ci)*s.KH+kh)*s.KW+kw]) * float64(src[(c*s.InH+iy)*s.InW+ix])
						}
					}
				}
				if act == ActReLU && sum < 0 {
					sum = 0
				}
				out[(o*oh+y)*ow+x] = sum
			}
		}
	}
	return out
}

func randSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	return x
}

func closeAll(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values; want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol*(1+math.Abs(want[i]))) {
			t.Fatalf("%s: [%d] = %v; want %v", what, i, got[i], want[i])
		}
	}
}

var convShapes = []ConvShape{
	{InC: 1, InH: 28, InW: 28, OutC: 32, KH: 5, KW: 5},                                                  // seed conv1
	{InC: 32, InH: 12, InW: 12, OutC: 64, KH: 5, KW: 5},                                                 // seed conv2
	{InC: 1, InH: 28, InW: 28, OutC: 8, KH: 5, KW: 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2}, // mnist-8 conv1
	{InC: 3, InH: 9, InW: 7, OutC: 5, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1},
	{InC: 2, InH: 10, InW: 11, OutC: 7, KH: 3, KW: 2, DilH: 2, DilW: 3, PadTop: 0, PadLeft: 2, PadBottom: 3, PadRight: 1},
	{InC: 4, InH: 6, InW: 6, OutC: 9, KH: 1, KW: 1},                          // pointwise, no im2col
	{InC: 4, InH: 6, InW: 6, OutC: 3, KH: 1, KW: 1, StrideH: 2, StrideW: 3},  // strided 1x1
	{InC: 3, InH: 5, InW: 5, OutC: 2, KH: 5, KW: 5, StrideH: 3, PadRight: 4}, // kernel as large as input
	{InC: 1, InH: 1, InW: 1, OutC: 1, KH: 3, KW: 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1},
	// ONNX pytorch-converted test_Conv1d_pad2size1 as H=1: the left padding
	// is wider than the output (reported by engine-core).
	{InC: 4, InH: 1, InW: 1, OutC: 4, KH: 1, KW: 5, PadLeft: 2, PadRight: 2},
	{InC: 2, InH: 3, InW: 2, OutC: 3, KH: 5, KW: 5, StrideH: 2, StrideW: 3, PadTop: 4, PadLeft: 4, PadBottom: 2, PadRight: 3},
}

func TestConv2D(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		for i, s := range convShapes {
			for _, act := range []Activation{ActNone, ActReLU} {
				t.Run(fmt.Sprintf("%d/act%d", i, act), func(t *testing.T) {
					if err := s.Validate(); err != nil {
						t.Fatalf("Validate(%+v) = %v", s, err)
					}
					r := rand.New(rand.NewPCG(uint64(i), 3))
					src := randSlice(r, s.InC*s.InH*s.InW)
					w := randSlice(r, s.OutC*s.K())
					var bias []float32
					if i%2 == 0 {
						bias = randSlice(r, s.OutC)
					}
					pw, err := PackConvWeights(s, w)
					if err != nil {
						t.Fatalf("PackConvWeights: %v", err)
					}
					dst := make([]float32, s.OutC*s.OutH()*s.OutW())
					for j := range dst {
						dst[j] = float32(math.NaN())
					}
					want := convRef(s, 1, w, bias, act, src)
					Conv2D(s, pw, bias, act, src, dst, make([]float32, s.ColSize()))
					closeAll(t, fmt.Sprintf("Conv2D(%+v)", s), dst, want, 1e-5)
					clear(dst)
					NewWorkspace().Conv2D(s, pw, bias, act, src, dst, make([]float32, s.ColSize()))
					closeAll(t, fmt.Sprintf("Workspace.Conv2D(%+v)", s), dst, want, 1e-5)
				})
			}
		}
	})
}

func TestDepthwiseConv2D(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		for i, s := range convShapes {
			s.OutC = s.InC
			r := rand.New(rand.NewPCG(uint64(i), 4))
			src := randSlice(r, s.InC*s.InH*s.InW)
			w := randSlice(r, s.InC*s.KH*s.KW)
			bias := randSlice(r, s.InC)
			dst := make([]float32, s.OutC*s.OutH()*s.OutW())
			DepthwiseConv2D(s, w, bias, ActReLU, src, dst)
			closeAll(t, fmt.Sprintf("DepthwiseConv2D(%+v)", s), dst, convRef(s, s.InC, w, bias, ActReLU, src), 1e-5)
		}
	})
}

func TestConvShapeValidate(t *testing.T) {
	tests := []ConvShape{
		{InC: 0, InH: 5, InW: 5, OutC: 1, KH: 3, KW: 3},
		{InC: 1, InH: 5, InW: 5, OutC: 1, KH: 3, KW: 3, StrideH: -1},
		{InC: 1, InH: 5, InW: 5, OutC: 1, KH: 3, KW: 3, PadLeft: -1},
		{InC: 1, InH: 2, InW: 5, OutC: 1, KH: 3, KW: 3},
		{InC: 1, InH: 5, InW: 5, OutC: 1, KH: 3, KW: 3, DilW: 3},
		{InC: 1 << 20, InH: 1 << 20, InW: 1 << 20, OutC: 1, KH: 1, KW: 1},    // input overflows
		{InC: 8192, InH: 64, InW: 64, OutC: 16, KH: 11, KW: 11},              // im2col matrix too large
		{InC: 1 << 62, InH: 1, InW: 1, OutC: 1 << 62, KH: 1, KW: 1, DilH: 1}, // products overflow int64
	}
	for _, s := range tests {
		if err := s.Validate(); !errors.Is(err, ErrBadShape) {
			t.Errorf("Validate(%+v) = %v; want ErrBadShape", s, err)
		}
		if _, err := PackConvWeights(s, make([]float32, 100)); err == nil {
			t.Errorf("PackConvWeights(%+v) succeeded; want an error", s)
		}
	}
	s := convShapes[0]
	if _, err := PackConvWeights(s, make([]float32, s.OutC*s.K()-1)); !errors.Is(err, ErrBadShape) {
		t.Errorf("PackConvWeights with short weights = %v; want ErrBadShape", err)
	}
}

func TestBiasActivation(t *testing.T) {
	nan := float32(math.NaN())
	withKernels(t, func(t *testing.T) {
		x := []float32{-3, -1, 0, 1, 2, 3, 4, 5, 6, -7, nan, -0.5, 1, -2, 3, -4, 5, -6, 7, -8, 9}
		want := make([]float32, len(x))
		bias := []float32{0.5, -1, 2}
		cols := 7
		for i, v := range x {
			v += bias[i/cols]
			if v < 0 {
				v = 0
			}
			want[i] = v
		}
		BiasActivation(3, cols, bias, ActReLU, x)
		for i := range x {
			if !sameBits(x[i], want[i]) {
				t.Fatalf("BiasActivation = %v; want %v", x, want)
			}
		}
		y := []float32{1, -2, 3, -4}
		BiasActivation(2, 2, []float32{1, 2}, ActNone, y)
		if fmt.Sprint(y) != "[2 -1 5 -2]" {
			t.Errorf("BiasActivation(ActNone) = %v; want [2 -1 5 -2]", y)
		}
	})
}

func TestIm2colPackedMatchesPackB(t *testing.T) {
	for i, s := range append(convShapes, ConvShape{InC: 12, InH: 20, InW: 19, OutC: 1, KH: 5, KW: 5, StrideW: 2, PadLeft: 1, PadRight: 3}) {
		r := rand.New(rand.NewPCG(uint64(i), 6))
		src := randSlice(r, s.InC*s.InH*s.InW)
		n := s.OutH() * s.OutW()
		col := make([]float32, s.K()*n)
		Im2col(s, src, col)
		want := PackB(false, s.K(), n, col, n).data
		withKernels(t, func(t *testing.T) {
			got := make([]float32, packedColSize(s))
			for j := range got {
				got[j] = float32(math.NaN())
			}
			im2colPacked(s, src, got, make([]float32, paddedSize(s)))
			for j := range want {
				if !sameBits(got[j], want[j]) {
					t.Fatalf("im2colPacked(%+v)[%d] = %v; want %v", s, j, got[j], want[j])
				}
			}
		})
	}
}

// FuzzConv2D checks Conv2D, DepthwiseConv2D and the packed im2col against
// the direct reference on random small shapes, including pads wider than
// the output and kernels larger than the input.
func FuzzConv2D(f *testing.F) {
	f.Add(uint64(1), []byte{4, 1, 1, 4, 1, 5, 1, 1, 1, 1, 0, 2, 0, 2})
	f.Add(uint64(2), []byte{3, 9, 7, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1})
	f.Add(uint64(3), []byte{32, 12, 12, 64, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, seed uint64, g []byte) {
		if len(g) < 14 {
			return
		}
		s := ConvShape{InC: int(g[0]%6) + 1, InH: int(g[1] % 13), InW: int(g[2] % 13), OutC: int(g[3]%9) + 1,
			KH: int(g[4]%6) + 1, KW: int(g[5]%6) + 1, StrideH: int(g[6] % 4), StrideW: int(g[7] % 4),
			DilH: int(g[8] % 3), DilW: int(g[9] % 3),
			PadTop: int(g[10] % 5), PadLeft: int(g[11] % 5), PadBottom: int(g[12] % 5), PadRight: int(g[13] % 5)}
		if s.Validate() != nil {
			return
		}
		r := rand.New(rand.NewPCG(seed, 8))
		src := randSlice(r, s.InC*s.InH*s.InW)
		w := randSlice(r, s.OutC*s.K())
		bias := randSlice(r, s.OutC)
		pw, err := PackConvWeights(s, w)
		if err != nil {
			t.Fatalf("PackConvWeights(%+v): %v", s, err)
		}
		dst := make([]float32, s.OutC*s.OutH()*s.OutW())
		dwW, dwBias := randSlice(r, s.InC*s.KH*s.KW), randSlice(r, s.InC)
		for _, set := range kernelSets() {
			restore := selectKernels(set)
			Conv2D(s, pw, bias, ActReLU, src, dst, make([]float32, s.ColSize()))
			closeAll(t, fmt.Sprintf("Conv2D(%+v)", s), dst, convRef(s, 1, w, bias, ActReLU, src), 1e-5)
			d := s
			d.OutC = d.InC
			dw := make([]float32, d.OutC*d.OutH()*d.OutW())
			DepthwiseConv2D(d, dwW, dwBias, ActNone, src, dw)
			closeAll(t, fmt.Sprintf("DepthwiseConv2D(%+v)", d), dw, convRef(d, d.InC, dwW, dwBias, ActNone, src), 1e-5)
			restore()
		}
		col := make([]float32, s.K()*s.OutH()*s.OutW())
		Im2col(s, src, col)
	})
}

func TestReLU(t *testing.T) {
	nan := float32(math.NaN())
	withKernels(t, func(t *testing.T) {
		for _, n := range []int{0, 1, 7, 8, 9, 16, 29} {
			src := make([]float32, n)
			for i := range src {
				src[i] = float32(i%5) - 2.5
			}
			if n > 3 {
				src[3] = nan
			}
			dst := make([]float32, n+1)
			dst[n] = 42 // past len(src): must stay
			ReLU(dst, src)
			for i, v := range src {
				want := max(v, 0)
				if !sameBits(dst[i], want) {
					t.Fatalf("ReLU(n=%d)[%d] = %v; want %v", n, i, dst[i], want)
				}
			}
			if dst[n] != 42 {
				t.Fatalf("ReLU(n=%d) wrote past len(src)", n)
			}
			ReLU(src, src) // in place
			for i := range src {
				if !sameBits(src[i], dst[i]) {
					t.Fatalf("ReLU in place (n=%d)[%d] = %v; want %v", n, i, src[i], dst[i])
				}
			}
		}
	})
}
