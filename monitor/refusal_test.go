package monitor

// Tests of rows the database or the model refuses: the line must go on.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/storage"
)

// pickyStore refuses, with an error that is not transient, every commit
// holding a result for one of badResult or anything for one of badAny.
type pickyStore struct {
	*fakeStore
	badResult, badAny string
}

func (p *pickyStore) CommitBatch(ctx context.Context, src storage.Source, results []storage.Result, rejects []storage.Reject, cp storage.Checkpoint) error {
	for _, r := range results {
		if r.SourceKey == p.badResult || r.SourceKey == p.badAny {
			return fmt.Errorf("result %s: value too long for column (test)", r.SourceKey)
		}
	}
	for _, r := range rejects {
		if r.SourceKey == p.badAny {
			return fmt.Errorf("reject %s: key too long for column (test)", r.SourceKey)
		}
	}
	return p.fakeStore.CommitBatch(ctx, src, results, rejects, cp)
}

// A row the database refuses does not stop the line: its result becomes a
// reject, or, if that is refused too, it is left pending and counted.
func TestRowTheDatabaseRefuses(t *testing.T) {
	p := &pickyStore{fakeStore: newFakeStore(100), badResult: "13", badAny: "14"}
	fill(p.fakeStore, "a", 1, 30)
	m, err := New(Config{Store: p, Grader: &fakeGrader{name: "m", failPix: -1}, SweepEvery: -1,
		BackoffMin: time.Millisecond, BackoffMax: 5 * time.Millisecond, Sources: []SourceConfig{blobSource("a", 5*time.Millisecond, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	// Rows are stored one by one while the refused rows are isolated, so
	// 29 stored rows alone can be seen before the batch's checkpoint and
	// status are written: wait for the whole batch to be settled.
	waitFor(t, "29 of 30 rows resolved and the batch settled", func() bool {
		_, res, rej := p.counts("a")
		p.mu.Lock()
		cp := p.tables["a"].checkpoint
		p.mu.Unlock()
		st := m.Status()[0]
		return res+rej == 29 && cp == 30 && st.Graded+st.Rejected == 29
	})
	p.mu.Lock()
	reason := p.tables["a"].rejects["13"].Reason
	_, has14 := p.tables["a"].results["14"]
	cp := p.tables["a"].checkpoint
	p.mu.Unlock()
	if !strings.Contains(reason, "store result: result 13: value too long") {
		t.Errorf("reject of 13 = %q; want the database's refusal", reason)
	}
	if has14 {
		t.Error("row 14 has a result; want it left pending")
	}
	if cp != 30 {
		t.Errorf("checkpoint = %d; want 30 (the line went on)", cp)
	}
	st := m.Status()[0]
	if st.Unstored < 1 || !strings.Contains(st.StoreError, `"14": reject 14: key too long`) || st.Graded != 28 || st.Rejected != 1 {
		t.Errorf("status = %+v; want row 14 unstored, 28 graded, 1 rejected", st)
	}
	// Row 14 stays in the settle window and fails again with every batch,
	// but new rows still go in.
	fill(p.fakeStore, "a", 31, 40)
	waitFor(t, "rows 31..40 resolved", func() bool { _, res, rej := p.counts("a"); return res+rej == 39 })
}

// A scan the model cannot grade is rejected even when it is alone in its
// batch (a flat probe image shows the model itself works).
func TestLoneScanTheModelFailsOn(t *testing.T) {
	f := newFakeStore(100)
	f.add("a", 1, []byte{2, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}, nil) // first pixel normalises to 0.5
	g := &fakeGrader{name: "m", failPix: 0.5}
	m, err := New(Config{Store: f, Grader: g, Sources: []SourceConfig{blobSource("a", 5*time.Millisecond, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "the lone scan resolved", resolvedAll(f, "a"))
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.tables["a"].rejects["1"].Reason; !strings.Contains(r, "grade: image 0: cannot grade") {
		t.Errorf("reject of the lone scan = %q; want the model's error", r)
	}
}
