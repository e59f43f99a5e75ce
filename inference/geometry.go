package inference

import (
	"fmt"

	"github.com/gradewatch/gradewatch/inference/kernels"
)

// window3 is the geometry of a convolution or pooling window over up to
// three spatial dimensions. 1-D and 2-D cases are stored as 3-D with
// leading dimensions of size 1, so that one implementation covers all.
type window3 struct {
	in, out, k, stride, dil, padB, padE [3]int
	spatial                             int // 1, 2 or 3
}

// readWindow reads kernel_shape (or uses kernel when given), strides,
// dilations, pads and auto_pad for an input of shape [N, C, spatial...],
// computing output sizes with ceil rounding when ceil is set.
func readWindow(c *nodeCtx, x []int, kernel []int, ceil bool) (window3, error) {
	var w window3
	sp := len(x) - 2
	if sp < 1 || sp > 3 {
		return w, fmt.Errorf("input shape %v has %d spatial dimensions; 1 to 3 are supported", x, sp)
	}
	w.spatial = sp
	ints := func(name string, def int) ([]int, error) {
		a, ok, err := c.attrInts(name)
		if err != nil {
			return nil, err
		}
		out := make([]int, sp)
		for k := range out {
			out[k] = def
		}
		if ok {
			if len(a) != sp {
				return nil, fmt.Errorf("attribute %s %v has %d values; the input has %d spatial dimensions", name, a, len(a), sp)
			}
			for k, v := range a {
				if v < 0 || v > 1<<20 {
					return nil, fmt.Errorf("attribute %s %v has an invalid value %d", name, a, v)
				}
				out[k] = int(v)
			}
		}
		return out, nil
	}
	ks, err := ints("kernel_shape", 0)
	if err != nil {
		return w, err
	}
	if kernel != nil {
		for k := range ks {
			if ks[k] != 0 && ks[k] != kernel[k] {
				return w, fmt.Errorf("attribute kernel_shape %v does not match the weights %v", ks, kernel)
			}
			ks[k] = kernel[k]
		}
	}
	st, err := ints("strides", 1)
	if err != nil {
		return w, err
	}
	dil, err := ints("dilations", 1)
	if err != nil {
		return w, err
	}
	pa, ok, err := c.attrInts("pads")
	if err != nil {
		return w, err
	}
	if ok && len(pa) != 2*sp {
		return w, fmt.Errorf("attribute pads %v has %d values; want %d", pa, len(pa), 2*sp)
	}
	autoPad, err := c.attrString("auto_pad", "NOTSET")
	if err != nil {
		return w, err
	}
	off := 3 - sp
	for k := 0; k < 3; k++ {
		w.in[k], w.out[k], w.k[k], w.stride[k], w.dil[k] = 1, 1, 1, 1, 1
	}
	for k := 0; k < sp; k++ {
		d := k + off
		w.in[d], w.k[d], w.stride[d], w.dil[d] = x[2+k], ks[k], st[k], dil[k]
		if w.k[d] <= 0 {
			return w, fmt.Errorf("attribute kernel_shape is missing or not positive: %v", ks)
		}
		if w.stride[d] == 0 || w.dil[d] == 0 {
			return w, fmt.Errorf("strides %v and dilations %v must be positive", st, dil)
		}
		if ok {
			w.padB[d], w.padE[d] = int(pa[k]), int(pa[sp+k])
			if pa[k] < 0 || pa[sp+k] < 0 || pa[k] > 1<<20 || pa[sp+k] > 1<<20 {
				return w, fmt.Errorf("attribute pads %v must be small and not negative", pa)
			}
		}
		ext := w.dil[d]*(w.k[d]-1) + 1
		switch autoPad {
		case "NOTSET", "":
			w.out[d] = kernels.PoolOutSize(w.in[d], w.k[d], w.stride[d], w.dil[d], w.padB[d], w.padE[d], ceil)
		case "VALID":
			w.padB[d], w.padE[d] = 0, 0
			w.out[d] = kernels.PoolOutSize(w.in[d], w.k[d], w.stride[d], w.dil[d], 0, 0, false)
		case "SAME_UPPER", "SAME_LOWER":
			w.out[d] = (w.in[d] + w.stride[d] - 1) / w.stride[d]
			total := max(0, (w.out[d]-1)*w.stride[d]+ext-w.in[d])
			w.padB[d] = total / 2
			if autoPad == "SAME_LOWER" {
				w.padB[d] = total - total/2
			}
			w.padE[d] = total - w.padB[d]
		default:
			return w, fmt.Errorf("attribute auto_pad %q must be NOTSET, SAME_UPPER, SAME_LOWER or VALID", autoPad)
		}
		if w.out[d] <= 0 {
			return w, fmt.Errorf("window %v (dilations %v, pads %v) is larger than the input %v", ks, dil, pa, x)
		}
	}
	return w, nil
}

// outShape returns [n, ch, spatial outputs...].
func (w window3) outShape(n, ch int) []int {
	s := []int{n, ch}
	return append(s, w.out[3-w.spatial:]...)
}

func (w window3) inSize() int  { return w.in[0] * w.in[1] * w.in[2] }
func (w window3) outSize() int { return w.out[0] * w.out[1] * w.out[2] }
func (w window3) kSize() int   { return w.k[0] * w.k[1] * w.k[2] }

// range1 returns the kernel taps [lo, hi) of output position o along
// dimension d that fall inside the input.
func (w window3) range1(d, o int) (int, int) {
	start := o*w.stride[d] - w.padB[d]
	lo := min(max(ceilDiv(-start, w.dil[d]), 0), w.k[d])
	hi := min(max(ceilDiv(w.in[d]-start, w.dil[d]), lo), w.k[d])
	return lo, hi
}

// ceilDiv returns ceil(a/b) for b > 0 and any sign of a.
func ceilDiv(a, b int) int {
	if a >= 0 {
		return (a + b - 1) / b
	}
	return -((-a) / b)
}

// taps returns the number of kernel positions of the whole window, the
// work of one output element.
func (w window3) taps() int { return w.k[0] * w.k[1] * w.k[2] }

// im2col3 writes the im2col matrix of one image's channels: row
// ((c*KD+kd)*KH+kh)*KW+kw, column (od*OH+oh)*OW+ow, zero in the padding.
func im2col3(w window3, ch int, src, col []float32) {
	cols := w.outSize()
	r := 0
	for c := 0; c < ch; c++ {
		plane := src[c*w.inSize():]
		for kd := 0; kd < w.k[0]; kd++ {
			for kh := 0; kh < w.k[1]; kh++ {
				for kw := 0; kw < w.k[2]; kw++ {
					dst := col[r*cols : (r+1)*cols]
					r++
					o := 0
					for od := 0; od < w.out[0]; od++ {
						id := od*w.stride[0] - w.padB[0] + kd*w.dil[0]
						for oh := 0; oh < w.out[1]; oh++ {
							ih := oh*w.stride[1] - w.padB[1] + kh*w.dil[1]
							for ow := 0; ow < w.out[2]; ow++ {
								iw := ow*w.stride[2] - w.padB[2] + kw*w.dil[2]
								if id < 0 || id >= w.in[0] || ih < 0 || ih >= w.in[1] || iw < 0 || iw >= w.in[2] {
									dst[o] = 0
								} else {
									dst[o] = plane[(id*w.in[1]+ih)*w.in[2]+iw]
								}
								o++
							}
						}
					}
				}
			}
		}
	}
}
