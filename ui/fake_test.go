package ui

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// fakeStore is an in-memory ResultStore with the semantics the console
// relies on: an append-only audit and a final grade per result.
type fakeStore struct {
	mu      sync.Mutex
	results map[int64]Result
	audit   []Override
	fail    error // returned by Override when set
}

func newFakeStore(rs ...Result) *fakeStore {
	s := &fakeStore{results: map[int64]Result{}}
	for _, r := range rs {
		s.results[r.ID] = r
	}
	return s
}

func (s *fakeStore) ReviewQueue(_ context.Context, th float32, limit int) ([]Result, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var q []Result
	for _, r := range s.results {
		if !r.Reviewed && (r.Confidence < th || r.Flagged) {
			q = append(q, r)
		}
	}
	sort.Slice(q, func(i, j int) bool {
		return q[i].GradedAt.Before(q[j].GradedAt) || q[i].GradedAt.Equal(q[j].GradedAt) && q[i].ID < q[j].ID
	})
	total := len(q)
	if len(q) > limit {
		q = q[:limit]
	}
	return q, total, nil
}

func (s *fakeStore) Override(_ context.Context, req OverrideRequest) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return Result{}, s.fail
	}
	r, ok := s.results[req.ResultID]
	if !ok {
		return Result{}, fmt.Errorf("result %d: not found", req.ResultID)
	}
	if r.Final() != req.OldGrade {
		return Result{}, fmt.Errorf("result %d: grade changed by someone else", req.ResultID)
	}
	s.audit = append(s.audit, req)
	r.FinalGrade = req.NewGrade
	r.Reviewed = true
	s.results[r.ID] = r
	return r, nil
}

func (s *fakeStore) ResultByKey(_ context.Context, source, key string) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.results {
		if r.Source == source && r.SourceKey == key {
			return r, nil
		}
	}
	return Result{}, fmt.Errorf("result %s/%s: not found", source, key)
}

func (s *fakeStore) Flag(_ context.Context, id int64, flagged bool) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.results[id]
	if !ok {
		return Result{}, fmt.Errorf("result %d: not found", id)
	}
	r.Flagged = flagged
	s.results[id] = r
	return r, nil
}

func (s *fakeStore) History(_ context.Context, id int64) ([]Override, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var h []Override
	for _, o := range s.audit {
		if o.ResultID == id {
			h = append(h, o)
		}
	}
	return h, nil
}

func (s *fakeStore) Counts(_ context.Context, from, to time.Time) (Counts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Counts{From: from, To: to, ByGrade: map[string]int64{}}
	hours := int(to.Sub(from).Hours() + 0.999)
	c.PerHour = make([]int64, max(hours, 0))
	for _, r := range s.results {
		if r.GradedAt.Before(from) || !r.GradedAt.Before(to) {
			continue
		}
		c.Total++
		c.ByGrade[r.Final()]++
		if r.Overridden() {
			c.Overridden++
		}
		if h := int(r.GradedAt.Sub(from).Hours()); h < len(c.PerHour) {
			c.PerHour[h]++
		}
	}
	return c, nil
}

func (s *fakeStore) get(id int64) Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.results[id]
}

func (s *fakeStore) auditRows() []Override {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.audit)
}

// fakeLoader returns scans it holds by result ID.
type fakeLoader map[int64]Scan

func (l fakeLoader) LoadScan(_ context.Context, r Result) (Scan, error) {
	s, ok := l[r.ID]
	if !ok {
		return Scan{}, fmt.Errorf("scan %d: no image", r.ID)
	}
	return s, nil
}

// queue runs background work when the test says so, like goroutines that
// finish in an order the test controls.
type queue struct {
	mu   sync.Mutex
	jobs []func(context.Context)
}

func (q *queue) Go(f func(context.Context)) {
	q.mu.Lock()
	q.jobs = append(q.jobs, f)
	q.mu.Unlock()
}

// drain runs queued work, including work queued by it, until none is left.
func (q *queue) drain() {
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			q.mu.Unlock()
			return
		}
		f := q.jobs[0]
		q.jobs = q.jobs[1:]
		q.mu.Unlock()
		f(context.Background())
	}
}

// t0 is the fixed time of the tests' clock.
var t0 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

var digits = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// testResult builds a result graded as digit g with confidence conf.
func testResult(id int64, source string, g int, conf float32) Result {
	probs := make([]float32, 10)
	rest := (1 - conf) / 9
	for i := range probs {
		probs[i] = rest
	}
	probs[g] = conf
	return Result{
		ID: id, Source: source, SourceKey: fmt.Sprintf("K%04d", id),
		GradedAt: t0.Add(time.Duration(id) * time.Second),
		Grade:    digits[g], FinalGrade: digits[g], Confidence: conf, Probs: probs, Labels: digits,
		ModelName: "mnist-8", ModelSHA: "2f06e72a0b8c4a3f9d1e7c6b5a4d3c2b1a0f9e8d7c6b5a4d3c2b1a0f9e8d7c6b",
		Metadata: map[string]string{"lot": "L-17", "station": "S2"},
	}
}

// testScan is a deterministic 28x28 ring, brighter towards the middle.
func testScan(seed int) Scan {
	s := Scan{Width: 28, Height: 28, Pix: make([]float32, 28*28)}
	for y := range 28 {
		for x := range 28 {
			dx, dy := float32(x-14), float32(y-14)
			d := dx*dx + dy*dy
			if d > 16 && d < 100+float32(seed%5)*8 {
				s.Pix[y*28+x] = 1 - d/200
			}
		}
	}
	return s
}

type testEnv struct {
	c     *Console
	w     fyne.Window
	store *fakeStore
	q     *queue
}

// newTestEnv builds a console in a test window of the given size, with a
// fake store holding rs and events applied as soon as they are posted.
func newTestEnv(t *testing.T, size fyne.Size, rs ...Result) *testEnv {
	t.Helper()
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	q := &queue{}
	store := newFakeStore(rs...)
	loader := fakeLoader{}
	for _, r := range rs {
		loader[r.ID] = testScan(int(r.ID))
	}
	c := New(a, w, Options{
		Store:         store,
		Loader:        loader,
		Identity:      Identity{Operator: "Ada Lovelace", OSUser: "ada", Workstation: "QA-01"},
		Go:            q.Go,
		FrameInterval: -1,
		Now:           func() time.Time { return t0.Add(time.Hour) },
	})
	w.SetContent(c.Content())
	w.Resize(size)
	return &testEnv{c: c, w: w, store: store, q: q}
}

// post sends events as the app would and runs the work they start.
func (e *testEnv) post(evs ...Event) {
	e.c.Post(evs...)
	e.q.drain()
}
