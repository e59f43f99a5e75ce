package ui

import (
	"context"
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

const (
	allSources = "All sources"
	allGrades  = "All grades"
)

// liveView is the live feed: a virtualised grid of thumbnails, newest
// first, with filters and pause, beside the detail of the selected scan.
type liveView struct {
	c      *Console
	root   fyne.CanvasObject
	grid   *widget.GridWrap
	source *widget.Select
	grade  *widget.Select
	pause  *widget.Button
	count  *widget.Label
	detail *detailPanel

	selected resultKey // result shown in the detail
	nSources int
	nGrades  int
}

func newLiveView(c *Console) *liveView {
	v := &liveView{c: c}
	v.detail = newDetailPanel(c)
	v.grid = widget.NewGridWrap(c.feed.len, newFeedCell, v.updateCell)
	v.grid.OnSelected = func(id widget.GridWrapItemID) {
		if e, ok := c.feed.at(id); ok {
			v.selected = e.result.key()
			v.detail.show(e.result)
			v.grid.Refresh()
		}
		v.grid.UnselectAll()
	}
	v.source = widget.NewSelect([]string{allSources}, nil)
	v.source.SetSelected(allSources)
	v.source.OnChanged = func(string) { v.applyFilter() }
	v.grade = widget.NewSelect([]string{allGrades}, nil)
	v.grade.SetSelected(allGrades)
	v.grade.OnChanged = func(string) { v.applyFilter() }
	v.pause = widget.NewButtonWithIcon("Pause feed", theme.MediaPauseIcon(), v.togglePause)
	v.count = widget.NewLabel("Waiting for scans…")
	v.count.Truncation = fyne.TextTruncateEllipsis
	bar := container.NewVBox(container.NewHBox(v.source, v.grade, v.pause), v.count)
	feed := container.NewBorder(bar, nil, nil, nil, v.grid)
	split := container.NewHSplit(feed, v.detail.root)
	split.Offset = 0.5
	v.root = split
	return v
}

func (v *liveView) applyFilter() {
	var f feedFilter
	if s := v.source.Selected; s != allSources {
		f.source = s
	}
	if g := v.grade.Selected; g != allGrades {
		f.grade = g
	}
	v.c.feed.setFilter(f)
	v.refresh()
}

func (v *liveView) togglePause() {
	v.c.feed.setPaused(!v.c.feed.paused)
	v.refresh()
}

// refresh redraws the grid and the controls after the feed changed.
func (v *liveView) refresh() {
	f := v.c.feed
	if len(f.sources) != v.nSources {
		v.nSources = len(f.sources)
		v.source.SetOptions(append([]string{allSources}, f.sources...))
	}
	if len(f.grades) != v.nGrades {
		v.nGrades = len(f.grades)
		v.grade.SetOptions(append([]string{allGrades}, f.grades...))
	}
	if f.paused {
		v.pause.SetText(fmt.Sprintf("Resume feed (%d new)", f.unseen))
		v.pause.SetIcon(theme.MediaPlayIcon())
		v.pause.Importance = widget.HighImportance
	} else {
		v.pause.SetText("Pause feed")
		v.pause.SetIcon(theme.MediaPauseIcon())
		v.pause.Importance = widget.MediumImportance
	}
	v.pause.Refresh()
	v.count.SetText(fmt.Sprintf("%d scans shown · %d in memory", f.len(), len(f.entries)))
	v.grid.Refresh()
}

// feedCell is one grid cell, reused as the grid scrolls.
type feedCell struct {
	widget.BaseWidget
	frame   *canvas.Rectangle
	img     *canvas.Image
	caption *canvas.Text
	sub     *canvas.Text
}

const cellW, cellH = 112, 136

func newFeedCell() fyne.CanvasObject {
	c := &feedCell{
		frame:   canvas.NewRectangle(color.Transparent),
		img:     canvas.NewImageFromImage(nil),
		caption: canvas.NewText("", theme.Color(theme.ColorNameForeground)),
		sub:     canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder)),
	}
	c.frame.StrokeWidth = 3
	c.frame.CornerRadius = 4
	c.img.FillMode = canvas.ImageFillContain
	c.img.ScaleMode = canvas.ImageScalePixels
	c.caption.TextStyle.Bold = true
	c.caption.Alignment = fyne.TextAlignCenter
	c.sub.TextSize = theme.CaptionTextSize()
	c.sub.Alignment = fyne.TextAlignCenter
	c.ExtendBaseWidget(c)
	return c
}

