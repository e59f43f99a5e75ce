package demo

import (
	"testing"

	"github.com/gradewatch/gradewatch/inference"
)

// TestBundledModelAccuracy grades the first 2,000 MNIST test digits with
// the bundled model and sidecar, the way the pipeline feeds them (pixels
// normalised to [0,1], the sidecar's scale 255 undoing it). mnist-8 is
// reported at about 98-99% on the MNIST test set.
func TestBundledModelAccuracy(t *testing.T) {
	m, err := inference.Load(ModelONNX(), ModelSidecar())
	if err != nil {
		t.Fatalf("load bundled model: %v", err)
	}
	d, err := allDigits()
	if err != nil {
		t.Fatal(err)
	}
	const n = 2000
	imgs := make([]inference.Image, n)
	for i := range imgs {
		pix := make([]float32, Side*Side)
		for j, p := range d[i].Pix {
			pix[j] = float32(p) / 255
		}
		imgs[i] = inference.Image{Width: Side, Height: Side, Pix: pix}
	}
	preds, err := m.Classify(t.Context(), imgs)
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	for i, p := range preds {
		if p.Label == string(rune('0'+d[i].Label)) {
			correct++
		}
	}
	acc := float64(correct) / n
	t.Logf("bundled mnist-8 on MNIST test digits 0..%d: %d/%d correct (%.2f%%)", n-1, correct, n, 100*acc)
	if acc < 0.97 {
		t.Errorf("accuracy = %.4f; want at least 0.97", acc)
	}
}
