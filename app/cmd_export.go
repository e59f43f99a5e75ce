package app

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/gradewatch/gradewatch/app/config"
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
	fs := newFlags("export", "--config FILE --format csv --out FILE [--from T] [--to T]", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the workspace in the user's configuration folder)")
	format := fs.String("format", "csv", "output format; csv")
	out := fs.String("out", "", `output file ("-" for standard output)`)
	fromS := fs.String("from", "", "only results graded at or after T (RFC 3339, or a date 2006-01-02 meaning midnight UTC)")
	toS := fs.String("to", "", "only results graded before T (same forms as --from)")
	probs := fs.Bool("probs", false, "add one column per class with its probability (prob_<label>)")
	if code := parseFlags(fs, args); code >= 0 {
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
	path, cfg, err := EnsureWorkspace(ctx, cfgPath)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open database of %s: %w", path, err)
	}
	defer st.Close()
	cols, err := exportColumnsOf(ctx, st, cfg, from, to, probs)
	if err != nil {
		return err
	}
	if out == "-" {
		n, err := WriteResultsCSV(ctx, st, stdout, cols, from, to)
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
	n, err := WriteResultsCSV(ctx, st, f, cols, from, to)
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

// ExportColumns are the variable columns of an export, after the fixed
// ones.
type ExportColumns struct {
	// Metadata are the carried metadata columns.
	Metadata []string
	// Labels, if any, add a prob_<label> column per class.
	Labels []string
}

// exportColumnsOf returns the variable columns of an export: the metadata
// columns of the configured sources in configuration order, then any other
// key found in the results (of sources no longer configured), sorted; with
// probs, the class labels of the results in the order first seen.
func exportColumnsOf(ctx context.Context, st *storage.Store, cfg *config.Config, from, to time.Time, probs bool) (ExportColumns, error) {
	var cols ExportColumns
	seen := map[string]bool{}
	for _, s := range cfg.Sources {
		for _, m := range s.Metadata {
			if !seen[m] {
				seen[m] = true
				cols.Metadata = append(cols.Metadata, m)
			}
		}
	}
	var extra []string
	seenLabel := map[string]bool{}
	err := st.EachResult(ctx, from, to, func(r storage.Result) error {
		for k := range r.Metadata {
			if !seen[k] {
				seen[k] = true
				extra = append(extra, k)
			}
		}
		if probs {
			for _, l := range r.Labels {
				if !seenLabel[l] {
					seenLabel[l] = true
					cols.Labels = append(cols.Labels, l)
				}
			}
		}
		return nil
	})
	if err != nil {
		return ExportColumns{}, err
	}
	sort.Strings(extra)
	cols.Metadata = append(cols.Metadata, extra...)
	return cols, nil
}

// WriteResultsCSV writes a header and one row per result graded in
// [from, to) to w: the fixed columns, the metadata columns, then a
// prob_<label> column per label (empty where a result's model has no such
// class); times are RFC 3339 UTC. A metadata column whose name clashes
// with another column is written as "meta_<name>". Confidences are written with
// the shortest digits that give back the model's float32. It returns the
// number of rows.
func WriteResultsCSV(ctx context.Context, st *storage.Store, w io.Writer, cols ExportColumns, from, to time.Time) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
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
		header = append(header, m)
	}
	for _, l := range cols.Labels {
		header = append(header, "prob_"+l)
	}
	if err := cw.Write(header); err != nil {
		return 0, fmt.Errorf("write csv: %w", err)
	}
	n := 0
	row := make([]string, len(header))
	err := st.EachResult(ctx, from, to, func(r storage.Result) error {
		row = append(row[:0],
			strconv.FormatInt(r.ID, 10), r.Source, r.SourceKey, r.Predicted, r.FinalGrade,
			strconv.FormatFloat(r.Confidence, 'f', -1, 32), r.ModelName, r.ModelSHA256,
			rfc3339(r.GradedAt), rfc3339(r.ReviewedAt), r.ImagePath)
		for _, m := range cols.Metadata {
			row = append(row, r.Metadata[m])
		}
		for _, l := range cols.Labels {
			p := ""
			for i, rl := range r.Labels {
				if rl == l && i < len(r.Probs) {
					p = strconv.FormatFloat(r.Probs[i], 'f', -1, 32)
					break
				}
			}
			row = append(row, p)
		}
		n++
		return cw.Write(row)
	})
	if err != nil {
		return n, fmt.Errorf("export results: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, fmt.Errorf("write csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("write csv: %w", err)
	}
	return n, nil
}

// rfc3339 formats t in UTC, or "" for the zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
