package inference

import (
	"context"
	"testing"
)

// TestEmptyTensors runs operators on tensors with a zero dimension: each
// must give the output shape the ONNX specification implies, or an error,
// never a panic.
func TestEmptyTensors(t *testing.T) {
	cases := []struct {
		node  tNode
		xs    []int64
		inits []tInit
		want  []int // nil: an error is expected
	}{
		{tNode{op: "Gemm", inputs: []string{"x", "w"}}, []int64{2, 0}, []tInit{{name: "w", dims: []int64{0, 3}, data: []float32{}}}, []int{2, 3}},
		{tNode{op: "MatMul", inputs: []string{"x", "w"}}, []int64{0, 2}, []tInit{{name: "w", dims: []int64{2, 3}, data: make([]float32, 6)}}, []int{0, 3}},
		{tNode{op: "MatMul", inputs: []string{"x", "w"}}, []int64{3, 0, 2}, []tInit{{name: "w", dims: []int64{3, 2, 3}, data: make([]float32, 18)}}, []int{3, 0, 3}},
		{tNode{op: "Softmax", inputs: []string{"x"}}, []int64{2, 0}, nil, []int{2, 0}},
		{tNode{op: "Softmax", inputs: []string{"x"}}, []int64{0, 3}, nil, []int{0, 3}},
		{tNode{op: "LogSoftmax", inputs: []string{"x"}, attrs: []tAttr{attrI("axis", 0)}}, []int64{0, 3}, nil, []int{0, 3}},
		{tNode{op: "ReduceMean", inputs: []string{"x"}}, []int64{0, 3}, nil, []int{1, 1}},
		{tNode{op: "Transpose", inputs: []string{"x"}}, []int64{0, 3}, nil, []int{3, 0}},
		{tNode{op: "Concat", inputs: []string{"x", "x"}, attrs: []tAttr{attrI("axis", 0)}}, []int64{0, 3}, nil, []int{0, 3}},
		{tNode{op: "Relu", inputs: []string{"x"}}, []int64{0}, nil, []int{0}},
		{tNode{op: "Add", inputs: []string{"x", "x"}}, []int64{0, 2}, nil, []int{0, 2}},
		{tNode{op: "Conv", inputs: []string{"x", "w"}}, []int64{0, 1, 3, 3}, []tInit{{name: "w", dims: []int64{1, 1, 2, 2}, data: make([]float32, 4)}}, []int{0, 1, 2, 2}},
		{tNode{op: "MaxPool", inputs: []string{"x"}, attrs: []tAttr{attrIs("kernel_shape", 2, 2)}}, []int64{0, 1, 3, 3}, nil, nil},
		{tNode{op: "GlobalAveragePool", inputs: []string{"x"}}, []int64{1, 1, 0, 3}, nil, []int{1, 1, 1, 1}},
		{tNode{op: "BatchNormalization", inputs: []string{"x", "s", "s", "s", "s"}}, []int64{0, 1, 3}, []tInit{{name: "s", dims: []int64{1}, data: []float32{1}}}, []int{0, 1, 3}},
		{tNode{op: "Pad", inputs: []string{"x", "p"}}, []int64{0, 2}, []tInit{{name: "p", dims: []int64{4}, ints: []int64{1, 1, 1, 1}}}, []int{2, 4}},
		{tNode{op: "Flatten", inputs: []string{"x"}}, []int64{0, 2, 3}, nil, []int{0, 6}},
		{tNode{op: "ArgMax", inputs: []string{"x"}, attrs: []tAttr{attrI("axis", 1)}}, []int64{0, 2}, nil, []int{0, 1}},
		{tNode{op: "Sum", inputs: []string{"x", "x", "x"}}, []int64{0, 2}, nil, []int{0, 2}},
		{tNode{op: "PRelu", inputs: []string{"x", "x"}}, []int64{0, 2}, nil, []int{0, 2}},
	}
	for _, tc := range cases {
		tc.node.outputs = []string{"y"}
		md := tModel{nodes: []tNode{tc.node}, inits: tc.inits, inputs: []tIO{{name: "x", dims: tc.xs}}, outputs: []tIO{{name: "y"}}}
		m, err := Load(md.encode(), nil)
		var got []Tensor
		if err == nil {
			got, err = m.Run(context.Background(), []Tensor{{Shape: ints(tc.xs), Float: make([]float32, size(ints(tc.xs)))}})
		}
		switch {
		case tc.want == nil && err == nil:
			t.Errorf("%s on %v = shape %v; want an error", tc.node.op, tc.xs, got[0].Shape)
		case tc.want != nil && err != nil:
			t.Errorf("%s on %v error: %v", tc.node.op, tc.xs, err)
		case tc.want != nil && !sameShape(got[0].Shape, tc.want):
			t.Errorf("%s on %v = shape %v; want %v", tc.node.op, tc.xs, got[0].Shape, tc.want)
		}
	}
}
