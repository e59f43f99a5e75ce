package report

import (
	"bytes"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/storage"
)

// TestCSVQuoting checks that metadata with commas, quotes and
// line breaks survives a round trip through the CSV file, and that a
// metadata column named like a fixed column does not shadow it, with
// columns given up front (a label no result has gets an empty column).
func TestCSVQuoting(t *testing.T) {
	ctx := t.Context()
	st, err := storage.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "q.db"), storage.TableNames{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	src := storage.Source{Name: "s", Table: "t", KeyColumn: "id", Mode: storage.ModeKey, PayloadColumn: "p"}
	if _, err := st.DB().ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, p BLOB)"); err != nil {
		t.Fatal(err)
	}
	tricky := "a,\"b\"\nc"
	res := storage.Result{
		Source: "s", SourceKey: "1", Predicted: "7", Confidence: 0.25, Probs: []float64{0.25, 0.75}, Labels: []string{"7", "1"},
		ModelName: "m", ModelSHA256: "abc", Metadata: map[string]string{"lot": tricky, "source": "shadow"},
	}
	if err := st.CommitBatch(ctx, src, []storage.Result{res}, nil, storage.Checkpoint{Key: 1}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := newCSV(&buf)
	if err := w.WriteHeader(Columns{Metadata: []string{"lot", "source"}, Labels: []string{"1", "7", "x"}}); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = st.EachResult(ctx, time.Time{}, time.Time{}, func(r storage.Result) error {
		n++
		return w.WriteRow(r)
	})
	if err == nil {
		err = w.Close()
	}
	if err != nil || n != 1 {
		t.Fatalf("CSV of the results = %d rows, %v; want 1 row", n, err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	h, r := recs[0], recs[1]
	get := func(name string) string {
		for i, c := range h {
			if c == name {
				return r[i]
			}
		}
		t.Fatalf("header %v lacks %q", h, name)
		return ""
	}
	if got := get("lot"); got != tricky {
		t.Errorf("lot = %q; want %q", got, tricky)
	}
	if get("source") != "s" || get("meta_source") != "shadow" {
		t.Errorf("source = %q, meta_source = %q; want s and shadow", get("source"), get("meta_source"))
	}
	if get("confidence") != "0.25" || get("predicted_grade") != "7" || get("final_grade") != "7" {
		t.Errorf("confidence, predicted, final = %q, %q, %q; want 0.25, 7, 7", get("confidence"), get("predicted_grade"), get("final_grade"))
	}
	if get("prob_7") != "0.25" || get("prob_1") != "0.75" || get("prob_x") != "" {
		t.Errorf("prob_7, prob_1, prob_x = %q, %q, %q; want 0.25, 0.75 and empty", get("prob_7"), get("prob_1"), get("prob_x"))
	}
	if g := get("graded_at"); !strings.HasSuffix(g, "Z") {
		t.Errorf("graded_at = %q; want RFC 3339 UTC", g)
	}
}

func TestSafeCell(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Formulas and what a spreadsheet takes for one (OWASP CSV injection).
		{`=HYPERLINK("x")`, `'=HYPERLINK("x")`},
		{`+cmd|' /C calc'!A0`, `'+cmd|' /C calc'!A0`},
		{`@SUM(1)`, `'@SUM(1)`},
		{`-2+3`, `'-2+3`},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{`=1`, `'=1`},
		{`-`, `'-`},
		{`+`, `'+`},
		{`-Inf`, `'-Inf`},
		{`+NaN`, `'+NaN`},
		{`-0x1p3`, `'-0x1p3`},
		{`-1_000`, `'-1_000`},
		{`-1e`, `'-1e`},
		{`-.`, `'-.`},
		{`-5 `, `'-5 `},
		// Genuine numbers stay numbers.
		{`-5`, `-5`},
		{`-0.25`, `-0.25`},
		{`+3`, `+3`},
		{`-.5`, `-.5`},
		{`-5.`, `-5.`},
		{`-1e-3`, `-1e-3`},
		{`+2.5E+10`, `+2.5E+10`},
		{`1e-3`, `1e-3`},
		{`0.9997118`, `0.9997118`},
		// Text that does not start a formula is untouched.
		{``, ``},
		{`lot A-7`, `lot A-7`},
		{`a=b`, `a=b`},
		{`'=already quoted`, `'=already quoted`},
		{`2026-11-22T03:40:09Z`, `2026-11-22T03:40:09Z`},
		{`/data/images/7.png`, `/data/images/7.png`},
	}
	for _, tt := range tests {
		if got := safeCell(tt.in); got != tt.want {
			t.Errorf("safeCell(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestRFC3339FixedWidth(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Time{}, ""},
		{time.Date(2026, 11, 22, 3, 43, 22, 930_000_000, time.UTC), "2026-11-22T03:43:22.930Z"},
		{time.Date(2026, 11, 22, 3, 43, 22, 0, time.UTC), "2026-11-22T03:43:22.000Z"},
		{time.Date(2026, 11, 22, 4, 43, 22, 941_500_000, time.FixedZone("CET", 3600)), "2026-11-22T03:43:22.941Z"},
	}
	for _, tt := range tests {
		if got := rfc3339(tt.in); got != tt.want {
			t.Errorf("rfc3339(%v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
