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

// addEditor adds an editor for s to the sources box, before the row that
// adds a source when there is one.
func (v *settingsView) addEditor(box *fyne.Container, s SourceSetting) {
	ed := newSourceEditor(v, s)
	v.sources = append(v.sources, ed)
	v.intervals = append(v.intervals, ed.interval)
	card := ed.card(func() { v.testSource(ed) })
	if n := len(box.Objects); n > 0 && v.addRow != nil && box.Objects[n-1] == v.addRow {
		box.Objects = append(box.Objects[:n-1], card, v.addRow)
		box.Refresh()
		// The cards around box grow: lay the whole form out again.
		for _, o := range v.body.Objects {
			o.Refresh()
		}
		v.body.Refresh()
		v.root.Refresh()
		return
	}
	box.Add(card)
}

// newSourceRow is the row that adds a source as a copy of an existing one
// (its columns, metadata and points table come along); it is saved with
// the other settings and polled from the next start.
func (v *settingsView) newSourceRow(box *fyne.Container) fyne.CanvasObject {
	var names []string
	for _, ed := range v.sources {
		names = append(names, ed.orig.Name)
	}
	v.newName = widget.NewEntry()
	v.newName.SetPlaceHolder("New source name")
	v.copyOf = widget.NewSelect(names, nil)
	v.copyOf.PlaceHolder = "Copy of…"
	if len(names) > 0 {
		v.copyOf.SetSelected(names[0])
	}
	v.addMsg = widget.NewLabel("")
	add := widget.NewButtonWithIcon("Add source", theme.ContentAddIcon(), func() {
		name := strings.TrimSpace(v.newName.Text)
		var tmpl *sourceEditor
		for _, ed := range v.sources {
			if ed.orig.Name == name {
				v.addMsg.SetText(fmt.Sprintf("%q is already a source; choose another name.", name))
				return
			}
			if ed.orig.Name == v.copyOf.Selected {
				tmpl = ed
			}
		}
		if name == "" || tmpl == nil {
			v.addMsg.SetText("Write a name and choose the source to copy.")
			return
		}
		s, err := tmpl.read()
		if err != nil {
			v.addMsg.SetText("Fix the source to copy first: " + err.Error())
			return
		}
		s.Name = name
		if tmpl.orig.CopyOf == "" { // a copy of a new source copies its original
			s.CopyOf = tmpl.orig.Name
		}
		s.Details = "new, copied from " + s.CopyOf + "; saved with Save, polled from the next start"
		v.newName.SetText("")
		v.addMsg.SetText("")
		v.addEditor(box, s)
	})
	v.addRow = container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewLabel("copied from"), v.copyOf, add), v.newName), v.addMsg)
	return v.addRow
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
