package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/google/go-cmp/cmp"
)

// reviewResults: ids 1, 2 and 4 are below the 0.8 threshold, 5 is flagged,
// 3 is confident; the queue is 1, 2, 4, 5 (oldest first).
func reviewResults() []Result {
	rs := []Result{
		testResult(1, "line-a", 3, 0.41),
		testResult(2, "line-b", 5, 0.62),
		testResult(3, "line-a", 8, 0.99),
		testResult(4, "line-a", 1, 0.70),
		testResult(5, "line-b", 9, 0.95),
	}
	rs[4].Flagged = true
	return rs
}

func openReview(t *testing.T) *testEnv {
	t.Helper()
	time.Local = time.UTC
	e := newTestEnv(t, fyne.NewSize(1280, 760), reviewResults()...)
	var evs []Event
	for _, r := range reviewResults() {
		evs = append(evs, ScanGraded{Result: r, Scan: testScan(int(r.ID))})
	}
	e.post(evs...)
	e.c.ShowReview()
	e.q.drain()
	return e
}

func queueIDs(p *reviewPanel) []int64 {
	var ids []int64
	for _, r := range p.items {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestReviewKeyboardOverride(t *testing.T) {
	e := openReview(t)
	p := e.c.review
	if got, want := queueIDs(p), []int64{1, 2, 4, 5}; !cmp.Equal(got, want) {
		t.Fatalf("queue = %v; want %v", got, want)
	}
	if e.w.Canvas().Focused() != p {
		t.Fatalf("focused = %T; want the review panel", e.w.Canvas().Focused())
	}
	test.AssertRendersToMarkup(t, "review.xml", e.w.Canvas())
	test.AssertRendersToImage(t, "review.png", e.w.Canvas())

	// 7 then Enter on result 1 (graded 3) asks for a reason.
	test.Type(p, "7")
	if p.pending != "7" {
		t.Fatalf("after typing 7 pending = %q; want 7", p.pending)
	}
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if p.reason == nil {
		t.Fatal("Enter on a changed grade did not ask for a reason")
	}
	if e.w.Canvas().Focused() != p.reason.note {
		t.Errorf("reason dialog focus = %T; want the note entry", e.w.Canvas().Focused())
	}
	p.reason.reason.SetSelected("Scan artefact")
	test.Type(p.reason.note, "smudge on lens")
	p.reason.note.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	e.q.drain()

	want := []Override{{
		ResultID: 1, At: t0.Add(time.Hour), OldGrade: "3", NewGrade: "7",
		Reason: "Scan artefact", Note: "smudge on lens",
		Operator: "Ada Lovelace", OSUser: "ada", Workstation: "QA-01", Model: "mnist-8 2f06e72a",
	}}
	if diff := cmp.Diff(want, e.store.auditRows()); diff != "" {
		t.Errorf("audit rows (-want +got):\n%s", diff)
	}
	if r := e.store.get(1); r.Final() != "7" || r.Grade != "3" {
		t.Errorf("stored result 1: grade %q final %q; want model grade 3 kept, final 7", r.Grade, r.Final())
	}
	if got, want := queueIDs(p), []int64{2, 4, 5}; !cmp.Equal(got, want) {
		t.Errorf("queue after override = %v; want %v", got, want)
	}
	if it, _ := p.current(); it.ID != 2 {
		t.Errorf("current after override = %d; want 2 (moved to next)", it.ID)
	}
	if e.w.Canvas().Focused() != p {
		t.Errorf("focus after the dialog = %T; want the review panel", e.w.Canvas().Focused())
	}
	if got := e.c.reviewTb.Text; got != "Review (3)" {
		t.Errorf("tab = %q; want %q", got, "Review (3)")
	}

	// The live feed and the detail show the new final grade and history.
	e.c.live.source.SetSelected(allSources)
	for i := range e.c.feed.len() {
		if en, _ := e.c.feed.at(i); en.result.ID == 1 {
			e.c.live.grid.Select(i)
		}
	}
	e.q.drain()
	d := e.c.live.detail
	if d.res.Final() != "7" || d.grade.Text != "7" {
		t.Errorf("live detail final grade = %q (shown %q); want 7", d.res.Final(), d.grade.Text)
	}
	if h := d.history.Text; !strings.Contains(h, "3 → 7") || !strings.Contains(h, "Ada Lovelace (ada@QA-01)") || !strings.Contains(h, "smudge on lens") {
		t.Errorf("live detail history = %q; want the override 3 → 7 by Ada Lovelace (ada@QA-01) with the note", h)
	}
}

func TestReviewKeys(t *testing.T) {
	e := openReview(t)
	p := e.c.review
	cur := func() int64 { it, _ := p.current(); return it.ID }

	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	if cur() != 4 {
		t.Errorf("after Down Down current = %d; want 4", cur())
	}
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	if cur() != 2 {
		t.Errorf("after Up current = %d; want 2", cur())
	}
	test.Type(p, "x") // not a grade: ignored
	if p.pending != "" {
		t.Errorf("after x pending = %q; want none", p.pending)
	}
	test.Type(p, "4")
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if p.pending != "" {
		t.Errorf("after Escape pending = %q; want none", p.pending)
	}

	// Space accepts the prediction of result 2 without a reason dialog.
	test.Type(p, " ")
	if p.reason != nil {
		t.Fatal("Space opened the reason dialog")
	}
	e.q.drain()
	rows := e.store.auditRows()
	if len(rows) != 1 || rows[0].ResultID != 2 || rows[0].OldGrade != "5" || rows[0].NewGrade != "5" || rows[0].Reason != "Accepted prediction" {
		t.Fatalf("audit after Space = %+v; want one acceptance of result 2 grade 5", rows)
	}
	if r := e.store.get(2); !r.Reviewed || r.Overridden() {
		t.Errorf("result 2 after acceptance: reviewed %v overridden %v; want reviewed, not overridden", r.Reviewed, r.Overridden())
	}
	if cur() != 4 {
		t.Errorf("current after acceptance = %d; want 4", cur())
	}

	// Keys typed with nothing focused still reach the queue.
	e.w.Canvas().Unfocus()
	test.TypeOnCanvas(e.w.Canvas(), "2")
	if p.pending != "2" {
		t.Errorf("typed on the canvas: pending = %q; want 2", p.pending)
	}

	// Cancel in the reason dialog saves nothing.
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if p.reason == nil {
		t.Fatal("Enter on 2 did not ask for a reason")
	}
	p.reason.note.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	e.q.drain()
	if p.reason != nil {
		t.Error("Escape in the note did not close the reason dialog")
	}
	if n := len(e.store.auditRows()); n != 1 || cur() != 4 {
		t.Errorf("after Cancel: %d audit rows, current %d; want 1 row, still 4", n, cur())
	}
}

func TestReviewSaveFailureKeepsItem(t *testing.T) {
	e := openReview(t)
	p := e.c.review
	e.store.fail = errors.New("database is locked")
	test.Type(p, " ")
	e.q.drain()
	if got, want := queueIDs(p), []int64{1, 2, 4, 5}; !cmp.Equal(got, want) {
		t.Errorf("queue after a failed save = %v; want %v (item back)", got, want)
	}
	if !strings.Contains(e.c.status.notice.Text, "database is locked") || !e.c.status.noticeBx.Visible() {
		t.Errorf("notice = %q (visible %v); want the database error shown", e.c.status.notice.Text, e.c.status.noticeBx.Visible())
	}
}

func TestGradeForKey(t *testing.T) {
	tests := []struct {
		labels []string
		key    rune
		want   string
		ok     bool
	}{
		{digits, '7', "7", true},
		{digits, 'a', "", false},
		{[]string{"A", "B", "C"}, 'b', "B", true},
		{[]string{"good", "bad", "rework"}, 'r', "rework", true},
		{[]string{"good", "grey"}, 'g', "", false}, // ambiguous
		{nil, '1', "", false},
	}
	for _, tt := range tests {
		got, ok := gradeForKey(tt.labels, tt.key)
		if got != tt.want || ok != tt.ok {
			t.Errorf("gradeForKey(%q, %q) = %q, %v; want %q, %v", tt.labels, tt.key, got, ok, tt.want, tt.ok)
		}
	}
}

// A reload while the reason dialog is open (new items arrive) must not
// make the decision land on, or remove, another item.
func TestReviewReloadDuringReason(t *testing.T) {
	e := openReview(t)
	p := e.c.review
	test.Type(p, "7")
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // reason for result 1
	older := testResult(0, "line-a", 2, 0.3)
	older.ID, older.SourceKey, older.GradedAt = 100, "K0100", t0.Add(-time.Hour)
	e.store.mu.Lock()
	e.store.results[100] = older
	e.store.mu.Unlock()
	p.reload()
	e.q.drain()
	if got, want := queueIDs(p), []int64{100, 1, 2, 4, 5}; !cmp.Equal(got, want) {
		t.Fatalf("queue after reload = %v; want %v", got, want)
	}
	p.reason.note.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	e.q.drain()
	rows := e.store.auditRows()
	if len(rows) != 1 || rows[0].ResultID != 1 || rows[0].NewGrade != "7" {
		t.Fatalf("audit = %+v; want result 1 → 7", rows)
	}
	if got, want := queueIDs(p), []int64{100, 2, 4, 5}; !cmp.Equal(got, want) {
		t.Errorf("queue after the decision = %v; want %v", got, want)
	}
}
