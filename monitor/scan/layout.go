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

// MaxCells bounds width*height of one scan of any layout: 4096 x 4096
// (16 Mi cells, 64 MiB of float32, the largest image MaxImageSide allows),
// so that a corrupt header or a mistyped size cannot make a decoder
// allocate without limit.
const MaxCells = MaxImageSide * MaxImageSide

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
// the fix, or nil. Each rule is also exported on its own (CheckFormat,
// CheckSize, CheckDType, CheckOrder, CheckFill, CheckMaxInvalid,
// CheckFixedRange, CheckSigma) for configuration validation to call.
func (l Layout) Validate() error {
	if err := CheckFormat(l.Format); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	if err := CheckSize(l.Format, l.Width, l.Height); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	if l.Format == FormatBlob {
		if err := CheckDType(l.DType); err != nil {
			return fmt.Errorf("layout: %w", err)
		}
	} else if l.DType != "" {
		return fmt.Errorf("layout: dtype %q is only used by format \"blob\"; remove it", l.DType)
	}
	if l.Format == FormatPoints {
		if err := CheckOrder(l.Order); err != nil {
			return fmt.Errorf("layout: %w", err)
		}
	} else if l.Order != "" {
		return fmt.Errorf("layout: order %q is only used by format \"points\"; remove it", l.Order)
	}
	if err := CheckFill(l.Fill); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	if err := CheckMaxInvalid(l.MaxInvalid); err != nil {
		return fmt.Errorf("layout: %w", err)
	}
	return l.Normalize.validate()
}

// CheckFormat reports whether format is a payload format.
func CheckFormat(format string) error {
	switch format {
	case FormatBlob, FormatImage, FormatText, FormatPoints:
		return nil
	case "":
		return errors.New(`format is empty; set it to "blob", "image", "text" or "points"`)
	}
	return fmt.Errorf(`format %q is unknown; use "blob", "image", "text" or "points"`, format)
}

// CheckSize reports whether width x height is a scan size of format: both
// above 0 for "blob" and "points"; for "image" and "text" also both 0 (the
// size of each payload); at most MaxCells cells in all.
func CheckSize(format string, width, height int) error {
	switch format {
	case FormatBlob, FormatPoints:
		if width <= 0 || height <= 0 {
			return fmt.Errorf("width and height are %d x %d; set both to the scan size in cells (> 0) for format %q", width, height, format)
		}
	default:
		if width < 0 || height < 0 || (width == 0) != (height == 0) {
			return fmt.Errorf("width and height are %d x %d; set both to the scan size, or both to 0 to take the size from the payload", width, height)
		}
	}
	if int64(width)*int64(height) > MaxCells {
		return fmt.Errorf("width x height = %d x %d is above the limit of %d cells (%d x %d); check the size", width, height, MaxCells, MaxImageSide, MaxImageSide)
	}
	return nil
}

// CheckDType reports whether dtype is an element type of a "blob".
func CheckDType(dtype string) error {
	_, err := dtypeSize(dtype)
	return err
}

// CheckOrder reports whether order maps "points" to cells.
func CheckOrder(order string) error {
	switch order {
	case OrderXY, OrderRowMajor, OrderColumnMajor, OrderSerpentine:
		return nil
	}
	return fmt.Errorf(`order %q is unknown; use "xy", "row-major", "column-major" or "serpentine"`, order)
}

// CheckFill reports whether fill is a fill policy ("" means FillMin).
func CheckFill(fill string) error {
	switch fill {
	case "", FillMin, FillZero:
		return nil
	}
	return fmt.Errorf(`fill %q is unknown; use "min" or "zero"`, fill)
}

// CheckMaxInvalid reports whether share is a share of invalid cells.
func CheckMaxInvalid(share float64) error {
	if !(share >= 0 && share <= 1) {
		return fmt.Errorf("max_invalid is %v; use a share between 0 and 1 (0 means %v)", share, DefaultMaxInvalid)
	}
	return nil
}

// CheckFixedRange reports whether lo..hi is a "fixed" measurement range.
func CheckFixedRange(lo, hi float64) error {
	if !finite(lo) || !finite(hi) || !(hi > lo) {
		return fmt.Errorf("normalize lo=%v hi=%v; \"fixed\" needs finite lo < hi (the measurement range)", lo, hi)
	}
	return nil
}

// CheckSigma reports whether sigma is a "zscore" clamp (0 means 3).
func CheckSigma(sigma float64) error {
	if !finite(sigma) || sigma < 0 {
		return fmt.Errorf("normalize sigma is %v; use a positive number of standard deviations, or 0 for 3", sigma)
	}
	return nil
}

func (n Normalization) validate() error {
	var err error
	switch n.Mode {
	case "", NormMinMax:
	case NormFixed:
		err = CheckFixedRange(n.Lo, n.Hi)
	case NormZScore:
		err = CheckSigma(n.Sigma)
	default:
		err = fmt.Errorf(`normalize mode %q is unknown; use "minmax", "fixed" or "zscore"`, n.Mode)
	}
	if err != nil {
		return fmt.Errorf("layout: %w", err)
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
		return 0, errors.New(`dtype is empty; set it to "uint8", "uint16", "float32" or "float64" for format "blob"`)
	}
	return 0, fmt.Errorf(`dtype %q is unknown; use "uint8", "uint16", "float32" or "float64"`, dtype)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
