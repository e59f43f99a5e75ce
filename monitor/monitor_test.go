package monitor

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
)

const side = 4 // test scans are 4 x 4 uint8 blobs

func blobSource(name string, interval time.Duration, batch int) SourceConfig {
	return SourceConfig{
		Source:    storage.Source{Name: name, Table: name, KeyColumn: "id", Mode: storage.ModeKey, PayloadColumn: "payload"},
		Layout:    scan.Layout{Format: scan.FormatBlob, Width: side, Height: side, DType: scan.DTypeUint8},
		Interval:  interval,
		BatchSize: batch,
	}
}

// payload returns a valid 4 x 4 blob whose values depend on key.
func payload(key int64) []byte {
	b := make([]byte, side*side)
	for i := range b {
		b[i] = byte((int64(i) * (key%7 + 1)) % 251)
	}
	return b
}

// fill adds keys from..to (inclusive) with valid payloads.
func fill(f *fakeStore, source string, from, to int64) {
	for k := from; k <= to; k++ {
		f.add(source, k, payload(k), nil)
	}
}

// start runs m until the test ends.
func start(t *testing.T, m *Monitor) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		m.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func resolvedAll(f *fakeStore, source string) func() bool {
	return func() bool {
		rows, res, rej := f.counts(source)
		return res+rej == rows
	}
}

func TestMonitorGradesEveryScanOnce(t *testing.T) {
	f := newFakeStore(100)
	fill(f, "a", 1, 1000)
	fill(f, "b", 1, 37)
	f.add("b", 38, []byte{1, 2, 3}, nil) // too short: rejected
	f.add("b", 39, make([]byte, side*side), nil)
	g := &fakeGrader{name: "m1", failPix: -1}
	m, err := New(Config{Store: f, Grader: g, Sources: []SourceConfig{
		blobSource("a", time.Hour, 64),
		blobSource("b", time.Hour, 10),
	}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "every row of a and b resolved", func() bool { return resolvedAll(f, "a")() && resolvedAll(f, "b")() })
	waitFor(t, "both sources idle", m.Idle)

	for _, c := range []struct {
		source                 string
		results, rejects, rows int
	}{{"a", 1000, 0, 1000}, {"b", 38, 1, 39}} {
		rows, res, rej := f.counts(c.source)
		if rows != c.rows || res != c.results || rej != c.rejects {
			t.Errorf("source %s: %d rows, %d results, %d rejects; want %d, %d, %d", c.source, rows, res, rej, c.rows, c.results, c.rejects)
		}
	}
	f.mu.Lock()
	reason := f.tables["b"].rejects["38"].Reason
	r := f.tables["a"].results["5"]
	commits := f.tables["a"].commits
	f.mu.Unlock()
	if !strings.Contains(reason, "blob is 3 bytes") {
		t.Errorf("reject of b/38 reason = %q; want the decoder's length error", reason)
	}
	if r.ModelName != "m1" || r.ModelSHA256 != "sha-m1" || r.Metadata["true_label"] != "5" || len(r.Probs) != 10 || len(r.Labels) != 10 {
		t.Errorf("result a/5 = %+v; want model m1, metadata carried, 10 probs and labels", r)
	}
	// 1000 rows in batches of 64 is 16 full-or-partial fetches with results.
	if commits != 16 {
		t.Errorf("source a committed %d batches; want 16 (1000 scans in batches of 64)", commits)
	}
	for _, st := range m.Status() {
		if st.State != StateOK || st.LastError != "" || st.Pending != 0 || !st.Idle || st.Model != "m1" {
			t.Errorf("status %s = %+v; want ok, idle, nothing pending, model m1", st.Source, st)
		}
	}
	if st := m.Status()[0]; st.Graded != 1000 || st.Rejected != 0 || st.PerMinute <= 0 {
		t.Errorf("status a: graded %d rejected %d per minute %v; want 1000, 0, > 0", st.Graded, st.Rejected, st.PerMinute)
	}
}

func TestMonitorRecoversFromOutage(t *testing.T) {
	f := &flakyStore{fakeStore: newFakeStore(100)}
	f.failFetch.Store(3)
	f.failCommit.Store(4)
	fill(f.fakeStore, "a", 1, 300)
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: "m", failPix: -1}, BackoffMin: time.Millisecond, BackoffMax: 8 * time.Millisecond,
		Sources: []SourceConfig{blobSource("a", 5*time.Millisecond, 50)}})
	if err != nil {
		t.Fatal(err)
	}
	sub := m.Subscribe(t.Context(), 4096)
	sawFailure := make(chan Status, 1)
	go func() {
		for ev := range sub.C {
			if st, ok := ev.(SourceStatus); ok && st.Status.Failures > 0 {
				select {
				case sawFailure <- st.Status:
				default:
				}
			}
		}
	}()
	start(t, m)
	waitFor(t, "every row resolved after the outage", resolvedAll(f.fakeStore, "a"))
	waitFor(t, "source idle", m.Idle)
	if f.fetchErrs.Load() != 3 || f.commitErrs.Load() != 4 {
		t.Errorf("outage: %d fetch and %d commit failures; want 3 and 4", f.fetchErrs.Load(), f.commitErrs.Load())
	}
	_, res, rej := f.counts("a")
	if res != 300 || rej != 0 {
		t.Errorf("after outage: %d results, %d rejects; want 300, 0", res, rej)
	}
	select {
	case st := <-sawFailure:
		if st.State == StateOK || !strings.Contains(st.LastError, "test outage") || st.NextPoll.IsZero() {
			t.Errorf("status during outage = %+v; want a failed state, the error and the retry time", st)
		}
	case <-time.After(5 * time.Second):
		t.Error("no SourceStatus event with a failure during the outage")
	}
	if st := m.Status()[0]; st.State != StateOK || st.LastError != "" || st.Failures != 0 {
		t.Errorf("status after recovery = %+v; want ok with no error", st)
	}
}

