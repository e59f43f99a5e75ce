package inference

import (
	"fmt"
	"math"

	"github.com/gradewatch/gradewatch/inference/kernels"
)

func init() {
	ops["MaxPool"] = buildPool(true)
	ops["AveragePool"] = buildPool(false)
	ops["GlobalAveragePool"] = buildGlobalPool(false)
	ops["GlobalMaxPool"] = buildGlobalPool(true)
}

// buildPool plans MaxPool (with the optional Indices output and
// storage_order) and AveragePool (count_include_pad) over 1 to 3 spatial
// dimensions, with ceil_mode, dilations and automatic pads. Plain 2-D
// pooling uses the kernels package.
func buildPool(isMax bool) opBuilder {
	return func(c *nodeCtx) error {
		if x := c.input(0); isMax && x != nil && x.dt == dtInt && c.opset >= 12 {
			return buildMaxPoolInt(c, x)
		}
		x, err := c.needFloat(0)
		if err != nil {
			return err
		}
		if len(x.shape) < 3 {
			return fmt.Errorf("input shape %v must have rank 3 to 5", x.shape)
		}
		ceil, err := c.attrInt("ceil_mode", 0)
		if err != nil {
			return err
		}
		countPad, err := c.attrInt("count_include_pad", 0)
		if err != nil {
			return err
		}
		order, err := c.attrInt("storage_order", 0)
		if err != nil {
			return err
		}
		w, err := readWindow(c, x.shape, nil, ceil != 0)
		if err != nil {
			return err
		}
		n, ch := x.shape[0], x.shape[1]
		if err := c.work(n*ch*w.outSize(), w.taps()); err != nil {
			return err
		}
		y, err := c.newOut(0, w.outShape(n, ch))
		if err != nil {
			return err
		}
		var idx *value
		if isMax && c.wants(1) {
			if idx, err = c.newIntOut(1, w.outShape(n, ch)); err != nil {
				return err
			}
		}
		if w.spatial == 2 && idx == nil {
			s := kernels.PoolShape{C: n * ch, InH: w.in[1], InW: w.in[2], OutH: w.out[1], OutW: w.out[2],
				KH: w.k[1], KW: w.k[2], StrideH: w.stride[1], StrideW: w.stride[2], DilH: w.dil[1], DilW: w.dil[2],
				PadTop: w.padB[1], PadLeft: w.padB[2]}
			if err := s.Validate(); err != nil {
				return err
			}
			if isMax {
				c.run = func() error {
					kernels.MaxPool2D(s, x.f, y.f)
					return nil
				}
			} else {
				c.run = func() error {
					kernels.AveragePool2D(s, countPad != 0, w.padE[1], w.padE[2], x.f, y.f)
					return nil
				}
			}
			return nil
		}
		c.run = func() error {
			pool3(w, n*ch, isMax, countPad != 0, order != 0, x.f, y.f, idx)
			return nil
		}
		return nil
	}
}

