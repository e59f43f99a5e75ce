package inference

import (
	"fmt"

	"gorgonia.org/tensor"
)

// dtype is the storage kind of a value inside the engine: float32 data,
// or int64 for shapes, indices and integer or boolean tensors.
type dtype uint8

const (
	dtFloat dtype = iota
	dtInt
)

func (d dtype) String() string {
	if d == dtInt {
		return "int64"
	}
	return "float32"
}

// value is one tensor of a plan: a graph input, an initializer, a folded
// constant or a node output. Float data lives in a gorgonia *tensor.Dense
// whose float32 backing slice is cached in f, so that kernels work on
// plain slices without interface conversions in steady state.
type value struct {
	name  string
	dt    dtype
	shape []int
	dense *tensor.Dense // float values with at least one element
	f     []float32
	i     []int64
	// konst marks initializers and values folded at plan time.
	konst bool
}

// size returns the number of elements of shape.
func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func (v *value) size() int { return size(v.shape) }

// newFloat allocates a float value of the given shape backed by a
// gorgonia dense tensor.
func newFloat(name string, shape []int) *value {
	v := &value{name: name, dt: dtFloat, shape: append([]int(nil), shape...)}
	n := size(shape)
	if n > 0 {
		v.dense = tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(n))
		v.f = v.dense.Data().([]float32)
	} else {
		v.f = []float32{}
	}
	return v
}

// floatFrom wraps existing data (an initializer) without copying.
func floatFrom(name string, shape []int, data []float32) *value {
	v := &value{name: name, dt: dtFloat, shape: append([]int(nil), shape...), f: data}
	if len(data) > 0 {
		v.dense = tensor.New(tensor.WithShape(len(data)), tensor.WithBacking(data))
	}
	return v
}

func newInt(name string, shape []int) *value {
	return &value{name: name, dt: dtInt, shape: append([]int(nil), shape...), i: make([]int64, size(shape))}
}

// alias returns a value sharing v's data with another shape (Reshape,
// Flatten, Squeeze, Unsqueeze, Identity, Dropout): no copy is made, which
// is safe because no operator writes into its inputs.
func (v *value) alias(name string, shape []int) *value {
	return &value{name: name, dt: v.dt, shape: append([]int(nil), shape...), dense: v.dense, f: v.f, i: v.i, konst: v.konst}
}

// ints returns the data of a constant value as int64s, for shape-like
// inputs (Reshape shape, axes, pads). Float data is converted.
func (v *value) ints() []int64 {
	if v.dt == dtInt {
		return v.i
	}
	out := make([]int64, len(v.f))
	for k, x := range v.f {
		out[k] = int64(x)
	}
	return out
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(axis int64, rank int) (int, error) {
	a := axis
	if a < 0 {
		a += int64(rank)
	}
	if a < 0 || a >= int64(rank) {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", axis, rank)
	}
	return int(a), nil
}

// strides returns row-major strides of shape.
func strides(shape []int) []int {
	s := make([]int, len(shape))
	n := 1
	for k := len(shape) - 1; k >= 0; k-- {
		s[k] = n
		n *= shape[k]
	}
	return s
}
