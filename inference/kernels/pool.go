package kernels

import (
	"fmt"
	"math"
)

// PoolShape describes 2-D pooling of one image in NCHW layout: src is
// [C][InH][InW], dst [C][OutH][OutW]. OutH and OutW are given by the caller
// (they depend on ONNX's ceil_mode; see PoolOutSize). Output (oh, ow) covers
// input rows oh*StrideH-PadTop+kh*DilH for kh < KH, and likewise columns;
// positions outside the input are padding. Strides and dilations of 0 mean 1.
type PoolShape struct {
	C, InH, InW      int
	OutH, OutW       int
	KH, KW           int
	StrideH, StrideW int
	DilH, DilW       int
	PadTop, PadLeft  int
}

// PoolOutSize returns the pooled length of an input of length in with the
// given kernel, stride, dilation and total padding (both sides), rounding
// down or, with ceilMode, up as ONNX does (a window that starts in the
// right padding is dropped).
func PoolOutSize(in, kernel, stride, dilation, padBegin, padEnd int, ceilMode bool) int {
	stride, dilation = one(stride), one(dilation)
	span := in + padBegin + padEnd - (dilation*(kernel-1) + 1)
	if span < 0 {
		return 0
	}
	out := span/stride + 1
	if ceilMode {
		out = ceilDiv(span, stride) + 1
		if (out-1)*stride >= in+padBegin {
			out--
		}
	}
	return out
}

// Validate reports whether the shape is runnable.
func (s PoolShape) Validate() error {
	if s.C <= 0 || s.InH <= 0 || s.InW <= 0 || s.OutH <= 0 || s.OutW <= 0 || s.KH <= 0 || s.KW <= 0 ||
		s.StrideH < 0 || s.StrideW < 0 || s.DilH < 0 || s.DilW < 0 || s.PadTop < 0 || s.PadLeft < 0 {
		return fmt.Errorf("%w: pool sizes must be positive and pads, strides, dilations not negative: %+v", ErrBadShape, s)
	}
	return nil
}

// window returns the valid kernel index range [lo, hi) of output position o
// along one axis.
func window(o, stride, pad, dil, k, in int) (lo, hi int) {
	start := o*stride - pad
	if dil == 1 { // no division: most pools are undilated
		lo = max(-start, 0)
		hi = min(k, in-start)
		return lo, max(hi, lo)
	}
	lo = max(ceilDiv(-start, dil), 0)
	hi = min(k, ceilDiv(in-start, dil))
	return lo, max(hi, lo)
}

// MaxPool2D sets each output to the maximum of its window's input values;
// padding never wins. A window entirely in the padding gives -Inf. NaN
// inputs propagate. It does not allocate.
func MaxPool2D(s PoolShape, src, dst []float32) {
	sh, sw, dh, dw := one(s.StrideH), one(s.StrideW), one(s.DilH), one(s.DilW)
	src = src[:s.C*s.InH*s.InW]
	dst = dst[:s.C*s.OutH*s.OutW]
	if s.KH == 2 && s.KW == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1 && s.PadTop == 0 && s.PadLeft == 0 &&
		2*s.OutH <= s.InH && 2*s.OutW <= s.InW {
		maxPool2x2(s, src, dst)
		return
	}
	negInf := float32(math.Inf(-1))
	for c := 0; c < s.C; c++ {
		plane := src[c*s.InH*s.InW : (c+1)*s.InH*s.InW]
		out := dst[c*s.OutH*s.OutW : (c+1)*s.OutH*s.OutW]
		for y := 0; y < s.OutH; y++ {
			khLo, khHi := window(y, sh, s.PadTop, dh, s.KH, s.InH)
			for x := 0; x < s.OutW; x++ {
				kwLo, kwHi := window(x, sw, s.PadLeft, dw, s.KW, s.InW)
				m := negInf
				for kh := khLo; kh < khHi; kh++ {
					row := plane[(y*sh-s.PadTop+kh*dh)*s.InW:]
					for kw := kwLo; kw < kwHi; kw++ {
						m = max(m, row[x*sw-s.PadLeft+kw*dw])
					}
				}
				out[y*s.OutW+x] = m
			}
		}
	}
}

