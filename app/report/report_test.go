package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gradewatch/gradewatch/storage"
)

// exportStore is an empty migrated SQLite store with source "s" (table t)
// to commit results to.
func exportStore(t *testing.T) (*storage.Store, storage.Source) {
	t.Helper()
	ctx := t.Context()
	st, err := storage.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "export.db"), storage.TableNames{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, p BLOB)"); err != nil {
		t.Fatal(err)
	}
	return st, storage.Source{Name: "s", Table: "t", KeyColumn: "id", Mode: storage.ModeKey, PayloadColumn: "p"}
}

// commitResult commits one result of source row key with metadata meta.
func commitResult(t *testing.T, st *storage.Store, src storage.Source, key int64, meta map[string]string) {
	t.Helper()
	r := storage.Result{
		Source: src.Name, SourceKey: strconv.FormatInt(key, 10), Predicted: "7", Confidence: 0.75,
		Probs: []float64{0.75, 0.25}, Labels: []string{"7", "1"}, ModelName: "m", ModelSHA256: "abc", Metadata: meta,
	}
	if err := st.CommitBatch(t.Context(), src, []storage.Result{r}, nil, storage.Checkpoint{Key: key}); err != nil {
		t.Fatal(err)
	}
}

// racingStore is a store on which another process commits a result with a
// metadata key never seen before just before every read of the results
// but the first, the worst case for an export that reads twice.
type racingStore struct {
	t     *testing.T
	st    *storage.Store
	src   storage.Source
	reads int
}

func (r *racingStore) EachResult(ctx context.Context, from, to time.Time, fn func(storage.Result) error) error {
	r.reads++
	if r.reads > 1 {
		commitResult(r.t, r.st, r.src, int64(100+r.reads), map[string]string{fmt.Sprintf("late%d", r.reads): "x"})
	}
	return r.st.EachResult(ctx, from, to, fn)
}

// writeCSV writes the results q selects from src to w as CSV.
func writeCSV(ctx context.Context, src Results, w io.Writer, q Query) (int, error) {
	cw, err := NewWriter("csv", w)
	if err != nil {
		return 0, err
	}
	return Write(ctx, src, q, cw)
}

// readCSV parses an export into its header and rows keyed by result_id.
func readCSV(t *testing.T, data []byte) ([]string, map[string]map[string]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("read exported CSV: %v\n%s", err, data)
	}
	if len(recs) == 0 {
		t.Fatal("export has no header")
	}
	rows := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		rows[row["result_id"]] = row
	}
	return recs[0], rows
}

// TestExportColumnsMatchRows checks that the export's columns are those of
// exactly the rows it writes, even when results with new metadata keys are
// committed while it runs: every metadata value of every exported result
// is in the file.
func TestExportColumnsMatchRows(t *testing.T) {
	ctx := t.Context()
	st, src := exportStore(t)
	commitResult(t, st, src, 1, map[string]string{"lot": "L1"})
	commitResult(t, st, src, 2, map[string]string{"lot": "L2", "shift": "B"})
	racing := &racingStore{t: t, st: st, src: src}
	var buf bytes.Buffer
	n, err := writeCSV(ctx, racing, &buf, Query{Metadata: []string{"lot"}, Probs: false})
	if err != nil {
		t.Fatalf("writeCSV: %v", err)
	}
	if racing.reads != 1 {
		t.Errorf("writeCSV read the results %d times; want once", racing.reads)
	}
	_, rows := readCSV(t, buf.Bytes())
	if n != len(rows) || n < 2 {
		t.Fatalf("writeCSV = %d rows, file has %d; want the same, at least the 2 committed before", n, len(rows))
	}
	for id, row := range rows {
		i, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			t.Fatalf("result_id %q: %v", id, err)
		}
		res, err := st.Result(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range res.Metadata {
			got, ok := row[k]
			if !ok || got != v {
				t.Errorf("result %d: metadata %s = %q (column present: %v); want %q", i, k, got, ok, v)
			}
		}
	}
}

