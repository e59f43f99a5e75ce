package report

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/gradewatch/gradewatch/storage"
)

func init() { register("csv", newCSV) }

// csvWriter writes a report as CSV: a header and one row per result; times
// are RFC 3339 UTC with milliseconds, confidences and probabilities the
// shortest digits that give back the model's float32, and an empty
// probability where a result's model has no such class. Text that a
// spreadsheet would run as a formula is neutralised (see safeCell).
type csvWriter struct {
	bw   *bufio.Writer
	cw   *csv.Writer
	cols Columns
	row  []string
}

func newCSV(w io.Writer) Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	return &csvWriter{bw: bw, cw: csv.NewWriter(bw)}
}

func (w *csvWriter) WriteHeader(cols Columns) error {
	w.cols = cols
	header := cols.Header()
	for i, h := range header {
		header[i] = safeCell(h)
	}
	if err := w.cw.Write(header); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	w.row = make([]string, 0, len(header))
	return nil
}

func (w *csvWriter) WriteRow(r storage.Result) error {
	w.row = append(w.row[:0],
		strconv.FormatInt(r.ID, 10), safeCell(r.Source), safeCell(r.SourceKey), safeCell(r.Predicted), safeCell(r.FinalGrade),
		strconv.FormatFloat(r.Confidence, 'f', -1, 32), safeCell(r.ModelName), safeCell(r.ModelSHA256),
		rfc3339(r.GradedAt), rfc3339(r.ReviewedAt), safeCell(r.ImagePath))
	for _, m := range w.cols.Metadata {
		w.row = append(w.row, safeCell(r.Metadata[m]))
	}
	for _, l := range w.cols.Labels {
		p := ""
		for i, rl := range r.Labels {
			if rl == l && i < len(r.Probs) {
				p = strconv.FormatFloat(r.Probs[i], 'f', -1, 32)
				break
			}
		}
		w.row = append(w.row, p)
	}
	if err := w.cw.Write(w.row); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func (w *csvWriter) Close() error {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// safeCell returns s so that a spreadsheet opening the CSV shows it as
// text: a cell starting with '=', '+', '-', '@', tab or carriage return
// would be run as a formula (CSV injection), so such a cell gets a leading
// single quote, as OWASP's CSV injection page advises. A plain decimal
// number such as -5, +3 or -0.25e2 is left as it is; it is read as the
// number it is, not run.
func safeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if isDecimal(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// isDecimal reports whether s is a plain decimal number: an optional sign,
// digits with at most one decimal point (at least one digit), and an
// optional exponent. Unlike strconv.ParseFloat it refuses "Inf", "NaN",
// hexadecimal and underscores.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// exportTime is RFC 3339 in UTC with exactly three decimals, so that every
// time in a column has the same width and sorts as text.
const exportTime = "2006-01-02T15:04:05.000Z07:00"

// rfc3339 formats t in UTC with millisecond precision, or "" for the zero
// time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(exportTime)
}
