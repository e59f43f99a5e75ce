package inference

import (
	"fmt"
	"math"

	"github.com/gradewatch/gradewatch/inference/kernels"
)

func init() {
	ops["Relu"] = unary(func(c *nodeCtx) (func(x []float32, y []float32), error) {
		return func(x, y []float32) { kernels.ReLU(y, x) }, nil
	})
	ops["LeakyRelu"] = unary(func(c *nodeCtx) (func(x []float32, y []float32), error) {
		alpha, err := c.attrFloat("alpha", 0.01)
		return func(x, y []float32) {
			for k, v := range x {
				if v < 0 {
					v *= alpha
				}
				y[k] = v
			}
		}, err
	})
	ops["Elu"] = unary(func(c *nodeCtx) (func(x []float32, y []float32), error) {
		alpha, err := c.attrFloat("alpha", 1)
		return func(x, y []float32) {
			for k, v := range x {
				if v < 0 {
					v = alpha * float32(math.Expm1(float64(v)))
				}
				y[k] = v
			}
		}, err
	})
	ops["Selu"] = unary(func(c *nodeCtx) (func(x []float32, y []float32), error) {
		alpha, err := c.attrFloat("alpha", 1.67326319217681884765625)
		if err != nil {
			return nil, err
		}
		gamma, err := c.attrFloat("gamma", 1.05070102214813232421875)
		return func(x, y []float32) {
			for k, v := range x {
				if v <= 0 {
					v = alpha * float32(math.Expm1(float64(v)))
				}
				y[k] = gamma * v
			}
		}, err
	})
	ops["Sigmoid"] = unary(func(c *nodeCtx) (func(x []float32, y []float32), error) {
		return func(x, y []float32) {
			for k, v := range x {
				y[k] = sigmoid(v)
			}
		}, nil
	})
	ops["HardSigmoid"] = unary(func(c *nodeCtx) (func(x []float32, y []float32), error) {
		alpha, err := c.attrFloat("alpha", 0.2)
		if err != nil {
			return nil, err
		}
		beta, err := c.attrFloat("beta", 0.5)
		return func(x, y []float32) {
			for k, v := range x {
				y[k] = max(0, min(1, alpha*v+beta))
			}
		}, err
	})
	ops["Tanh"] = unary(func(c *nodeCtx) (func(x []float32, y []float32), error) {
		return func(x, y []float32) {
			for k, v := range x {
				y[k] = float32(math.Tanh(float64(v)))
			}
		}, nil
	})
	ops["Softplus"] = unary(func(c *nodeCtx) (func(x []float32, y []float32), error) {
		return func(x, y []float32) {
			for k, v := range x {
				// log(1+e^v) without overflow for large v.
				f := float64(v)
				if f > 0 {
					y[k] = float32(f + math.Log1p(math.Exp(-f)))
				} else {
					y[k] = float32(math.Log1p(math.Exp(f)))
				}
			}
		}, nil
	})
	ops["Clip"] = buildClip
}

func sigmoid(v float32) float32 {
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return float32(e / (1 + e))
}

// unary builds an elementwise operator from a function that reads the
// node's attributes and returns the loop.
func unary(mk func(c *nodeCtx) (func(x, y []float32), error)) opBuilder {
	return func(c *nodeCtx) error {
		x, err := c.needFloat(0)
		if err != nil {
			return err
		}
		f, err := mk(c)
		if err != nil {
			return err
		}
		y, err := c.newOut(0, x.shape)
		if err != nil {
			return err
		}
		c.run = func() error {
			f(x.f, y.f)
			return nil
		}
		return nil
	}
}

// buildClip handles Clip with min/max attributes (opset < 11) or optional
// scalar inputs (opset >= 11), read at run time.
func buildClip(c *nodeCtx) error {
	if x := c.input(0); x != nil && x.dt == dtInt && c.opset >= 12 {
		return buildClipInt(c, x)
	}
	x, err := c.needFloat(0)
	if err != nil {
		return err
	}
	lo, hi := float32(math.Inf(-1)), float32(math.Inf(1))
	var loV, hiV *value
	if c.opset < 11 {
		if lo, err = c.attrFloat("min", -math.MaxFloat32); err != nil {
			return err
		}
		if hi, err = c.attrFloat("max", math.MaxFloat32); err != nil {
			return err
		}
	} else {
		loV, hiV = c.input(1), c.input(2)
		for _, v := range []*value{loV, hiV} {
			if v != nil && (v.dt != dtFloat || v.size() != 1) {
				return fmt.Errorf("min and max inputs must be float scalars; got %s %v", v.dt, v.shape)
			}
		}
	}
	y, err := c.newOut(0, x.shape)
	if err != nil {
		return err
	}
	c.run = func() error {
		l, h := lo, hi
		if loV != nil {
			l = loV.f[0]
		}
		if hiV != nil {
			h = hiV.f[0]
		}
		for k, v := range x.f {
			// ONNX (and numpy.clip) apply min first, then max, so
			// min > max yields max everywhere.
			if v < l {
				v = l
			}
			if v > h {
				v = h
			}
			y.f[k] = v
		}
		return nil
	}
	return nil
}

// buildClipInt is Clip on integer tensors (opset 12 and later), with
// optional integer scalar min and max inputs.
func buildClipInt(c *nodeCtx, x *value) error {
	loV, hiV := c.input(1), c.input(2)
	for _, v := range []*value{loV, hiV} {
		if v != nil && (v.dt != dtInt || v.size() != 1) {
			return fmt.Errorf("min and max inputs of an integer Clip must be integer scalars; got %s %v", v.dt, v.shape)
		}
	}
	y, err := c.newIntOut(0, x.shape)
	if err != nil {
		return err
	}
	c.run = func() error {
		l, h := int64(math.MinInt64), int64(math.MaxInt64)
		if loV != nil {
			l = loV.i[0]
		}
		if hiV != nil {
			h = hiV.i[0]
		}
		for k, v := range x.i {
			y.i[k] = min(max(v, l), h)
		}
		return nil
	}
	return nil
}
