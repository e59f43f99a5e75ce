package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// scanView draws a scan large, pixel for pixel at an integer zoom, with a
// colour map, and reports the value under the pointer.
type scanView struct {
	widget.BaseWidget
	scan    Scan
	cmap    Colormap
	zoom    float32
	img     *canvas.Image
	onHover func(x, y int, v float32, inside bool)
}

func newScanView() *scanView {
	v := &scanView{zoom: 8, img: canvas.NewImageFromImage(nil)}
	v.img.ScaleMode = canvas.ImageScalePixels
	v.img.FillMode = canvas.ImageFillStretch
	v.ExtendBaseWidget(v)
	return v
}

// set shows scan s with colour map m.
func (v *scanView) set(s Scan, m Colormap) {
	v.scan, v.cmap = s, m
	if s.Valid() {
		v.img.Image = render(s, m)
	} else {
		v.img.Image = nil
	}
	v.img.Refresh()
	v.Refresh()
}

// setZoom sets the size of one scan value in device-independent pixels.
func (v *scanView) setZoom(z float32) {
	v.zoom = min(max(z, 0.25), 64)
	v.Refresh()
}

// fitZoom returns the zoom that makes the scan's longer side about side
// pixels.
func (v *scanView) fitZoom(side float32) float32 {
	if !v.scan.Valid() {
		return 1
	}
	return max(1, float32(int(side/float32(max(v.scan.Width, v.scan.Height)))))
}

func (v *scanView) size() fyne.Size {
	if !v.scan.Valid() {
		return fyne.NewSize(1, 1)
	}
	return fyne.NewSize(float32(v.scan.Width)*v.zoom, float32(v.scan.Height)*v.zoom)
}

// valueAt maps a position in the widget to the scan value under it.
func (v *scanView) valueAt(p fyne.Position) (x, y int, val float32, ok bool) {
	if !v.scan.Valid() || p.X < 0 || p.Y < 0 {
		return 0, 0, 0, false
	}
	x, y = int(p.X/v.zoom), int(p.Y/v.zoom)
	if x >= v.scan.Width || y >= v.scan.Height {
		return 0, 0, 0, false
	}
	return x, y, v.scan.At(x, y), true
}

// MouseIn implements desktop.Hoverable.
func (v *scanView) MouseIn(e *desktop.MouseEvent) { v.MouseMoved(e) }

// MouseMoved implements desktop.Hoverable.
func (v *scanView) MouseMoved(e *desktop.MouseEvent) {
	if v.onHover != nil {
		x, y, val, ok := v.valueAt(e.Position)
		v.onHover(x, y, val, ok)
	}
}

// MouseOut implements desktop.Hoverable.
func (v *scanView) MouseOut() {
	if v.onHover != nil {
		v.onHover(0, 0, 0, false)
	}
}

// CreateRenderer implements fyne.Widget.
func (v *scanView) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(color.Transparent)
	return &scanRenderer{v: v, bg: bg}
}

type scanRenderer struct {
	v  *scanView
	bg *canvas.Rectangle
}

func (r *scanRenderer) Layout(s fyne.Size) {
	r.bg.Resize(s)
	r.v.img.Move(fyne.NewPos(0, 0))
	r.v.img.Resize(r.v.size())
}
func (r *scanRenderer) MinSize() fyne.Size { return r.v.size() }
func (r *scanRenderer) Refresh() {
	r.Layout(r.v.Size())
	canvas.Refresh(r.v.img)
}
func (r *scanRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.v.img} }
func (r *scanRenderer) Destroy()                     {}

var _ desktop.Hoverable = (*scanView)(nil)
