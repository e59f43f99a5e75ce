package kernels

import (
	"errors"
	"fmt"
)

// ConvShape describes a 2-D convolution of one image, or of one group of
// channels of one image, in NCHW layout:
//
//	input  [InC][InH][InW]    row-major float32
//	weight [OutC][InC][KH][KW] (the ONNX Conv layout, for one group)
//	output [OutC][OutH][OutW]
//
// Pads are in pixels on each side; dilations of 0 or 1 and strides of 0 or 1
// both mean 1. For a grouped convolution the caller runs one ConvShape per
// group, offsetting input, weights and output by the group's channels.
type ConvShape struct {
	InC, InH, InW                        int
	OutC                                 int
	KH, KW                               int
	StrideH, StrideW                     int
	DilH, DilW                           int
	PadTop, PadLeft, PadBottom, PadRight int
}

// Activation is an element-wise function fused into a kernel's output.
type Activation int

// Activations fused into Conv2D and BiasActivation.
const (
	ActNone Activation = iota // identity
	ActReLU                   // max(x, 0)
)

func one(v int) int {
	if v == 0 {
		return 1
	}
	return v
}

// OutH returns the output height, 0 if the kernel does not fit.
func (s ConvShape) OutH() int {
	return outSize(s.InH+s.PadTop+s.PadBottom, s.KH, one(s.DilH), one(s.StrideH))
}

// OutW returns the output width, 0 if the kernel does not fit.
func (s ConvShape) OutW() int {
	return outSize(s.InW+s.PadLeft+s.PadRight, s.KW, one(s.DilW), one(s.StrideW))
}

// outSize returns the number of kernel positions along a padded axis.
func outSize(padded, k, dil, stride int) int {
	span := padded - (dil*(k-1) + 1)
	if span < 0 {
		return 0 // integer division would round -1/2 up to 0
	}
	return span/stride + 1
}

// K returns InC*KH*KW, the depth of the convolution's GEMM (the number of
// columns of the weight matrix and of rows of the im2col matrix).
func (s ConvShape) K() int { return s.InC * s.KH * s.KW }

// ColSize returns the number of floats of scratch Conv2D needs: the im2col
// matrix, K() x OutH()*OutW() with OutH()*OutW() rounded up to a multiple
// of 16, in the kernel's packed layout, plus a zero-padded copy of the
// input when the convolution has padding.
func (s ConvShape) ColSize() int {
	return packedColSize(s) + paddedSize(s)
}

// ErrBadShape reports a convolution or pooling shape that cannot be run.
var ErrBadShape = errors.New("bad kernel shape")

// Validate reports whether the shape is runnable: positive sizes, non-negative
// pads, strides and dilations, and a kernel that fits the padded input.
func (s ConvShape) Validate() error {
	switch {
	case s.InC <= 0 || s.InH <= 0 || s.InW <= 0 || s.OutC <= 0 || s.KH <= 0 || s.KW <= 0:
		return fmt.Errorf("%w: conv sizes must be positive: in %dx%dx%d, out channels %d, kernel %dx%d",
			ErrBadShape, s.InC, s.InH, s.InW, s.OutC, s.KH, s.KW)
	case s.StrideH < 0 || s.StrideW < 0 || s.DilH < 0 || s.DilW < 0:
		return fmt.Errorf("%w: conv strides %dx%d and dilations %dx%d must not be negative",
			ErrBadShape, s.StrideH, s.StrideW, s.DilH, s.DilW)
	case s.PadTop < 0 || s.PadLeft < 0 || s.PadBottom < 0 || s.PadRight < 0:
		return fmt.Errorf("%w: conv pads %d,%d,%d,%d must not be negative",
			ErrBadShape, s.PadTop, s.PadLeft, s.PadBottom, s.PadRight)
	case !fits(maxFloats, s.InC, s.InH+s.PadTop+s.PadBottom, s.InW+s.PadLeft+s.PadRight) ||
		!fits(maxFloats, s.InC, s.KH, s.KW, s.OutC) || !fits(maxFloats, s.InC, s.KH, s.KW, s.InH+s.PadTop+s.PadBottom, s.InW+s.PadLeft+s.PadRight):
		return fmt.Errorf("%w: conv of %d channels %dx%d, kernel %dx%d, %d outputs is too large (over %d floats in a buffer)",
			ErrBadShape, s.InC, s.InH, s.InW, s.KH, s.KW, s.OutC, maxFloats)
	case s.OutH() <= 0 || s.OutW() <= 0:
		return fmt.Errorf("%w: conv kernel %dx%d (dilation %dx%d) is larger than the padded input %dx%d",
			ErrBadShape, s.KH, s.KW, one(s.DilH), one(s.DilW), s.InH+s.PadTop+s.PadBottom, s.InW+s.PadLeft+s.PadRight)
	}
	return nil
}

