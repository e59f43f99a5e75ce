package inference

import (
	"fmt"
	"math"

	"github.com/gradewatch/gradewatch/inference/kernels"
	"github.com/gradewatch/gradewatch/inference/onnx"
)

func init() {
	ops["BatchNormalization"] = buildBatchNorm
	ops["Softmax"] = buildSoftmax(false)
	ops["LogSoftmax"] = buildSoftmax(true)
	ops["ReduceMean"] = buildReduceMean
	ops["ArgMax"] = buildArgMax
}

// buildBatchNorm plans inference-mode BatchNormalization:
// y = (x - mean) / sqrt(var + epsilon) * scale + B per channel, or per
// activation for spatial=0 (opsets before 9).
func buildBatchNorm(c *nodeCtx) error {
	x, err := c.needFloat(0)
	if err != nil {
		return err
	}
	params := make([]*value, 4)
	for k := range params {
		if params[k], err = c.needFloat(k + 1); err != nil {
			return err
		}
	}
	eps, err := c.attrFloat("epsilon", 1e-5)
	if err != nil {
		return err
	}
	if tm, err := c.attrInt("training_mode", 0); err != nil || tm != 0 {
		if err == nil {
			err = fmt.Errorf("training_mode=1 is not supported, the engine only runs inference: %w", ErrUnsupportedOp)
		}
		return err
	}
	for k := 1; k < len(c.node.Outputs); k++ {
		if c.wants(k) {
			return fmt.Errorf("output %d (running statistics, training only) is not supported: %w", k, ErrUnsupportedOp)
		}
	}
	spatial, err := c.attrInt("spatial", 1)
	if err != nil {
		return err
	}
	if len(x.shape) < 2 {
		return fmt.Errorf("input shape %v must have rank 2 or more", x.shape)
	}
	n, ch := x.shape[0], x.shape[1]
	per := size(x.shape[1:]) // values per image
	inner := size(x.shape[2:])
	channels := ch
	if spatial == 0 && c.opset < 9 {
		channels, inner = per, 1
	}
	for k, p := range params {
		if p.size() != channels {
			return fmt.Errorf("input %d has %d values; want %d", k+1, p.size(), channels)
		}
	}
	y, err := c.newOut(0, x.shape)
	if err != nil {
		return err
	}
	coef, err := c.scratch(2 * channels)
	if err != nil {
		return err
	}
	mul, add := coef[:channels], coef[channels:]
	c.run = func() error {
		scale, bias, mean, vr := params[0].f, params[1].f, params[2].f, params[3].f
		for j := 0; j < channels; j++ {
			mul[j] = scale[j] / float32(math.Sqrt(float64(vr[j])+float64(eps)))
			add[j] = bias[j] - mean[j]*mul[j]
		}
		for i := 0; i < n; i++ {
			for j := 0; j < channels; j++ {
				off := i*per + j*inner
				src, dst := x.f[off:off+inner], y.f[off:off+inner]
				a, b := mul[j], add[j]
				for t, v := range src {
					dst[t] = v*a + b
				}
			}
		}
		return nil
	}
	return nil
}

// buildSoftmax plans Softmax and LogSoftmax: before opset 13 the input is
// coerced to 2-D at axis (default 1); from 13 the operation runs along
// one axis (default -1).
func buildSoftmax(isLog bool) opBuilder {
	return func(c *nodeCtx) error {
		x, err := c.needFloat(0)
		if err != nil {
			return err
		}
		r := len(x.shape)
		def := int64(-1)
		if c.opset < 13 {
			def = 1
		}
		axis, err := c.attrInt("axis", def)
		if err != nil {
			return err
		}
		if r == 0 {
			return fmt.Errorf("input must not be a scalar")
		}
		a, err := normAxis(axis, r)
		if err != nil {
			return err
		}
		outer, n, inner := size(x.shape[:a]), x.shape[a], size(x.shape[a+1:])
		if c.opset < 13 {
			n, inner = size(x.shape[a:]), 1
		}
		y, err := c.newOut(0, x.shape)
		if err != nil {
			return err
		}
		var tmp []float32
		if inner > 1 {
			if tmp, err = c.scratch(n); err != nil {
				return err
			}
		}
		c.run = func() error {
			if len(y.f) == 0 {
				return nil
			}
			if inner == 1 && !isLog {
				copy(y.f, x.f)
				kernels.Softmax(outer, n, y.f)
				return nil
			}
			for o := 0; o < outer; o++ {
				for i := 0; i < inner; i++ {
					base := o*n*inner + i
					row := y.f[base : base+(n-1)*inner+1]
					if inner == 1 {
						copy(row, x.f[base:base+n])
						softmaxRow(row, isLog)
						continue
					}
					for j := 0; j < n; j++ {
						tmp[j] = x.f[base+j*inner]
					}
					softmaxRow(tmp, isLog)
					for j := 0; j < n; j++ {
						y.f[base+j*inner] = tmp[j]
					}
				}
			}
			return nil
		}
		return nil
	}
}