// A row committed with a key below the checkpoint, and beyond the settle
// window, is found by the reconciliation sweep.
func TestSweepGradesRowBelowCheckpoint(t *testing.T) {
	f := newFakeStore(0)
	fill(f, "a", 1, 10)
	fill(f, "a", 12, 20)
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: "m", failPix: -1}, SweepEvery: 3,
		Sources: []SourceConfig{blobSource("a", time.Millisecond, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "first 19 rows", resolvedAll(f, "a"))
	f.add("a", 11, payload(11), nil) // commits late, below checkpoint 20
	waitFor(t, "late row 11 graded", resolvedAll(f, "a"))
	if _, res, _ := f.counts("a"); res != 20 {
		t.Errorf("results = %d; want 20", res)
	}
}

// The settle lookback (in storage, here faked) grades a late lower key
// without waiting for a sweep.
func TestOutOfOrderCommitWithinSettleWindow(t *testing.T) {
	f := newFakeStore(50)
	fill(f, "a", 1, 5)
	fill(f, "a", 7, 9)
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: "m", failPix: -1}, SweepEvery: -1,
		Sources: []SourceConfig{blobSource("a", time.Millisecond, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "first 8 rows", resolvedAll(f, "a"))
	f.add("a", 6, payload(6), nil)
	waitFor(t, "late row 6 graded", resolvedAll(f, "a"))
}

func TestSourcesPollOnTheirOwnIntervals(t *testing.T) {
	f := newFakeStore(0)
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: "m", failPix: -1}, Sources: []SourceConfig{
		blobSource("fast", 10*time.Millisecond, 10),
		blobSource("slow", 200*time.Millisecond, 10),
	}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "slow source polled 4 times", func() bool { return len(f.pollTimes("slow")) >= 4 })
	fast, slow := f.pollTimes("fast"), f.pollTimes("slow")
	// Slow polls 200 ms apart: 3 gaps of at least 200 ms each.
	if span := slow[3].Sub(slow[0]); span < 600*time.Millisecond {
		t.Errorf("slow source polled 4 times in %v; want at least 600ms (interval 200ms)", span)
	}
	if len(fast) < 4*len(slow) {
		t.Errorf("fast source polled %d times while slow polled %d; want at least 4 times as often (10ms vs 200ms)", len(fast), len(slow))
	}
}

func TestSetIntervalTakesEffectNextCycle(t *testing.T) {
	f := newFakeStore(0)
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: "m", failPix: -1}, Sources: []SourceConfig{blobSource("a", time.Hour, 10)}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "first poll", func() bool { return len(f.pollTimes("a")) == 1 })
	if st := m.Status()[0]; st.NextPoll.Sub(st.LastPoll) != time.Hour {
		t.Errorf("next poll %v after last; want 1h", st.NextPoll.Sub(st.LastPoll))
	}
	if err := m.SetInterval("a", 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "polls at the new 20ms interval", func() bool { return len(f.pollTimes("a")) >= 5 })
	if st := m.Status()[0]; st.Interval != 20*time.Millisecond {
		t.Errorf("status interval = %v; want 20ms", st.Interval)
	}
	if err := m.SetInterval("a", time.Hour); err != nil {
		t.Fatal(err)
	}
	n := len(f.pollTimes("a"))
	time.Sleep(200 * time.Millisecond)
	if got := len(f.pollTimes("a")); got > n+1 {
		t.Errorf("after setting 1h: %d more polls; want at most the one already under way", got-n)
	}
	if err := m.SetInterval("nope", time.Second); err == nil || !strings.Contains(err.Error(), `"nope": no such source`) {
		t.Errorf("SetInterval(nope) = %v; want no such source", err)
	}
	if err := m.SetInterval("a", 0); err == nil {
		t.Error("SetInterval(a, 0) = nil; want an error")
	}
}

