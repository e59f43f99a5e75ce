package inference

import (
	"fmt"
	"slices"

	"github.com/gradewatch/gradewatch/inference/onnx"
)

func init() {
	ops["Identity"] = buildIdentity
	ops["Dropout"] = buildDropout
	ops["Reshape"] = buildReshape
	ops["Flatten"] = buildFlatten
	ops["Squeeze"] = buildSqueeze
	ops["Unsqueeze"] = buildUnsqueeze
	ops["Shape"] = buildShape
	ops["Constant"] = buildConstant
}

func buildIdentity(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	c.setOut(0, x.alias("", x.shape))
	return nil
}

// buildDropout is the identity at inference; the optional mask output is
// all true. Training mode (opset 12+) is refused when it would drop values.
func buildDropout(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	if c.opset < 7 {
		// The engine always behaves as is_test=1; the attribute is only
		// checked for its type.
		if _, err := c.attrInt("is_test", 0); err != nil {
			return err
		}
	}
	if t := c.input(2); t != nil {
		if !t.konst {
			return fmt.Errorf("training_mode input must be a constant: %w", errDynamic)
		}
		r := c.input(1)
		if tm := t.ints(); len(tm) == 1 && tm[0] != 0 {
			// Training mode drops random values, unless the ratio is 0.
			switch {
			case r == nil || r.dt != dtFloat || r.size() != 1 || (r.konst && r.f[0] != 0):
				return fmt.Errorf("training_mode is true with a ratio that is not 0, which drops random values; inference needs training_mode false: %w", ErrUnsupportedOp)
			case !r.konst:
				c.run = func() error {
					if r.f[0] != 0 {
						return fmt.Errorf("training_mode is true and ratio is %g, which drops random values; inference needs training_mode false or ratio 0: %w", r.f[0], ErrUnsupportedOp)
					}
					return nil
				}
			}
		}
	}
	c.setOut(0, x.alias("", x.shape))
	if c.wants(1) {
		m, err := c.newIntOut(1, x.shape)
		if err != nil {
			return err
		}
		for k := range m.i {
			m.i[k] = 1
		}
		m.konst = true
	}
	return nil
}

func buildReshape(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	var shape []int64
	if c.opset < 5 {
		var ok bool
		if shape, ok, err = c.attrInts("shape"); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("attribute shape is missing")
		}
	} else if shape, err = c.constInts(1); err != nil {
		return err
	}
	allowZero, err := c.attrInt("allowzero", 0)
	if err != nil {
		return err
	}
	out, err := reshapeDims(x.shape, shape, allowZero != 0)
	if n := c.p.rebatch; err != nil && n > 1 && len(shape) > 0 && shape[0] == 1 && len(x.shape) > 0 && x.shape[0] == n {
		// The graph fixes the batch at 1 ([1, 256] in mnist-8): keep
		// the plan's batch instead. Load checks the results.
		batched := append([]int64{int64(n)}, shape[1:]...)
		if o, err2 := reshapeDims(x.shape, batched, allowZero != 0); err2 == nil {
			out, err = o, nil
		}
	}
	if err != nil {
		return err
	}
	c.setOut(0, x.alias("", out))
	return nil
}

// reshapeDims resolves a Reshape target: 0 copies the input dimension
// (unless allowZero), -1 is inferred.
func reshapeDims(in []int, shape []int64, allowZero bool) ([]int, error) {
	out := make([]int, len(shape))
	infer := -1
	known := 1
	for k, d := range shape {
		switch {
		case d == 0 && !allowZero:
			if k >= len(in) {
				return nil, fmt.Errorf("shape %v copies dimension %d (0) but the input %v has rank %d", shape, k, in, len(in))
			}
			out[k] = in[k]
		case d == -1:
			if infer >= 0 {
				return nil, fmt.Errorf("shape %v has more than one -1", shape)
			}
			infer = k
			continue
		case d < 0 || d > maxPlanElements:
			return nil, fmt.Errorf("shape %v has invalid dimension %d", shape, d)
		default:
			out[k] = int(d)
		}
		known *= out[k]
		if known > maxPlanElements {
			return nil, fmt.Errorf("shape %v is too large", shape)
		}
	}
	n := size(in)
	if infer >= 0 {
		if known == 0 || n%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v", in, n, shape)
		}
		out[infer] = n / known
	}
	if size(out) != n {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v (%d elements)", in, n, shape, size(out))
	}
	return out, nil
}