func softmaxRow(x []float32, isLog bool) {
	if !isLog {
		softmaxInPlace(x)
		return
	}
	mx := float32(math.Inf(-1))
	for _, v := range x {
		mx = max(mx, v)
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(float64(v - mx))
	}
	ls := float32(math.Log(sum))
	for k, v := range x {
		x[k] = v - mx - ls
	}
}

// reduceAxes resolves the axes to reduce: all when none are given.
func reduceAxes(axes []int64, given bool, r int) ([]bool, error) {
	red := make([]bool, r)
	if !given || len(axes) == 0 {
		for k := range red {
			red[k] = true
		}
		return red, nil
	}
	for _, a := range axes {
		k, err := normAxis(a, r)
		if err != nil {
			return nil, err
		}
		red[k] = true
	}
	return red, nil
}

// buildReduceMean plans ReduceMean with axes as an attribute (before
// opset 18) or an input, keepdims and noop_with_empty_axes.
func buildReduceMean(c *nodeCtx) error {
	x, err := c.needFloat(0)
	if err != nil {
		return err
	}
	axes, given, err := axesArg(c, c.opset >= 18, 1)
	if err != nil {
		return err
	}
	keep, err := c.attrInt("keepdims", 1)
	if err != nil {
		return err
	}
	noop, err := c.attrInt("noop_with_empty_axes", 0)
	if err != nil {
		return err
	}
	if noop != 0 && len(axes) == 0 {
		c.setOut(0, x.alias("", x.shape))
		return nil
	}
	r := len(x.shape)
	red, err := reduceAxes(axes, given, r)
	if err != nil {
		return err
	}
	var out, kept []int
	count := 1
	for k, d := range x.shape {
		if red[k] {
			count *= d
			kept = append(kept, 1)
			if keep != 0 {
				out = append(out, 1)
			}
		} else {
			kept = append(kept, d)
			out = append(out, d)
		}
	}
	y, err := c.newOut(0, out)
	if err != nil {
		return err
	}
	acc := make([]float64, y.size())
	if err := c.checkAlloc(2 * len(acc)); err != nil {
		return err
	}
	// Map every input element to its output through strides that are 0
	// along reduced axes.
	ost := strides(kept)
	for k := range ost {
		if red[k] {
			ost[k] = 0
		}
	}
	c.run = func() error {
		clear(acc)
		if len(x.f) > 0 {
			var idx [onnx.MaxRank]int
			o := 0
			for _, v := range x.f {
				acc[o] += float64(v)
				for k := r - 1; k >= 0; k-- {
					idx[k]++
					o += ost[k]
					if idx[k] < x.shape[k] {
						break
					}
					o -= ost[k] * x.shape[k]
					idx[k] = 0
				}
			}
		}
		for k := range acc {
			y.f[k] = float32(acc[k] / float64(count))
		}
		return nil
	}
	return nil
}

func buildArgMax(c *nodeCtx) error {
	x, err := c.needFloat(0)
	if err != nil {
		return err
	}
	axis, err := c.attrInt("axis", 0)
	if err != nil {
		return err
	}
	keep, err := c.attrInt("keepdims", 1)
	if err != nil {
		return err
	}
	last, err := c.attrInt("select_last_index", 0)
	if err != nil {
		return err
	}
	a, err := normAxis(axis, len(x.shape))
	if err != nil {
		return err
	}
	out := append([]int(nil), x.shape[:a]...)
	if keep != 0 {
		out = append(out, 1)
	}
	out = append(out, x.shape[a+1:]...)
	outer, n, inner := size(x.shape[:a]), x.shape[a], size(x.shape[a+1:])
	if n == 0 {
		return fmt.Errorf("cannot take ArgMax over an empty axis")
	}
	y, err := c.newIntOut(0, out)
	if err != nil {
		return err
	}
	c.run = func() error {
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				base := o*n*inner + i
				best, at := x.f[base], 0
				for j := 1; j < n; j++ {
					v := x.f[base+j*inner]
					if v > best || (last != 0 && v == best) {
						best, at = v, j
					}
				}
				y.i[o*inner+i] = int64(at)
			}
		}
		return nil
	}
	return nil
}
