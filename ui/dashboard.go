package ui

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// dashboard shows counts per grade for the shift and today, yield,
// override rate and a scans-per-hour chart.
type dashboard struct {
	c       *Console
	root    fyne.CanvasObject
	loading bool
	shift   *widget.Label
	today   *widget.Label
	shiftG  *fyne.Container // bars per grade
	todayG  *fyne.Container
	msg     *widget.Label
	chart   *hourChart
}

func newDashboard(c *Console) *dashboard {
	d := &dashboard{c: c}
	d.shift = widget.NewLabel("")
	d.today = widget.NewLabel("")
	d.shiftG = container.NewVBox()
	d.todayG = container.NewVBox()
	d.msg = widget.NewLabel("")
	d.chart = newHourChart()
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), d.reload)
	cards := container.NewGridWithColumns(2,
		widget.NewCard("This shift", "", container.NewVBox(d.shift, d.shiftG)),
		widget.NewCard("Today", "", container.NewVBox(d.today, d.todayG)))
	chartCard := widget.NewCard("Scans per hour, today", "", d.chart)
	d.root = container.NewBorder(container.NewHBox(refresh, d.msg), nil, nil, nil,
		container.NewVScroll(container.NewVBox(cards, chartCard)))
	if c.opt.Store == nil {
		d.msg.SetText("No results database: nothing to count.")
	}
	return d
}

// reload fetches the counts in the background.
func (d *dashboard) reload() {
	if d.c.opt.Store == nil || d.loading {
		return
	}
	d.loading = true
	now := d.c.opt.Now()
	shiftFrom := d.c.shiftStart
	y, m, day := now.Date()
	todayFrom := time.Date(y, m, day, 0, 0, 0, 0, now.Location())
	store := d.c.opt.Store
	d.c.opt.Go(func(ctx context.Context) {
		var e countsLoaded
		e.shift, e.err = store.Counts(ctx, shiftFrom, now)
		if e.err == nil {
			e.today, e.err = store.Counts(ctx, todayFrom, todayFrom.Add(24*time.Hour))
		}
		d.c.adapter.post(e)
	})
}

func (d *dashboard) loaded(e countsLoaded) {
	d.loading = false
	if e.err != nil {
		d.msg.SetText("Could not count results: " + e.err.Error())
		return
	}
	d.msg.SetText("Updated " + d.c.opt.Now().Local().Format("15:04:05"))
	d.shift.SetText(d.summary(e.shift))
	d.today.SetText(d.summary(e.today))
	gradeBars(d.shiftG, e.shift, d.c.opt.PassGrades)
	gradeBars(d.todayG, e.today, d.c.opt.PassGrades)
	d.chart.set(e.today.PerHour)
	d.root.Refresh() // the cards grow with their text
}

// summary writes totals, yield, override rate and the per-grade counts.
func (d *dashboard) summary(c Counts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Scans: %d\n", c.Total)
	switch y, ok := yield(c, d.c.opt.PassGrades); {
	case ok:
		fmt.Fprintf(&b, "Yield: %.1f%% (pass: %s)\n", 100*y, strings.Join(d.c.opt.PassGrades, ", "))
	case len(d.c.opt.PassGrades) == 0:
		b.WriteString("Yield: — (set review.pass_grades in config.json to see yield)\n")
	default:
		b.WriteString("Yield: —\n")
	}
	fmt.Fprintf(&b, "Override rate: %s", percent(c.Overridden, c.Total))
	return b.String()
}

// gradeBars draws one bar per final grade: its count and share of the
// total, pass grades in the success colour.
func gradeBars(box *fyne.Container, c Counts, pass []string) {
	box.RemoveAll()
	for _, g := range slices.Sorted(maps.Keys(c.ByGrade)) {
		n := c.ByGrade[g]
		col := theme.Color(theme.ColorNamePrimary)
		if slices.Contains(pass, g) {
			col = theme.Color(theme.ColorNameSuccess)
		}
		bar := canvas.NewRectangle(col)
		bar.CornerRadius = 2
		lab := canvas.NewText(g, theme.Color(theme.ColorNameForeground))
		val := canvas.NewText(fmt.Sprintf("%d (%s)", n, percent(n, c.Total)), theme.Color(theme.ColorNameForeground))
		val.Alignment = fyne.TextAlignTrailing
		frac := float32(0)
		if c.Total > 0 {
			frac = float32(n) / float32(c.Total)
		}
		box.Add(container.New(&barLayout{frac: frac, valueWidth: 120}, lab, bar, val))
	}
}