// CreateRenderer implements fyne.Widget.
func (c *feedCell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.New(cellLayout{}, c.frame, c.img, c.caption, c.sub))
}

func (v *liveView) updateCell(id widget.GridWrapItemID, o fyne.CanvasObject) {
	cell, isCell := o.(*feedCell)
	e, ok := v.c.feed.at(id)
	if !ok || !isCell {
		return
	}
	r := e.result
	col := v.c.statusColor(r)
	cell.frame.StrokeColor = col
	cell.frame.FillColor = color.Transparent
	if r.key() == v.selected {
		cell.frame.FillColor = theme.Color(theme.ColorNameSelection)
	}
	cell.frame.Refresh()
	if e.thumb != nil {
		cell.img.Image = e.thumb
	} else {
		cell.img.Image = nil
		v.c.loadThumb(r)
	}
	cell.img.Refresh()
	cell.caption.Text = r.Final() + "  " + pct(r.Confidence, 0)
	if r.Overridden() {
		cell.caption.Text = fmt.Sprintf("%s (was %s)", r.Final(), r.Grade)
	}
	cell.caption.Color = theme.Color(theme.ColorNameForeground) // readable on light and dark; the frame carries the colour code
	cell.caption.Refresh()
	when := r.GradedAt
	if !r.ScannedAt.IsZero() {
		when = r.ScannedAt
	}
	cell.sub.Text = fmt.Sprintf("%s %s", r.Source, when.Local().Format("15:04:05"))
	cell.sub.Color = theme.Color(theme.ColorNamePlaceHolder)
	cell.sub.Refresh()
}

// cellLayout stacks a feed cell: frame over everything, image on top,
// grade caption and source line below.
type cellLayout struct{}

func (cellLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	objs[0].Resize(s)
	objs[0].Move(fyne.NewPos(0, 0))
	pad := float32(6)
	capH := objs[2].MinSize().Height
	subH := objs[3].MinSize().Height
	imgH := s.Height - capH - subH - 2*pad
	objs[1].Move(fyne.NewPos(pad, pad))
	objs[1].Resize(fyne.NewSize(s.Width-2*pad, imgH))
	objs[2].Move(fyne.NewPos(0, pad+imgH))
	objs[2].Resize(fyne.NewSize(s.Width, capH))
	objs[3].Move(fyne.NewPos(0, pad+imgH+capH))
	objs[3].Resize(fyne.NewSize(s.Width, subH))
}

func (cellLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(cellW, cellH) }

// overriddenColor marks results an operator changed: a blue that reads on
// light and dark backgrounds and differs from the green and amber.
var overriddenColor = color.NRGBA{R: 0x3d, G: 0x8b, B: 0xfd, A: 0xff}

// statusColor colour-codes a result: overridden, low confidence (or
// flagged), confident.
func (c *Console) statusColor(r Result) color.Color {
	switch {
	case r.Overridden():
		return overriddenColor
	case r.Confidence < c.opt.ReviewThreshold || r.Flagged:
		return theme.Color(theme.ColorNameWarning)
	default:
		return theme.Color(theme.ColorNameSuccess)
	}
}

// loadThumb loads the thumbnail of an old result again, once at a time.
func (c *Console) loadThumb(r Result) {
	if c.opt.Loader == nil || c.thumbLoading[r.key()] || c.thumbFailed[r.key()] {
		return
	}
	if len(c.thumbLoading) >= 8 {
		return // enough in flight; the cell is updated again when they land
	}
	c.thumbLoading[r.key()] = true
	c.opt.Go(func(ctx context.Context) {
		s, err := c.opt.Loader.LoadScan(ctx, r)
		var ev thumbLoaded
		ev.key = r.key()
		if err == nil {
			ev.thumb = thumbnail(s, thumbSide)
		}
		c.adapter.post(ev)
	})
}

// thumbDone records that an on-demand thumbnail load finished. A failed
// load is remembered so that it is not retried on every redraw.
func (c *Console) thumbDone(e thumbLoaded) {
	delete(c.thumbLoading, e.key)
	if e.thumb == nil {
		c.thumbFailed[e.key] = true
		return
	}
	c.feed.setThumb(e.key, e.thumb)
	c.live.grid.Refresh()
}
