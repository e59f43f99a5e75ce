package ui

import (
	"image"
	"image/color"
)

// Colormap maps a value in [0,1] to a colour.
type Colormap int

// Colour maps offered in the scan detail view.
const (
	Grey Colormap = iota
	Viridis
	Inferno
)

// colormapNames are the names shown in the colour map picker, in order.
var colormapNames = []string{"Grey", "Viridis", "Inferno"}

// String returns the colour map's name as shown in the picker.
func (m Colormap) String() string {
	if m < 0 || int(m) >= len(colormapNames) {
		return "Grey"
	}
	return colormapNames[m]
}

func colormapByName(name string) Colormap {
	for i, n := range colormapNames {
		if n == name {
			return Colormap(i)
		}
	}
	return Grey
}

// Polynomial fits of matplotlib's viridis and inferno (degree 6, by Matt
// Zucker, public domain, "Matplotlib colormaps" on Shadertoy), evaluated
// with Horner's rule. Checked against matplotlib's published colours in
// colormap_test.go.
var (
	viridisCoef = [7][3]float64{
		{0.2777273272234177, 0.005407344544966578, 0.3340998053353061},
		{0.1050930431085774, 1.404613529898575, 1.384590162594685},
		{-0.3308618287255563, 0.214847559468213, 0.09509516302823659},
		{-4.634230498983486, -5.799100973351585, -19.33244095627987},
		{6.228269936347081, 14.17993336680509, 56.69055260068105},
		{4.776384997670288, -13.74514537774601, -65.35303263337234},
		{-5.435455855934631, 4.645852612178535, 26.3124352495832},
	}
	infernoCoef = [7][3]float64{
		{0.0002189403691192265, 0.001651004631001012, -0.01948089843709184},
		{0.1065134194856116, 0.5639564367884091, 3.932712388889277},
		{11.60249308247187, -3.972853965665698, -15.9423941062914},
		{-41.70399613139459, 17.43639888205313, 44.35414519872813},
		{77.162935699427, -33.40235894210092, -81.80730925738993},
		{-71.31942824499214, 32.62606426397723, 73.20951985803202},
		{25.13112622477341, -12.24266895238567, -23.07032500287172},
	}
)

// lut holds 256 precomputed colours per map.
var lut = func() [3][256]color.NRGBA {
	var l [3][256]color.NRGBA
	for i := range 256 {
		t := float64(i) / 255
		g := uint8(i)
		l[Grey][i] = color.NRGBA{g, g, g, 255}
		l[Viridis][i] = poly(&viridisCoef, t)
		l[Inferno][i] = poly(&infernoCoef, t)
	}
	return l
}()

func poly(c *[7][3]float64, t float64) color.NRGBA {
	var rgb [3]uint8
	for k := range 3 {
		v := c[6][k]
		for j := 5; j >= 0; j-- {
			v = v*t + c[j][k]
		}
		rgb[k] = unit8(v)
	}
	return color.NRGBA{rgb[0], rgb[1], rgb[2], 255}
}

// unit8 maps [0,1] to [0,255], clamping values outside (and NaN to 0).
func unit8(v float64) uint8 {
	if !(v > 0) {
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(v*255 + 0.5)
}

// Color returns the colour of value v in [0,1]; values outside are clamped.
func (m Colormap) Color(v float32) color.NRGBA {
	if m < 0 || int(m) >= len(lut) {
		m = Grey
	}
	return lut[m][unit8(float64(v))]
}

// render draws the scan with colour map m, one image pixel per value.
func render(s Scan, m Colormap) *image.NRGBA {
	if !s.Valid() {
		return image.NewNRGBA(image.Rect(0, 0, 1, 1))
	}
	img := image.NewNRGBA(image.Rect(0, 0, s.Width, s.Height))
	for i, v := range s.Pix {
		c := m.Color(v)
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = c.R, c.G, c.B, 255
	}
	return img
}

// thumbSide is the longest side of a feed thumbnail in pixels; large scans
// are averaged down so that thousands of thumbnails stay small in memory.
const thumbSide = 64

// thumbnail returns a grey image of the scan no larger than side×side,
// averaging blocks of values (area sampling), or nil for an empty scan.
func thumbnail(s Scan, side int) *image.Gray {
	if !s.Valid() {
		return nil
	}
	w, h := s.Width, s.Height
	if w > side || h > side {
		if w >= h {
			w, h = side, max(1, h*side/s.Width)
		} else {
			w, h = max(1, w*side/s.Height), side
		}
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for ty := range h {
		y0, y1 := ty*s.Height/h, max((ty+1)*s.Height/h, ty*s.Height/h+1)
		for tx := range w {
			x0, x1 := tx*s.Width/w, max((tx+1)*s.Width/w, tx*s.Width/w+1)
			var sum float64
			for y := y0; y < y1; y++ {
				for _, v := range s.Pix[y*s.Width+x0 : y*s.Width+x1] {
					sum += float64(v)
				}
			}
			img.Pix[ty*img.Stride+tx] = unit8(sum / float64((y1-y0)*(x1-x0)))
		}
	}
	return img
}
