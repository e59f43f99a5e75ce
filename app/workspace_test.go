package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/app/internal/apptest"
	"github.com/gradewatch/gradewatch/app/workspace"
	"github.com/gradewatch/gradewatch/storage"
)

// gw runs the gradewatch command line in-process and returns its exit
// code, stdout and stderr.
func gw(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustGW runs the command line and fails the test unless it exits 0.
func mustGW(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := gw(t, args...)
	if code != 0 {
		t.Fatalf("gradewatch %s = exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// openStore opens the database of the workspace at cfgPath until the test
// ends.
func openStore(t *testing.T, cfgPath string) *storage.Store {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, err := workspace.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// sourceRow is one row of a demo source table.
type sourceRow struct{ source, key, trueLabel string }

// demoSourceRows reads the keys and true labels of every row of the demo
// source tables straight from the database, independently of the monitor.
func demoSourceRows(t *testing.T, cfg *config.Config) []sourceRow {
	t.Helper()
	st, err := workspace.OpenStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var rows []sourceRow
	for _, s := range cfg.Sources {
		q := fmt.Sprintf("SELECT %s, true_label FROM %s ORDER BY 1", s.Key, s.Table)
		rs, err := st.DB().QueryContext(t.Context(), q)
		if err != nil {
			t.Fatalf("read %s: %v", s.Table, err)
		}
		for rs.Next() {
			var key int64
			var label string
			if err := rs.Scan(&key, &label); err != nil {
				t.Fatal(err)
			}
			rows = append(rows, sourceRow{s.Name, fmt.Sprint(key), label})
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
		rs.Close()
	}
	return rows
}

// TestDemoEndToEnd is the demo workspace's whole path through the command
// line: init, simulate 200 scans, grade them headless until idle, export
// CSV; then every source row has exactly one result row carrying its true
// label, and the bundled model grades the digits as well as mnist-8 does.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run")
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, workspace.ConfigFile)
	mustGW(t, "init", "--demo", "--dir", dir)
	// init is idempotent on a demo workspace.
	mustGW(t, "init", "--demo", "--dir", dir)
	out := mustGW(t, "simulate", "--config", cfgPath, "--count", "200", "--seed", "7")
	if !strings.Contains(out, "inserted 200 scans (100 blob, 100 points)") {
		t.Errorf("simulate output = %q; want 200 scans split 100/100", out)
	}
	out = mustGW(t, "run", "--headless", "--config", cfgPath, "--until-idle", "--status-every", "0")
	if !strings.Contains(out, "graded 200 scans, rejected 0") {
		t.Errorf("run output = %q; want 200 graded, 0 rejected", out)
	}
	csvPath := filepath.Join(dir, "results.csv")
	mustGW(t, "export", "--config", cfgPath, "--format", "csv", "--out", csvPath)

	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read exported CSV: %v", err)
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[h] = i
	}
	for _, want := range []string{"source", "source_key", "predicted_grade", "final_grade", "confidence", "model_sha256", "graded_at", "image_path", "true_label", "product_id", "lot", "station"} {
		if _, ok := col[want]; !ok {
			t.Fatalf("CSV header %v lacks %q", records[0], want)
		}
	}
	results := map[[2]string][]string{}
	for _, r := range records[1:] {
		k := [2]string{r[col["source"]], r[col["source_key"]]}
		if _, dup := results[k]; dup {
			t.Errorf("source row %v has more than one result", k)
		}
		results[k] = r
	}

	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	rows := demoSourceRows(t, cfg)
	if len(rows) != 200 {
		t.Fatalf("demo source tables hold %d rows; want the 200 simulated", len(rows))
	}
	if len(results) != len(rows) {
		t.Errorf("export has %d results for %d source rows; want one each", len(results), len(rows))
	}
	correct := 0
	for _, sr := range rows {
		r, ok := results[[2]string{sr.source, sr.key}]
		if !ok {
			t.Errorf("source row %s/%s has no result", sr.source, sr.key)
			continue
		}
		if got := r[col["true_label"]]; got != sr.trueLabel {
			t.Errorf("result of %s/%s carries true_label %q; source row has %q", sr.source, sr.key, got, sr.trueLabel)
		}
		if r[col["final_grade"]] != r[col["predicted_grade"]] {
			t.Errorf("result of %s/%s: final grade %q differs from prediction %q without an override", sr.source, sr.key, r[col["final_grade"]], r[col["predicted_grade"]])
		}
		if _, err := os.Stat(r[col["image_path"]]); err != nil {
			t.Errorf("result of %s/%s: image %q: %v", sr.source, sr.key, r[col["image_path"]], err)
		}
		if r[col["predicted_grade"]] == sr.trueLabel {
			correct++
		}
	}
	// mnist-8 is reported at about 98-99% on the MNIST test set; 95% on
	// 200 random test digits leaves room for sampling noise only.
	acc := float64(correct) / float64(len(rows))
	t.Logf("demo model accuracy on %d simulated digits (both sources): %.1f%%", len(rows), 100*acc)
	if acc < 0.95 {
		t.Errorf("accuracy = %.3f (%d of %d); want at least 0.95", acc, correct, len(rows))
	}

	// With --probs every row carries the ten class probabilities, which
	// sum to 1 and give the confidence for the predicted grade.
	out = mustGW(t, "export", "--config", cfgPath, "--out", "-", "--probs")
	precs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	pcol := map[string]int{}
	for i, h := range precs[0] {
		pcol[h] = i
	}
	for _, rec := range precs[1:] {
		sum := 0.0
		for d := 0; d <= 9; d++ {
			i, ok := pcol[fmt.Sprintf("prob_%d", d)]
			if !ok {
				t.Fatalf("--probs header %v lacks prob_%d", precs[0], d)
			}
			p, err := strconv.ParseFloat(rec[i], 64)
			if err != nil {
				t.Fatalf("prob_%d = %q: %v", d, rec[i], err)
			}
			sum += p
		}
		conf := rec[pcol["confidence"]]
		if math.Abs(sum-1) > 1e-4 || rec[pcol["prob_"+rec[pcol["predicted_grade"]]]] != conf {
			t.Errorf("row %v: probabilities sum to %v, prob of the prediction %q; want 1 and the confidence %q", rec[:3], sum, rec[pcol["prob_"+rec[pcol["predicted_grade"]]]], conf)
			break
		}
	}

	// A second run finds nothing new and writes nothing twice.
	out = mustGW(t, "run", "--headless", "--config", cfgPath, "--until-idle", "--status-every", "0")
	if !strings.Contains(out, "graded 0 scans") {
		t.Errorf("second run output = %q; want nothing graded", out)
	}
}

func TestInitRefusesRealConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, workspace.ConfigFile)
	real := demoConfigNotDemo(t)
	if err := real.Save(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	code, _, errOut := gw(t, "init", "--demo", "--dir", dir)
	if code != 1 || !strings.Contains(errOut, "not a demo workspace") {
		t.Errorf("init over a real config = exit %d, stderr %q; want 1 and \"not a demo workspace\"", code, errOut)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("init changed a configuration that is not a demo workspace")
	}
	code, _, errOut = gw(t, "simulate", "--config", path, "--count", "5")
	if code != 1 || !strings.Contains(errOut, "not a demo workspace") {
		t.Errorf("simulate on a real config = exit %d, stderr %q; want 1 and \"not a demo workspace\"", code, errOut)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = gw(t, "init", "--demo", "--dir", dir)
	if code != 1 || !strings.Contains(errOut, "not a readable configuration") {
		t.Errorf("init over a broken config = exit %d, stderr %q; want 1 and \"not a readable configuration\"", code, errOut)
	}
}

// demoConfigNotDemo returns a valid configuration that is not marked demo.
func demoConfigNotDemo(t *testing.T) *config.Config {
	t.Helper()
	c := config.Default(t.TempDir())
	c.Model.Path = "model.onnx"
	c.Sources = []config.Source{{
		Name: "line1", Table: "scans", Key: "id", Mode: "key", Columns: config.Columns{Payload: "p"},
		Layout: config.Layout{Kind: "blob", DType: "uint8", Normalisation: config.Normalisation{Kind: "min-max"}},
		Width:  8, Height: 8, Interval: "10s", BatchSize: 10,
	}}
	return c
}

func TestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, workspace.ConfigFile)
	mustGW(t, "init", "--demo", "--dir", dir)
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"init", "--dir", dir}, 2, "only --demo is supported"},
		{[]string{"init", "--demo", "--dir", dir, "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"simulate", "--config", cfgPath}, 2, "give a positive count"},
		{[]string{"simulate", "--config", cfgPath, "--count", "3", "--rate", "-1"}, 2, "give a positive count and a rate of 0 or more"},
		{[]string{"simulate", "--config", filepath.Join(dir, "missing.json"), "--count", "3"}, 1, "no such file"},
		{[]string{"export", "--config", cfgPath, "--format", "xlsx", "--out", "x"}, 2, `"xlsx" is not supported`},
		{[]string{"export", "--config", cfgPath}, 2, "--out is missing"},
		{[]string{"export", "--config", cfgPath, "--out", "-", "--from", "yesterday"}, 1, `--from "yesterday" is not a time`},
		{[]string{"export", "--config", cfgPath, "--out", "-", "--from", "2026-02-01", "--to", "2026-01-01"}, 1, "is not after --from"},
		{[]string{"run", "--until-idle", "--config", cfgPath}, 2, "--until-idle needs --headless"},
		{[]string{"run", "--headless", "--config", filepath.Join(dir, "missing.json")}, 1, "no such file"},
		{[]string{"run", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"run", "--headless", "--config", cfgPath, "--simulate", "5", "--until-idle"}, 2, "never lets the line go idle"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:1], " ")+" "+tt.wantErr, func(t *testing.T) {
			code, _, errOut := gw(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("gradewatch %q = exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestExportTimeRange(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, workspace.ConfigFile)
	mustGW(t, "init", "--demo", "--dir", dir)
	mustGW(t, "simulate", "--config", cfgPath, "--count", "6", "--seed", "3")
	mustGW(t, "run", "--headless", "--config", cfgPath, "--until-idle", "--status-every", "0")
	tests := []struct {
		from, to string
		wantRows int
	}{
		{"", "", 6},
		{"2000-01-01", "", 6},
		{"", "2000-01-01T00:00:00Z", 0},
		{"2999-01-01", "", 0},
	}
	for _, tt := range tests {
		args := []string{"export", "--config", cfgPath, "--out", "-"}
		if tt.from != "" {
			args = append(args, "--from", tt.from)
		}
		if tt.to != "" {
			args = append(args, "--to", tt.to)
		}
		out := mustGW(t, args...)
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("export %q: %v", args, err)
		}
		if got := len(recs) - 1; got != tt.wantRows {
			t.Errorf("export --from %q --to %q = %d rows; want %d", tt.from, tt.to, got, tt.wantRows)
		}
	}
}

// TestRunHeadlessStopsOnSignal checks the graceful stop: the command's
// context ends (as on SIGINT or SIGTERM in main) and run returns 0 with a
// summary, without waiting for the 10 s and 30 s poll intervals.
func TestRunHeadlessStopsOnSignal(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, workspace.ConfigFile)
	mustGW(t, "init", "--demo", "--dir", dir)
	mustGW(t, "simulate", "--config", cfgPath, "--count", "10", "--seed", "5")
	ctx, cancel := context.WithCancel(t.Context())
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"run", "--headless", "--config", cfgPath, "--status-every", "0"}, &out, &errOut)
	}()
	st := openStore(t, cfgPath)
	apptest.WaitFor(t, "10 results", func() bool {
		n := 0
		err := st.EachResult(t.Context(), time.Time{}, time.Time{}, func(storage.Result) error { n++; return nil })
		return err == nil && n == 10
	})
	cancel() // as SIGINT does through main's signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("run after the signal = exit %d, stderr %q; want 0", code, errOut.String())
		}
		if !strings.Contains(out.String(), "graded 10 scans") {
			t.Errorf("run output = %q; want the 10 scans graded before the signal", out.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop within 10s of the signal")
	}
}

