package inference

import (
	"fmt"
	"sync"

	"github.com/gradewatch/gradewatch/inference/kernels"
	"github.com/gradewatch/gradewatch/inference/onnx"
)

// Opset range the engine accepts for the default ONNX domain.
const (
	minOpset = 1
	maxOpset = 25
)

// opBuilder prepares one node for a plan: it checks attributes and input
// shapes, declares outputs and sets c.run (or leaves it nil for operators
// that only alias or produce constants).
type opBuilder func(c *nodeCtx) error

// ops is the operator registry, filled by the ops_*.go files.
var ops = map[string]opBuilder{}

// inputSpec describes one graph input that the caller feeds.
type inputSpec struct {
	name  string
	dt    dtype
	onnx  onnx.DataType // the declared element type
	shape []int         // -1 where the dimension is symbolic or unknown
	known bool          // whether the model declares a shape
}

// graph is a decoded model checked once at load time; plans are built
// from it per set of input shapes.
type graph struct {
	opset   int64
	consts  map[string]*value // initializers, shared read-only by all plans
	inputs  []inputSpec
	outputs []string
	outInfo []onnx.ValueInfo // declared graph outputs
	nodes   []*onnx.Node
	// fused holds what Conv and Gemm nodes apply themselves (a bias Add,
	// a Relu); the nodes they absorb become aliases of their input
	// absorbed[n] when a plan applies them (see fuse.go).
	fused    map[*onnx.Node]*fusion
	absorbed map[*onnx.Node]int

	// Packed constant weights, shared by all plans of the model.
	packMu sync.Mutex
	packsA map[packKey]*kernels.PackedA
	packsB map[packKey]*kernels.PackedB
}

// packKey names one packed weight matrix: a node and a group.
type packKey struct {
	node  *onnx.Node
	group int
}

// packedA returns the packed weights for key, packing them on first use.
func (g *graph) packedA(key packKey, pack func() (*kernels.PackedA, error)) (*kernels.PackedA, error) {
	g.packMu.Lock()
	defer g.packMu.Unlock()
	if p, ok := g.packsA[key]; ok {
		return p, nil
	}
	p, err := pack()
	if err != nil {
		return nil, err
	}
	g.packsA[key] = p
	return p, nil
}

// packedB is packedA for weights on the right of a product.
func (g *graph) packedB(key packKey, pack func() *kernels.PackedB) *kernels.PackedB {
	g.packMu.Lock()
	defer g.packMu.Unlock()
	if p, ok := g.packsB[key]; ok {
		return p
	}
	p := pack()
	g.packsB[key] = p
	return p
}

func dtypeOf(d onnx.DataType) (dtype, error) {
	switch d {
	case onnx.Float:
		return dtFloat, nil
	case onnx.Int64, onnx.Int32, onnx.Int16, onnx.Int8, onnx.Uint8, onnx.Uint16, onnx.Uint32, onnx.Bool:
		return dtInt, nil
	}
	return 0, fmt.Errorf("data type %s is not supported (the engine computes in float32): %w", d, ErrUnsupportedOp)
}

func valueOfTensor(t *onnx.Tensor) (*value, error) {
	shape := make([]int, len(t.Dims))
	for k, d := range t.Dims {
		shape[k] = int(d)
	}
	dt, err := dtypeOf(t.DataType)
	if err != nil {
		return nil, err
	}
	var v *value
	if dt == dtFloat {
		v = floatFrom(t.Name, shape, t.Float)
	} else {
		v = &value{name: t.Name, dt: dtInt, shape: shape, i: t.Int64}
	}
	v.konst = true
	return v, nil
}