// maxPool2x2 is MaxPool2D for the common 2x2 window, stride 2, no padding,
// fully inside the input.
func maxPool2x2(s PoolShape, src, dst []float32) {
	for c := 0; c < s.C; c++ {
		plane := src[c*s.InH*s.InW : (c+1)*s.InH*s.InW]
		out := dst[c*s.OutH*s.OutW : (c+1)*s.OutH*s.OutW]
		if useAVX2 {
			// The last output reads plane[(2*OutH-1)*InW + 2*OutW-1].
			_ = plane[(2*s.OutH-1)*s.InW+2*s.OutW-1]
			maxPool2x2AVX2(s.OutH, s.OutW, &plane[0], s.InW, &out[0])
			continue
		}
		for y := 0; y < s.OutH; y++ {
			r0 := plane[2*y*s.InW : 2*y*s.InW+2*s.OutW]
			r1 := plane[(2*y+1)*s.InW : (2*y+1)*s.InW+2*s.OutW]
			o := out[y*s.OutW : (y+1)*s.OutW]
			r0 = r0[:2*len(o)]
			r1 = r1[:2*len(o)]
			for x := range o {
				// The builtin max is branch-free and propagates NaN; a
				// compare-and-branch mispredicts on half of random inputs.
				o[x] = max(r0[2*x], r0[2*x+1], r1[2*x], r1[2*x+1])
			}
		}
	}
}

// max32 returns the larger of a and b, or NaN if either is NaN.
func max32(a, b float32) float32 {
	return max(a, b)
}

// AveragePool2D sets each output to the mean of its window. With
// countPad the divisor is the window size clipped to the padded input
// (ONNX count_include_pad=1, padding counts as zeros, given padBottom and
// padRight); otherwise it is the number of input values in the window.
// It does not allocate.
func AveragePool2D(s PoolShape, countPad bool, padBottom, padRight int, src, dst []float32) {
	sh, sw, dh, dw := one(s.StrideH), one(s.StrideW), one(s.DilH), one(s.DilW)
	src = src[:s.C*s.InH*s.InW]
	dst = dst[:s.C*s.OutH*s.OutW]
	for c := 0; c < s.C; c++ {
		plane := src[c*s.InH*s.InW : (c+1)*s.InH*s.InW]
		out := dst[c*s.OutH*s.OutW : (c+1)*s.OutH*s.OutW]
		for y := 0; y < s.OutH; y++ {
			khLo, khHi := window(y, sh, s.PadTop, dh, s.KH, s.InH)
			for x := 0; x < s.OutW; x++ {
				kwLo, kwHi := window(x, sw, s.PadLeft, dw, s.KW, s.InW)
				var sum float32
				for kh := khLo; kh < khHi; kh++ {
					row := plane[(y*sh-s.PadTop+kh*dh)*s.InW:]
					for kw := kwLo; kw < kwHi; kw++ {
						sum += row[x*sw-s.PadLeft+kw*dw]
					}
				}
				count := (khHi - khLo) * (kwHi - kwLo)
				if countPad {
					count = padCount(y, sh, s.PadTop, dh, s.KH, s.InH+padBottom) *
						padCount(x, sw, s.PadLeft, dw, s.KW, s.InW+padRight)
				}
				if count == 0 {
					out[y*s.OutW+x] = 0
					continue
				}
				out[y*s.OutW+x] = sum / float32(count)
			}
		}
	}
}

// padCount returns how many kernel taps of output o fall inside the padded
// input, which runs from -pad to end (exclusive) in input coordinates.
func padCount(o, stride, pad, dil, k, end int) int {
	start := o * stride // in padded coordinates, where the input starts at pad
	n := 0
	for t := 0; t < k; t++ {
		if p := start + t*dil; p < pad+end {
			n++
		}
	}
	return n
}
