package inference

import (
	"context"
	"errors"
	"fmt"

	"github.com/gradewatch/gradewatch/inference/kernels"
	"github.com/gradewatch/gradewatch/inference/onnx"
)

// ErrUnsupportedOp is returned (wrapped, naming the node) when a model uses
// an operator, an attribute value or a data type the engine does not
// implement.
var ErrUnsupportedOp = errors.New("unsupported operator")

// errDynamic is ErrUnsupportedOp for a shape, axes or pads input whose
// value is only known at run time.
var errDynamic = fmt.Errorf("%w (dynamic shape input)", ErrUnsupportedOp)

// maxPlanElements bounds the memory one plan may allocate (float32 and
// int64 elements together), so that a model with hostile shapes is refused
// instead of exhausting memory.
const maxPlanElements = 1 << 26

// maxPlanWork bounds the multiply-adds of one run of a plan (34 G, some
// seconds on one core), so that a hostile model cannot make loading or
// grading hang. Batches of a model near the limit run in smaller plans.
const maxPlanWork = 1 << 35

// step runs one node of a plan on buffers bound at plan time.
type step struct {
	node *onnx.Node
	run  func() error
}

// plan is a model compiled for one set of input shapes: every value has
// its buffer, constants are folded, and running it allocates nothing.
// A plan is used by one goroutine at a time.
type plan struct {
	inputs  []*value
	outputs []*value
	steps   []step
	ws      *kernels.Workspace // GEMM packing scratch of this plan's runs
	// applied marks nodes (Add, Relu) applied by the node before them.
	applied map[*onnx.Node]bool
	// rebatch is the batch of a plan for a model whose graph fixes the
	// batch at 1 (Reshape to [1, ...], as mnist-8 has); 0 otherwise.
	// Such Reshapes then keep the batch (see buildReshape); Load checks
	// the results against single images before relying on it.
	rebatch int
	// allocated counts elements allocated for buffers, checked against
	// maxPlanElements; work counts multiply-adds against maxPlanWork.
	allocated int
	work      int
}

// run executes the plan on the data already copied into its inputs.
func (p *plan) run(ctx context.Context) error {
	for k := range p.steps {
		if k&7 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		s := &p.steps[k]
		if err := s.run(); err != nil {
			return fmt.Errorf("run node %q (%s): %w", s.node.Name, s.node.OpType, err)
		}
	}
	return nil
}

// nodeCtx is what an operator builder sees: the node, its inputs (nil for
// an omitted optional input) and methods to declare outputs.
type nodeCtx struct {
	p     *plan
	g     *graph
	node  *onnx.Node
	opset int64
	in    []*value
	out   []*value
	run   func() error
}

// input returns input k or nil when it is omitted.
func (c *nodeCtx) input(k int) *value {
	if k < len(c.in) {
		return c.in[k]
	}
	return nil
}

// need returns input k, or an error when it is missing.
func (c *nodeCtx) need(k int) (*value, error) {
	v := c.input(k)
	if v == nil {
		return nil, fmt.Errorf("input %d is missing", k)
	}
	return v, nil
}

// needFloat returns input k and checks that it holds float data.
func (c *nodeCtx) needFloat(k int) (*value, error) {
	v, err := c.need(k)
	if err != nil {
		return nil, err
	}
	if v.dt != dtFloat {
		return nil, fmt.Errorf("input %d (%q) is %s; want float32: %w", k, v.name, v.dt, ErrUnsupportedOp)
	}
	return v, nil
}

// constInts returns the data of constant input k (shape-like inputs).
func (c *nodeCtx) constInts(k int) ([]int64, error) {
	v, err := c.need(k)
	if err != nil {
		return nil, err
	}
	if !v.konst {
		return nil, fmt.Errorf("input %d (%q) must be a constant or computable from shapes at load time; dynamic values are not supported: %w", k, v.name, errDynamic)
	}
	return v.ints(), nil
}

// wants reports whether output k is used (present and named).
func (c *nodeCtx) wants(k int) bool {
	return k < len(c.node.Outputs) && c.node.Outputs[k] != ""
}

func (c *nodeCtx) outName(k int) string {
	if k < len(c.node.Outputs) {
		return c.node.Outputs[k]
	}
	return ""
}

