package inference

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestAttributeForms checks operator forms of old and new opsets that the
// reference cases in testdata do not all cover. Expected values are
// worked out by hand from the ONNX operator specification.
func TestAttributeForms(t *testing.T) {
	x6 := []float32{-3, -1, 0, 1, 2, 4} // shape [2,3] or [1,2,3] or [1,6]
	tests := []struct {
		name   string
		opset  int64
		node   tNode
		inits  []tInit
		xShape []int64
		x      []float32
		want   []float32
		shape  []int
	}{
		{
			name: "Add opset 6 broadcast axis 0", opset: 6,
			node:   tNode{op: "Add", inputs: []string{"x", "b"}, attrs: []tAttr{attrI("broadcast", 1), attrI("axis", 0)}},
			inits:  []tInit{{name: "b", dims: []int64{2}, data: []float32{10, 20}}},
			xShape: []int64{2, 3}, x: x6,
			want: []float32{7, 9, 10, 21, 22, 24}, shape: []int{2, 3},
		},
		{
			name: "Mul opset 6 broadcast suffix", opset: 6,
			node:   tNode{op: "Mul", inputs: []string{"x", "b"}, attrs: []tAttr{attrI("broadcast", 1)}},
			inits:  []tInit{{name: "b", dims: []int64{3}, data: []float32{1, 2, 3}}},
			xShape: []int64{2, 3}, x: x6,
			want: []float32{-3, -2, 0, 1, 4, 12}, shape: []int{2, 3},
		},
		{
			name: "Gemm opset 6 broadcast C, transB, alpha, beta", opset: 6,
			node: tNode{op: "Gemm", inputs: []string{"x", "w", "c"}, attrs: []tAttr{attrI("broadcast", 1), attrI("transB", 1),
				attrF("alpha", 2), attrF("beta", 0.5)}},
			inits: []tInit{{name: "w", dims: []int64{1, 3}, data: []float32{1, 1, 1}},
				{name: "c", dims: []int64{1}, data: []float32{4}}},
			xShape: []int64{2, 3}, x: x6,
			want: []float32{2*(-4) + 2, 2*7 + 2}, shape: []int{2, 1},
		},
		{
			name: "Clip opset 6 attributes", opset: 6,
			node:   tNode{op: "Clip", inputs: []string{"x"}, attrs: []tAttr{attrF("min", -1), attrF("max", 1.5)}},
			xShape: []int64{2, 3}, x: x6,
			want: []float32{-1, -1, 0, 1, 1.5, 1.5}, shape: []int{2, 3},
		},
		{
			name: "Clip opset 13 max input only", opset: 13,
			node:   tNode{op: "Clip", inputs: []string{"x", "", "hi"}},
			inits:  []tInit{{name: "hi", data: []float32{1}}},
			xShape: []int64{2, 3}, x: x6,
			want: []float32{-3, -1, 0, 1, 1, 1}, shape: []int{2, 3},
		},
		{
			name: "Softmax opset 11 coerces to 2-D at axis 1", opset: 11,
			node:   tNode{op: "Softmax", inputs: []string{"x"}},
			xShape: []int64{1, 2, 3}, x: []float32{0, 0, 0, 0, 0, 0},
			want: []float32{1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6, 1. / 6}, shape: []int{1, 2, 3},
		},
		{
			name: "Softmax opset 13 last axis", opset: 13,
			node:   tNode{op: "Softmax", inputs: []string{"x"}},
			xShape: []int64{1, 2, 3}, x: []float32{0, 0, 0, 0, 0, 0},
			want: []float32{1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3}, shape: []int{1, 2, 3},
		},
		{
			name: "LogSoftmax opset 11 axis 2", opset: 11,
			node:   tNode{op: "LogSoftmax", inputs: []string{"x"}, attrs: []tAttr{attrI("axis", 2)}},
			xShape: []int64{1, 2, 2}, x: []float32{0, 0, 1, 1},
			want: []float32{-math.Ln2, -math.Ln2, -math.Ln2, -math.Ln2}, shape: []int{1, 2, 2},
		},
		{
			name: "Unsqueeze opset 11 attribute", opset: 11,
			node:   tNode{op: "Unsqueeze", inputs: []string{"x"}, attrs: []tAttr{attrIs("axes", 0, 3)}},
			xShape: []int64{2, 3}, x: x6,
			want: x6, shape: []int{1, 2, 3, 1},
		},
		{
			name: "Squeeze opset 11 attribute", opset: 11,
			node:   tNode{op: "Squeeze", inputs: []string{"x"}, attrs: []tAttr{attrIs("axes", 0)}},
			xShape: []int64{1, 2, 3}, x: x6,
			want: x6, shape: []int{2, 3},
		},
		{
			name: "Unsqueeze opset 13 input", opset: 13,
			node:   tNode{op: "Unsqueeze", inputs: []string{"x", "axes"}},
			inits:  []tInit{{name: "axes", dims: []int64{1}, ints: []int64{-1}}},
			xShape: []int64{2, 3}, x: x6,
			want: x6, shape: []int{2, 3, 1},
		},
		{
			name: "ReduceMean opset 13 attribute axes", opset: 13,
			node:   tNode{op: "ReduceMean", inputs: []string{"x"}, attrs: []tAttr{attrIs("axes", 1), attrI("keepdims", 0)}},
			xShape: []int64{2, 3}, x: x6,
			want: []float32{-4. / 3, 7. / 3}, shape: []int{2},
		},
		{
			name: "ReduceMean opset 18 axes input", opset: 18,
			node:   tNode{op: "ReduceMean", inputs: []string{"x", "axes"}},
			inits:  []tInit{{name: "axes", dims: []int64{1}, ints: []int64{0}}},
			xShape: []int64{2, 3}, x: x6,
			want: []float32{-1, 0.5, 2}, shape: []int{1, 3},
		},
		{
			name: "Pad opset 2 attributes", opset: 2,
			node:   tNode{op: "Pad", inputs: []string{"x"}, attrs: []tAttr{attrIs("pads", 0, 1, 0, 0), attrF("value", 9)}},
			xShape: []int64{1, 2}, x: []float32{1, 2},
			want: []float32{9, 1, 2}, shape: []int{1, 3},
		},
		{
			name: "Pad opset 11 negative pads crop", opset: 11,
			node:   tNode{op: "Pad", inputs: []string{"x", "pads"}},
			inits:  []tInit{{name: "pads", dims: []int64{4}, ints: []int64{0, -1, 0, 1}}},
			xShape: []int64{2, 3}, x: x6,
			want: []float32{-1, 0, 0, 2, 4, 0}, shape: []int{2, 3},
		},
		{
			name: "Reshape opset 1 attribute", opset: 1,
			node:   tNode{op: "Reshape", inputs: []string{"x"}, attrs: []tAttr{attrIs("shape", 3, -1)}},
			xShape: []int64{2, 3}, x: x6,
			want: x6, shape: []int{3, 2},
		},
		{
			name: "BatchNormalization opset 6 is_test spatial", opset: 6,
			node: tNode{op: "BatchNormalization", inputs: []string{"x", "s", "b", "m", "v"},
				attrs: []tAttr{attrI("is_test", 1), attrI("spatial", 1), attrF("epsilon", 0)}},
			inits: []tInit{{name: "s", dims: []int64{2}, data: []float32{2, 1}}, {name: "b", dims: []int64{2}, data: []float32{1, 0}},
				{name: "m", dims: []int64{2}, data: []float32{1, 0}}, {name: "v", dims: []int64{2}, data: []float32{4, 1}}},
			xShape: []int64{1, 2, 3}, x: x6,
			want: []float32{-3, -1, 0, 1, 2, 4}, shape: []int{1, 2, 3},
		},
		{
			name: "Dropout opset 6 is_test", opset: 6,
			node:   tNode{op: "Dropout", inputs: []string{"x"}, attrs: []tAttr{attrI("is_test", 1), attrF("ratio", 0.3)}},
			xShape: []int64{2, 3}, x: x6,
			want: x6, shape: []int{2, 3},
		},
		{
			name: "MaxPool SAME_UPPER stride 2", opset: 11,
			node: tNode{op: "MaxPool", inputs: []string{"x"}, attrs: []tAttr{attrIs("kernel_shape", 2), attrIs("strides", 2),
				attrS("auto_pad", "SAME_UPPER")}},
			xShape: []int64{1, 1, 5}, x: []float32{1, 5, 2, 3, 7},
			want: []float32{5, 3, 7}, shape: []int{1, 1, 3},
		},
		{
			name: "AveragePool count_include_pad", opset: 11,
			node: tNode{op: "AveragePool", inputs: []string{"x"}, attrs: []tAttr{attrIs("kernel_shape", 3), attrIs("pads", 1, 1),
				attrI("count_include_pad", 1)}},
			xShape: []int64{1, 1, 3}, x: []float32{3, 6, 9},
			want: []float32{3, 6, 5}, shape: []int{1, 1, 3},
		},
		{
			name: "Flatten axis 0", opset: 11,
			node:   tNode{op: "Flatten", inputs: []string{"x"}, attrs: []tAttr{attrI("axis", 0)}},
			xShape: []int64{2, 3}, x: x6,
			want: x6, shape: []int{1, 6},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.node.outputs = []string{"y"}
			md := tModel{opset: tt.opset, nodes: []tNode{tt.node}, inits: tt.inits,
				inputs: []tIO{{name: "x", dims: tt.xShape}}, outputs: []tIO{{name: "y"}}}
			m, err := Load(md.encode(), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Run(context.Background(), []Tensor{{Shape: ints(tt.xShape), Float: tt.x}})
			if err != nil {
				t.Fatal(err)
			}
			if !sameShape(got[0].Shape, tt.shape) {
				t.Fatalf("shape = %v; want %v", got[0].Shape, tt.shape)
			}
			for k := range tt.want {
				if math.Abs(float64(got[0].Float[k]-tt.want[k])) > 1e-6 {
					t.Fatalf("%s = %v; want %v", tt.node.op, got[0].Float, tt.want)
				}
			}
		})
	}
}

