package inference

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Tensor is a plain tensor passed to and returned by Run: float32 data in
// Float, or integer (and boolean) data in Int.
type Tensor struct {
	Shape []int
	Float []float32
	Int   []int64
}

// maxShapePlans bounds the plans Run caches for distinct input shapes.
const maxShapePlans = 16

// Run runs the model on inputs with any shapes the graph accepts and
// returns copies of all graph outputs. It is meant for tests and tools;
// Infer and Classify are the fast paths.
func (m *Model) Run(ctx context.Context, inputs []Tensor) ([]Tensor, error) {
	if len(inputs) != len(m.g.inputs) {
		return nil, fmt.Errorf("run: got %d inputs; the model has %d", len(inputs), len(m.g.inputs))
	}
	shapes := make([][]int, len(inputs))
	ints := make([][]int64, len(inputs))
	var key strings.Builder
	for k, in := range inputs {
		spec := m.g.inputs[k]
		if n := size(in.Shape); (spec.dt == dtFloat && len(in.Float) != n) || (spec.dt == dtInt && len(in.Int) != n) {
			return nil, fmt.Errorf("run: input %q (%s) has shape %v but %d float and %d int values", spec.name, spec.dt, in.Shape, len(in.Float), len(in.Int))
		}
		shapes[k] = in.Shape
		for _, d := range in.Shape {
			key.WriteString(strconv.Itoa(d))
			key.WriteByte(',')
		}
		key.WriteByte(';')
		if spec.dt == dtInt {
			// Integer inputs are planned as constants (see graph.build),
			// so their values are part of the key.
			for _, v := range in.Int {
				key.WriteString(strconv.FormatInt(v, 10))
				key.WriteByte(',')
			}
			key.WriteByte(';')
			ints[k] = in.Int
		}
	}
	p, err := m.shapePlan(key.String(), shapes, ints)
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	defer m.putShapePlan(key.String(), p)
	for k, in := range inputs {
		copy(p.inputs[k].f, in.Float)
		if !p.inputs[k].konst {
			copy(p.inputs[k].i, in.Int)
		}
	}
	if err := p.run(ctx); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	outs := make([]Tensor, len(p.outputs))
	for k, o := range p.outputs {
		outs[k] = Tensor{Shape: append([]int(nil), o.shape...)}
		if o.dt == dtFloat {
			outs[k].Float = append([]float32{}, o.f...)
		} else {
			outs[k].Int = append([]int64{}, o.i...)
		}
	}
	return outs, nil
}

func (m *Model) shapePlan(key string, shapes [][]int, ints [][]int64) (*plan, error) {
	m.mu.Lock()
	if free := m.shapePlans[key]; len(free) > 0 {
		p := free[len(free)-1]
		m.shapePlans[key] = free[:len(free)-1]
		m.mu.Unlock()
		return p, nil
	}
	m.mu.Unlock()
	return m.g.build(shapes, ints)
}

func (m *Model) putShapePlan(key string, p *plan) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shapePlans == nil {
		m.shapePlans = map[string][]*plan{}
	}
	if _, ok := m.shapePlans[key]; !ok && len(m.shapePlans) >= maxShapePlans {
		return // let it go rather than grow without bound
	}
	m.shapePlans[key] = append(m.shapePlans[key], p)
}
