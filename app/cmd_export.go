package app

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/gradewatch/gradewatch/app/cli"
	"github.com/gradewatch/gradewatch/app/workspace"
	"github.com/gradewatch/gradewatch/storage"
)

func init() {
	register(command{name: "export", summary: "write the results to a CSV file", run: runExport})
}

// exportColumns are the fixed leading columns of an export; the carried
// metadata columns follow.
var exportColumns = []string{
	"result_id", "source", "source_key", "predicted_grade", "final_grade", "confidence",
	"model_name", "model_sha256", "graded_at", "reviewed_at", "image_path",
}

// runExport is "gradewatch export --config FILE --format csv --out FILE
// [--from T] [--to T]".
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("export", "--config FILE --format csv --out FILE [--from T] [--to T]", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the workspace in the user's configuration folder)")
	format := fs.String("format", "csv", "output format; csv")
	out := fs.String("out", "", `output file ("-" for standard output)`)
	fromS := fs.String("from", "", "only results graded at or after T (RFC 3339, or a date 2006-01-02 meaning midnight UTC)")
	toS := fs.String("to", "", "only results graded before T (same forms as --from)")
	probs := fs.Bool("probs", false, "add one column per class with its probability (prob_<label>)")
	if code, ok := cli.ParseFlagsOnly(fs, args); !ok {
		return code
	}
	if *format != "csv" {
		fmt.Fprintf(stderr, "gradewatch export: --format %q is not supported; use csv (Excel and PDF come with the reports)\n", *format)
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "gradewatch export: --out is missing; name the CSV file to write, or - for standard output")
		return 2
	}
	from, err := parseTime("--from", *fromS)
	if err == nil {
		var to time.Time
		to, err = parseTime("--to", *toS)
		if err == nil && !from.IsZero() && !to.IsZero() && !to.After(from) {
			err = fmt.Errorf("--to %s is not after --from %s; swap them", *toS, *fromS)
		}
		if err == nil {
			err = exportCSV(ctx, *cfgPath, *out, from, to, *probs, stdout, stderr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "gradewatch export: %v\n", err)
		return 1
	}
	return 0
}

// parseTime reads an RFC 3339 time or a date (midnight UTC); "" is the
// zero time (no bound).
func parseTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s %q is not a time; write RFC 3339 such as 2026-11-22T06:00:00Z, or a date such as 2026-11-22", flag, s)
}

func exportCSV(ctx context.Context, cfgPath, out string, from, to time.Time, probs bool, stdout, stderr io.Writer) error {
	path, cfg, err := workspace.Ensure(ctx, cfgPath)
	if err != nil {
		return err
	}
	st, err := workspace.OpenStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open database of %s: %w", path, err)
	}
	defer st.Close()
	var configured []string
	for _, s := range cfg.Sources {
		configured = append(configured, s.Metadata...)
	}
	if out == "-" {
		n, err := exportResults(ctx, st, stdout, configured, probs, from, to)
		if err == nil {
			fmt.Fprintf(stderr, "exported %d results\n", n)
		}
		return err
	}
	// Write beside the target and rename, so a failed export never leaves
	// a truncated file that looks complete.
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := exportResults(ctx, st, f, configured, probs, from, to)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fmt.Fprintf(stdout, "exported %d results to %s\n", n, out)
	return nil
}

// resultWalker is the part of the store an export reads; *storage.Store
// implements it.
type resultWalker interface {
	EachResult(ctx context.Context, from, to time.Time, fn func(storage.Result) error) error
}

var _ resultWalker = (*storage.Store)(nil)

// ExportColumns are the variable columns of an export, after the fixed
// ones.
type ExportColumns struct {
	// Metadata are the carried metadata columns.
	Metadata []string
	// Labels, if any, add a prob_<label> column per class.
	Labels []string
}

// columnCollector gathers the variable columns of the results it is
// shown: the configured metadata columns in configuration order, then any
// other key found in the results (of sources no longer configured), sorted;
// with probs, the class labels in the order first seen.
type columnCollector struct {
	configured []string
	extra      []string
	seen       map[string]bool
	probs      bool
	labels     []string
	seenLabel  map[string]bool
}

func newColumnCollector(configured []string, probs bool) *columnCollector {
	c := &columnCollector{seen: map[string]bool{}, probs: probs, seenLabel: map[string]bool{}}
	for _, m := range configured {
		if !c.seen[m] {
			c.seen[m] = true
			c.configured = append(c.configured, m)
		}
	}
	return c
}

func (c *columnCollector) add(r storage.Result) {
	for k := range r.Metadata {
		if !c.seen[k] {
			c.seen[k] = true
			c.extra = append(c.extra, k)
		}
	}
	if c.probs {
		for _, l := range r.Labels {
			if !c.seenLabel[l] {
				c.seenLabel[l] = true
				c.labels = append(c.labels, l)
			}
		}
	}
}

func (c *columnCollector) columns() ExportColumns {
	extra := append([]string(nil), c.extra...)
	sort.Strings(extra)
	return ExportColumns{Metadata: append(append([]string(nil), c.configured...), extra...), Labels: c.labels}
}