func ints(v []int64) []int {
	out := make([]int, len(v))
	for k, x := range v {
		out[k] = int(x)
	}
	return out
}

// TestRefusals checks that operator forms outside the engine's scope are
// refused with ErrUnsupportedOp and an error naming the node and problem.
func TestRefusals(t *testing.T) {
	tests := []struct {
		name string
		node tNode
		want string
	}{
		{"reflect pad", tNode{op: "Pad", inputs: []string{"x", "pads"}, attrs: []tAttr{attrS("mode", "reflect")}}, `mode "reflect"`},
		{"unknown op", tNode{op: "NonMaxSuppression", inputs: []string{"x"}}, `operator "NonMaxSuppression"`},
		{"training batchnorm", tNode{op: "BatchNormalization", inputs: []string{"x", "p", "p", "p", "p"}, attrs: []tAttr{attrI("training_mode", 1)}}, "training_mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.node.outputs = []string{"y"}
			md := tModel{opset: 15, nodes: []tNode{tt.node},
				inits:  []tInit{{name: "pads", dims: []int64{4}, ints: []int64{0, 1, 0, 1}}, {name: "p", dims: []int64{2}, data: []float32{1, 1}}},
				inputs: []tIO{{name: "x", dims: []int64{1, 2}}}, outputs: []tIO{{name: "y"}}}
			_, err := Load(md.encode(), nil)
			if !errors.Is(err, ErrUnsupportedOp) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.node.op) {
				t.Errorf("Load() error = %v; want ErrUnsupportedOp naming %s and %q", err, tt.node.op, tt.want)
			}
		})
	}
}

