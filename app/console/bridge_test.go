package console

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/storage"
	"github.com/gradewatch/gradewatch/ui"
)

// jobs runs the console's background work when the test drains it.
type jobs struct {
	mu sync.Mutex
	fs []func(context.Context)
}

func (j *jobs) Go(f func(context.Context)) { j.mu.Lock(); j.fs = append(j.fs, f); j.mu.Unlock() }

func (j *jobs) drain() {
	for {
		j.mu.Lock()
		if len(j.fs) == 0 {
			j.mu.Unlock()
			return
		}
		f := j.fs[0]
		j.fs = j.fs[1:]
		j.mu.Unlock()
		f(context.Background())
	}
}

// openTestStore makes a migrated SQLite store holding three graded demo
// scans: key 1 graded 3 at 41%, key 2 graded 5 at 62%, key 3 graded 8 at 99%.
func openTestStore(t *testing.T) *storage.Store {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storage.Open(ctx, "sqlite", filepath.Join(dir, "gw.db"), config.Default(dir).Tables.StorageTables())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tables := demo.DefaultTables()
	if err := demo.CreateTables(ctx, st, tables); err != nil {
		t.Fatal(err)
	}
	var scans []demo.Scan
	for range 3 {
		scans = append(scans, demo.Scan{ProductID: "P", Lot: "L", Station: "S", TrueLabel: "7", Pix: make([]byte, demo.Side*demo.Side)})
	}
	if err := demo.InsertBlobScans(ctx, st, tables, scans); err != nil {
		t.Fatal(err)
	}
	blob, _ := demo.Sources(tables)
	labels := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	var results []storage.Result
	for i, g := range []struct {
		grade int
		conf  float64
	}{{3, 0.41}, {5, 0.62}, {8, 0.99}} {
		probs := make([]float64, 10)
		probs[g.grade] = g.conf
		results = append(results, storage.Result{
			Source: blob.Name, SourceKey: string(rune('1' + i)), Predicted: labels[g.grade], Confidence: g.conf,
			Probs: probs, Labels: labels, ModelName: "mnist-8", ModelSHA256: "2f06e72a0b8c4a3f",
			Metadata: map[string]string{"lot": "L"},
		})
	}
	if err := st.CommitBatch(ctx, blob, results, nil, storage.Checkpoint{Key: 3}); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestConsoleReviewOnSQLite drives the review queue by keyboard against a
// real SQLite store: the keypresses override a grade, the audit row is
// written and the result's final grade changes, the model's grade stays.
func TestConsoleReviewOnSQLite(t *testing.T) {
	st := openTestStore(t)
	ctx := context.Background()
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	j := &jobs{}
	c := ui.New(a, w, ui.Options{
		Store:           consoleStore{st},
		Identity:        ui.Identity{Operator: "Ada Lovelace", OSUser: "ada", Workstation: "QA-01"},
		ReviewThreshold: 0.8,
		Go:              j.Go,
		FrameInterval:   -1,
	})
	w.SetContent(c.Content())
	w.Resize(fyne.NewSize(1280, 800))
	c.ShowReview()
	j.drain()

	panel := w.Canvas().Focused()
	if panel == nil {
		t.Fatal("the review queue does not have the keyboard")
	}
	// Result key 1 (graded 3) is first: type 7, Enter, a note, Enter.
	test.Type(panel, "7")
	panel.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	note := w.Canvas().Focused()
	if note == nil || note == panel {
		t.Fatalf("after Enter the focus is on %T; want the reason note entry", note)
	}
	test.Type(note, "smudge")
	note.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	j.drain()

	r1, err := st.ResultByKey(ctx, demo.BlobSource, "1")
	if err != nil {
		t.Fatal(err)
	}
	if r1.FinalGrade != "7" || r1.Predicted != "3" || r1.ReviewedAt.IsZero() {
		t.Errorf("result 1: predicted %q final %q reviewed %v; want predicted 3 kept, final 7, reviewed", r1.Predicted, r1.FinalGrade, r1.ReviewedAt)
	}
	audit, err := st.Overrides(ctx, r1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 1 {
		t.Fatalf("audit rows of result 1 = %d; want 1", len(audit))
	}
	o := audit[0]
	if o.OldGrade != "3" || o.NewGrade != "7" || o.Operator != "Ada Lovelace" || o.OSUser != "ada" || o.Workstation != "QA-01" ||
		o.Reason != "Model misgraded: smudge" || o.ModelSHA256 != "2f06e72a0b8c4a3f" || time.Since(o.At) > time.Hour {
		t.Errorf("audit row = %+v; want 3 -> 7 by Ada Lovelace (ada@QA-01), reason \"Model misgraded: smudge\", model SHA, now", o)
	}

	// Space accepts result key 2's prediction: audited, final grade kept.
	test.Type(w.Canvas().Focused(), " ")
	j.drain()
	r2, _ := st.ResultByKey(ctx, demo.BlobSource, "2")
	a2, _ := st.Overrides(ctx, r2.ID)
	if r2.FinalGrade != "5" || r2.ReviewedAt.IsZero() || len(a2) != 1 || a2[0].NewGrade != "5" {
		t.Errorf("after Space: result 2 final %q reviewed %v, audit %+v; want 5 accepted and audited", r2.FinalGrade, r2.ReviewedAt, a2)
	}
	q, total, err := st.ReviewQueue(ctx, 0.8, 10)
	if err != nil || total != 0 || len(q) != 0 {
		t.Errorf("review queue after both decisions = %d items (total %d, err %v); want empty", len(q), total, err)
	}

	// The history reads back through the adapter, note split from reason.
	h, err := consoleStore{st}.History(ctx, r1.ID)
	if err != nil || len(h) != 1 || h[0].Reason != "Model misgraded" || h[0].Note != "smudge" || !strings.HasPrefix(h[0].Model, "mnist-8 2f06e72a") {
		t.Errorf("History(result 1) = %+v, %v; want the override with reason, note and model", h, err)
	}

	// Dashboard counts read the same results: final grades, overrides and
	// the scans of the current hour.
	from := time.Now().UTC().Truncate(time.Hour)
	cnt, err := consoleStore{st}.Counts(ctx, from, from.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Total != 3 || cnt.ByGrade["7"] != 1 || cnt.ByGrade["5"] != 1 || cnt.ByGrade["8"] != 1 || cnt.Overridden != 1 {
		t.Errorf("Counts = %+v; want 3 results (7, 5, 8), 1 overridden", cnt)
	}
	// from is the start of this hour, so the three results fall into the
	// first bucket, or the second if the hour turned during the test.
	if len(cnt.PerHour) != 2 || cnt.PerHour[0]+cnt.PerHour[1] != 3 {
		t.Errorf("Counts.PerHour = %v; want 2 hours holding 3 results", cnt.PerHour)
	}
}

// TestAdhocSaveAndReload saves an ad hoc grading to SQLite and reads its
// image back through the console's loader.
func TestAdhocSaveAndReload(t *testing.T) {
	st := openTestStore(t)
	ctx := context.Background()
	dir := t.TempDir()
	sc := ui.Scan{Width: 3, Height: 2, Pix: []float32{0, 0.5, 1, 0.25, 0.75, 1}}
	p := ui.Prediction{Grade: "7", Confidence: 0.88, Probs: []float32{0.12, 0.88}, Labels: []string{"1", "7"}, ModelName: "mnist-8", ModelSHA: "2f06e72a"}
	r, err := adhocSaver{st: st, imageDir: dir}.SaveAdhoc(ctx, "/home/qa/digit.png", sc, p)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == 0 || r.Source != adhocSource || !strings.HasSuffix(r.SourceKey, "_digit.png") || r.Grade != "7" || r.Metadata["file"] != "digit.png" {
		t.Errorf("saved result = %+v; want an adhoc result of digit.png graded 7", r)
	}
	back, err := scanLoader{}.LoadScan(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if back.Width != 3 || back.Height != 2 {
		t.Fatalf("reloaded scan is %dx%d; want 3x2", back.Width, back.Height)
	}
	for i, v := range back.Pix {
		if d := v - sc.Pix[i]; d > 1.0/255 || d < -1.0/255 {
			t.Errorf("reloaded value %d = %v; want %v within 1/255 (8-bit PNG)", i, v, sc.Pix[i])
		}
	}
}

// TestScanLoaderFromSourceRow reloads a scan whose image was not saved
// from its demo source row.
func TestScanLoaderFromSourceRow(t *testing.T) {
	st := openTestStore(t) // demo blob rows 1..3, all zero pixels
	blob, _ := demo.Sources(demo.DefaultTables())
	l := newScanLoader(st, demo.Config()) // the demo sources, as configured
	if _, ok := l.sources[blob.Name]; !ok {
		t.Fatalf("demo configuration has no source %s", blob.Name)
	}
	s, err := l.LoadScan(context.Background(), ui.Result{Source: blob.Name, SourceKey: "2"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Width != demo.Side || s.Height != demo.Side || len(s.Pix) != demo.Side*demo.Side {
		t.Errorf("reloaded scan is %dx%d with %d values; want %dx%d", s.Width, s.Height, len(s.Pix), demo.Side, demo.Side)
	}
	if _, err := l.LoadScan(context.Background(), ui.Result{Source: "nope", SourceKey: "1"}); err == nil {
		t.Error("LoadScan of an unconfigured source without an image succeeded; want an error")
	}
}
