package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

func TestDetailZoomColormapHover(t *testing.T) {
	e := newTestEnv(t, fyne.NewSize(1280, 800), testResult(1, "line-a", 3, 0.9))
	e.post(ScanGraded{Result: testResult(1, "line-a", 3, 0.9), Scan: testScan(1)})
	e.c.live.grid.Select(0)
	e.q.drain()
	d := e.c.live.detail
	if d.view.zoom != 10 { // fitSide 280 / 28 cells
		t.Errorf("zoom after opening = %v; want 10 (fit)", d.view.zoom)
	}
	d.cmap.SetSelected("Inferno")
	if d.view.cmap != Inferno {
		t.Errorf("colour map = %v; want Inferno", d.view.cmap)
	}
	// The rendered image uses the map: the centre value 0 is inferno black.
	img := d.view.img.Image.(*image.NRGBA)
	if got := img.NRGBAAt(14, 14); got != Inferno.Color(0) {
		t.Errorf("pixel (14,14) = %v; want inferno(0) %v", got, Inferno.Color(0))
	}
	// Hovering over cell (20, 14) shows its value.
	d.view.MouseMoved(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(20*10+3, 14*10+3)}})
	if want := fmt.Sprintf("x 20  y 14  value %.3f", testScan(1).At(20, 14)); d.hover.Text != want {
		t.Errorf("hover text = %q; want %q", d.hover.Text, want)
	}
	d.view.MouseOut()
	if !strings.HasPrefix(d.hover.Text, "Point at") {
		t.Errorf("hover text after leaving = %q; want the hint", d.hover.Text)
	}
	d.view.setZoom(d.view.zoom * 2)
	if d.view.MinSize() != fyne.NewSize(560, 560) {
		t.Errorf("size at zoom 20 = %v; want 560x560", d.view.MinSize())
	}
}

// A result fresh from the monitor has no ID: the detail looks it up by its
// source row, then shows the stored history and can flag it.
func TestDetailOfFreshResultAndFlag(t *testing.T) {
	stored := testResult(42, "line-a", 3, 0.95)
	e := newTestEnv(t, fyne.NewSize(1280, 800), stored)
	e.store.audit = []Override{{ResultID: 42, OldGrade: "3", NewGrade: "8", Reason: "Scan artefact", Operator: "Bob"}}
	fresh := stored
	fresh.ID = 0
	e.post(ScanGraded{Result: fresh, Scan: testScan(1)})
	e.c.live.grid.Select(0)
	e.q.drain()
	d := e.c.live.detail
	if d.res.ID != 42 {
		t.Fatalf("detail result ID = %d; want 42 looked up by source row", d.res.ID)
	}
	if !strings.Contains(d.history.Text, "3 → 8") || !strings.Contains(d.history.Text, "Bob") {
		t.Errorf("history = %q; want Bob's override 3 → 8", d.history.Text)
	}
	test.Tap(d.flag)
	e.q.drain()
	if !e.store.get(42).Flagged || !d.res.Flagged || d.flag.Text != "Remove review flag" {
		t.Errorf("after Flag: stored %v, shown %v, button %q", e.store.get(42).Flagged, d.res.Flagged, d.flag.Text)
	}
	if got := queueIDs(e.c.review); len(got) != 1 || got[0] != 42 {
		t.Errorf("review queue after flagging = %v; want [42]", got)
	}
}

func TestDetailScanLoadFailureIsShown(t *testing.T) {
	e := newTestEnv(t, fyne.NewSize(1280, 800))
	r := testResult(7, "line-a", 1, 0.9) // not in the loader, no scan in the event
	e.post(ScanGraded{Result: r})
	e.c.live.grid.Select(0)
	e.q.drain()
	d := e.c.live.detail
	if !d.imgMsg.Visible() || !strings.Contains(d.imgMsg.Text, "scan 7: no image") {
		t.Errorf("image message = %q (visible %v); want the loader's error", d.imgMsg.Text, d.imgMsg.Visible())
	}
}

type fakeGrader struct{ err error }

func (g fakeGrader) Grade(_ context.Context, s Scan) (Prediction, error) {
	if g.err != nil {
		return Prediction{}, g.err
	}
	probs := make([]float32, 10)
	probs[7] = 0.88
	probs[1] = 0.12
	return Prediction{Grade: "7", Confidence: 0.88, Probs: probs, Labels: digits, ModelName: "mnist-8", ModelSHA: "2f06e72a0b8c"}, nil
}

type fakeSaver struct{ saved []string }

