package inference

import (
	"fmt"
)

type binOp uint8

const (
	opAdd binOp = iota
	opSub
	opMul
	opDiv
	opPRelu // a < 0 ? a*b : a
)

func init() {
	ops["Add"] = binaryOp(opAdd)
	ops["Sub"] = binaryOp(opSub)
	ops["Mul"] = binaryOp(opMul)
	ops["Div"] = binaryOp(opDiv)
	ops["PRelu"] = buildPRelu
	ops["Sum"] = buildSum
}

// legacyShape applies the broadcasting of opsets before 7 (attributes
// broadcast and axis): b's shape is placed into a's rank at axis, or
// aligned to the end when axis is absent.
func legacyShape(c *nodeCtx, a, b []int) ([]int, error) {
	bcastAttr, err := c.attrInt("broadcast", 0)
	if err != nil {
		return nil, err
	}
	if bcastAttr == 0 {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			return nil, fmt.Errorf("input shapes %v and %v differ and attribute broadcast is 0", a, b)
		}
		return b, nil
	}
	axis, err := c.attrInt("axis", int64(len(a)-len(b)))
	if err != nil {
		return nil, err
	}
	if axis < 0 {
		axis += int64(len(a))
	}
	if axis < 0 || int(axis)+len(b) > len(a) {
		return nil, fmt.Errorf("attribute axis %d does not place shape %v inside %v", axis, b, a)
	}
	s := make([]int, len(a))
	for k := range s {
		s[k] = 1
	}
	copy(s[axis:], b)
	return s, nil
}

func binaryOp(op binOp) opBuilder {
	return func(c *nodeCtx) error {
		a, err := c.need(0)
		if err != nil {
			return err
		}
		b, err := c.need(1)
		if err != nil {
			return err
		}
		if a.dt != b.dt {
			return fmt.Errorf("inputs have types %s and %s; want the same", a.dt, b.dt)
		}
		bs := b.shape
		if c.opset < 7 {
			if bs, err = legacyShape(c, a.shape, b.shape); err != nil {
				return err
			}
		}
		out, err := broadcastShape(a.shape, bs)
		if err != nil {
			return err
		}
		bc := newBcast(out, a.shape, bs)
		if a.dt == dtInt {
			o, err := c.newIntOut(0, out)
			if err != nil {
				return err
			}
			c.run = func() error { return binInts(op, bc, o.i, a.i, b.i) }
			return nil
		}
		o, err := c.newOut(0, out)
		if err != nil {
			return err
		}
		c.run = func() error {
			binFloats(op, bc, o.f, a.f, b.f)
			return nil
		}
		return nil
	}
}

func binFloats(op binOp, bc *bcast, dst, a, b []float32) {
	bc.each(func(o, ia, ib, n, sa, sb int) {
		d := dst[o : o+n]
		switch {
		case sa == 1 && sb == 1:
			binSame(op, d, a[ia:ia+n], b[ib:ib+n])
		case sa == 1 && sb == 0:
			binScalarB(op, d, a[ia:ia+n], b[ib])
		default:
			for k := range d {
				d[k] = bin1(op, a[ia+k*sa], b[ib+k*sb])
			}
		}
	})
}

func bin1(op binOp, x, y float32) float32 {
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	case opDiv:
		return x / y
	default:
		if x < 0 {
			return x * y
		}
		return x
	}
}

func binSame(op binOp, d, a, b []float32) {
	b = b[:len(a)]
	d = d[:len(a)]
	switch op {
	case opAdd:
		for k := range a {
			d[k] = a[k] + b[k]
		}
	case opSub:
		for k := range a {
			d[k] = a[k] - b[k]
		}
	case opMul:
		for k := range a {
			d[k] = a[k] * b[k]
		}
	case opDiv:
		for k := range a {
			d[k] = a[k] / b[k]
		}
	default:
		for k := range a {
			d[k] = bin1(op, a[k], b[k])
		}
	}
}

func binScalarB(op binOp, d, a []float32, y float32) {
	d = d[:len(a)]
	switch op {
	case opAdd:
		for k := range a {
			d[k] = a[k] + y
		}
	case opSub:
		for k := range a {
			d[k] = a[k] - y
		}
	case opMul:
		for k := range a {
			d[k] = a[k] * y
		}
	default:
		for k := range a {
			d[k] = bin1(op, a[k], y)
		}
	}
}

func binInts(op binOp, bc *bcast, dst, a, b []int64) error {
	var err error
	bc.each(func(o, ia, ib, n, sa, sb int) {
		for k := 0; k < n; k++ {
			x, y := a[ia+k*sa], b[ib+k*sb]
			switch op {
			case opAdd:
				dst[o+k] = x + y
			case opSub:
				dst[o+k] = x - y
			case opMul:
				dst[o+k] = x * y
			case opDiv:
				if y == 0 {
					err = fmt.Errorf("integer division by zero")
					return
				}
				dst[o+k] = x / y
			default:
				if x < 0 {
					x *= y
				}
				dst[o+k] = x
			}
		}
	})
	return err
}

// buildPRelu: y = x < 0 ? slope*x : x, slope broadcast to x. Opset 6
// exports from PyTorch give a per-channel slope of shape [C]; it is
// aligned with axis 1 when it does not broadcast from the end.
func buildPRelu(c *nodeCtx) error {
	x, err := c.needFloat(0)
	if err != nil {
		return err
	}
	s, err := c.needFloat(1)
	if err != nil {
		return err
	}
	ss := s.shape
	if _, err := broadcastShape(x.shape, ss); err != nil || !sameShape(mustBroadcast(x.shape, ss), x.shape) {
		if len(ss) == 1 && len(x.shape) >= 2 && ss[0] == x.shape[1] {
			ss = make([]int, len(x.shape)-1)
			for k := range ss {
				ss[k] = 1
			}
			ss[0] = s.shape[0]
		} else {
			return fmt.Errorf("slope shape %v does not broadcast to input shape %v", s.shape, x.shape)
		}
	}
	o, err := c.newOut(0, x.shape)
	if err != nil {
		return err
	}
	bc := newBcast(x.shape, x.shape, ss)
	c.run = func() error {
		binFloats(opPRelu, bc, o.f, x.f, s.f)
		return nil
	}
	return nil
}

func mustBroadcast(a, b []int) []int {
	s, err := broadcastShape(a, b)
	if err != nil {
		return nil
	}
	return s
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

// buildSum adds any number of inputs with broadcasting.
func buildSum(c *nodeCtx) error {
	if len(c.in) == 0 {
		return fmt.Errorf("Sum needs at least one input")
	}
	var out []int
	for k := range c.in {
		v, err := c.needFloat(k)
		if err != nil {
			return err
		}
		if k == 0 {
			out = v.shape
		} else if out, err = broadcastShape(out, v.shape); err != nil {
			return err
		}
	}
	o, err := c.newOut(0, out)
	if err != nil {
		return err
	}
	ins := append([]*value(nil), c.in...)
	zero := []int{}
	first := newBcast(out, ins[0].shape, zero)
	rest := make([]*bcast, len(ins))
	for k := 1; k < len(ins); k++ {
		rest[k] = newBcast(out, out, ins[k].shape)
	}
	zeroData := []float32{0}
	c.run = func() error {
		binFloats(opAdd, first, o.f, ins[0].f, zeroData)
		for k := 1; k < len(ins); k++ {
			binFloats(opAdd, rest[k], o.f, o.f, ins[k].f)
		}
		return nil
	}
	return nil
}
