package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gradewatch/gradewatch/app/cli"
	"github.com/gradewatch/gradewatch/app/report"
	"github.com/gradewatch/gradewatch/app/workspace"
)

func init() {
	register(command{name: "export", summary: "write the results to a CSV file", run: runExport})
}

// runExport is "gradewatch export --config FILE --format csv --out FILE
// [--from T] [--to T]".
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlags("export", "--config FILE --format csv --out FILE [--from T] [--to T]", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the workspace in the user's configuration folder)")
	format := fs.String("format", "csv", "output format: "+strings.Join(report.Formats(), ", "))
	out := fs.String("out", "", `output file ("-" for standard output)`)
	fromS := fs.String("from", "", "only results graded at or after T (RFC 3339, or a date 2006-01-02 meaning midnight UTC)")
	toS := fs.String("to", "", "only results graded before T (same forms as --from)")
	probs := fs.Bool("probs", false, "add one column per class with its probability (prob_<label>)")
	if code, ok := cli.ParseFlagsOnly(fs, args); !ok {
		return code
	}
	if !slices.Contains(report.Formats(), *format) {
		fmt.Fprintf(stderr, "gradewatch export: --format %q is not supported; use %s (Excel and PDF come with the reports)\n", *format, strings.Join(report.Formats(), " or "))
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
			err = export(ctx, *cfgPath, *format, *out, report.Query{From: from, To: to, Probs: *probs}, stdout, stderr)
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

// export writes the results q selects from the database of the workspace
// at cfgPath to the file out ("-": stdout) in format. The configured
// metadata columns of every source lead the metadata columns.
func export(ctx context.Context, cfgPath, format, out string, q report.Query, stdout, stderr io.Writer) error {
	path, cfg, err := workspace.Ensure(ctx, cfgPath)
	if err != nil {
		return err
	}
	st, err := workspace.OpenStore(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open database of %s: %w", path, err)
	}
	defer st.Close()
	for _, s := range cfg.Sources {
		q.Metadata = append(q.Metadata, s.Metadata...)
	}
	write := func(dst io.Writer) (int, error) {
		w, err := report.NewWriter(format, dst)
		if err != nil {
			return 0, err
		}
		return report.Write(ctx, st, q, w)
	}
	if out == "-" {
		n, err := write(stdout)
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
	n, err := write(f)
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