func (f *fakeSaver) SaveAdhoc(_ context.Context, name string, s Scan, p Prediction) (Result, error) {
	f.saved = append(f.saved, name)
	return Result{ID: 99, Source: "ad hoc", SourceKey: name}, nil
}

func pngBytes(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for i := 5; i < 23; i++ {
		img.SetGray(14, i, color.Gray{Y: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAdhocGrading(t *testing.T) {
	tests := []struct {
		name    string
		file    []byte
		grader  fakeGrader
		want    string
		canSave bool
	}{
		{"graded, not saved", pngBytes(t), fakeGrader{}, "digit.png: 7 at 88.0% (not saved)", true},
		{"not an image", []byte("hello"), fakeGrader{}, "grade digit.png: image payload of 5 bytes is not PNG, JPEG, BMP or TIFF, nor GIF: image: unknown format", false},
		{"model fails", pngBytes(t), fakeGrader{err: errors.New("no model is loaded")}, "grade digit.png: no model is loaded", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := test.NewTempApp(t)
			w := test.NewTempWindow(t, nil)
			q := &queue{}
			saver := &fakeSaver{}
			c := New(a, w, Options{Grader: tt.grader, Decoder: scanDecoder{}, Saver: saver, Go: q.Go, FrameInterval: -1})
			w.SetContent(c.Content())
			c.adhoc.gradeReader("digit.png", io.NopCloser(bytes.NewReader(tt.file)))
			q.drain()
			if c.adhoc.msg.Text != tt.want {
				t.Errorf("message = %q; want %q", c.adhoc.msg.Text, tt.want)
			}
			if c.adhoc.save.Disabled() == tt.canSave {
				t.Errorf("save enabled = %v; want %v", !c.adhoc.save.Disabled(), tt.canSave)
			}
			if !tt.canSave {
				return
			}
			if d := c.adhoc.detail; d.res.Grade != "7" || !d.view.scan.Valid() || d.view.scan.At(14, 10) != 1 {
				t.Errorf("ad hoc detail: grade %q, scan valid %v, value at (14,10) %v; want 7, valid, 1", d.res.Grade, d.view.scan.Valid(), d.view.scan.At(14, 10))
			}
			if len(saver.saved) != 0 {
				t.Fatalf("saved before the operator chose to: %v", saver.saved)
			}
			test.Tap(c.adhoc.save)
			q.drain()
			if len(saver.saved) != 1 || c.adhoc.msg.Text != "Saved as ad hoc/digit.png." {
				t.Errorf("after Save: saved %v, message %q", saver.saved, c.adhoc.msg.Text)
			}
		})
	}
}

func TestDashboardCounts(t *testing.T) {
	var rs []Result
	for i := range 12 {
		r := testResult(int64(i+1), "line-a", i%3, 0.9) // graded 09:30:01.. on t0's day
		if i == 4 {
			r.FinalGrade = "0"
		}
		rs = append(rs, r)
	}
	e := newTestEnv(t, fyne.NewSize(1280, 800), rs...)
	e.c.opt.PassGrades = []string{"0", "1"}
	e.c.tabs.SelectIndex(2)
	e.q.drain()
	d := e.c.dash
	// Today: 12 scans; final grades 0: 5 (4 + the override), 1: 3, 2: 4.
	for _, want := range []string{"Scans: 12", "Yield: 66.7% (pass: 0, 1)", "Override rate: 8.3%"} {
		if !strings.Contains(d.today.Text, want) {
			t.Errorf("today = %q; want it to contain %q", d.today.Text, want)
		}
	}
	var bars []string
	for _, row := range d.todayG.Objects {
		objs := row.(*fyne.Container).Objects
		bars = append(bars, objs[0].(*canvas.Text).Text+": "+objs[2].(*canvas.Text).Text)
	}
	if want := []string{"0: 5 (41.7%)", "1: 3 (25.0%)", "2: 4 (33.3%)"}; fmt.Sprint(bars) != fmt.Sprint(want) {
		t.Errorf("today's grade bars = %q; want %q", bars, want)
	}
	// The shift started at the console's start (t0 + 1h): nothing yet.
	if !strings.Contains(d.shift.Text, "Scans: 0") {
		t.Errorf("shift = %q; want Scans: 0", d.shift.Text)
	}
	if len(d.chart.counts) != 24 || d.chart.counts[9] != 12 {
		t.Errorf("chart = %v; want 24 hours with 12 scans at 09:00", d.chart.counts)
	}
	test.AssertRendersToMarkup(t, "dashboard.xml", e.w.Canvas())
	test.AssertRendersToImage(t, "dashboard.png", e.w.Canvas())
}
