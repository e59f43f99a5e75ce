package console

import (
	"testing"

	"github.com/gradewatch/gradewatch/monitor"
	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
	"github.com/gradewatch/gradewatch/ui"
)

// The bridge hands the console the full scan and the thumbnail
// separately: a 512 x 512 scan reaches the detail view whole.
func TestUIEventCarriesFullScanAndThumbnail(t *testing.T) {
	full := scan.Matrix{Width: 512, Height: 512, Pix: make([]float32, 512*512)}
	full.Pix[511] = 1
	ev := monitor.ScanGraded{
		Result:    storage.Result{Source: "line1", SourceKey: "7", Predicted: "3", Confidence: 0.9},
		Thumbnail: full.Thumbnail(monitor.DefaultThumbnailSide),
		Scan:      full,
	}
	got, ok := uiEvent(ev)
	if !ok {
		t.Fatal("uiEvent(ScanGraded) was not shown")
	}
	g := got.(ui.ScanGraded)
	if g.Scan.Width != 512 || g.Scan.Height != 512 || len(g.Scan.Pix) != 512*512 || g.Scan.Pix[511] != 1 {
		t.Errorf("Scan is %dx%d (%d values); want the full 512x512 scan", g.Scan.Width, g.Scan.Height, len(g.Scan.Pix))
	}
	if g.Thumb.Width != 64 || g.Thumb.Height != 64 {
		t.Errorf("Thumb is %dx%d; want 64x64", g.Thumb.Width, g.Thumb.Height)
	}
	// A scan stripped by a subscriber that fell behind stays empty, so the
	// console loads it instead of showing the thumbnail as the scan.
	ev.Scan = scan.Matrix{}
	got, _ = uiEvent(ev)
	if s := got.(ui.ScanGraded).Scan; s.Valid() {
		t.Errorf("stripped event gave a %dx%d scan; want none", s.Width, s.Height)
	}
}
