package inference

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/gradewatch/gradewatch/inference/onnx"
)

// OutputCheck compares one model output with its expected value.
type OutputCheck struct {
	Name   string
	MaxAbs float64 // largest |got - want|
	MaxRel float64 // largest |got - want| / |want| over non-zero want
	Pass   bool
	// Problem explains a failure that is not a numeric difference
	// (a different shape, a missing output).
	Problem string
}

// DataSetResult is the result of one test_data_set_N folder.
type DataSetResult struct {
	Name    string
	Outputs []OutputCheck
	Err     error // the model failed to run on these inputs
}

// Pass reports whether the run succeeded and every output passed.
func (d DataSetResult) Pass() bool {
	if d.Err != nil {
		return false
	}
	for _, o := range d.Outputs {
		if !o.Pass {
			return false
		}
	}
	return true
}

// CheckCase runs an ONNX test case folder: dir/model.onnx on every
// dir/test_data_set_*/input_*.pb, comparing with output_*.pb. An element
// passes when |got - want| <= atol + rtol*|want|. The error is set when
// the model or a data file cannot be loaded; per-set failures are in the
// results.
func CheckCase(ctx context.Context, dir string, rtol, atol float64) ([]DataSetResult, error) {
	m, err := LoadFile(ctx, filepath.Join(dir, "model.onnx"))
	if err != nil {
		return nil, err
	}
	sets, err := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if err != nil {
		return nil, err
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("check case %s: no test_data_set_* folders", dir)
	}
	sort.Strings(sets)
	var results []DataSetResult
	for _, set := range sets {
		ins, err := readTensors(set, "input")
		if err != nil {
			return nil, err
		}
		wants, err := readTensors(set, "output")
		if err != nil {
			return nil, err
		}
		res := DataSetResult{Name: filepath.Base(set)}
		got, err := m.Run(ctx, ins)
		if err != nil {
			res.Err = err
			results = append(results, res)
			continue
		}
		for k, want := range wants {
			name := fmt.Sprintf("output_%d", k)
			if k < len(m.info.Outputs) {
				name = m.info.Outputs[k].Name
			}
			if k >= len(got) {
				res.Outputs = append(res.Outputs, OutputCheck{Name: name, Problem: "model has no such output"})
				continue
			}
			res.Outputs = append(res.Outputs, compare(name, got[k], want, rtol, atol))
		}
		results = append(results, res)
	}
	return results, nil
}

// readTensors reads prefix_0.pb, prefix_1.pb, ... from dir.
func readTensors(dir, prefix string) ([]Tensor, error) {
	var out []Tensor
	for k := 0; ; k++ {
		path := filepath.Join(dir, fmt.Sprintf("%s_%d.pb", prefix, k))
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		t, err := onnx.DecodeTensor(b)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		shape := make([]int, len(t.Dims))
		for j, d := range t.Dims {
			shape[j] = int(d)
		}
		out = append(out, Tensor{Shape: shape, Float: t.Float, Int: t.Int64})
	}
}

func compare(name string, got, want Tensor, rtol, atol float64) OutputCheck {
	oc := OutputCheck{Name: name}
	if !sameShape(got.Shape, want.Shape) && !(size(got.Shape) == 1 && size(want.Shape) == 1) {
		oc.Problem = fmt.Sprintf("shape %v, want %v", got.Shape, want.Shape)
		return oc
	}
	g, w := asFloat64(got), asFloat64(want)
	if len(g) != len(w) {
		oc.Problem = fmt.Sprintf("%d values, want %d", len(g), len(w))
		return oc
	}
	oc.Pass = true
	for k := range g {
		if math.IsNaN(g[k]) && math.IsNaN(w[k]) {
			continue
		}
		d := math.Abs(g[k] - w[k])
		if g[k] == w[k] { // equal infinities
			d = 0
		}
		if math.IsNaN(d) || d > atol+rtol*math.Abs(w[k]) {
			oc.Pass = false
		}
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		oc.MaxAbs = math.Max(oc.MaxAbs, d)
		if w[k] != 0 {
			oc.MaxRel = math.Max(oc.MaxRel, d/math.Abs(w[k]))
		}
	}
	return oc
}

func asFloat64(t Tensor) []float64 {
	out := make([]float64, 0, len(t.Float)+len(t.Int))
	for _, v := range t.Float {
		out = append(out, float64(v))
	}
	for _, v := range t.Int {
		out = append(out, float64(v))
	}
	return out
}
