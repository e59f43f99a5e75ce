package scan

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// This file is the one way an image file becomes a scan, for every entry
// point outside the line: ad hoc grading in the console, "gradewatch
// grade", and the console reading back the PNGs the monitor saved. They
// all decode with Decode's "image" format (formats, size limits checked
// from the header, grey conversion, normalisation), so an image grades the
// same everywhere.

// MaxImageFileBytes bounds an image read from a file or stream (ad hoc
// grading, "gradewatch grade"): 64 MiB. The pixels are bounded separately
// by MaxImageSide, from the header, before they are decoded.
const MaxImageFileBytes = 64 << 20

// DefaultImageLayout decodes an image file when no source says how:
// 8-bit grey levels 0..255 map to 0..1 (as the demo line's layout does).
// A 16-bit image needs the layout of its source (its measurement range).
var DefaultImageLayout = Layout{Format: FormatImage, Normalize: Normalization{Mode: NormFixed, Lo: 0, Hi: 255}}

// SavedImageLayout reads back a PNG written by EncodePNG or WritePNGFile:
// 8-bit grey levels 0..255 to the values 0..1 they were written from.
var SavedImageLayout = Layout{Format: FormatImage, Normalize: Normalization{Mode: NormFixed, Lo: 0, Hi: 255}, MaxInvalid: 1}

// ImageLayout returns the layout that decodes an image file the way
// source layout l normalises its scans: format "image" at the size the
// file has, with l's normalisation, fill and share of invalid cells. The
// grey levels of the file are l's measurements: 0..255 for an 8-bit
// image, 0..65535 for a 16-bit one, so a "fixed" range of l applies as on
// the line. Use it for an image of a scan of that source.
func ImageLayout(l Layout) Layout {
	return Layout{Format: FormatImage, Normalize: l.Normalize, Fill: l.Fill, MaxInvalid: l.MaxInvalid}
}

// DecodeImageFile reads at most MaxImageFileBytes from r and decodes them
// with layout l, whose format must be "image" (see ImageLayout).
func DecodeImageFile(l Layout, r io.Reader) (Matrix, Report, error) {
	if l.Format != FormatImage {
		return Matrix{}, Report{}, fmt.Errorf("decode image file: layout format is %q; use ImageLayout for format \"image\"", l.Format)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImageFileBytes+1))
	if err != nil {
		return Matrix{}, Report{}, fmt.Errorf("read image: %w", err)
	}
	if len(data) > MaxImageFileBytes {
		return Matrix{}, Report{}, fmt.Errorf("image file is over %d MiB: use a smaller file", MaxImageFileBytes>>20)
	}
	return Decode(l, data)
}

// ReadImageFile decodes the image file at path with layout l (see
// DecodeImageFile).
func ReadImageFile(l Layout, path string) (Matrix, Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return Matrix{}, Report{}, fmt.Errorf("read image %s: %w", path, err)
	}
	defer f.Close()
	m, rep, err := DecodeImageFile(l, f)
	if err != nil {
		return Matrix{}, Report{}, fmt.Errorf("read image %s: %w", path, err)
	}
	return m, rep, nil
}

// WritePNGFile saves m as an 8-bit grey PNG (EncodePNG) at path, creating
// its folder. It writes a temporary file beside path and renames it, so a
// crash never leaves a half-written image under the final name.
func WritePNGFile(path string, m Matrix) error {
	var buf bytes.Buffer
	if err := EncodePNG(&buf, m); err != nil {
		return fmt.Errorf("save image %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save image %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save image %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save image %s: %w", path, err)
	}
	return nil
}