func TestHotReloadSwapsModelPerBatch(t *testing.T) {
	f := newFakeStore(100)
	fill(f, "a", 1, 20)
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: "old", failPix: -1}, Sources: []SourceConfig{blobSource("a", 10*time.Millisecond, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "first 20", resolvedAll(f, "a"))
	m.SetGrader(&fakeGrader{name: "new", failPix: -1})
	fill(f, "a", 21, 40)
	waitFor(t, "next 20", resolvedAll(f, "a"))
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, r := range f.tables["a"].results {
		n, _ := strconv.Atoi(k)
		if want := map[bool]string{true: "old", false: "new"}[n <= 20]; r.ModelName != want {
			t.Errorf("result %s graded by %q; want %q", k, r.ModelName, want)
		}
	}
}

func TestGraderFailures(t *testing.T) {
	f := newFakeStore(100)
	fill(f, "a", 1, 10)
	// Every payload starts with 0, so only key 7, whose first pixel
	// normalises to 0.5, fails.
	g := &fakeGrader{name: "m", failPix: 0.5, panicPix: 0.25}
	f.add("a", 7, []byte{2, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}, nil) // first pixel normalises to 0.5
	f.add("a", 8, []byte{1, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}, nil) // 0.25: the model panics
	g.down.Store(true)
	m, err := New(Config{Store: f, Grader: g, BackoffMin: time.Millisecond, BackoffMax: 5 * time.Millisecond,
		Sources: []SourceConfig{blobSource("a", 5*time.Millisecond, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "an error state while the model is down", func() bool {
		st := m.Status()[0]
		return st.State == StateError && strings.Contains(st.LastError, "model is down")
	})
	if _, res, rej := f.counts("a"); res+rej != 0 {
		t.Fatalf("while the model is down: %d results, %d rejects committed; want none", res, rej)
	}
	g.down.Store(false)
	waitFor(t, "all resolved once the model is back", resolvedAll(f, "a"))
	f.mu.Lock()
	reason := f.tables["a"].rejects["7"].Reason
	f.mu.Unlock()
	if !strings.Contains(reason, "grade: image 0: cannot grade") {
		t.Errorf("reject of a/7 = %q; want the grader's error", reason)
	}
	f.mu.Lock()
	reason = f.tables["a"].rejects["8"].Reason
	f.mu.Unlock()
	if !strings.Contains(reason, "grade: model panicked: index out of range") {
		t.Errorf("reject of a/8 = %q; want the model's panic", reason)
	}
	if _, res, rej := f.counts("a"); res != 8 || rej != 2 {
		t.Errorf("%d results, %d rejects; want 8, 2", res, rej)
	}
}

func TestNoGraderWaits(t *testing.T) {
	f := newFakeStore(100)
	fill(f, "a", 1, 3)
	m, err := New(Config{Store: f, BackoffMin: time.Millisecond, BackoffMax: 5 * time.Millisecond, Sources: []SourceConfig{blobSource("a", 5*time.Millisecond, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "error state without a model", func() bool {
		st := m.Status()[0]
		return st.State == StateError && strings.Contains(st.LastError, "no model loaded")
	})
	m.SetGrader(&fakeGrader{name: "m", failPix: -1})
	waitFor(t, "graded once a model is set", resolvedAll(f, "a"))
}

func TestImages(t *testing.T) {
	dir := t.TempDir()
	f := newFakeStore(100)
	fill(f, "line/1", 1, 5)
	src := blobSource("line/1", 5*time.Millisecond, 100)
	src.Source.Table = "line1"
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: "m", failPix: -1}, ImageDir: dir, Sources: []SourceConfig{src}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "graded", resolvedAll(f, "line/1"))
	f.mu.Lock()
	r := f.tables["line/1"].results["3"]
	f.mu.Unlock()
	want := filepath.Join(dir, time.Now().UTC().Format("2006-01-02"), "line_1_3.png")
	if r.ImagePath != want {
		t.Errorf("image path = %q; want %q", r.ImagePath, want)
	}
	data, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "\x89PNG") {
		t.Errorf("%s is not a PNG", want)
	}
	if st := m.Status()[0]; st.ImageError != "" {
		t.Errorf("image error = %q; want none", st.ImageError)
	}
}

func TestUnwritableImageFolderDoesNotStopGrading(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFakeStore(100)
	fill(f, "a", 1, 5)
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: "m", failPix: -1}, ImageDir: file, Sources: []SourceConfig{blobSource("a", 5*time.Millisecond, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "graded", resolvedAll(f, "a"))
	st := m.Status()[0]
	if !strings.Contains(st.ImageError, "create image folder") || st.State != StateOK {
		t.Errorf("status = %+v; want state ok and an image folder error", st)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.tables["a"].results["1"].ImagePath; p != "" {
		t.Errorf("image path = %q; want empty when the image was not saved", p)
	}
}

func TestPointsSource(t *testing.T) {
	f := newFakeStore(100)
	var pts []storage.Point
	for y := range 3 {
		for x := range 3 {
			pts = append(pts, storage.Point{X: x, Y: y, Value: float64(x + y)})
		}
	}
	f.add("p", 1, nil, pts)
	f.add("p", 2, nil, pts[:4]) // 5 of 9 missing: rejected
	src := SourceConfig{
		Source: storage.Source{Name: "p", Table: "p", KeyColumn: "id", Mode: storage.ModeKey,
			Points: &storage.PointsTable{Table: "pts", KeyColumn: "scan_id", XColumn: "x", YColumn: "y", ValueColumn: "v"}},
		Layout:   scan.Layout{Format: scan.FormatPoints, Width: 3, Height: 3, Order: scan.OrderXY},
		Interval: 5 * time.Millisecond,
	}
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: "m", failPix: -1}, Sources: []SourceConfig{src}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "graded", resolvedAll(f, "p"))
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.tables["p"].results["1"]; !ok {
		t.Error("points scan 1 has no result")
	}
	if r := f.tables["p"].rejects["2"].Reason; !strings.Contains(r, "5 missing") {
		t.Errorf("reject of points scan 2 = %q; want 5 missing", r)
	}
}

// slowCommitStore holds every CommitBatch until release is closed, or
// fails it when its ctx ends first.
type slowCommitStore struct {
	*fakeStore
	entered chan struct{}
	release chan struct{}
}

func (s *slowCommitStore) CommitBatch(ctx context.Context, src storage.Source, results []storage.Result, rejects []storage.Reject, cp storage.Checkpoint) error {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	select {
	case <-s.release:
		return s.fakeStore.CommitBatch(ctx, src, results, rejects, cp)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A graceful stop lets the commit under way finish.
func TestStopFinishesCommitUnderWay(t *testing.T) {
	f := &slowCommitStore{fakeStore: newFakeStore(100), entered: make(chan struct{}, 1), release: make(chan struct{})}
	fill(f.fakeStore, "a", 1, 50)
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: "m", failPix: -1}, Sources: []SourceConfig{blobSource("a", time.Hour, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		m.Run(ctx)
		close(done)
	}()
	<-f.entered
	cancel()
	time.Sleep(20 * time.Millisecond) // the stop request is seen before the commit ends
	close(f.release)
	<-done
	if _, res, _ := f.counts("a"); res != 50 {
		t.Errorf("after a stop during the commit: %d results; want the 50 of the batch", res)
	}
	if st := m.Status()[0]; st.State != StateStopped {
		t.Errorf("state after Run returned = %s; want stopped", st.State)
	}
}

// countingStore counts the queries other than FetchScans.
type countingStore struct {
	*fakeStore
	pending, unresolved atomic.Int64
}

func (c *countingStore) Pending(ctx context.Context, src storage.Source) (storage.Pending, error) {
	c.pending.Add(1)
	return c.fakeStore.Pending(ctx, src)
}

func (c *countingStore) FetchUnresolved(ctx context.Context, src storage.Source, limit int) ([]storage.Scan, error) {
	c.unresolved.Add(1)
	return c.fakeStore.FetchUnresolved(ctx, src, limit)
}

// A poll that finds nothing while nothing is pending costs one query
// (FetchScans); the sweep adds one every SweepEvery cycles.
func TestIdlePollCostsOneQuery(t *testing.T) {
	c := &countingStore{fakeStore: newFakeStore(100)}
	fill(c.fakeStore, "a", 1, 5)
	m, err := New(Config{Store: c, Grader: &fakeGrader{name: "m", failPix: -1}, SweepEvery: 10, Sources: []SourceConfig{blobSource("a", 2*time.Millisecond, 100)}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, m)
	waitFor(t, "idle", m.Idle)
	polls0, pending0, unresolved0 := len(c.pollTimes("a")), c.pending.Load(), c.unresolved.Load()
	waitFor(t, "40 more polls", func() bool { return len(c.pollTimes("a")) >= polls0+40 })
	polls, pending, unresolved := int64(len(c.pollTimes("a"))-polls0), c.pending.Load()-pending0, c.unresolved.Load()-unresolved0
	// Each sweep cycle also counts pending (to keep Idle honest): at most
	// polls/10 + 1 of each.
	if limit := polls/10 + 1; pending > limit || unresolved > limit {
		t.Errorf("%d idle polls made %d pending counts and %d sweeps; want at most %d of each (one every 10 cycles)", polls, pending, unresolved, limit)
	}
	if unresolved == 0 {
		t.Errorf("%d idle polls made no sweep; want one every 10 cycles", polls)
	}
}
