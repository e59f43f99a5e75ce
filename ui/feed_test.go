package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestAdapterCoalescesBurst(t *testing.T) {
	var held []func()
	var batches [][]Event
	a := newAdapter(func(b []Event) { batches = append(batches, b) }, -1)
	a.do = func(f func()) { held = append(held, f) } // the UI goroutine is busy

	for i := range 10000 {
		a.post(notice{text: fmt.Sprint(i)})
	}
	if len(held) != 1 {
		t.Fatalf("after 10,000 posts %d fyne.Do calls are queued; want 1", len(held))
	}
	held[0]()
	if len(batches) != 1 || len(batches[0]) != 10000 {
		t.Fatalf("applied %d batches (first %d events); want 1 batch of 10000", len(batches), len(batches[0]))
	}
	a.post(notice{text: "late"})
	if len(held) != 2 {
		t.Fatalf("a post after the batch queued %d fyne.Do calls in all; want 2", len(held))
	}
	held[1]()
	if len(batches) != 2 || len(batches[1]) != 1 {
		t.Errorf("second batch = %d events; want 1", len(batches[1]))
	}
}

func TestAdapterWaitsForFrame(t *testing.T) {
	done := make(chan int, 1)
	a := newAdapter(func(b []Event) { done <- len(b) }, 20*time.Millisecond)
	a.do = func(f func()) { f() }
	a.last = time.Now() // a batch was just applied
	a.post(notice{}, notice{})
	a.post(notice{})
	select {
	case n := <-done:
		if n != 3 {
			t.Errorf("batch after the frame gap = %d events; want 3", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no batch applied 5s after the frame gap")
	}
}

func TestFeedModelBoundsMemory(t *testing.T) {
	f := newFeedModel(1000, 100)
	thumb := thumbnail(testScan(1), thumbSide)
	for i := range 5000 {
		f.add([]graded{{result: testResult(int64(i+1), "line-a", i%10, 0.9), thumb: thumb}})
	}
	if len(f.entries) < 1000 || len(f.entries) > 1250 {
		t.Errorf("entries = %d; want 1000 to 1250", len(f.entries))
	}
	if n := f.thumbsHeld(); n != 100 {
		t.Errorf("thumbnails held = %d; want 100", n)
	}
	if e, _ := f.at(0); e.result.ID != 5000 {
		t.Errorf("at(0).ID = %d; want 5000 (newest first)", e.result.ID)
	}
	if e, _ := f.at(999); e.result.ID != 4001 {
		t.Errorf("at(999).ID = %d; want 4001", e.result.ID)
	}
	if e, _ := f.at(len(f.entries) - 1); e.result.ID != 5000-int64(len(f.entries))+1 {
		t.Errorf("oldest held = %d; want %d", e.result.ID, 5000-len(f.entries)+1)
	}
	// Thumbnails loaded on demand for old entries are bounded too.
	for id := int64(4001); id < 4001+maxLoadedThumbs+50; id++ {
		f.setThumb(resultKey{"line-a", fmt.Sprintf("K%04d", id)}, thumb)
	}
	if n := f.thumbsHeld(); n > 100+maxLoadedThumbs {
		t.Errorf("thumbnails held after loading old ones = %d; want <= %d", n, 100+maxLoadedThumbs)
	}
}

func TestFeedModelFilterAndPause(t *testing.T) {
	f := newFeedModel(100, 100)
	var batch []graded
	for i := range 20 {
		src := "line-a"
		if i%2 == 1 {
			src = "line-b"
		}
		batch = append(batch, graded{result: testResult(int64(i+1), src, i%3, 0.9)})
	}
	f.add(batch)
	tests := []struct {
		filter feedFilter
		want   int
	}{
		{feedFilter{}, 20},
		{feedFilter{source: "line-a"}, 10},
		{feedFilter{grade: "0"}, 7},
		{feedFilter{source: "line-b", grade: "1"}, 4}, // i = 1, 7, 13, 19
		{feedFilter{source: "nope"}, 0},
	}
	for _, tt := range tests {
		f.setFilter(tt.filter)
		if f.len() != tt.want {
			t.Errorf("filter %+v shows %d; want %d", tt.filter, f.len(), tt.want)
		}
	}
	f.setFilter(feedFilter{})
	f.setPaused(true)
	f.add([]graded{{result: testResult(99, "line-a", 5, 0.9)}})
	if f.len() != 20 || f.unseen != 1 {
		t.Errorf("paused: shows %d, unseen %d; want 20, 1", f.len(), f.unseen)
	}
	f.setPaused(false)
	if e, _ := f.at(0); f.len() != 21 || e.result.ID != 99 {
		t.Errorf("resumed: shows %d, newest %d; want 21, 99", f.len(), e.result.ID)
	}
	if want := []string{"line-a", "line-b"}; fmt.Sprint(f.sources) != fmt.Sprint(want) {
		t.Errorf("sources = %v; want %v", f.sources, want)
	}
}

func TestLiveFeedShowsScans(t *testing.T) {
	time.Local = time.UTC
	e := newTestEnv(t, fyne.NewSize(1280, 800))
	var evs []Event
	for i := range 24 {
		conf := float32(0.97)
		if i%5 == 0 {
			conf = 0.55
		}
		r := testResult(int64(i+1), []string{"line-a", "line-b"}[i%2], i%10, conf)
		if i == 7 {
			r.FinalGrade = "1"
		}
		evs = append(evs, ScanGraded{Result: r, Scan: testScan(i)})
	}
	evs = append(evs,
		SourceStatus{Source: "line-a", State: SourceOK, LastPoll: t0.Add(time.Hour - 2*time.Second), NextPoll: t0.Add(time.Hour + 3*time.Second), Pending: 12, OldestPending: 40 * time.Second, PerMinute: 58},
		SourceStatus{Source: "line-b", State: SourceOK, LastPoll: t0.Add(time.Hour - time.Second), NextPoll: t0.Add(time.Hour + 9*time.Second), PerMinute: 30},
		ModelChanged{Name: "mnist-8", SHA256: "2f06e72a0b8c", Labels: digits},
		DatabaseState{Connected: true},
	)
	e.post(evs...)

	if got := e.c.live.grid.Length(); got != 24 {
		t.Fatalf("grid length = %d; want 24", got)
	}
	test.AssertRendersToMarkup(t, "live.xml", e.w.Canvas())

	// Filter by source, then by grade.
	e.c.live.source.SetSelected("line-b")
	if got := e.c.live.grid.Length(); got != 12 {
		t.Errorf("line-b filter shows %d; want 12", got)
	}
	e.c.live.grade.SetSelected("3")
	if got := e.c.live.grid.Length(); got != 3 { // i = 3, 13, 23
		t.Errorf("line-b + grade 3 filter shows %d; want 3", got)
	}
	e.c.live.source.SetSelected(allSources)
	e.c.live.grade.SetSelected(allGrades)

	// Pause keeps the grid still while scans keep arriving.
	test.Tap(e.c.live.pause)
	e.post(ScanGraded{Result: testResult(100, "line-a", 4, 0.9), Scan: testScan(100)})
	if got := e.c.live.grid.Length(); got != 24 {
		t.Errorf("paused grid length = %d; want 24", got)
	}
	if got := e.c.live.pause.Text; got != "Resume feed (1 new)" {
		t.Errorf("pause button = %q; want %q", got, "Resume feed (1 new)")
	}
	test.Tap(e.c.live.pause)
	if got := e.c.live.grid.Length(); got != 25 {
		t.Errorf("resumed grid length = %d; want 25", got)
	}

	// Selecting a scan opens its detail, with the scan from memory.
	e.c.live.grid.Select(0)
	e.q.drain()
	d := e.c.live.detail
	if !d.has || d.res.ID != 100 {
		t.Fatalf("detail shows %d; want result 100", d.res.ID)
	}
	if !d.view.scan.Valid() {
		t.Errorf("detail scan not shown: %s", d.imgMsg.Text)
	}
}

func TestLiveFeedRendersImage(t *testing.T) {
	time.Local = time.UTC
	e := newTestEnv(t, fyne.NewSize(1280, 720))
	for i := range 12 {
		conf := float32(0.95)
		if i%4 == 1 {
			conf = 0.6
		}
		r := testResult(int64(i+1), "line-a", i%10, conf)
		if i == 6 {
			r.FinalGrade = "2"
		}
		e.post(ScanGraded{Result: r, Scan: testScan(i)})
	}
	e.c.live.grid.Select(2)
	e.q.drain()
	e.c.live.detail.cmap.SetSelected("Viridis")
	test.AssertRendersToImage(t, "live.png", e.w.Canvas())
}

// BenchmarkApplyBacklog measures the Fyne goroutine's share of a backlog:
// applying one batch of n graded scans (feed, view, grid refresh). The
// thumbnails are made beforehand, as Post makes them on the sender's
// goroutine; BenchmarkThumbnail measures that part.
func BenchmarkApplyBacklog(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			test.NewTempApp(b)
			w := test.NewTempWindow(b, nil)
			c := New(fyne.CurrentApp(), w, Options{FrameInterval: -1, Go: func(func(context.Context)) {}})
			w.SetContent(c.Content())
			w.Resize(fyne.NewSize(1280, 800))
			s := testScan(1)
			batch := make([]Event, n)
			for i := range batch {
				batch[i] = graded{result: testResult(int64(i+1), "line-a", i%10, 0.9), scan: s, thumb: thumbnail(s, thumbSide)}
			}
			b.ReportAllocs()
			for b.Loop() {
				c.apply(batch)
			}
		})
	}
}

