package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/gif"  // decode GIF files opened for ad hoc grading
	_ "image/jpeg" // decode JPEG files opened for ad hoc grading
	_ "image/png"  // decode PNG files opened for ad hoc grading
	"io"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// AdhocSaver stores a scan graded ad hoc as a result, when the operator
// chooses to keep it.
type AdhocSaver interface {
	SaveAdhoc(ctx context.Context, name string, s Scan, p Prediction) (Result, error)
}

// adhocGraded carries an ad hoc grading back to the Fyne goroutine.
type adhocGraded struct {
	name string
	scan Scan
	pred Prediction
	err  error
}

func (adhocGraded) event() {}

// adhocSaved reports the outcome of saving an ad hoc grading.
type adhocSaved struct {
	result Result
	err    error
}

func (adhocSaved) event() {}

// adhocView grades an image file with the current model without writing
// it anywhere unless the operator presses Save.
type adhocView struct {
	c      *Console
	root   fyne.CanvasObject
	msg    *widget.Label
	save   *widget.Button
	detail *detailPanel
	last   *adhocGraded
}

func newAdhocView(c *Console) *adhocView {
	v := &adhocView{c: c}
	v.detail = newDetailPanel(c)
	v.msg = widget.NewLabel("Open or drop an image file (PNG, JPEG, GIF) to grade it with the current model. Nothing is saved unless you press Save.")
	v.msg.Wrapping = fyne.TextWrapWord
	open := widget.NewButtonWithIcon("Open image…", theme.FolderOpenIcon(), v.pick)
	v.save = widget.NewButtonWithIcon("Save to results", theme.DocumentSaveIcon(), v.store)
	v.save.Disable()
	if c.opt.Grader == nil {
		open.Disable()
		v.msg.SetText("No model is loaded: ad hoc grading is unavailable.")
	}
	v.root = container.NewBorder(container.NewVBox(container.NewHBox(open, v.save), v.msg), nil, nil, nil, v.detail.root)
	return v
}

func (v *adhocView) pick() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			v.msg.SetText("Could not open the file: " + err.Error())
			return
		}
		if rc == nil {
			return // cancelled
		}
		v.gradeReader(rc.URI().Name(), rc)
	}, v.c.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".gif"}))
	d.Show()
}

// gradeURI grades a dropped file.
func (v *adhocView) gradeURI(u fyne.URI) {
	rc, err := storage.Reader(u)
	if err != nil {
		v.msg.SetText(fmt.Sprintf("Could not open %s: %v", u.Name(), err))
		return
	}
	v.gradeReader(u.Name(), rc)
}

// gradeReader decodes and grades the image in the background; it closes rc.
func (v *adhocView) gradeReader(name string, rc io.ReadCloser) {
	if v.c.opt.Grader == nil {
		rc.Close()
		v.msg.SetText("No model is loaded: ad hoc grading is unavailable.")
		return
	}
	v.msg.SetText("Grading " + name + "…")
	v.save.Disable()
	g := v.c.opt.Grader
	v.c.opt.Go(func(ctx context.Context) {
		defer rc.Close()
		e := adhocGraded{name: name}
		e.scan, e.err = decodeScan(rc)
		if e.err == nil {
			e.pred, e.err = g.Grade(ctx, e.scan)
		}
		if e.err != nil {
			e.err = fmt.Errorf("grade %s: %w", name, e.err)
		}
		v.c.adapter.post(e)
	})
}

// maxAdhocBytes and maxAdhocSide bound the image files graded ad hoc.
const (
	maxAdhocBytes = 64 << 20
	maxAdhocSide  = 8192
)

// decodeScan reads an image file into a grey scan with values in [0,1].
// The size in the header is checked before the pixels are decoded, so a
// file claiming a huge image is refused without allocating it.
func decodeScan(r io.Reader) (Scan, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxAdhocBytes+1))
	if err != nil {
		return Scan{}, fmt.Errorf("read image: %w", err)
	}
	if len(data) > maxAdhocBytes {
		return Scan{}, fmt.Errorf("image file is over %d MB: use a smaller file", maxAdhocBytes>>20)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Scan{}, fmt.Errorf("decode image: %w (use a PNG, JPEG or GIF file)", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxAdhocSide || cfg.Height > maxAdhocSide {
		return Scan{}, fmt.Errorf("image is %dx%d: use an image between 1x1 and %dx%d", cfg.Width, cfg.Height, maxAdhocSide, maxAdhocSide)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return Scan{}, fmt.Errorf("decode image: %w (use a PNG, JPEG or GIF file)", err)
	}
	b := img.Bounds()
	s := Scan{Width: b.Dx(), Height: b.Dy(), Pix: make([]float32, b.Dx()*b.Dy())}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			// ITU-R BT.601 luma, as image/color's GrayModel uses.
			lum := (19595*cr + 38470*cg + 7471*cb + 1<<15) >> 16
			s.Pix[(y-b.Min.Y)*s.Width+(x-b.Min.X)] = float32(lum) / 0xffff
		}
	}
	if !s.Valid() {
		return Scan{}, fmt.Errorf("image decoded to %dx%d: use a non-empty image", s.Width, s.Height)
	}
	return s, nil
}

func (v *adhocView) graded(e adhocGraded) {
	if e.err != nil {
		v.msg.SetText(e.err.Error())
		v.last = nil
		v.save.Disable()
		return
	}
	v.last = &e
	v.msg.SetText(fmt.Sprintf("%s: %s at %s (not saved)", e.name, e.pred.Grade, pct(e.pred.Confidence, 1)))
	r := Result{
		Source: "ad hoc", SourceKey: e.name, GradedAt: v.c.opt.Now().UTC(),
		Grade: e.pred.Grade, Confidence: e.pred.Confidence, Probs: e.pred.Probs, Labels: e.pred.Labels,
		ModelName: e.pred.ModelName, ModelSHA: e.pred.ModelSHA,
		Metadata: map[string]string{"file": filepath.Base(e.name)},
	}
	v.detail.res, v.detail.has = r, true
	v.detail.showBody(true)
	v.detail.fill()
	v.detail.history.SetText("Not saved.")
	v.detail.setScan(scanLoaded{key: r.key(), scan: e.scan})
	if v.c.opt.Saver != nil {
		v.save.Enable()
	}
}

func (v *adhocView) store() {
	if v.last == nil || v.c.opt.Saver == nil {
		return
	}
	e := *v.last
	v.save.Disable()
	saver := v.c.opt.Saver
	v.c.opt.Go(func(ctx context.Context) {
		r, err := saver.SaveAdhoc(ctx, e.name, e.scan, e.pred)
		v.c.adapter.post(adhocSaved{result: r, err: err})
	})
}

func (v *adhocView) saved(e adhocSaved) {
	if e.err != nil {
		v.msg.SetText("Could not save: " + e.err.Error())
		v.save.Enable()
		return
	}
	v.last = nil
	v.msg.SetText(fmt.Sprintf("Saved as %s/%s.", e.result.Source, e.result.SourceKey))
}
