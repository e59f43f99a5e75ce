package inference

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
)

// TestTemperature checks temperature scaling: probabilities are the
// softmax of the zoo's reference logits divided by T, from the sidecar or
// from metadata_props.
func TestTemperature(t *testing.T) {
	b, err := os.ReadFile(mnistPath)
	if err != nil {
		t.Fatal(err)
	}
	img, logits := mnistSet(t, 0)
	const temp = 375
	scaled := make([]float32, len(logits))
	for k, v := range logits {
		scaled[k] = v / temp
	}
	want := softmax64(scaled)
	m, err := Load(b, []byte(`{"preprocess":{"scale":255},"temperature":375}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Info().Temperature; got != temp {
		t.Errorf("Info().Temperature = %g; want %d", got, temp)
	}
	preds, err := m.Classify(context.Background(), []Image{img})
	if err != nil {
		t.Fatal(err)
	}
	for c := range want {
		if math.Abs(float64(preds[0].Probs[c])-want[c]) > 1e-4 {
			t.Errorf("Probs[%d] = %g; want %g (softmax of reference logits / %d)", c, preds[0].Probs[c], want[c], temp)
		}
	}
	if preds[0].Confidence >= 1 {
		t.Errorf("Confidence = %g; want it below 1 at T=%d (at T=1 it rounds to 1)", preds[0].Confidence, temp)
	}
}

func TestTemperatureMetadata(t *testing.T) {
	md := tModel{
		nodes:    []tNode{{op: "Flatten", inputs: []string{"x"}, outputs: []string{"y"}}},
		inputs:   []tIO{{name: "x", dims: []int64{-1, 1, 1, 2}}},
		outputs:  []tIO{{name: "y"}},
		metadata: map[string]string{MetaTemperature: "2"},
	}
	m, err := Load(md.encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	preds, err := m.Classify(context.Background(), []Image{{Width: 2, Height: 1, Pix: []float32{0, 2}}})
	if err != nil {
		t.Fatal(err)
	}
	// softmax([0, 2] / 2) = [1, e] / (1 + e).
	want := 1 / (1 + math.E)
	if math.Abs(float64(preds[0].Probs[0])-want) > 1e-6 {
		t.Errorf("Probs = %v; want [%g %g]", preds[0].Probs, want, 1-want)
	}
	md.metadata[MetaTemperature] = `"hot"`
	if _, err := Load(md.encode(), nil); err == nil || !strings.Contains(err.Error(), MetaTemperature) {
		t.Errorf("Load(temperature \"hot\") error = %v; want one naming %s", err, MetaTemperature)
	}
}