func BenchmarkThumbnail(b *testing.B) {
	for _, side := range []int{28, 256} {
		b.Run(fmt.Sprint(side), func(b *testing.B) {
			s := Scan{Width: side, Height: side, Pix: make([]float32, side*side)}
			for i := range s.Pix {
				s.Pix[i] = float32(i%97) / 96
			}
			b.ReportAllocs()
			for b.Loop() {
				thumbnail(s, thumbSide)
			}
		})
	}
}

func TestFeedPrependsRecentResults(t *testing.T) {
	f := newFeedModel(100, 100)
	f.add([]graded{{result: testResult(10, "line-a", 1, 0.9)}, {result: testResult(11, "line-a", 2, 0.9)}})
	// Stored before the console started, newest first; 10 is already shown.
	f.prepend([]Result{testResult(10, "line-a", 1, 0.9), testResult(9, "line-a", 3, 0.9), testResult(8, "line-b", 4, 0.9)})
	var ids []int64
	for i := range f.len() {
		e, _ := f.at(i)
		ids = append(ids, e.result.ID)
	}
	if want := []int64{11, 10, 9, 8}; fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("feed after prepend = %v; want %v (newest first, no duplicate)", ids, want)
	}
	f.add([]graded{{result: testResult(12, "line-a", 5, 0.9)}})
	if e, _ := f.at(0); e.result.ID != 12 || f.len() != 5 {
		t.Errorf("after a new scan: first %d, %d shown; want 12, 5", e.result.ID, f.len())
	}
}

func TestConsoleStartLoadsRecentResults(t *testing.T) {
	e := newTestEnv(t, fyne.NewSize(1280, 800))
	store := &recentStore{fakeStore: e.store, recent: []Result{testResult(2, "line-a", 1, 0.9), testResult(1, "line-a", 7, 0.9)}}
	e.c.opt.Store = store
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.c.Start(ctx)
	e.q.drain()
	if got := e.c.live.grid.Length(); got != 2 {
		t.Fatalf("feed after Start = %d scans; want the 2 stored ones", got)
	}
	if en, _ := e.c.feed.at(0); en.result.ID != 2 {
		t.Errorf("newest = %d; want 2", en.result.ID)
	}
}

type recentStore struct {
	*fakeStore
	recent []Result
}

func (s *recentStore) Recent(_ context.Context, limit int) ([]Result, error) {
	return s.recent[:min(limit, len(s.recent))], nil
}