// Im2col writes the im2col matrix of src into col: row (c*KH+kh)*KW+kw,
// column oh*OutW+ow holds src[c][oh*StrideH-PadTop+kh*DilH][ow*StrideW-PadLeft+kw*DilW],
// or 0 where that falls in the padding. col must hold K()*OutH()*OutW()
// floats and src InC*InH*InW; the shape must be valid.
func Im2col(s ConvShape, src, col []float32) {
	oh, ow := s.OutH(), s.OutW()
	sh, sw, dh, dw := one(s.StrideH), one(s.StrideW), one(s.DilH), one(s.DilW)
	src = src[:s.InC*s.InH*s.InW]
	col = col[:s.K()*oh*ow]
	r := 0
	for c := 0; c < s.InC; c++ {
		plane := src[c*s.InH*s.InW : (c+1)*s.InH*s.InW]
		for kh := 0; kh < s.KH; kh++ {
			for kw := 0; kw < s.KW; kw++ {
				dst := col[r*oh*ow : (r+1)*oh*ow]
				r++
				// Output columns whose input column is inside the image.
				x0 := kw*dw - s.PadLeft
				owLo := min(max(ceilDiv(-x0, sw), 0), ow)
				owHi := min(ow, ceilDiv(s.InW-x0, sw)) // exclusive
				owHi = max(owHi, owLo)
				for y := 0; y < oh; y++ {
					out := dst[y*ow : (y+1)*ow]
					iy := y*sh - s.PadTop + kh*dh
					if iy < 0 || iy >= s.InH {
						clear(out)
						continue
					}
					in := plane[iy*s.InW : (iy+1)*s.InW]
					clear(out[:owLo])
					clear(out[owHi:])
					if owLo == owHi {
						continue
					}
					if sw == 1 {
						copy(out[owLo:owHi], in[x0+owLo:x0+owHi])
						continue
					}
					for x := owLo; x < owHi; x++ {
						out[x] = in[x*sw+x0]
					}
				}
			}
		}
	}
}

// maxFloats bounds every buffer a valid shape implies (input, weights,
// im2col matrix), so that sizes cannot overflow and 32-bit gather offsets
// suffice: 2^31-1 floats, 8 GiB.
const maxFloats = 1<<31 - 1

// fits reports whether the product of the non-negative factors is at most
// limit, without overflowing.
func fits(limit int, factors ...int) bool {
	p := 1
	for _, f := range factors {
		if f < 0 {
			return false
		}
		if f != 0 && p > limit/f {
			return false
		}
		p *= f
	}
	return p <= limit
}

// ceilDiv returns ceil(a/b) for b > 0 and any sign of a.
func ceilDiv(a, b int) int {
	if a >= 0 {
		return (a + b - 1) / b
	}
	return -((-a) / b)
}

// PackConvWeights packs convolution weights w, laid out [OutC][InC][KH][KW]
// (one group), for Conv2D. Pack once per model; the result is read-only and
// safe for concurrent use.
func PackConvWeights(s ConvShape, w []float32) (*PackedA, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if len(w) < s.OutC*s.K() {
		return nil, fmt.Errorf("%w: conv weights have %d values, need %d (%d x %d x %d x %d)",
			ErrBadShape, len(w), s.OutC*s.K(), s.OutC, s.InC, s.KH, s.KW)
	}
	return PackA(false, s.OutC, s.K(), w, s.K()), nil
}

// Conv2D computes one image (or one group) of a 2-D convolution:
// dst = act(W * im2col(src) + bias), dst laid out [OutC][OutH][OutW].
// w comes from PackConvWeights for the same shape; bias has OutC values or
// is nil; scratch holds at least s.ColSize() floats and is overwritten.
// It does not allocate. A shape or slice that does not match is a
// programming error and panics; check the shape once with Validate.
func Conv2D(s ConvShape, w *PackedA, bias []float32, act Activation, src, dst, scratch []float32) {
	conv2D(nil, s, w, bias, act, src, dst, scratch)
}

func conv2D(ws *packBuffers, s ConvShape, w *PackedA, bias []float32, act Activation, src, dst, scratch []float32) {
	n := s.OutH() * s.OutW()
	if w.Rows() != s.OutC || w.Cols() != s.K() {
		panic(fmt.Sprintf("kernels: conv weights packed as %d x %d, shape needs %d x %d", w.Rows(), w.Cols(), s.OutC, s.K()))
	}
	if bias != nil && len(bias) < s.OutC {
		panic(fmt.Sprintf("kernels: conv bias has %d values, needs %d", len(bias), s.OutC))
	}
	col := scratch[:packedColSize(s)]
	im2colPacked(s, src, col, scratch[len(col):s.ColSize()])
	if ws == nil {
		ws = getPackBuffers()
		defer putPackBuffers(ws)
	}
	gemmBlocked(operand{packed: w.data}, operand{packed: col}, s.OutC, n, s.K(), 1, 0, dst[:s.OutC*n], n, ws)
	BiasActivation(s.OutC, n, bias, act, dst)
}

// BiasActivation applies x[r][j] = act(x[r][j] + bias[r]) to a rows x cols
// row-major matrix (NCHW: one row per channel). bias may be nil (no bias).
func BiasActivation(rows, cols int, bias []float32, act Activation, x []float32) {
	x = x[:rows*cols]
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		var b float32
		if bias != nil {
			b = bias[r]
		}
		switch {
		case act == ActReLU:
			reluBias(row, b)
		case b != 0:
			for j := range row {
				row[j] += b
			}
		}
	}
}

// reluBias sets x[j] = max(x[j]+b, 0).
func reluBias(x []float32, b float32) {
	if useAVX2 && len(x) >= 8 {
		n := len(x) &^ 7
		reluBiasAVX2(n/8, b, &x[0])
		x = x[n:]
	}
	for j, v := range x {
		v += b
		if v < 0 {
			v = 0
		}
		x[j] = v
	}
}

// ReLU sets dst[j] = max(src[j], 0) for j < len(src); NaN stays NaN. dst
// must be at least as long as src; dst and src may be the same slice but
// must not otherwise overlap.
func ReLU(dst, src []float32) {
	dst = dst[:len(src)]
	if useAVX2 && len(src) >= 8 {
		n := len(src) &^ 7
		reluAVX2(n/8, &src[0], &dst[0])
		src, dst = src[n:], dst[n:]
	}
	for j, v := range src {
		if v < 0 {
			v = 0
		}
		dst[j] = v
	}
}