// compile checks a decoded model: opset, operators, data types and that
// nodes are in topological order.
func compile(m *onnx.Model) (*graph, error) {
	g := &graph{opset: m.Opset(""), consts: map[string]*value{}}
	if g.opset == 0 && len(m.OpsetImports) == 0 {
		g.opset = 1 // very old files carry no opset_import
	}
	if g.opset < minOpset || g.opset > maxOpset {
		return nil, fmt.Errorf("model imports ONNX opset %d; the engine supports opsets %d to %d: %w", g.opset, minOpset, maxOpset, ErrUnsupportedOp)
	}
	gr := m.Graph
	if gr.SparseInitializers > 0 {
		return nil, fmt.Errorf("graph has sparse initializers, which are not supported: %w", ErrUnsupportedOp)
	}
	for _, t := range gr.Initializers {
		if t.Name == "" {
			return nil, fmt.Errorf("graph has an initializer without a name")
		}
		v, err := valueOfTensor(t)
		if err != nil {
			return nil, fmt.Errorf("initializer %q: %w", t.Name, err)
		}
		g.consts[t.Name] = v
	}
	defined := map[string]bool{}
	for name := range g.consts {
		defined[name] = true
	}
	for _, in := range gr.Inputs {
		if _, ok := g.consts[in.Name]; ok {
			continue // older exporters list initializers as inputs too
		}
		if in.Name == "" {
			return nil, fmt.Errorf("graph has an input without a name")
		}
		dt, err := dtypeOf(in.ElemType)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", in.Name, err)
		}
		spec := inputSpec{name: in.Name, dt: dt, onnx: in.ElemType, known: in.HasShape}
		for _, d := range in.Shape {
			if d.HasValue && d.Value >= 0 {
				spec.shape = append(spec.shape, int(d.Value))
			} else {
				spec.shape = append(spec.shape, -1)
			}
		}
		g.inputs = append(g.inputs, spec)
		defined[in.Name] = true
	}
	for k, n := range gr.Nodes {
		if n.Domain != "" && n.Domain != "ai.onnx" {
			return nil, fmt.Errorf("node %d %q: operator %s of domain %q: %w", k, n.Name, n.OpType, n.Domain, ErrUnsupportedOp)
		}
		if _, ok := ops[n.OpType]; !ok {
			return nil, fmt.Errorf("node %d %q: operator %q: %w", k, n.Name, n.OpType, ErrUnsupportedOp)
		}
		for _, in := range n.Inputs {
			if in != "" && !defined[in] {
				return nil, fmt.Errorf("node %d %q (%s): input %q is not produced by any earlier node, initializer or graph input (nodes must be in topological order)", k, n.Name, n.OpType, in)
			}
		}
		for _, out := range n.Outputs {
			if out != "" {
				if defined[out] {
					return nil, fmt.Errorf("node %d %q (%s): output %q is defined twice", k, n.Name, n.OpType, out)
				}
				defined[out] = true
			}
		}
	}
	g.nodes = gr.Nodes
	g.packsA, g.packsB = map[packKey]*kernels.PackedA{}, map[packKey]*kernels.PackedB{}
	if len(gr.Outputs) == 0 {
		return nil, fmt.Errorf("graph has no outputs")
	}
	for _, o := range gr.Outputs {
		if !defined[o.Name] {
			return nil, fmt.Errorf("graph output %q is not produced by any node", o.Name)
		}
		g.outputs = append(g.outputs, o.Name)
	}
	g.outInfo = gr.Outputs
	g.fuse()
	return g, nil
}

// shapesForBatch returns the input shape of a single-input model for a
// batch of n: the first dimension is set to n, others must be fixed.
func (g *graph) shapesForBatch(n int) ([][]int, error) {
	if len(g.inputs) != 1 {
		return nil, fmt.Errorf("model has %d inputs; batched inference needs exactly one", len(g.inputs))
	}
	s, err := g.declared(0)
	if err != nil {
		return nil, err
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("input %q is a scalar; batched inference needs a batch dimension", g.inputs[0].name)
	}
	s[0] = n
	return [][]int{s}, nil
}

// declared returns the declared shape of input k with a free first
// dimension set to 1.
func (g *graph) declared(k int) ([]int, error) {
	in := g.inputs[k]
	if !in.known {
		return nil, fmt.Errorf("input %q has no declared shape; the engine needs one to plan buffers", in.name)
	}
	s := append([]int(nil), in.shape...)
	if len(s) > 0 && s[0] == 0 {
		s[0] = -1 // some exporters write 0 for an unknown batch size
	}
	for d := range s {
		if s[d] < 0 {
			if d != 0 {
				return nil, fmt.Errorf("input %q dimension %d is symbolic; only the first (batch) dimension may be free", in.name, d)
			}
			s[d] = 1
		}
	}
	return s, nil
}

