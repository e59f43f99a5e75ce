package inference

import "github.com/gradewatch/gradewatch/inference/onnx"

// fusion is what a Conv or Gemm node applies to its own output.
type fusion struct {
	bias string // constant per-channel bias of a following Add (Conv only)
	relu bool   // a following Relu
}

// fuse finds, after each Conv and Gemm, a chain the node can apply in its
// output pass: for Conv, an Add of a constant per-output-channel bias
// (shape [C], [C,1,..] or [1,C,1,..], as CNTK and Keras exports have);
// then a Relu. Each absorbed node must be the only consumer of the value
// before it, which must not be a graph output.
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
		if (n.OpType != "Conv" && n.OpType != "Gemm") || len(n.Outputs) != 1 {
			continue
		}
		f := &fusion{}
		tail := n.Outputs[0]
		if n.OpType == "Conv" && g.opset >= 7 && (len(n.Inputs) < 3 || n.Inputs[2] == "") {
			if add := next(tail); add != nil && add.OpType == "Add" && len(add.Inputs) == 2 && len(add.Outputs) == 1 {
				side := 0
				if add.Inputs[0] == tail {
					side = 1
				}
				if add.Inputs[1-side] == tail && g.isChannelBias(add.Inputs[side], n.Inputs[1]) {
					f.bias = add.Inputs[side]
					g.absorbed[add] = 1 - side
					tail = add.Outputs[0]
				}
			}
		}
		if r := next(tail); r != nil && r.OpType == "Relu" && len(r.Inputs) == 1 && len(r.Outputs) == 1 {
			f.relu = true
			g.absorbed[r] = 0
		}
		if f.bias != "" || f.relu {
			g.fused[n] = f
		}
	}
}

// isChannelBias reports whether constant b holds one value per output
// channel of constant Conv weights w, laid out to broadcast over NCHW
// (or NCDHW, NCW) outputs.
func (g *graph) isChannelBias(b, w string) bool {
	bv, wv := g.consts[b], g.consts[w]
	if bv == nil || wv == nil || bv.dt != dtFloat || len(wv.shape) < 3 {
		return false
	}
	c, rank := wv.shape[0], len(wv.shape) // output rank equals weight rank
	s := bv.shape
	if len(s) == rank && s[0] == 1 {
		s = s[1:] // [1, C, 1, ...]
	}
	if len(s) != rank-1 || s[0] != c {
		return false
	}
	for _, d := range s[1:] {
		if d != 1 {
			return false
		}
	}
	return true
}