// pool3 pools planes of a window3. For MaxPool, idx (if not nil) receives
// the flat index of each maximum in the input tensor, row-major, or with
// colMajor the spatial part in column-major order (storage_order=1).
func pool3(w window3, planes int, isMax, countPad, colMajor bool, src, dst []float32, idx *value) {
	in, out := w.inSize(), w.outSize()
	for p := 0; p < planes; p++ {
		plane := src[p*in : (p+1)*in]
		o := p * out
		for od := 0; od < w.out[0]; od++ {
			d0, d1 := w.range1(0, od)
			for oh := 0; oh < w.out[1]; oh++ {
				h0, h1 := w.range1(1, oh)
				for ow := 0; ow < w.out[2]; ow++ {
					w0, w1 := w.range1(2, ow)
					best := float32(math.Inf(-1))
					bestAt := -1
					var sum float32
					for kd := d0; kd < d1; kd++ {
						id := od*w.stride[0] - w.padB[0] + kd*w.dil[0]
						for kh := h0; kh < h1; kh++ {
							ih := oh*w.stride[1] - w.padB[1] + kh*w.dil[1]
							for kw := w0; kw < w1; kw++ {
								iw := ow*w.stride[2] - w.padB[2] + kw*w.dil[2]
								at := (id*w.in[1]+ih)*w.in[2] + iw
								v := plane[at]
								sum += v
								if v > best || bestAt < 0 || v != v {
									best, bestAt = v, at
								}
							}
						}
					}
					if isMax {
						dst[o] = best
						if idx != nil {
							at := bestAt
							if colMajor && bestAt >= 0 {
								iw := bestAt % w.in[2]
								ih := bestAt / w.in[2] % w.in[1]
								id := bestAt / (w.in[2] * w.in[1])
								at = (iw*w.in[1]+ih)*w.in[0] + id
							}
							idx.i[o] = int64(p*in + at)
						}
					} else {
						count := (d1 - d0) * (h1 - h0) * (w1 - w0)
						if countPad {
							count = w.padCount(0, od) * w.padCount(1, oh) * w.padCount(2, ow)
						}
						if count > 0 {
							dst[o] = sum / float32(count)
						} else {
							dst[o] = 0
						}
					}
					o++
				}
			}
		}
	}
}

// padCount returns the number of kernel taps of output o along dimension
// d inside the padded input (count_include_pad=1).
func (w window3) padCount(d, o int) int {
	start := o*w.stride[d] - w.padB[d] // never before -padB
	return min(max(ceilDiv(w.in[d]+w.padE[d]-start, w.dil[d]), 0), w.k[d])
}

func buildGlobalPool(isMax bool) opBuilder {
	return func(c *nodeCtx) error {
		x, err := c.needFloat(0)
		if err != nil {
			return err
		}
		if len(x.shape) < 3 {
			return fmt.Errorf("input shape %v must have rank 3 or more", x.shape)
		}
		out := append([]int(nil), x.shape...)
		for k := 2; k < len(out); k++ {
			out[k] = 1
		}
		y, err := c.newOut(0, out)
		if err != nil {
			return err
		}
		planes, area := x.shape[0]*x.shape[1], size(x.shape[2:])
		c.run = func() error {
			for p := 0; p < planes; p++ {
				row := x.f[p*area : (p+1)*area]
				if isMax {
					m := float32(math.Inf(-1))
					for _, v := range row {
						if v > m || v != v {
							m = v
						}
					}
					y.f[p] = m
				} else {
					var s float64
					for _, v := range row {
						s += float64(v)
					}
					y.f[p] = float32(s / float64(area))
				}
			}
			return nil
		}
		return nil
	}
}

// buildMaxPoolInt is MaxPool on 8-bit integer tensors (opset 12 and
// later): the values are pooled as float32, which holds every integer up
// to 2^24 exactly; larger values are refused at run time.
func buildMaxPoolInt(c *nodeCtx, x *value) error {
	if c.wants(1) {
		return fmt.Errorf("the Indices output of an integer MaxPool is not supported: %w", ErrUnsupportedOp)
	}
	fx := newFloat(x.name, x.shape)
	if err := c.checkAlloc(fx.size()); err != nil {
		return err
	}
	fx.konst = x.konst
	c.in[0] = fx
	if err := buildPool(true)(c); err != nil {
		return err
	}
	fy := c.out[0]
	y, err := c.newIntOut(0, fy.shape)
	if err != nil {
		return err
	}
	pool := c.run
	c.run = func() error {
		for k, v := range x.i {
			if v > 1<<24 || v < -(1<<24) {
				return fmt.Errorf("integer MaxPool input %d is too large to pool exactly", v)
			}
			fx.f[k] = float32(v)
		}
		if err := pool(); err != nil {
			return err
		}
		for k, v := range fy.f {
			y.i[k] = int64(v)
		}
		return nil
	}
	return nil
}