// TestSymbolicImageSize loads a fully convolutional model whose input
// height and width are symbolic, sized by the sidecar's preprocessing.
func TestSymbolicImageSize(t *testing.T) {
	md := tModel{
		nodes: []tNode{
			{op: "GlobalAveragePool", inputs: []string{"x"}, outputs: []string{"g"}},
			{op: "Flatten", inputs: []string{"g"}, outputs: []string{"f"}},
			{op: "Concat", inputs: []string{"f", "f"}, outputs: []string{"y"}, attrs: []tAttr{attrI("axis", 1)}},
		},
		inputs:  []tIO{{name: "x", dims: []int64{-1, 1, -1, -1}}},
		outputs: []tIO{{name: "y"}},
	}
	if _, err := Load(md.encode(), nil); err == nil || !strings.Contains(err.Error(), "symbolic") {
		t.Fatalf("Load(symbolic size, no sidecar) error = %v; want one about the symbolic dimension", err)
	}
	m, err := Load(md.encode(), []byte(`{"preprocess":{"width":3,"height":2},"output":"probabilities"}`))
	if err != nil {
		t.Fatal(err)
	}
	img := Image{Width: 3, Height: 2, Pix: []float32{0, 0.1, 0.2, 0.3, 0.4, 0.5}}
	preds, err := m.Classify(context.Background(), []Image{img})
	if err != nil {
		t.Fatal(err)
	}
	if got := preds[0].Probs; len(got) != 2 || math.Abs(float64(got[0])-0.25) > 1e-6 {
		t.Errorf("Probs = %v; want [0.25 0.25] (the mean of the image, twice)", got)
	}
}

