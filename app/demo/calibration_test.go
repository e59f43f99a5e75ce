package demo

import (
	"math"
	"testing"

	"github.com/gradewatch/gradewatch/inference"
)

// TestCalibratedConfidence checks the sidecar's temperature on MNIST test
// digits 2500..4999, which were not used to fit it (T = 380 minimises the
// mean negative log-likelihood of digits 0..2499 on a grid of step 5).
// Without it mnist-8's logits (thousands) make every confidence about 1.0,
// wrong answers included, and a confidence threshold flags nothing.
func TestCalibratedConfidence(t *testing.T) {
	m, err := inference.Load(ModelONNX(), ModelSidecar())
	if err != nil {
		t.Fatal(err)
	}
	d, err := allDigits()
	if err != nil {
		t.Fatal(err)
	}
	held := d[2500:5000]
	imgs := make([]inference.Image, len(held))
	for i, x := range held {
		pix := make([]float32, Side*Side)
		for j, p := range x.Pix {
			pix[j] = float32(p) / 255
		}
		imgs[i] = inference.Image{Width: Side, Height: Side, Pix: pix}
	}
	preds, err := m.Classify(t.Context(), imgs)
	if err != nil {
		t.Fatal(err)
	}
	const threshold = 0.8 // the console's default review threshold
	var nll float64
	var low, wrong, wrongLow int
	for i, p := range preds {
		nll -= math.Log(math.Max(float64(p.Probs[held[i].Label]), 1e-300))
		isLow := p.Confidence < threshold
		if isLow {
			low++
		}
		if p.Index != held[i].Label {
			wrong++
			if isLow {
				wrongLow++
			}
		}
	}
	nll /= float64(len(held))
	t.Logf("held-out digits: NLL %.4f, %d of %d below %.1f, %d wrong of which %d below", nll, low, len(held), threshold, wrong, wrongLow)
	if nll > 0.1 {
		t.Errorf("mean negative log-likelihood = %.4f; want at most 0.1 (calibrated)", nll)
	}
	if share := float64(low) / float64(len(held)); share < 0.005 || share > 0.1 {
		t.Errorf("%.1f%% of scans below %.1f; want 0.5%% to 10%%: a review queue that is neither empty nor flooded", 100*share, threshold)
	}
	if wrong == 0 || 2*wrongLow < wrong {
		t.Errorf("%d of %d wrong answers fall below %.1f; want at least half caught by the review queue", wrongLow, wrong, threshold)
	}
}
