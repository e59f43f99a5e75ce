package ui

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ImageDecoder turns an image file into a scan the way a configured
// source's layout decodes its scans (formats, size limits, grey levels,
// normalisation), so that ad hoc grading grades as the line does.
type ImageDecoder interface {
	// Sources names the sources an image can be graded as; the first is
	// the default. Empty means the decoder's default layout.
	Sources() []string
	// DecodeImage decodes an image file with the layout of source.
	DecodeImage(source string, r io.Reader) (Scan, error)
}

// adhocFormats are the file extensions offered by the open dialog: the
// formats of monitor/scan's image decoder.
var adhocFormats = []string{".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif"}

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
	source *widget.Select // whose layout decodes the file
	last   *adhocGraded
}

func newAdhocView(c *Console) *adhocView {
	v := &adhocView{c: c}
	v.detail = newDetailPanel(c)
	v.msg = widget.NewLabel("Open or drop an image file (PNG, JPEG, BMP, TIFF, GIF) to grade it with the current model, decoded and normalised as the chosen source's scans. Nothing is saved unless you press Save.")
	v.msg.Wrapping = fyne.TextWrapWord
	open := widget.NewButtonWithIcon("Open image…", theme.FolderOpenIcon(), v.pick)
	v.save = widget.NewButtonWithIcon("Save to results", theme.DocumentSaveIcon(), v.store)
	v.save.Disable()
	var sources []string
	if c.opt.Decoder != nil {
		sources = c.opt.Decoder.Sources()
	}
	v.source = widget.NewSelect(sources, nil)
	if len(sources) > 0 {
		v.source.SetSelectedIndex(0)
	} else {
		v.source.Hide()
	}
	switch {
	case c.opt.Grader == nil:
		open.Disable()
		v.msg.SetText("No model is loaded: ad hoc grading is unavailable.")
	case c.opt.Decoder == nil:
		open.Disable()
		v.msg.SetText("No image decoder is configured: ad hoc grading is unavailable.")
	}
	bar := container.NewHBox(open, v.save, widget.NewLabel("Grade as source"), v.source)
	if len(sources) == 0 {
		bar = container.NewHBox(open, v.save)
	}
	v.root = container.NewBorder(container.NewVBox(bar, v.msg), nil, nil, nil, v.detail.root)
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
	d.SetFilter(storage.NewExtensionFileFilter(adhocFormats))
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
	if v.c.opt.Grader == nil || v.c.opt.Decoder == nil {
		rc.Close()
		v.msg.SetText("No model or image decoder: ad hoc grading is unavailable.")
		return
	}
	v.msg.SetText("Grading " + name + "…")
	v.save.Disable()
	g, dec, source := v.c.opt.Grader, v.c.opt.Decoder, v.source.Selected
	v.c.opt.Go(func(ctx context.Context) {
		defer rc.Close()
		e := adhocGraded{name: name}
		e.scan, e.err = dec.DecodeImage(source, rc)
		if e.err == nil {
			e.pred, e.err = g.Grade(ctx, e.scan)
		}
		if e.err != nil {
			e.err = fmt.Errorf("grade %s: %w", name, e.err)
		}
		v.c.adapter.post(e)
	})
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
