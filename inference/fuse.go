package inference

import (
	"github.com/gradewatch/gradewatch/inference/kernels"
	"github.com/gradewatch/gradewatch/inference/onnx"
)

// fusion is a chain of nodes after a Conv, Gemm or MatMul that the node may
// apply in its own output pass: an Add of a constant bias, then a Relu.
type fusion struct {
	bias     string     // the constant the Add adds
	biasNode *onnx.Node // the Add, or nil
	relu     *onnx.Node // the Relu, or nil
}

// fuse finds fusion candidates. Each absorbed node must be the only
// consumer of the value before it, which must not be a graph output; the
// Add must add an initializer. Whether the bias really fits (one value per
// output channel of a Conv, per column of a MatMul) is decided when a plan
// is built, where shapes are known (see nodeCtx.fusedOps); nodes that are
// not applied run as usual.
func (g *graph) fuse() {
	g.fused, g.absorbed = map[*onnx.Node]*fusion{}, map[*onnx.Node]int{}
	uses := map[string]int{}
	consumer := map[string]*onnx.Node{}
	for _, n := range g.nodes {
		for _, in := range n.Inputs {
			uses[in]++
			consumer[in] = n
		}
	}
	for _, o := range g.outputs {
		uses[o] += 2
	}
	// next returns the only consumer of value v.
	next := func(v string) *onnx.Node {
		if uses[v] != 1 {
			return nil
		}
		return consumer[v]
	}
	for _, n := range g.nodes {
		if (n.OpType != "Conv" && n.OpType != "Gemm" && n.OpType != "MatMul") || len(n.Outputs) != 1 {
			continue
		}
		f := &fusion{}
		tail := n.Outputs[0]
		if n.OpType != "Gemm" && g.opset >= 7 && (len(n.Inputs) < 3 || n.Inputs[2] == "") {
			if add := next(tail); add != nil && add.OpType == "Add" && len(add.Inputs) == 2 && len(add.Outputs) == 1 {
				side := 0
				if add.Inputs[0] == tail {
					side = 1
				}
				if add.Inputs[1-side] == tail && g.consts[add.Inputs[side]] != nil {
					f.bias, f.biasNode = add.Inputs[side], add
					g.absorbed[add] = 1 - side
					tail = add.Outputs[0]
				}
			}
		}
		if r := next(tail); r != nil && r.OpType == "Relu" && len(r.Inputs) == 1 && len(r.Outputs) == 1 {
			f.relu = r
			g.absorbed[r] = 0
		}
		if f.biasNode != nil || f.relu != nil {
			g.fused[n] = f
		}
	}
}

// fusedOps returns the bias (nil for none) and activation the node applies
// for the nodes after it, and marks those nodes applied in the plan.
// biasFits says whether the candidate bias suits the node's output; if it
// does not, nothing is fused and the Add and Relu run themselves.
func (c *nodeCtx) fusedOps(biasFits func(b *value) bool) ([]float32, kernels.Activation) {
	f := c.g.fused[c.node]
	if f == nil {
		return nil, kernels.ActNone
	}
	var bias []float32
	if f.biasNode != nil {
		b := c.g.consts[f.bias]
		if b.dt != dtFloat || !biasFits(b) {
			return nil, kernels.ActNone
		}
		c.p.applied[f.biasNode] = true
		bias = b.f
	}
	act := kernels.ActNone
	if f.relu != nil {
		c.p.applied[f.relu] = true
		act = kernels.ActReLU
	}
	return bias, act
}

// channelBias reports whether b holds one value per channel of an
// [N, m, spatial...] output of the given rank: shape [m, 1, ...] or
// [1, m, 1, ...].
func channelBias(b *value, m, rank int) bool {
	s := b.shape
	if len(s) == rank && s[0] == 1 {
		s = s[1:]
	}
	if len(s) != rank-1 || s[0] != m {
		return false
	}
	for _, d := range s[1:] {
		if d != 1 {
			return false
		}
	}
	return true
}