// TestShapeSubgraphFolds loads the flatten PyTorch exports with a dynamic
// batch (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) and checks the
// subgraph folds per batch size, so that the batch stays free.
func TestShapeSubgraphFolds(t *testing.T) {
	w := make([]float32, 12*2)
	for k := range w {
		w[k] = float32(k%3) - 1
	}
	md := tModel{
		nodes: []tNode{
			{op: "Shape", inputs: []string{"x"}, outputs: []string{"s"}},
			{op: "Gather", inputs: []string{"s", "zero"}, outputs: []string{"n"}, attrs: []tAttr{attrI("axis", 0)}},
			{op: "Unsqueeze", inputs: []string{"n", "axes"}, outputs: []string{"n1"}},
			{op: "Concat", inputs: []string{"n1", "minus1"}, outputs: []string{"shape"}, attrs: []tAttr{attrI("axis", 0)}},
			{op: "Reshape", inputs: []string{"x", "shape"}, outputs: []string{"f"}},
			{op: "Gemm", inputs: []string{"f", "w"}, outputs: []string{"y"}},
		},
		inits: []tInit{{name: "zero", ints: []int64{0}}, {name: "axes", dims: []int64{1}, ints: []int64{0}},
			{name: "minus1", dims: []int64{1}, ints: []int64{-1}}, {name: "w", dims: []int64{12, 2}, data: w}},
		inputs:  []tIO{{name: "x", dims: []int64{-1, 1, 3, 4}}},
		outputs: []tIO{{name: "y"}},
	}
	m, err := Load(md.encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Info().BatchFree {
		t.Fatalf("BatchFree = false; want true")
	}
	p, err := m.get(4)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, s := range p.steps {
		steps = append(steps, s.node.OpType)
	}
	m.put(4, p)
	if len(steps) != 1 || steps[0] != "Gemm" {
		t.Errorf("plan steps = %v; want [Gemm] (the shape subgraph folded, Reshape an alias)", steps)
	}
	in := make([]float32, 4*12)
	for k := range in {
		in[k] = float32(k) / 10
	}
	out := make([]float32, 4*2)
	if err := m.Infer(context.Background(), in, 4, out); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		for j := 0; j < 2; j++ {
			var want float32
			for k := 0; k < 12; k++ {
				want += in[i*12+k] * w[k*2+j]
			}
			if math.Abs(float64(out[i*2+j]-want)) > 1e-5 {
				t.Errorf("y[%d][%d] = %g; want %g", i, j, out[i*2+j], want)
			}
		}
	}
}

// TestFixedBatchCheckedNumerically: a graph with the batch fixed at 1
// whose Reshape mixes values across the batch when it is kept (Transpose
// then Reshape to [1, 2]) must not be treated as batch-free, because two
// images together differ from two alone.
func TestFixedBatchCheckedNumerically(t *testing.T) {
	md := tModel{
		nodes: []tNode{
			{op: "Transpose", inputs: []string{"x"}, outputs: []string{"t"}, attrs: []tAttr{attrIs("perm", 1, 0)}},
			{op: "Reshape", inputs: []string{"t", "shape"}, outputs: []string{"y"}},
		},
		inits:   []tInit{{name: "shape", dims: []int64{2}, ints: []int64{1, 2}}},
		inputs:  []tIO{{name: "x", dims: []int64{1, 2}}},
		outputs: []tIO{{name: "y"}},
	}
	m, err := Load(md.encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Info().BatchFree {
		t.Fatalf("BatchFree = true; want false (the batch mixes in Transpose)")
	}
	in := []float32{1, 2, 3, 4}
	out := make([]float32, 4)
	if err := m.Infer(context.Background(), in, 2, out); err != nil {
		t.Fatal(err)
	}
	if want := []float32{1, 2, 3, 4}; !slicesEqual(out, want) {
		t.Errorf("Infer = %v; want %v (each image alone)", out, want)
	}
}

func slicesEqual(a, b []float32) bool {
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
