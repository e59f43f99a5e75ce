package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Choices offered by the source editor; the configuration's Validate has
// the last word on them.
var (
	sourceModes   = []string{"key", "rowversion", "claim"}
	layoutKinds   = []string{"blob", "image", "text", "points"}
	blobDTypes    = []string{noDType, "uint8", "uint16", "float32", "float64"}
	normalisation = []string{"min-max", "fixed", "z-score"}
)

// noDType is the dtype choice for layouts other than blob.
const noDType = "(none)"

// sourceEditor edits one source: its interval applies on the next poll;
// everything else at the next start.
type sourceEditor struct {
	orig                           SourceSetting
	table, key                     *widget.Entry
	mode, layout, dtype, norm      *widget.Select
	width, height, interval, batch *widget.Entry
	min, max                       *widget.Entry
	enabled                        *widget.Check
	testMsg                        *widget.Label
}

func newSourceEditor(v *settingsView, s SourceSetting) *sourceEditor {
	ed := &sourceEditor{orig: s}
	entry := func(text string) *widget.Entry { e := widget.NewEntry(); e.SetText(text); return e }
	sel := func(opts []string, val string) *widget.Select {
		w := widget.NewSelect(opts, nil)
		w.SetSelected(val)
		return w
	}
	ed.table, ed.key = entry(s.Table), entry(s.Key)
	ed.mode = sel(sourceModes, s.Mode)
	ed.layout = sel(layoutKinds, s.Layout)
	ed.dtype = sel(blobDTypes, orDefault(s.DType, noDType))
	ed.norm = sel(normalisation, orDefault(s.Norm, "min-max"))
	ed.width, ed.height = entry(strconv.Itoa(s.Width)), entry(strconv.Itoa(s.Height))
	ed.interval = entry(s.Interval.String())
	ed.interval.Validator = func(t string) error { _, err := parseInterval(t); return err }
	ed.batch = entry(strconv.Itoa(s.BatchSize))
	ed.min, ed.max = entry(formatBound(s.NormMin)), entry(formatBound(s.NormMax))
	ed.min.SetPlaceHolder("min (fixed only)")
	ed.max.SetPlaceHolder("max (fixed only)")
	ed.enabled = widget.NewCheck("Polled", nil)
	ed.enabled.SetChecked(!s.Disabled)
	ed.testMsg = widget.NewLabel("")
	ed.testMsg.Wrapping = fyne.TextWrapWord
	return ed
}

// card lays the editor out; test runs the "Test source" button.
func (ed *sourceEditor) card(test func()) fyne.CanvasObject {
	pair := func(a, b fyne.CanvasObject) fyne.CanvasObject { return container.NewGridWithColumns(2, a, b) }
	form := widget.NewForm(
		widget.NewFormItem("Table", ed.table),
		widget.NewFormItem("Key column · mode", pair(ed.key, ed.mode)),
		widget.NewFormItem("Layout · dtype", pair(ed.layout, ed.dtype)),
		widget.NewFormItem("Width · height", pair(ed.width, ed.height)),
		widget.NewFormItem("Poll every · batch size", pair(ed.interval, ed.batch)),
		widget.NewFormItem("Normalisation", container.NewGridWithColumns(3, ed.norm, ed.min, ed.max)),
		widget.NewFormItem("", container.NewHBox(ed.enabled, widget.NewButtonWithIcon("Test source", theme.SearchIcon(), test))),
	)
	return widget.NewCard(ed.orig.Name, ed.orig.Details, container.NewVBox(form, ed.testMsg))
}

// read parses the editor; errors name the source and the field.
func (ed *sourceEditor) read() (SourceSetting, error) {
	s := ed.orig
	fail := func(field string, err error) (SourceSetting, error) {
		return SourceSetting{}, fmt.Errorf("%s %s: %w", s.Name, field, err)
	}
	var err error
	s.Table, s.Key = strings.TrimSpace(ed.table.Text), strings.TrimSpace(ed.key.Text)
	s.Mode, s.Layout = ed.mode.Selected, ed.layout.Selected
	s.DType = ed.dtype.Selected
	if s.DType == noDType {
		s.DType = ""
	}
	s.Norm = ed.norm.Selected
	if s.Norm == "min-max" && ed.orig.Norm == "" {
		s.Norm = "" // the default, as the file had it
	}
	if s.Width, err = parseCells(ed.width.Text); err != nil {
		return fail("width", err)
	}
	if s.Height, err = parseCells(ed.height.Text); err != nil {
		return fail("height", err)
	}
	if s.Interval, err = parseInterval(ed.interval.Text); err != nil {
		return fail("interval", err)
	}
	if s.BatchSize, err = parseCells(ed.batch.Text); err != nil {
		return fail("batch size", err)
	}
	if s.NormMin, err = parseBound(ed.min.Text); err != nil {
		return fail("normalisation min", err)
	}
	if s.NormMax, err = parseBound(ed.max.Text); err != nil {
		return fail("normalisation max", err)
	}
	s.Disabled = !ed.enabled.Checked
	return s, nil
}

// needsRestart reports whether b differs from a in more than the
// interval, which is the only source setting applied while running.
func needsRestart(a, b SourceSetting) bool {
	a.Interval, b.Interval = 0, 0
	a.Details, b.Details = "", ""
	if !sameBound(a.NormMin, b.NormMin) || !sameBound(a.NormMax, b.NormMax) {
		return true
	}
	a.NormMin, a.NormMax, b.NormMin, b.NormMax = nil, nil, nil, nil
	return a != b
}

func sameBound(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// testSource checks the edited source against the database.
func (v *settingsView) testSource(ed *sourceEditor) {
	s, err := ed.read()
	if err != nil {
		ed.testMsg.SetText(err.Error())
		return
	}
	ed.testMsg.SetText("Checking " + s.Table + "…")
	v.c.opt.Go(func(ctx context.Context) {
		text, err := v.svc.CheckSource(ctx, s)
		v.c.adapter.post(sourceChecked{ed: ed, text: resultText(settingsDone{err: err}, text)})
	})
}

// sourceChecked carries a source test's outcome to the Fyne goroutine.
type sourceChecked struct {
	ed   *sourceEditor
	text string
}

func (sourceChecked) event() {}

// parseCells reads a non-negative count such as a width or batch size.
func parseCells(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q: write a whole number, 0 or more", s)
	}
	return n, nil
}

// parseBound reads an optional normalisation bound; blank means none.
func parseBound(s string) (*float64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return nil, fmt.Errorf("%q: write a number such as 255, or leave it blank", s)
	}
	return &f, nil
}

func formatBound(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
