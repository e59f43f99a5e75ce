package inference

import (
	"fmt"

	"github.com/gradewatch/gradewatch/inference/onnx"
)

func init() {
	ops["Gather"] = buildGather
	ops["Concat"] = buildConcat
	ops["Transpose"] = buildTranspose
	ops["Pad"] = buildPad
}

func buildGather(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	idx, err := c.need(1)
	if err != nil {
		return err
	}
	if idx.dt != dtInt {
		return fmt.Errorf("indices must be integers; got %s", idx.dt)
	}
	axis, err := c.attrInt("axis", 0)
	if err != nil {
		return err
	}
	if len(x.shape) == 0 {
		return fmt.Errorf("cannot gather from a scalar")
	}
	a, err := normAxis(axis, len(x.shape))
	if err != nil {
		return err
	}
	out := append(append(append([]int{}, x.shape[:a]...), idx.shape...), x.shape[a+1:]...)
	outer, n, inner := size(x.shape[:a]), x.shape[a], size(x.shape[a+1:])
	o, err := c.newOutOf(x.dt, 0, out)
	if err != nil {
		return err
	}
	c.run = func() error {
		m := len(idx.i)
		for j, v := range idx.i {
			if v < -int64(n) || v >= int64(n) {
				return fmt.Errorf("index %d is out of range for axis %d of size %d", v, a, n)
			}
			if v < 0 {
				v += int64(n)
			}
			for p := 0; p < outer; p++ {
				src := (p*n + int(v)) * inner
				dst := (p*m + j) * inner
				if x.dt == dtFloat {
					copy(o.f[dst:dst+inner], x.f[src:src+inner])
				} else {
					copy(o.i[dst:dst+inner], x.i[src:src+inner])
				}
			}
		}
		return nil
	}
	return nil
}

func buildConcat(c *nodeCtx) error {
	if len(c.in) == 0 {
		return fmt.Errorf("Concat needs at least one input")
	}
	first, err := c.need(0)
	if err != nil {
		return err
	}
	def := int64(1)
	if c.opset >= 4 {
		def = 1 << 40 // required: absent is an error below
	}
	axis, err := c.attrInt("axis", def)
	if err != nil {
		return err
	}
	if axis == 1<<40 {
		return fmt.Errorf("attribute axis is missing")
	}
	r := len(first.shape)
	a, err := normAxis(axis, r)
	if err != nil {
		return err
	}
	out := append([]int(nil), first.shape...)
	out[a] = 0
	ins := make([]*value, len(c.in))
	for k := range c.in {
		v, err := c.need(k)
		if err != nil {
			return err
		}
		if v.dt != first.dt || len(v.shape) != r {
			return fmt.Errorf("input %d is %s %v; want %s of rank %d like input 0", k, v.dt, v.shape, first.dt, r)
		}
		for d := range v.shape {
			if d != a && v.shape[d] != first.shape[d] {
				return fmt.Errorf("input %d shape %v does not match input 0 shape %v outside axis %d", k, v.shape, first.shape, a)
			}
		}
		out[a] += v.shape[a]
		ins[k] = v
	}
	o, err := c.newOutOf(first.dt, 0, out)
	if err != nil {
		return err
	}
	outer, inner := size(out[:a]), size(out[a+1:])
	c.run = func() error {
		off := 0
		for p := 0; p < outer; p++ {
			for _, v := range ins {
				n := v.shape[a] * inner
				if v.dt == dtFloat {
					copy(o.f[off:off+n], v.f[p*n:(p+1)*n])
				} else {
					copy(o.i[off:off+n], v.i[p*n:(p+1)*n])
				}
				off += n
			}
		}
		return nil
	}
	return nil
}

func buildTranspose(c *nodeCtx) error {
	x, err := c.need(0)
	if err != nil {
		return err
	}
	r := len(x.shape)
	perm, ok, err := c.attrInts("perm")
	if err != nil {
		return err
	}
	if !ok {
		for k := r - 1; k >= 0; k-- {
			perm = append(perm, int64(k))
		}
	}
	if len(perm) != r {
		return fmt.Errorf("attribute perm %v has %d entries; the input has rank %d", perm, len(perm), r)
	}
	seen := make([]bool, r)
	out := make([]int, r)
	st := strides(x.shape)
	src := make([]int, r) // input stride for each output dimension
	for k, p := range perm {
		if p < 0 || p >= int64(r) || seen[p] {
			return fmt.Errorf("attribute perm %v is not a permutation of 0..%d", perm, r-1)
		}
		seen[p] = true
		out[k], src[k] = x.shape[p], st[p]
	}
	// When only dimensions of size 1 move (NHWC to NCHW of a grey image,
	// say) the data order is unchanged: alias instead of copying.
	last, moves := int64(-1), false
	for _, p := range perm {
		if x.shape[p] == 1 {
			continue
		}
		if p < last {
			moves = true
		}
		last = p
	}
	if !moves {
		c.setOut(0, x.alias("", out))
		return nil
	}
	o, err := c.newOutOf(x.dt, 0, out)
	if err != nil {
		return err
	}
	c.run = func() error {
		if x.dt == dtFloat {
			transpose(o.f, x.f, out, src)
		} else {
			transpose(o.i, x.i, out, src)
		}
		return nil
	}
	return nil
}