// TestExportResultsColumnsAndCells checks the order of the variable
// columns (configured metadata in configuration order, other keys sorted,
// then prob_<label> in the order first seen) and that formula text is
// neutralised while numbers are not.
func TestExportResultsColumnsAndCells(t *testing.T) {
	ctx := t.Context()
	st, src := exportStore(t)
	commitResult(t, st, src, 1, map[string]string{"lot": `=HYPERLINK("x")`, "station": "-5", "zeta": "@SUM(1)", "alpha": "-2+3"})
	commitResult(t, st, src, 2, map[string]string{"lot": "-0.25", "station": "\t=1", "=evil": "plain"})
	var buf bytes.Buffer
	n, err := writeCSV(ctx, st, &buf, Query{Metadata: []string{"station", "lot", "station"}, Probs: true})
	if err != nil || n != 2 {
		t.Fatalf("writeCSV = %d, %v; want 2 rows", n, err)
	}
	header, rows := readCSV(t, buf.Bytes())
	wantHeader := append(slices.Clone(fixedColumns), "station", "lot", "'=evil", "alpha", "zeta", "prob_7", "prob_1")
	if diff := cmp.Diff(wantHeader, header); diff != "" {
		t.Errorf("header mismatch (-want +got):\n%s", diff)
	}
	tests := []struct {
		id, col, want string
	}{
		{"1", "lot", `'=HYPERLINK("x")`},
		{"1", "station", "-5"},
		{"1", "zeta", "'@SUM(1)"},
		{"1", "alpha", "'-2+3"},
		{"1", "'=evil", ""},
		{"2", "lot", "-0.25"},
		{"2", "station", "'\t=1"},
		{"2", "'=evil", "plain"},
		{"2", "confidence", "0.75"},
		{"2", "prob_1", "0.25"},
		{"2", "source", "s"},
		{"2", "source_key", "2"},
	}
	for _, tt := range tests {
		if got := rows[tt.id][tt.col]; got != tt.want {
			t.Errorf("result %s, column %q = %q; want %q", tt.id, tt.col, got, tt.want)
		}
	}
	if _, err := time.Parse(time.RFC3339, rows["1"]["graded_at"]); err != nil {
		t.Errorf("graded_at = %q; want an RFC 3339 time: %v", rows["1"]["graded_at"], err)
	}
}

// TestExportResultsEmpty checks that an export of no results is a header
// only.
func TestExportResultsEmpty(t *testing.T) {
	st, _ := exportStore(t)
	var buf bytes.Buffer
	n, err := writeCSV(t.Context(), st, &buf, Query{Metadata: []string{"lot"}, Probs: true})
	if err != nil || n != 0 {
		t.Fatalf("writeCSV = %d, %v; want 0 rows", n, err)
	}
	header, rows := readCSV(t, buf.Bytes())
	if diff := cmp.Diff(append(slices.Clone(fixedColumns), "lot"), header); diff != "" || len(rows) != 0 {
		t.Errorf("empty export: %d rows, header mismatch (-want +got):\n%s", len(rows), diff)
	}
}

func TestNewWriter(t *testing.T) {
	tests := []struct {
		format  string
		wantErr string
	}{
		{"csv", ""},
		{"xlsx", `report format "xlsx" is not supported; use csv`},
		{"", `report format "" is not supported; use csv`},
	}
	for _, tt := range tests {
		_, err := NewWriter(tt.format, io.Discard)
		if got := fmt.Sprint(err); (tt.wantErr == "" && err != nil) || (tt.wantErr != "" && got != tt.wantErr) {
			t.Errorf("NewWriter(%q) = %v; want %q", tt.format, err, tt.wantErr)
		}
	}
	if got := Formats(); !slices.Equal(got, []string{"csv"}) {
		t.Errorf("Formats() = %q; want [csv]", got)
	}
}

// TestHeaderClashes checks that a metadata column named like a fixed or a
// probability column is written as meta_<name>.
func TestHeaderClashes(t *testing.T) {
	got := Columns{Metadata: []string{"lot", "graded_at", "prob_ok"}, Labels: []string{"ok", "bad"}}.Header()
	want := append(slices.Clone(fixedColumns), "lot", "meta_graded_at", "meta_prob_ok", "prob_ok", "prob_bad")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Header mismatch (-want +got):\n%s", diff)
	}
}

// TestWriteStopsOnReadError checks that a failing read is reported,
// nothing is written and the spool file is removed.
func TestWriteStopsOnReadError(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var buf bytes.Buffer
	n, err := writeCSV(t.Context(), failingResults{}, &buf, Query{})
	if err == nil || !strings.Contains(err.Error(), "database gone") || n != 0 || buf.Len() != 0 {
		t.Errorf("Write over a failing read = %d rows, %v, %d bytes; want 0, the read error, nothing written", n, err, buf.Len())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("after a failed export %d files are left in TMPDIR (%s); want the spool removed", len(left), left[0].Name())
	}
}

// TestWriteRemovesSpool checks that a successful export leaves no spool
// file behind.
func TestWriteRemovesSpool(t *testing.T) {
	st, src := exportStore(t)
	commitResult(t, st, src, 1, map[string]string{"lot": "L1"})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var buf bytes.Buffer
	if n, err := writeCSV(t.Context(), st, &buf, Query{}); err != nil || n != 1 {
		t.Fatalf("writeCSV = %d, %v; want 1 row", n, err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("after an export %d files are left in TMPDIR (%s); want the spool removed", len(left), left[0].Name())
	}
}

type failingResults struct{}

func (failingResults) EachResult(ctx context.Context, from, to time.Time, fn func(storage.Result) error) error {
	return errors.New("database gone")
}
