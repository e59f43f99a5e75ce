package ui

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// detailPanel shows one result: the scan large with colour map, zoom and
// value under the pointer, the class probabilities, metadata, model and
// override history.
type detailPanel struct {
	c    *Console
	root fyne.CanvasObject

	res     Result
	has     bool
	title   *widget.Label
	grade   *canvas.Text
	conf    *widget.Label
	view    *scanView
	cmap    *widget.Select
	zoomLbl *widget.Label
	hover   *widget.Label
	imgMsg  *widget.Label
	probs   *fyne.Container
	meta    *widget.Label
	model   *widget.Label
	history *widget.Label
	body    *fyne.Container
	header  *fyne.Container
	scroll  *container.Scroll
	flag    *widget.Button
}

// toggleFlag flags the result on screen for review, or unflags it.
func (d *detailPanel) toggleFlag() {
	r := d.res
	store := d.c.opt.Store
	if !d.has || store == nil {
		return
	}
	if r.ID == 0 {
		d.c.showError("flag", fmt.Errorf("result %s/%s is not stored yet; try again in a moment", r.Source, r.SourceKey))
		return
	}
	d.flag.Disable()
	d.c.opt.Go(func(ctx context.Context) {
		updated, err := store.Flag(ctx, r.ID, !r.Flagged)
		if err != nil {
			d.c.adapter.post(notice{text: fmt.Sprintf("flag %s/%s: %v", r.Source, r.SourceKey, err)}, ResultUpdated{Result: r})
			return
		}
		d.c.adapter.post(ResultUpdated{Result: updated}, flagChanged{})
	})
}

