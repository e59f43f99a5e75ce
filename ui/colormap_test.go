package ui

import (
	"image/color"
	"testing"
)

func TestColormapMatchesMatplotlib(t *testing.T) {
	// Reference colours: matplotlib's viridis and inferno sampled at 0, 0.25,
	// 0.5, 0.75 and 1 (the 5-colour palettes matplotlib documents, e.g.
	// viridis #440154 #3b528b #21918c #5ec962 #fde725).
	tests := []struct {
		m    Colormap
		v    float32
		want color.NRGBA
	}{
		{Viridis, 0, color.NRGBA{0x44, 0x01, 0x54, 255}},
		{Viridis, 0.25, color.NRGBA{0x3b, 0x52, 0x8b, 255}},
		{Viridis, 0.5, color.NRGBA{0x21, 0x91, 0x8c, 255}},
		{Viridis, 0.75, color.NRGBA{0x5e, 0xc9, 0x62, 255}},
		{Viridis, 1, color.NRGBA{0xfd, 0xe7, 0x25, 255}},
		{Inferno, 0, color.NRGBA{0x00, 0x00, 0x04, 255}},
		{Inferno, 0.25, color.NRGBA{0x57, 0x10, 0x6e, 255}},
		{Inferno, 0.5, color.NRGBA{0xbc, 0x37, 0x54, 255}},
		{Inferno, 0.75, color.NRGBA{0xf9, 0x8e, 0x09, 255}},
		{Inferno, 1, color.NRGBA{0xfc, 0xff, 0xa4, 255}},
		{Grey, 0, color.NRGBA{0, 0, 0, 255}},
		{Grey, 1, color.NRGBA{255, 255, 255, 255}},
		{Grey, 2, color.NRGBA{255, 255, 255, 255}}, // clamped
		{Grey, -1, color.NRGBA{0, 0, 0, 255}},      // clamped
	}
	const tol = 6 // the polynomial fit is within a few levels of the table
	for _, tt := range tests {
		got := tt.m.Color(tt.v)
		if d := maxDiff(got, tt.want); d > tol {
			t.Errorf("%v.Color(%v) = %v; want %v (within %d)", tt.m, tt.v, got, tt.want, tol)
		}
	}
}

func maxDiff(a, b color.NRGBA) int {
	d := 0
	for _, p := range [][2]uint8{{a.R, b.R}, {a.G, b.G}, {a.B, b.B}} {
		x := int(p[0]) - int(p[1])
		if x < 0 {
			x = -x
		}
		d = max(d, x)
	}
	return d
}

func TestThumbnail(t *testing.T) {
	tests := []struct {
		name         string
		s            Scan
		side         int
		wantW, wantH int
	}{
		{"small kept", Scan{2, 2, []float32{0, 1, 1, 0}}, 64, 2, 2},
		{"wide shrunk", Scan{200, 100, make([]float32, 200*100)}, 64, 64, 32},
		{"tall shrunk", Scan{10, 300, make([]float32, 10*300)}, 64, 2, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := thumbnail(tt.s, tt.side)
			if b := img.Bounds(); b.Dx() != tt.wantW || b.Dy() != tt.wantH {
				t.Errorf("thumbnail size = %dx%d; want %dx%d", b.Dx(), b.Dy(), tt.wantW, tt.wantH)
			}
		})
	}
	if img := thumbnail(Scan{3, 3, []float32{1}}, 64); img != nil {
		t.Errorf("thumbnail(bad scan) = %v; want nil", img.Bounds())
	}
	// Area sampling: a 4x4 checkerboard averaged to 2x2 is mid grey.
	s := Scan{4, 4, make([]float32, 16)}
	for i := range s.Pix {
		if (i/4+i%4)%2 == 0 {
			s.Pix[i] = 1
		}
	}
	img := thumbnail(s, 2)
	for _, p := range img.Pix {
		if p != 128 {
			t.Fatalf("thumbnail(checkerboard, 2).Pix = %v; want all 128", img.Pix)
		}
	}
}

func TestPct(t *testing.T) {
	tests := []struct {
		p    float32
		d    int
		want string
	}{
		{0.9996, 1, "99.9%"},
		{0.9996, 0, "99%"},
		{1, 1, "100.0%"},
		{0.41, 1, "41.0%"},
		{0, 0, "0%"},
		{0.99999, 0, "99%"}, // the feed and the detail agree: not 100%
		{0.99999, 1, "99.9%"},
	}
	for _, tt := range tests {
		if got := pct(tt.p, tt.d); got != tt.want {
			t.Errorf("pct(%v, %d) = %q; want %q", tt.p, tt.d, got, tt.want)
		}
	}
}