// yield is the share of final grades that pass; ok is false without pass
// grades or scans.
func yield(c Counts, pass []string) (float64, bool) {
	if len(pass) == 0 || c.Total == 0 {
		return 0, false
	}
	var n int64
	for _, g := range pass {
		n += c.ByGrade[g]
	}
	return float64(n) / float64(c.Total), true
}

func percent(n, total int64) string {
	if total == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}

// hourChart is a bar chart of scans per hour drawn with canvas rectangles.
type hourChart struct {
	widget.BaseWidget
	counts []int64
}

func newHourChart() *hourChart {
	h := &hourChart{}
	h.ExtendBaseWidget(h)
	return h
}

func (h *hourChart) set(counts []int64) {
	h.counts = slices.Clone(counts)
	h.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (h *hourChart) CreateRenderer() fyne.WidgetRenderer {
	r := &hourRenderer{h: h}
	r.Refresh()
	return r
}

type hourRenderer struct {
	h     *hourChart
	bars  []*canvas.Rectangle
	ticks []*canvas.Text
	top   *canvas.Text
	axis  *canvas.Line
	objs  []fyne.CanvasObject
}

const chartHeight = 180

func (r *hourRenderer) MinSize() fyne.Size { return fyne.NewSize(24*14, chartHeight) }

func (r *hourRenderer) Refresh() {
	n := max(len(r.h.counts), 24)
	r.objs = r.objs[:0]
	r.bars = r.bars[:0]
	r.ticks = r.ticks[:0]
	for i := range n {
		b := canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
		r.bars = append(r.bars, b)
		r.objs = append(r.objs, b)
		if i%3 == 0 {
			t := canvas.NewText(fmt.Sprintf("%02d", i), theme.Color(theme.ColorNamePlaceHolder))
			t.TextSize = theme.CaptionTextSize()
			r.ticks = append(r.ticks, t)
			r.objs = append(r.objs, t)
		}
	}
	var peak int64
	for _, c := range r.h.counts {
		peak = max(peak, c)
	}
	r.top = canvas.NewText(fmt.Sprintf("peak %d/h", peak), theme.Color(theme.ColorNamePlaceHolder))
	r.top.TextSize = theme.CaptionTextSize()
	r.axis = canvas.NewLine(theme.Color(theme.ColorNameForeground))
	r.objs = append(r.objs, r.top, r.axis)
	r.Layout(r.h.Size())
	canvas.Refresh(r.h)
}

func (r *hourRenderer) Layout(s fyne.Size) {
	if len(r.bars) == 0 {
		return
	}
	var peak int64
	for _, c := range r.h.counts {
		peak = max(peak, c)
	}
	tickH := float32(16)
	plotH := s.Height - tickH - 16
	slot := s.Width / float32(len(r.bars))
	for i, b := range r.bars {
		var v int64
		if i < len(r.h.counts) {
			v = r.h.counts[i]
		}
		h := float32(0)
		if peak > 0 {
			h = plotH * float32(v) / float32(peak)
		}
		b.Move(fyne.NewPos(float32(i)*slot+slot*0.15, 16+plotH-h))
		b.Resize(fyne.NewSize(slot*0.7, h))
	}
	for j, t := range r.ticks {
		t.Move(fyne.NewPos(float32(3*j)*slot, s.Height-tickH))
	}
	r.top.Move(fyne.NewPos(0, 0))
	r.axis.Position1 = fyne.NewPos(0, 16+plotH)
	r.axis.Position2 = fyne.NewPos(s.Width, 16+plotH)
}

func (r *hourRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *hourRenderer) Destroy()                     {}
