package scan

import (
	"errors"
	"fmt"
	"math"
)

// Formats of a scan payload (Layout.Format).
const (
	FormatBlob   = "blob"
	FormatImage  = "image"
	FormatText   = "text"
	FormatPoints = "points"
)

// Element types of a blob payload (Layout.DType).
const (
	DTypeUint8   = "uint8"
	DTypeUint16  = "uint16"
	DTypeFloat32 = "float32"
	DTypeFloat64 = "float64"
)

// Mappings from a point to a cell (Layout.Order).
const (
	OrderXY          = "xy"           // each point carries x (column) and y (row)
	OrderRowMajor    = "row-major"    // index = y*width + x
	OrderColumnMajor = "column-major" // index = x*height + y
	OrderSerpentine  = "serpentine"   // row-major, every odd row right to left
)

// Normalisation modes (Normalization.Mode).
const (
	NormMinMax = "minmax"
	NormFixed  = "fixed"
	NormZScore = "zscore"
)

// Fill policies for invalid and missing cells (Layout.Fill).
const (
	FillMin  = "min"  // the lowest valid measurement of the scan
	FillZero = "zero" // the raw value 0, normalised like any other value
)

// DefaultMaxInvalid is the share of invalid or missing cells above which a
// scan is rejected when Layout.MaxInvalid is 0.
const DefaultMaxInvalid = 0.05

// MaxCells bounds width*height of one scan (64 Mi cells, 256 MiB of
// float32), so that a corrupt header cannot make a decoder allocate
// without limit.
const MaxCells = 1 << 26

// ErrTooManyInvalid reports a scan with more invalid or missing cells than
// Layout.MaxInvalid allows.
var ErrTooManyInvalid = errors.New("too many invalid or missing values")

// Layout describes how the scans of one source are stored and normalised.
// It is part of the JSON configuration of a source; Validate reports what
// is wrong with it.
type Layout struct {
	// Format is "blob", "image", "text" or "points".
	Format string `json:"format"`
	// Width and Height are the scan size in cells. Required for "blob" and
	// "points"; for "image" and "text" 0 means "as stored", any other
	// value must match the payload.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// DType is the element type of a "blob": "uint8", "uint16", "float32"
	// or "float64" (little-endian).
	DType string `json:"dtype,omitempty"`
	// Order maps "points" to cells: "xy", "row-major", "column-major" or
	// "serpentine".
	Order string `json:"order,omitempty"`
	// Normalize says how measurements are mapped to [0,1].
	Normalize Normalization `json:"normalize"`
	// Fill is the value for NaN, infinite and missing cells: "min" (the
	// default) or "zero".
	Fill string `json:"fill,omitempty"`
	// MaxInvalid is the largest share (0..1) of invalid or missing cells a
	// scan may have; 0 means DefaultMaxInvalid, 1 accepts any scan with at
	// least one valid value.
	MaxInvalid float64 `json:"max_invalid,omitempty"`
}

// Normalization says how measurements are mapped to [0,1].
type Normalization struct {
	// Mode is "minmax" (the default), "fixed" or "zscore".
	Mode string `json:"mode,omitempty"`
	// Lo and Hi are the measurement range of "fixed": Lo maps to 0, Hi to 1.
	// For "image" payloads the values are grey levels 0..255 (8-bit) or
	// 0..65535 (16-bit).
	Lo float64 `json:"lo,omitempty"`
	Hi float64 `json:"hi,omitempty"`
	// Sigma is the clamp of "zscore" in standard deviations; 0 means 3.
	Sigma float64 `json:"sigma,omitempty"`
}

// Validate reports the first problem of l as an error naming the field and
// the fix, or nil.
func (l Layout) Validate() error {
	switch l.Format {
	case FormatBlob, FormatPoints:
		if l.Width <= 0 || l.Height <= 0 {
			return fmt.Errorf("layout: width and height are %d x %d; set both to the scan size in cells (> 0) for format %q", l.Width, l.Height, l.Format)
		}
	case FormatImage, FormatText:
		if l.Width < 0 || l.Height < 0 || (l.Width == 0) != (l.Height == 0) {
			return fmt.Errorf("layout: width and height are %d x %d; set both to the scan size, or both to 0 to take the size from the payload", l.Width, l.Height)
		}
	case "":
		return errors.New(`layout: format is empty; set it to "blob", "image", "text" or "points"`)
	default:
		return fmt.Errorf(`layout: format %q is unknown; use "blob", "image", "text" or "points"`, l.Format)
	}
	if int64(l.Width)*int64(l.Height) > MaxCells {
		return fmt.Errorf("layout: width x height = %d x %d is above the limit of %d cells; check the size", l.Width, l.Height, MaxCells)
	}
	if l.Format == FormatBlob {
		if _, err := dtypeSize(l.DType); err != nil {
			return err
		}
	} else if l.DType != "" {
		return fmt.Errorf("layout: dtype %q is only used by format \"blob\"; remove it", l.DType)
	}
	if l.Format == FormatPoints {
		switch l.Order {
		case OrderXY, OrderRowMajor, OrderColumnMajor, OrderSerpentine:
		default:
			return fmt.Errorf(`layout: order %q is unknown; use "xy", "row-major", "column-major" or "serpentine"`, l.Order)
		}
	} else if l.Order != "" {
		return fmt.Errorf("layout: order %q is only used by format \"points\"; remove it", l.Order)
	}
	switch l.Fill {
	case "", FillMin, FillZero:
	default:
		return fmt.Errorf(`layout: fill %q is unknown; use "min" or "zero"`, l.Fill)
	}
	if !(l.MaxInvalid >= 0 && l.MaxInvalid <= 1) {
		return fmt.Errorf("layout: max_invalid is %v; use a share between 0 and 1 (0 means %v)", l.MaxInvalid, DefaultMaxInvalid)
	}
	return l.Normalize.validate()
}

func (n Normalization) validate() error {
	switch n.Mode {
	case "", NormMinMax:
	case NormFixed:
		if !finite(n.Lo) || !finite(n.Hi) || !(n.Hi > n.Lo) {
			return fmt.Errorf("layout: normalize lo=%v hi=%v; \"fixed\" needs finite lo < hi (the measurement range)", n.Lo, n.Hi)
		}
	case NormZScore:
		if !finite(n.Sigma) || n.Sigma < 0 {
			return fmt.Errorf("layout: normalize sigma is %v; use a positive number of standard deviations, or 0 for 3", n.Sigma)
		}
	default:
		return fmt.Errorf(`layout: normalize mode %q is unknown; use "minmax", "fixed" or "zscore"`, n.Mode)
	}
	return nil
}

func dtypeSize(dtype string) (int, error) {
	switch dtype {
	case DTypeUint8:
		return 1, nil
	case DTypeUint16:
		return 2, nil
	case DTypeFloat32:
		return 4, nil
	case DTypeFloat64:
		return 8, nil
	case "":
		return 0, errors.New(`layout: dtype is empty; set it to "uint8", "uint16", "float32" or "float64" for format "blob"`)
	}
	return 0, fmt.Errorf(`layout: dtype %q is unknown; use "uint8", "uint16", "float32" or "float64"`, dtype)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