// exportResults writes every result graded in [from, to) to w as CSV
// (see WriteResultsCSV) with the columns of exactly the rows written: the
// configured metadata columns, every other metadata key the rows carry,
// and with probs a prob_<label> column per class. It reads the results
// once, spooling them to a temporary file while it collects the columns,
// then writes the header and replays the spool. (Reading twice, once for
// the columns and once for the rows, would drop the column of a result
// committed between the two reads.) It returns the number of rows.
func exportResults(ctx context.Context, st resultWalker, w io.Writer, configured []string, probs bool, from, to time.Time) (int, error) {
	spool, err := os.CreateTemp("", "gradewatch-export-*.spool")
	if err != nil {
		return 0, fmt.Errorf("create export spool file (set TMPDIR to a writable folder): %w", err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	cc := newColumnCollector(configured, probs)
	sw := bufio.NewWriterSize(spool, 64<<10)
	enc := gob.NewEncoder(sw)
	n := 0
	err = st.EachResult(ctx, from, to, func(r storage.Result) error {
		cc.add(r)
		n++
		if err := enc.Encode(&r); err != nil {
			return fmt.Errorf("spool result %d to %s: %w", r.ID, spool.Name(), err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("export results: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return 0, fmt.Errorf("spool results to %s: %w", spool.Name(), err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("rewind export spool %s: %w", spool.Name(), err)
	}
	dec := gob.NewDecoder(bufio.NewReaderSize(spool, 64<<10))
	rw, err := newResultWriter(w, cc.columns())
	if err != nil {
		return 0, err
	}
	for i := range n {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return i, fmt.Errorf("export results: %w", err)
			}
		}
		var r storage.Result
		if err := dec.Decode(&r); err != nil {
			return i, fmt.Errorf("read back result %d of %d from export spool %s: %w", i+1, n, spool.Name(), err)
		}
		if err := rw.write(r); err != nil {
			return i, err
		}
	}
	return n, rw.flush()
}

// WriteResultsCSV writes a header and one row per result graded in
// [from, to) to w, reading the results once: the fixed columns, the given
// metadata columns, then a prob_<label> column per label (empty where a
// result's model has no such class); times are RFC 3339 UTC. A metadata
// column whose name clashes with another column is written as
// "meta_<name>". Confidences are written with the shortest digits that
// give back the model's float32. Text that a spreadsheet would run as a
// formula is neutralised (see safeCell). It returns the number of rows.
func WriteResultsCSV(ctx context.Context, st resultWalker, w io.Writer, cols ExportColumns, from, to time.Time) (int, error) {
	rw, err := newResultWriter(w, cols)
	if err != nil {
		return 0, err
	}
	n := 0
	err = st.EachResult(ctx, from, to, func(r storage.Result) error {
		n++
		return rw.write(r)
	})
	if err != nil {
		return n, fmt.Errorf("export results: %w", err)
	}
	return n, rw.flush()
}

// resultWriter writes results as CSV rows under a header it has written.
type resultWriter struct {
	bw   *bufio.Writer
	cw   *csv.Writer
	cols ExportColumns
	row  []string
}

// newResultWriter writes the header of cols to w.
func newResultWriter(w io.Writer, cols ExportColumns) (*resultWriter, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	rw := &resultWriter{bw: bw, cw: csv.NewWriter(bw), cols: cols}
	header := append([]string(nil), exportColumns...)
	taken := map[string]bool{}
	for _, c := range exportColumns {
		taken[c] = true
	}
	for _, l := range cols.Labels {
		taken["prob_"+l] = true
	}
	for _, m := range cols.Metadata {
		if taken[m] {
			m = "meta_" + m
		}
		header = append(header, safeCell(m))
	}
	for _, l := range cols.Labels {
		header = append(header, "prob_"+l)
	}
	if err := rw.cw.Write(header); err != nil {
		return nil, fmt.Errorf("write csv: %w", err)
	}
	rw.row = make([]string, 0, len(header))
	return rw, nil
}

func (rw *resultWriter) write(r storage.Result) error {
	rw.row = append(rw.row[:0],
		strconv.FormatInt(r.ID, 10), safeCell(r.Source), safeCell(r.SourceKey), safeCell(r.Predicted), safeCell(r.FinalGrade),
		strconv.FormatFloat(r.Confidence, 'f', -1, 32), safeCell(r.ModelName), safeCell(r.ModelSHA256),
		rfc3339(r.GradedAt), rfc3339(r.ReviewedAt), safeCell(r.ImagePath))
	for _, m := range rw.cols.Metadata {
		rw.row = append(rw.row, safeCell(r.Metadata[m]))
	}
	for _, l := range rw.cols.Labels {
		p := ""
		for i, rl := range r.Labels {
			if rl == l && i < len(r.Probs) {
				p = strconv.FormatFloat(r.Probs[i], 'f', -1, 32)
				break
			}
		}
		rw.row = append(rw.row, p)
	}
	if err := rw.cw.Write(rw.row); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func (rw *resultWriter) flush() error {
	rw.cw.Flush()
	if err := rw.cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if err := rw.bw.Flush(); err != nil {
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
