package monitor

import (
	"math"
	"strings"
	"testing"
	"time"

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

// Between two pending counts, committed rows come off the last count.
func TestPendingEstimateBetweenCounts(t *testing.T) {
	m, err := New(Config{Store: newFakeStore(0), Sources: []SourceConfig{blobSource("a", time.Second, 10)}})
	if err != nil {
		t.Fatal(err)
	}
	s := m.sources[0]
	s.update(func(st *Status) { st.Pending = 25 })
	items := make([]graded, 10)
	items[3].reject = "decode: bad"
	items[4].unstorable = true // still pending
	for _, want := range []int64{16, 7, 0} {
		s.committed(items, "m")
		if got := m.Status()[0].Pending; got != want {
			t.Errorf("pending after committing 9 = %d; want %d", got, want)
		}
	}
	if st := m.Status()[0]; st.Graded != 24 || st.Rejected != 3 {
		t.Errorf("graded %d, rejected %d; want 24, 3", st.Graded, st.Rejected)
	}
}