// TestExportAfterOverride checks that an operator's override shows in the
// export as the final grade, beside the unchanged prediction, with the
// review time.
func TestExportAfterOverride(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, workspace.ConfigFile)
	mustGW(t, "init", "--demo", "--dir", dir)
	mustGW(t, "simulate", "--config", cfgPath, "--count", "2", "--seed", "11")
	mustGW(t, "run", "--headless", "--config", cfgPath, "--until-idle", "--status-every", "0")
	st := openStore(t, cfgPath)
	r, err := st.ResultByKey(t.Context(), demo.BlobSource, "1")
	if err != nil {
		t.Fatal(err)
	}
	newGrade := "3"
	if r.Predicted == newGrade {
		newGrade = "4"
	}
	if _, err := st.Override(t.Context(), storage.OverrideRecord{ResultID: r.ID, SeenGrade: r.FinalGrade, NewGrade: newGrade, Reason: "test", OSUser: "u", Operator: "o", Workstation: "w"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out := mustGW(t, "export", "--config", cfgPath, "--out", "-")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	h := recs[0]
	idx := func(name string) int {
		for i, c := range h {
			if c == name {
				return i
			}
		}
		t.Fatalf("header %v lacks %q", h, name)
		return -1
	}
	found := false
	for _, rec := range recs[1:] {
		if rec[idx("source")] != demo.BlobSource || rec[idx("source_key")] != "1" {
			continue
		}
		found = true
		if rec[idx("predicted_grade")] != r.Predicted || rec[idx("final_grade")] != newGrade {
			t.Errorf("overridden result exported as predicted %q, final %q; want %q, %q", rec[idx("predicted_grade")], rec[idx("final_grade")], r.Predicted, newGrade)
		}
		if _, err := time.Parse(time.RFC3339, rec[idx("reviewed_at")]); err != nil {
			t.Errorf("reviewed_at = %q; want an RFC 3339 time: %v", rec[idx("reviewed_at")], err)
		}
	}
	if !found {
		t.Error("the overridden result is not in the export")
	}
}