// transpose writes dst (shape out, row-major) from src, where src[k] is the
// input stride of output dimension k.
func transpose[T float32 | int64](dst, x []T, out, src []int) {
	if len(dst) == 0 {
		return
	}
	r := len(out)
	if r == 0 {
		dst[0] = x[0]
		return
	}
	var idx [onnx.MaxRank]int
	n, s := out[r-1], src[r-1]
	in, o := 0, 0
	for {
		for j := 0; j < n; j++ {
			dst[o+j] = x[in+j*s]
		}
		o += n
		k := r - 2
		for ; k >= 0; k-- {
			idx[k]++
			in += src[k]
			if idx[k] < out[k] {
				break
			}
			in -= src[k] * out[k]
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// buildPad supports mode "constant" in all its forms: attribute paddings
// (opset 1), attributes pads and value (opsets 2 to 10), inputs pads,
// constant_value and axes (opset 11 and later). Negative pads crop.
func buildPad(c *nodeCtx) error {
	x, err := c.needFloat(0)
	if err != nil {
		return err
	}
	r := len(x.shape)
	mode, err := c.attrString("mode", "constant")
	if err != nil {
		return err
	}
	if mode != "constant" {
		return fmt.Errorf("mode %q: only constant padding is supported: %w", mode, ErrUnsupportedOp)
	}
	var pads []int64
	var val float32
	var valV *value
	if c.opset < 11 {
		name := "pads"
		if c.opset < 2 {
			name = "paddings"
		}
		var ok bool
		if pads, ok, err = c.attrInts(name); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("attribute %s is missing", name)
		}
		if val, err = c.attrFloat("value", 0); err != nil {
			return err
		}
	} else {
		if pads, err = c.constInts(1); err != nil {
			return err
		}
		if v := c.input(2); v != nil {
			if v.dt != dtFloat || v.size() != 1 {
				return fmt.Errorf("constant_value must be a float scalar")
			}
			valV = v
		}
		if c.input(3) != nil {
			axes, err := c.constInts(3)
			if err != nil {
				return err
			}
			if len(pads) != 2*len(axes) {
				return fmt.Errorf("pads has %d values for %d axes; want %d", len(pads), len(axes), 2*len(axes))
			}
			full := make([]int64, 2*r)
			for k, a := range axes {
				d, err := normAxis(a, r)
				if err != nil {
					return err
				}
				full[d], full[r+d] = pads[k], pads[len(axes)+k]
			}
			pads = full
		}
	}
	if len(pads) != 2*r {
		return fmt.Errorf("pads %v has %d values; want %d for rank %d", pads, len(pads), 2*r, r)
	}
	out := make([]int, r)
	before := make([]int, r)
	for k := range out {
		before[k] = int(pads[k])
		out[k] = x.shape[k] + int(pads[k]) + int(pads[r+k])
		if out[k] < 0 || pads[k] > maxPlanElements || pads[r+k] > maxPlanElements {
			return fmt.Errorf("pads %v give a negative or huge dimension for shape %v", pads, x.shape)
		}
	}
	o, err := c.newOut(0, out)
	if err != nil {
		return err
	}
	c.run = func() error {
		v := val
		if valV != nil {
			v = valV.f[0]
		}
		padConstant(o.f, out, x.f, x.shape, before, v)
		return nil
	}
	return nil
}

func padConstant(dst []float32, out []int, x []float32, in []int, before []int, val float32) {
	for k := range dst {
		dst[k] = val
	}
	r := len(in)
	if r == 0 || len(x) == 0 || len(dst) == 0 {
		if r == 0 && len(x) > 0 {
			dst[0] = x[0]
		}
		return
	}
	ost := strides(out)
	var idx [onnx.MaxRank]int
	n := in[r-1]
	lo := max(0, -before[r-1])         // first input column kept
	hi := min(n, out[r-1]-before[r-1]) // end of input columns kept
	for src := 0; src < len(x); src += n {
		ok := true
		off := 0
		for k := 0; k < r-1; k++ {
			p := idx[k] + before[k]
			if p < 0 || p >= out[k] {
				ok = false
				break
			}
			off += p * ost[k]
		}
		if ok && lo < hi {
			copy(dst[off+lo+before[r-1]:off+hi+before[r-1]], x[src+lo:src+hi])
		}
		for k := r - 2; k >= 0; k-- {
			idx[k]++
			if idx[k] < in[k] {
				break
			}
			idx[k] = 0
		}
	}
}
