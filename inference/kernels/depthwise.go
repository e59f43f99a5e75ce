package kernels

import "fmt"

// DepthwiseConv2D computes a depthwise convolution of one image (ONNX Conv
// with group == channels and one output channel per group): InC must equal
// OutC, w is laid out [C][1][KH][KW], bias has C values or is nil, src is
// [C][InH][InW] and dst [C][OutH][OutW]. It runs directly, without im2col,
// and does not allocate. Mismatched slices are a programming error and
// panic; check the shape once with Validate.
func DepthwiseConv2D(s ConvShape, w, bias []float32, act Activation, src, dst []float32) {
	if s.InC != s.OutC {
		panic(fmt.Sprintf("kernels: depthwise conv needs InC == OutC, got %d and %d", s.InC, s.OutC))
	}
	oh, ow := s.OutH(), s.OutW()
	sh, sw, dh, dw := one(s.StrideH), one(s.StrideW), one(s.DilH), one(s.DilW)
	src = src[:s.InC*s.InH*s.InW]
	dst = dst[:s.OutC*oh*ow]
	w = w[:s.InC*s.KH*s.KW]
	for c := 0; c < s.InC; c++ {
		plane := src[c*s.InH*s.InW : (c+1)*s.InH*s.InW]
		out := dst[c*oh*ow : (c+1)*oh*ow]
		var b float32
		if bias != nil {
			b = bias[c]
		}
		for i := range out {
			out[i] = b
		}
		for kh := 0; kh < s.KH; kh++ {
			for kw := 0; kw < s.KW; kw++ {
				wv := w[(c*s.KH+kh)*s.KW+kw]
				x0 := kw*dw - s.PadLeft
				lo := min(max(ceilDiv(-x0, sw), 0), ow)
				hi := max(min(ow, ceilDiv(s.InW-x0, sw)), lo)
				if lo == hi {
					continue // this tap only ever reads padding
				}
				for y := 0; y < oh; y++ {
					iy := y*sh - s.PadTop + kh*dh
					if iy < 0 || iy >= s.InH {
						continue
					}
					in := plane[iy*s.InW : (iy+1)*s.InW]
					o := out[y*ow+lo : y*ow+hi]
					if sw == 1 {
						seg := in[x0+lo : x0+hi]
						for x := range o {
							o[x] += wv * seg[x]
						}
						continue
					}
					for x := range o {
						o[x] += wv * in[(lo+x)*sw+x0]
					}
				}
			}
		}
		if act == ActReLU {
			reluBias(out, 0)
		}
	}
}