// checkAlloc accounts for n new elements.
func (c *nodeCtx) checkAlloc(n int) error {
	if n < 0 || n > maxPlanElements || c.p.allocated+n > maxPlanElements {
		return fmt.Errorf("output needs %d elements, more than the engine's limit of %d per model: %w", n, maxPlanElements, ErrUnsupportedOp)
	}
	c.p.allocated += n
	return nil
}

// work accounts for a node that does per multiply-adds for each of n
// outputs.
func (c *nodeCtx) work(n, per int) error {
	if n < 0 || per < 0 || (per > 0 && n > maxPlanWork/per) || c.p.work+n*per > maxPlanWork {
		return fmt.Errorf("needs more than %d multiply-adds per run, the engine's limit per model: %w", maxPlanWork, ErrUnsupportedOp)
	}
	c.p.work += n * per
	return nil
}

// newOut allocates float output k with shape.
func (c *nodeCtx) newOut(k int, shape []int) (*value, error) {
	if err := c.checkShape(shape); err != nil {
		return nil, err
	}
	v := newFloat(c.outName(k), shape)
	c.setOut(k, v)
	return v, nil
}

// newIntOut allocates int64 output k with shape.
func (c *nodeCtx) newIntOut(k int, shape []int) (*value, error) {
	if err := c.checkShape(shape); err != nil {
		return nil, err
	}
	v := newInt(c.outName(k), shape)
	c.setOut(k, v)
	return v, nil
}

// newOutOf allocates output k with shape and the element type dt, for
// operators that pass float and int64 data through alike.
func (c *nodeCtx) newOutOf(dt dtype, k int, shape []int) (*value, error) {
	if dt == dtFloat {
		return c.newOut(k, shape)
	}
	return c.newIntOut(k, shape)
}

// checkShape refuses an output shape with a negative dimension or more
// elements than a plan may hold.
func (c *nodeCtx) checkShape(shape []int) error {
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("output shape %v has a negative dimension", shape)
		}
		if d > maxPlanElements {
			return c.checkAlloc(d)
		}
	}
	return c.checkAlloc(size(shape))
}

// setOut records v as output k.
func (c *nodeCtx) setOut(k int, v *value) {
	for len(c.out) <= k {
		c.out = append(c.out, nil)
	}
	v.name = c.outName(k)
	c.out[k] = v
}

// attribute helpers: each checks the attribute's type and returns def when
// the attribute is absent.

func (c *nodeCtx) attr(name string, want onnx.AttrType) (*onnx.Attribute, error) {
	a := c.node.Attr(name)
	if a == nil {
		return nil, nil
	}
	if a.RefAttrName != "" {
		return nil, fmt.Errorf("attribute %q refers to a function attribute, which is not supported: %w", name, ErrUnsupportedOp)
	}
	if a.Type != want {
		return nil, fmt.Errorf("attribute %q has type %s; want %s", name, a.Type, want)
	}
	return a, nil
}

func (c *nodeCtx) attrInt(name string, def int64) (int64, error) {
	a, err := c.attr(name, onnx.AttrInt)
	if a == nil || err != nil {
		return def, err
	}
	return a.I, nil
}

func (c *nodeCtx) attrFloat(name string, def float32) (float32, error) {
	a, err := c.attr(name, onnx.AttrFloat)
	if a == nil || err != nil {
		return def, err
	}
	return a.F, nil
}

func (c *nodeCtx) attrString(name, def string) (string, error) {
	a, err := c.attr(name, onnx.AttrString)
	if a == nil || err != nil {
		return def, err
	}
	return string(a.S), nil
}

// attrInts returns the ints attribute and whether it was present.
func (c *nodeCtx) attrInts(name string) ([]int64, bool, error) {
	a, err := c.attr(name, onnx.AttrInts)
	if a == nil || err != nil {
		return nil, false, err
	}
	return a.Ints, true, nil
}

func (c *nodeCtx) attrFloats(name string) ([]float32, bool, error) {
	a, err := c.attr(name, onnx.AttrFloats)
	if a == nil || err != nil {
		return nil, false, err
	}
	return a.Floats, true, nil
}
