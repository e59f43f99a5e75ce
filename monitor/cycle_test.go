package monitor

import (
	"math"
	"strings"
	"testing"

	"github.com/gradewatch/gradewatch/inference"
)

func TestCheckPrediction(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		p    inference.Prediction
		want string // "" = storable
	}{
		{inference.Prediction{Confidence: 0.9, Probs: []float32{0.9, 0.1}}, ""},
		{inference.Prediction{Confidence: 1, Probs: []float32{1, 0}}, ""},
		{inference.Prediction{Confidence: 1.0000001, Probs: []float32{1.0000001, 0}}, ""}, // rounding
		{inference.Prediction{Confidence: nan, Probs: []float32{0.5}}, "confidence NaN"},
		{inference.Prediction{Confidence: 0.5, Probs: []float32{0.5, nan}}, "probability NaN for class 1"},
		{inference.Prediction{Confidence: 0.5, Probs: []float32{float32(math.Inf(1))}}, "probability +Inf for class 0"},
		{inference.Prediction{Confidence: 1.5}, "confidence 1.5"},
	}
	for _, tt := range tests {
		got := checkPrediction(tt.p)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("checkPrediction(%+v) = %q; want %q", tt.p, got, tt.want)
		}
	}
}