func newDetailPanel(c *Console) *detailPanel {
	d := &detailPanel{c: c}
	d.title = widget.NewLabelWithStyle("Select a scan", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.title.Truncation = fyne.TextTruncateEllipsis
	d.grade = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	d.grade.TextSize = 32
	d.grade.TextStyle.Bold = true
	d.conf = widget.NewLabel("")
	d.conf.Truncation = fyne.TextTruncateEllipsis
	d.view = newScanView()
	d.hover = widget.NewLabel("Point at the scan to read a value")
	d.view.onHover = func(x, y int, v float32, ok bool) {
		if ok {
			d.hover.SetText(fmt.Sprintf("x %d  y %d  value %.3f", x, y, v))
		} else {
			d.hover.SetText("Point at the scan to read a value")
		}
	}
	d.imgMsg = widget.NewLabel("")
	d.imgMsg.Wrapping = fyne.TextWrapWord
	d.imgMsg.Hide()
	d.cmap = widget.NewSelect(colormapNames, func(name string) {
		d.view.set(d.view.scan, colormapByName(name))
	})
	d.cmap.SetSelected(Grey.String())
	d.zoomLbl = widget.NewLabel("")
	zoom := func(f float32) func() {
		return func() {
			d.view.setZoom(d.view.zoom * f)
			d.showZoom()
		}
	}
	zoomOut := widget.NewButtonWithIcon("", theme.ZoomOutIcon(), zoom(0.5))
	zoomIn := widget.NewButtonWithIcon("", theme.ZoomInIcon(), zoom(2))
	fit := widget.NewButtonWithIcon("", theme.ZoomFitIcon(), func() {
		d.view.setZoom(d.view.fitZoom(fitSide))
		d.showZoom()
	})
	imgScroll := container.NewScroll(d.view)
	imgScroll.SetMinSize(fyne.NewSize(fitSide+16, fitSide+16))
	d.probs = container.NewVBox()
	d.meta = widget.NewLabel("")
	d.meta.Wrapping = fyne.TextWrapWord
	d.model = widget.NewLabel("")
	d.flag = widget.NewButtonWithIcon("Flag for review", theme.WarningIcon(), d.toggleFlag)
	d.history = widget.NewLabel("")
	d.history.Wrapping = fyne.TextWrapWord

	d.header = container.NewVBox(d.title, container.NewBorder(nil, nil, d.grade, nil, d.conf))
	header := d.header
	controls := container.NewHBox(d.cmap, zoomOut, d.zoomLbl, zoomIn, fit)
	left := container.NewVBox(controls, imgScroll, d.imgMsg, d.hover)
	right := container.NewVBox(
		heading("Class probabilities"), d.probs,
		heading("Model"), d.model,
		heading("Metadata"), d.meta,
		heading("Override history"), d.history,
		container.NewHBox(d.flag),
	)
	body := container.NewGridWithColumns(2, left, right)
	d.scroll = container.NewVScroll(body)
	d.root = container.NewBorder(header, nil, nil, nil, d.scroll)
	d.body = body
	d.clear()
	return d
}

// fitSide is the size in pixels that "fit" zooms the scan to.
const fitSide = 280

func heading(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func (d *detailPanel) showZoom() { d.zoomLbl.SetText(fmt.Sprintf("%g×", d.view.zoom)) }

// showBody shows or hides everything below the title, and lays the panel
// out again: a container does not relayout by itself when a child's
// visibility changes.
func (d *detailPanel) showBody(on bool) {
	if on == d.scroll.Visible() {
		return
	}
	if on {
		d.scroll.Show()
	} else {
		d.scroll.Hide()
	}
	d.root.Refresh()
}

// clear shows the empty state.
func (d *detailPanel) clear() {
	d.has = false
	d.res = Result{}
	d.title.SetText("Select a scan to see it here.")
	d.showBody(false)
	d.grade.Text = ""
	d.header.Refresh()
	d.conf.SetText("")
	d.view.set(Scan{}, d.view.cmap)
	d.probs.RemoveAll()
	d.meta.SetText("")
	d.model.SetText("")
	d.history.SetText("")
	d.showZoom()
}

// show displays r and starts loading its scan and history.
func (d *detailPanel) show(r Result) {
	same := d.has && d.res.key() == r.key()
	d.res, d.has = r, true
	d.showBody(true)
	d.fill()
	if same {
		return
	}
	d.view.set(Scan{}, d.view.cmap)
	d.imgMsg.SetText("Loading scan…")
	d.imgMsg.Show()
	d.history.SetText("Loading…")
	d.c.loadScan(r)
	if d.c.opt.Store == nil {
		d.history.SetText("No override history available (no database).")
	} else {
		d.c.loadHistory(r)
	}
}

// fill writes the result's fields into the widgets.
func (d *detailPanel) fill() {
	r := d.res
	when := r.GradedAt
	if !r.ScannedAt.IsZero() {
		when = r.ScannedAt
	}
	d.title.SetText(fmt.Sprintf("%s · %s · %s", r.Source, r.SourceKey, when.UTC().Format("2006-01-02 15:04:05Z")))
	d.grade.Text = r.Final()
	d.grade.Color = d.c.statusColor(r)
	d.grade.Refresh()
	conf := pct(r.Confidence, 1) + " confident"
	if r.Overridden() {
		conf = fmt.Sprintf("overridden (model said %s at %s)", r.Grade, pct(r.Confidence, 1))
	}
	d.conf.SetText(conf)
	d.fillProbs()
	keys := slices.Sorted(maps.Keys(r.Metadata))
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, r.Metadata[k])
	}
	if b.Len() == 0 {
		b.WriteString("(none)")
	}
	d.meta.SetText(strings.TrimRight(b.String(), "\n"))
	d.model.SetText(fmt.Sprintf("%s · %s", orDash(r.ModelName), shortSHA(r.ModelSHA)))
	if r.Flagged {
		d.flag.SetText("Remove review flag")
	} else {
		d.flag.SetText("Flag for review")
	}
	d.flag.Enable()
	if d.c.opt.Store == nil || r.Source == "ad hoc" {
		d.flag.Hide()
	} else {
		d.flag.Show()
	}
	d.header.Refresh()
}

func (d *detailPanel) fillProbs() {
	r := d.res
	d.probs.RemoveAll()
	labels := d.c.labelsFor(r)
	if len(r.Probs) == 0 {
		d.probs.Add(widget.NewLabel("(not recorded)"))
		d.body.Refresh()
		return
	}
	for i, p := range r.Probs {
		name := fmt.Sprint(i)
		if i < len(labels) {
			name = labels[i]
		}
		col := theme.Color(theme.ColorNameDisabled)
		if name == r.Grade {
			col = theme.Color(theme.ColorNamePrimary)
		}
		bar := canvas.NewRectangle(col)
		bar.CornerRadius = 2
		lab := canvas.NewText(name, theme.Color(theme.ColorNameForeground))
		val := canvas.NewText(pct(p, 1), theme.Color(theme.ColorNameForeground))
		val.Alignment = fyne.TextAlignTrailing
		row := container.New(&barLayout{frac: p}, lab, bar, val)
		d.probs.Add(row)
	}
	d.body.Refresh()
}

