package scan

import (
	"fmt"
	"math"
)

// Point is one measured cell of a "points" scan. With Layout.Order "xy"
// X (column, 0-based) and Y (row, 0-based) place it; with any other order
// Index (0-based) does, and X and Y are ignored.
type Point struct {
	X, Y  int
	Index int
	Value float64
}

// DecodePoints places the points of one scan into a Width x Height grid
// according to l.Order, then fills, checks and normalises it like Decode.
// Cells without a point are counted as missing; a point measured twice is
// counted as a duplicate and the later one is kept; a point outside the grid
// is an error.
func DecodePoints(l Layout, pts []Point) (Matrix, Report, error) {
	if err := l.Validate(); err != nil {
		return Matrix{}, Report{}, err
	}
	if l.Format != FormatPoints {
		return Matrix{}, Report{}, fmt.Errorf("decode points with a %q layout: set format to \"points\"", l.Format)
	}
	w, h := l.Width, l.Height
	raw := getRaw(w * h)
	defer putRaw(raw)
	seen := make([]bool, w*h)
	dups := 0
	for i, p := range pts {
		cell, err := cellOf(l.Order, p, w, h)
		if err != nil {
			return Matrix{}, Report{}, fmt.Errorf("point %d: %w", i+1, err)
		}
		if seen[cell] {
			dups++
		}
		seen[cell] = true
		raw[cell] = p.Value
	}
	missing := 0
	for i, ok := range seen {
		if !ok {
			raw[i] = math.NaN()
			missing++
		}
	}
	m, rep, err := normalize(l, raw, w, h, missing)
	rep.Duplicates = dups
	return m, rep, err
}

// cellOf returns the row-major cell index of p.
func cellOf(order string, p Point, w, h int) (int, error) {
	if order == OrderXY {
		if p.X < 0 || p.X >= w || p.Y < 0 || p.Y >= h {
			return 0, fmt.Errorf("x=%d y=%d is outside the %d x %d grid (x 0..%d, y 0..%d): check width, height and whether positions are 0-based", p.X, p.Y, w, h, w-1, h-1)
		}
		return p.Y*w + p.X, nil
	}
	n := w * h
	if p.Index < 0 || p.Index >= n {
		return 0, fmt.Errorf("index %d is outside the %d x %d grid (0..%d): check width, height and whether indices are 0-based", p.Index, w, h, n-1)
	}
	switch order {
	case OrderColumnMajor:
		x, y := p.Index/h, p.Index%h
		return y*w + x, nil
	case OrderSerpentine:
		x, y := p.Index%w, p.Index/w
		if y%2 == 1 {
			x = w - 1 - x
		}
		return y*w + x, nil
	}
	return p.Index, nil // row-major
}