func buildFlatten(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	axis, err := c.attrInt("axis", 1)
	if err != nil {
		return err
	}
	r := len(x.shape)
	if axis < 0 {
		axis += int64(r)
	}
	if axis < 0 || axis > int64(r) {
		return fmt.Errorf("attribute axis %d is out of range for rank %d", axis, r)
	}
	c.setOut(0, x.alias("", []int{size(x.shape[:axis]), size(x.shape[axis:])}))
	return nil
}

// axesArg reads axes from the attribute (before opset 13, or 18 for
// ReduceMean) or from input k.
func axesArg(c *nodeCtx, fromInput bool, k int) ([]int64, bool, error) {
	if !fromInput {
		return c.attrInts("axes")
	}
	if c.input(k) == nil {
		return nil, false, nil
	}
	a, err := c.constInts(k)
	return a, true, err
}

func buildSqueeze(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	axes, ok, err := axesArg(c, c.opset >= 13, 1)
	if err != nil {
		return err
	}
	drop := make([]bool, len(x.shape))
	if !ok {
		for k, d := range x.shape {
			drop[k] = d == 1
		}
	}
	for _, a := range axes {
		k, err := normAxis(a, len(x.shape))
		if err != nil {
			return err
		}
		if x.shape[k] != 1 {
			return fmt.Errorf("cannot squeeze axis %d of shape %v: its size is not 1", a, x.shape)
		}
		drop[k] = true
	}
	var out []int
	for k, d := range x.shape {
		if !drop[k] {
			out = append(out, d)
		}
	}
	c.setOut(0, x.alias("", out))
	return nil
}

func buildUnsqueeze(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	axes, ok, err := axesArg(c, c.opset >= 13, 1)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("axes are missing")
	}
	r := len(x.shape) + len(axes)
	if r > onnx.MaxRank {
		return fmt.Errorf("result rank %d exceeds %d", r, onnx.MaxRank)
	}
	ins := make([]bool, r)
	for _, a := range axes {
		k, err := normAxis(a, r)
		if err != nil {
			return err
		}
		if ins[k] {
			return fmt.Errorf("axes %v repeat axis %d", axes, a)
		}
		ins[k] = true
	}
	out := make([]int, 0, r)
	j := 0
	for k := 0; k < r; k++ {
		if ins[k] {
			out = append(out, 1)
		} else {
			out = append(out, x.shape[j])
			j++
		}
	}
	c.setOut(0, x.alias("", out))
	return nil
}

// buildShape produces the input's shape as a constant: shapes are fixed
// per plan, which lets shape subgraphs fold away.
func buildShape(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	r := int64(len(x.shape))
	start, err := c.attrInt("start", 0)
	if err != nil {
		return err
	}
	end, err := c.attrInt("end", r)
	if err != nil {
		return err
	}
	clamp := func(v int64) int64 {
		if v < 0 {
			v += r
		}
		return max(0, min(r, v))
	}
	start, end = clamp(start), clamp(end)
	end = max(end, start)
	o, err := c.newIntOut(0, []int{int(end - start)})
	if err != nil {
		return err
	}
	for k := start; k < end; k++ {
		o.i[k-start] = int64(x.shape[k])
	}
	o.konst = true
	return nil
}

func buildConstant(c *nodeCtx) error {
	for _, a := range c.node.Attrs {
		var v *value
		switch a.Name {
		case "value":
			if a.Type != onnx.AttrTensor || a.T == nil {
				return fmt.Errorf("attribute value must be a tensor")
			}
			t, err := valueOfTensor(a.T)
			if err != nil {
				return fmt.Errorf("attribute value: %w", err)
			}
			v = t.alias("", t.shape)
		case "value_float":
			v = floatFrom("", nil, []float32{a.F})
		case "value_floats":
			v = floatFrom("", []int{len(a.Floats)}, slices.Clone(a.Floats))
		case "value_int":
			v = &value{dt: dtInt, shape: nil, i: []int64{a.I}}
		case "value_ints":
			v = &value{dt: dtInt, shape: []int{len(a.Ints)}, i: slices.Clone(a.Ints)}
		default:
			return fmt.Errorf("attribute %q is not supported: %w", a.Name, ErrUnsupportedOp)
		}
		v.konst = true
		c.setOut(0, v)
		return nil
	}
	return fmt.Errorf("no value attribute")
}