// build compiles a plan for the given input shapes, folding every node
// whose inputs are all known at plan time.
//
// ints optionally gives the values of integer inputs (nil entries for the
// others): those inputs become constants of the plan, so that shapes,
// axes and pads fed as graph inputs (as in the ONNX node tests) fold.
func (g *graph) build(shapes [][]int, ints [][]int64) (*plan, error) {
	return g.buildBatch(shapes, ints, 0)
}

// buildBatch is build with plan.rebatch set to rebatch.
func (g *graph) buildBatch(shapes [][]int, ints [][]int64, rebatch int) (*plan, error) {
	if len(shapes) != len(g.inputs) {
		return nil, fmt.Errorf("got %d input shapes; the model has %d inputs", len(shapes), len(g.inputs))
	}
	p := &plan{ws: kernels.NewWorkspace(), applied: map[*onnx.Node]bool{}, rebatch: rebatch}
	vals := make(map[string]*value, len(g.consts)+len(g.nodes))
	for name, v := range g.consts {
		vals[name] = v
	}
	for k, in := range g.inputs {
		s := shapes[k]
		if in.known && len(s) != len(in.shape) {
			return nil, fmt.Errorf("input %q has rank %d; the model declares rank %d", in.name, len(s), len(in.shape))
		}
		n := 1
		for _, d := range s {
			if d < 0 || (d > 0 && n > maxPlanElements/d) {
				return nil, fmt.Errorf("input %q shape %v is too large or negative", in.name, s)
			}
			n *= d
		}
		p.allocated += n
		var v *value
		switch {
		case in.dt == dtFloat:
			v = newFloat(in.name, s)
		case k < len(ints) && ints[k] != nil:
			if len(ints[k]) != n {
				return nil, fmt.Errorf("input %q has %d values for shape %v", in.name, len(ints[k]), s)
			}
			v = &value{name: in.name, dt: dtInt, shape: append([]int(nil), s...), i: append([]int64(nil), ints[k]...), konst: true}
		default:
			v = newInt(in.name, s)
		}
		vals[in.name] = v
		p.inputs = append(p.inputs, v)
	}
	for k, n := range g.nodes {
		c := &nodeCtx{p: p, g: g, node: n, opset: g.opset}
		allConst := true
		for _, name := range n.Inputs {
			var v *value
			if name != "" {
				v = vals[name]
				if !v.konst {
					allConst = false
				}
			}
			c.in = append(c.in, v)
		}
		build := ops[n.OpType]
		if k, ok := g.absorbed[n]; ok && p.applied[n] {
			// Applied by the Conv or Gemm before it: pass that one's output on.
			build = func(c *nodeCtx) error {
				c.setOut(0, c.in[k].alias("", c.in[k].shape))
				return nil
			}
		}
		if err := build(c); err != nil {
			return nil, fmt.Errorf("node %d %q (%s): %w", k, n.Name, n.OpType, err)
		}
		for j, name := range n.Outputs {
			if name == "" {
				continue
			}
			if j >= len(c.out) || c.out[j] == nil {
				return nil, fmt.Errorf("node %d %q (%s): output %d (%q) is not supported: %w", k, n.Name, n.OpType, j, name, ErrUnsupportedOp)
			}
			vals[name] = c.out[j]
		}
		switch {
		case c.run == nil:
		case allConst:
			if err := c.run(); err != nil {
				return nil, fmt.Errorf("node %d %q (%s): fold constant: %w", k, n.Name, n.OpType, err)
			}
			for _, v := range c.out {
				if v != nil {
					v.konst = true
				}
			}
		default:
			p.steps = append(p.steps, step{node: n, run: c.run})
		}
	}
	for _, name := range g.outputs {
		p.outputs = append(p.outputs, vals[name])
	}
	return p, nil
}

// hasIntInputs reports whether any graph input holds integers.
func (g *graph) hasIntInputs() bool {
	for _, in := range g.inputs {
		if in.dt == dtInt {
			return true
		}
	}
	return false
}
