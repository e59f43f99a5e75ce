package scan

import (
	"fmt"
	"math"
)

// Matrix is one scan as a grey plane: Width x Height values, row-major,
// normalised to [0,1] (0 = dark / low). It has the same shape as
// inference.Image, so converting is a field-by-field copy.
type Matrix struct {
	Width, Height int
	Pix           []float32
}

// At returns the value at column x, row y.
func (m Matrix) At(x, y int) float32 { return m.Pix[y*m.Width+x] }

// Report says what Decode had to repair in a scan.
type Report struct {
	// Cells is Width x Height.
	Cells int `json:"cells"`
	// Invalid counts NaN and infinite measurements.
	Invalid int `json:"invalid"`
	// Missing counts cells no point was measured for ("points" only).
	Missing int `json:"missing"`
	// Duplicates counts points measured more than once; the last one is kept.
	Duplicates int `json:"duplicates"`
	// Clamped counts values outside the "fixed" range or beyond ±Sigma.
	Clamped int `json:"clamped"`
	// Min and Max are the lowest and highest valid raw measurements.
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// Filled returns how many cells were filled in (Invalid + Missing).
func (r Report) Filled() int { return r.Invalid + r.Missing }

// Decode turns a "blob", "image" or "text" payload into a normalised
// Matrix. Points are decoded by DecodePoints. Every problem is returned as
// an error naming it; the scan should then be rejected.
func Decode(l Layout, payload []byte) (Matrix, Report, error) {
	if err := l.Validate(); err != nil {
		return Matrix{}, Report{}, err
	}
	var (
		raw  []float64
		w, h int
		err  error
	)
	switch l.Format {
	case FormatBlob:
		raw, err = decodeBlob(l, payload)
		w, h = l.Width, l.Height
	case FormatImage:
		return decodeImage(l, payload)
	case FormatText:
		raw, w, h, err = decodeText(l, payload)
	default:
		return Matrix{}, Report{}, fmt.Errorf("decode %s scan: use DecodePoints for points", l.Format)
	}
	if err != nil {
		return Matrix{}, Report{}, err
	}
	defer putRaw(raw)
	return normalize(l, raw, w, h, 0)
}

// normalize checks, fills and maps raw values (NaN marks an invalid or
// missing cell; missing says how many of them were missing rather than
// invalid) into a Matrix according to l.
func normalize(l Layout, raw []float64, w, h, missing int) (Matrix, Report, error) {
	rep := Report{Cells: w * h, Missing: missing}
	lo, hi := math.Inf(1), math.Inf(-1)
	bad := 0
	for _, v := range raw {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad++
			continue
		}
		lo = min(lo, v)
		hi = max(hi, v)
	}
	rep.Invalid = bad - missing
	valid := len(raw) - bad
	if valid == 0 {
		return Matrix{}, rep, fmt.Errorf("scan of %d x %d has no valid value: %w", w, h, ErrTooManyInvalid)
	}
	rep.Min, rep.Max = lo, hi
	limit := l.MaxInvalid
	if limit == 0 {
		limit = DefaultMaxInvalid
	}
	if float64(bad) > limit*float64(len(raw)) {
		return Matrix{}, rep, fmt.Errorf("scan of %d x %d has %d invalid and %d missing of %d values, above the limit of %.3g (raise max_invalid to accept it): %w",
			w, h, rep.Invalid, rep.Missing, len(raw), limit, ErrTooManyInvalid)
	}
	fill := lo
	if l.Fill == FillZero {
		fill = 0
	}
	if bad > 0 {
		for i, v := range raw {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				raw[i] = fill
			}
		}
		// The fill value takes part in the range (it may be 0 < lo).
		lo, hi = min(lo, fill), max(hi, fill)
	}
	if l.Normalize.Mode != NormFixed && !finite(hi-lo) {
		return Matrix{}, rep, fmt.Errorf("scan values span %g..%g, too wide to normalise per scan; use normalize mode \"fixed\" with the measurement range", lo, hi)
	}
	// off and scale map v to (v-off)*scale, then clamped to [0,1].
	var off, scale float64
	switch l.Normalize.Mode {
	case NormFixed:
		off, scale = l.Normalize.Lo, 1/(l.Normalize.Hi-l.Normalize.Lo)
	case NormZScore:
		// Welford's running mean and variance: no overflow for any span
		// that passed the check above.
		var mean, m2 float64
		for i, v := range raw {
			d := v - mean
			mean += d / float64(i+1)
			m2 += d * (v - mean)
		}
		sd := math.Sqrt(m2 / float64(len(raw)))
		k := l.Normalize.Sigma
		if k == 0 {
			k = 3
		}
		// z = (v-mean)/sd clamped to ±k, then (z+k)/(2k).
		if sd > 0 {
			off, scale = mean-k*sd, 1/(2*k*sd)
		} else {
			off, scale = mean-1, 0.5 // flat scan: every value maps to 0.5
		}
	default:
		if hi > lo && finite(hi-lo) {
			off, scale = lo, 1/(hi-lo)
		} else {
			off, scale = lo, 0 // flat scan: every value maps to 0
		}
	}
	pix := make([]float32, len(raw))
	if scale == 0 {
		if l.Normalize.Mode == NormZScore {
			for i := range pix {
				pix[i] = 0.5
			}
		}
		return Matrix{Width: w, Height: h, Pix: pix}, rep, nil
	}
	for i, v := range raw {
		t := (v - off) * scale
		switch {
		case t < 0:
			t = 0
			rep.Clamped++
		case t > 1:
			t = 1
			rep.Clamped++
		case !(t >= 0): // NaN from overflow: treat as low
			t = 0
			rep.Clamped++
		}
		pix[i] = float32(t)
	}
	if l.Normalize.Mode == NormMinMax || l.Normalize.Mode == "" {
		rep.Clamped = 0 // rounding only; min-max never clamps real values
	}
	return Matrix{Width: w, Height: h, Pix: pix}, rep, nil
}