// setScan shows a loaded scan if it belongs to the result on screen.
func (d *detailPanel) setScan(e scanLoaded) {
	if !d.has || e.key != d.res.key() {
		return
	}
	if e.err != nil {
		d.imgMsg.SetText(e.err.Error())
		d.imgMsg.Show()
		return
	}
	d.imgMsg.Hide()
	d.view.set(e.scan, colormapByName(d.cmap.Selected))
	d.view.setZoom(d.view.fitZoom(fitSide))
	d.showZoom()
}

// setHistory shows a loaded override history for the result on screen.
func (d *detailPanel) setHistory(e historyLoaded) {
	if !d.has || e.key != d.res.key() {
		return
	}
	if e.err != nil {
		d.history.SetText("Could not load the history: " + e.err.Error())
		return
	}
	if len(e.history) == 0 {
		d.history.SetText("No overrides.")
		return
	}
	var b strings.Builder
	for _, o := range e.history {
		verb := fmt.Sprintf("%s → %s", o.OldGrade, o.NewGrade)
		if o.OldGrade == o.NewGrade {
			verb = "accepted " + o.NewGrade
		}
		fmt.Fprintf(&b, "%s  %s  by %s (%s@%s)\n  %s", o.At.UTC().Format(time.DateTime+"Z"), verb,
			orDash(o.Operator), orDash(o.OSUser), orDash(o.Workstation), orDash(o.Reason))
		if o.Note != "" {
			fmt.Fprintf(&b, ": %s", o.Note)
		}
		fmt.Fprintf(&b, "  [model %s]\n", orDash(o.Model))
	}
	d.history.SetText(strings.TrimRight(b.String(), "\n"))
}

// resultChanged refreshes the panel if it shows r, and reloads its history.
func (d *detailPanel) resultChanged(r Result) {
	if !d.has || r.key() != d.res.key() {
		return
	}
	reload := r.ID == d.res.ID // a lookup by key only filled in the ID
	d.res = r
	d.fill()
	if reload {
		d.c.loadHistory(r)
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// pct writes a probability as a percentage with the given decimals,
// rounding down so that 0.9996 reads 99.9%, not a confident-looking 100%.
func pct(p float32, decimals int) string {
	scale := math.Pow(10, float64(decimals))
	// The small offset absorbs float32 error (0.41 is stored as 0.40999...).
	v := math.Floor(float64(p)*100*scale+1e-4) / scale
	return strconv.FormatFloat(v, 'f', decimals, 64) + "%"
}

// shortSHA returns the first 8 hex digits of a SHA-256, as shown to people.
func shortSHA(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return orDash(s)
}

// barLayout lays out a row of a bar chart: a fixed-width label, a bar
// whose width is frac of the remaining space, and a value at the end.
type barLayout struct {
	frac       float32
	valueWidth float32 // 0 means barValueWidth
}

func (l *barLayout) valW() float32 {
	if l.valueWidth > 0 {
		return l.valueWidth
	}
	return barValueWidth
}

const (
	barLabelWidth = 64
	barValueWidth = 60
	barRowHeight  = 22
)

func (l *barLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	if len(objs) != 3 {
		return
	}
	valW := l.valW()
	h := s.Height
	objs[0].Move(fyne.NewPos(theme.Padding(), 0))
	objs[0].Resize(fyne.NewSize(barLabelWidth, h))
	room := max(0, s.Width-barLabelWidth-valW-theme.Padding())
	f := min(max(l.frac, 0), 1)
	pad := h / 4
	objs[1].Move(fyne.NewPos(barLabelWidth, pad))
	objs[1].Resize(fyne.NewSize(max(1, room*f), h-2*pad))
	objs[2].Move(fyne.NewPos(s.Width-valW-theme.Padding(), 0))
	objs[2].Resize(fyne.NewSize(valW, h))
}

func (l *barLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) != 3 {
		return fyne.NewSize(0, 0)
	}
	return fyne.NewSize(barLabelWidth+80+l.valW(), barRowHeight)
}

var _ fyne.Layout = (*barLayout)(nil)
var _ = layout.NewSpacer
