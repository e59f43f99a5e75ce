package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// decodeText reads CSV numbers or a JSON array (flat, or an array of rows).
// Empty CSV fields and JSON nulls are invalid values; "NaN" and "Inf" parse
// as such and are counted as invalid too.
func decodeText(l Layout, payload []byte) (raw []float64, w, h int, err error) {
	text := bytes.TrimSpace(payload)
	text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	if len(text) == 0 {
		return nil, 0, 0, fmt.Errorf("text payload is empty; expected CSV numbers or a JSON array")
	}
	var rows [][]float64
	if text[0] == '[' {
		rows, err = parseJSON(text)
	} else {
		rows, err = parseCSV(text)
	}
	if err != nil {
		return nil, 0, 0, err
	}
	return shape(l, rows)
}

// shape checks that rows form a rectangle matching l (a single row of
// width x height values is accepted when l has a size) and flattens them.
func shape(l Layout, rows [][]float64) ([]float64, int, int, error) {
	total := 0
	for _, r := range rows {
		total += len(r)
	}
	if total == 0 {
		return nil, 0, 0, fmt.Errorf("text payload holds no numbers")
	}
	if total > MaxCells {
		return nil, 0, 0, fmt.Errorf("text payload holds %d numbers, above the limit of %d", total, MaxCells)
	}
	if l.Width != 0 && len(rows) == 1 {
		if total != l.Width*l.Height {
			return nil, 0, 0, fmt.Errorf("text payload holds %d numbers in one row; layout %d x %d needs %d: check width and height", total, l.Width, l.Height, l.Width*l.Height)
		}
		return rows[0], l.Width, l.Height, nil
	}
	w, h := len(rows[0]), len(rows)
	for i, r := range rows {
		if len(r) != w {
			return nil, 0, 0, fmt.Errorf("text payload row %d has %d numbers; row 1 has %d: every row needs the same count", i+1, len(r), w)
		}
	}
	if l.Width != 0 && (w != l.Width || h != l.Height) {
		return nil, 0, 0, fmt.Errorf("text payload is %d x %d (columns x rows); layout says %d x %d: fix width and height (or set both to 0)", w, h, l.Width, l.Height)
	}
	raw := make([]float64, 0, total)
	for _, r := range rows {
		raw = append(raw, r...)
	}
	return raw, w, h, nil
}

// parseCSV splits text into lines and fields. Fields are separated by
// commas or semicolons, or (when a line has neither) by tabs or spaces.
// Blank lines are skipped.
func parseCSV(text []byte) ([][]float64, error) {
	var (
		rows   [][]float64
		fields [][]byte // reused for every line
	)
	line := 0
	for len(text) > 0 {
		var ln []byte
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			ln, text = text[:i], text[i+1:]
		} else {
			ln, text = text, nil
		}
		line++
		ln = bytes.TrimSpace(ln)
		if len(ln) == 0 {
			continue
		}
		fields = splitFields(fields[:0], ln)
		row := make([]float64, len(fields))
		for j, f := range fields {
			f = bytes.TrimSpace(f)
			if len(f) == 0 {
				row[j] = math.NaN()
				continue
			}
			v, err := strconv.ParseFloat(string(f), 64)
			if err != nil && !isRangeErr(err) {
				return nil, fmt.Errorf("text line %d field %d %q is not a number", line, j+1, clip(f))
			}
			row[j] = v
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// splitFields appends the fields of one line to dst: separated by commas
// or semicolons, or, when the line has neither, by runs of tabs and spaces.
func splitFields(dst [][]byte, ln []byte) [][]byte {
	if bytes.ContainsAny(ln, ",;") {
		for {
			i := bytes.IndexAny(ln, ",;")
			if i < 0 {
				return append(dst, ln)
			}
			dst = append(dst, ln[:i])
			ln = ln[i+1:]
		}
	}
	for {
		i := 0
		for i < len(ln) && (ln[i] == ' ' || ln[i] == '\t' || ln[i] == '\r') {
			i++
		}
		ln = ln[i:]
		if len(ln) == 0 {
			return dst
		}
		j := 0
		for j < len(ln) && ln[j] != ' ' && ln[j] != '\t' && ln[j] != '\r' {
			j++
		}
		dst = append(dst, ln[:j])
		ln = ln[j:]
	}
}

// parseJSON reads a flat array of numbers (one row) or an array of arrays.
func parseJSON(text []byte) ([][]float64, error) {
	var top []json.RawMessage
	if err := json.Unmarshal(text, &top); err != nil {
		return nil, fmt.Errorf("text payload is not a JSON array of numbers: %w", err)
	}
	if len(top) == 0 {
		return nil, fmt.Errorf("text payload is an empty JSON array")
	}
	if first := bytes.TrimSpace(top[0]); len(first) > 0 && first[0] == '[' {
		rows := make([][]float64, len(top))
		for i, r := range top {
			var cells []json.RawMessage
			if err := json.Unmarshal(r, &cells); err != nil {
				return nil, fmt.Errorf("text payload row %d is not a JSON array of numbers: %w", i+1, err)
			}
			row, err := jsonNumbers(cells, i+1)
			if err != nil {
				return nil, err
			}
			rows[i] = row
		}
		return rows, nil
	}
	row, err := jsonNumbers(top, 0)
	if err != nil {
		return nil, err
	}
	return [][]float64{row}, nil
}

func jsonNumbers(cells []json.RawMessage, row int) ([]float64, error) {
	out := make([]float64, len(cells))
	for j, c := range cells {
		c = bytes.TrimSpace(c)
		switch {
		case string(c) == "null":
			out[j] = math.NaN()
			continue
		case len(c) > 0 && c[0] == '"': // "NaN", "Inf" as strings
			var s string
			if err := json.Unmarshal(c, &s); err == nil {
				if v, err := strconv.ParseFloat(s, 64); err == nil && !finite(v) {
					out[j] = v
					continue
				}
			}
		default:
			v, err := strconv.ParseFloat(string(c), 64)
			if err == nil || isRangeErr(err) {
				out[j] = v
				continue
			}
		}
		if row > 0 {
			return nil, fmt.Errorf("text payload row %d item %d %q is not a number", row, j+1, clip(c))
		}
		return nil, fmt.Errorf("text payload item %d %q is not a number", j+1, clip(c))
	}
	return out, nil
}

// isRangeErr reports an out-of-range number; ParseFloat then returns ±Inf,
// which normalisation counts as invalid.
func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// clip shortens a field for an error message.
func clip(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "..."
	}
	return string(b)
}
