package ui

import (
	"sync"
	"time"

	"fyne.io/fyne/v2"
)

// FrameInterval is the shortest time between two batches applied to the
// widgets: about 60 per second.
const FrameInterval = 16 * time.Millisecond

// adapter is the one place where goroutines hand work to the Fyne goroutine.
// Post queues events from any goroutine; at most one fyne.Do is outstanding
// at a time, so a burst of thousands of events becomes one batch per frame
// and the window stays responsive however fast events arrive.
type adapter struct {
	apply func([]Event) // runs on the Fyne goroutine
	do    func(func())  // fyne.Do; replaced in tests
	gap   time.Duration // minimum time between batches

	mu        sync.Mutex
	pending   []Event
	scheduled bool // a flush is scheduled and has not started applying
	last      time.Time
}

func newAdapter(apply func([]Event), gap time.Duration) *adapter {
	return &adapter{apply: apply, do: fyne.Do, gap: gap}
}

// post queues events for the next batch. It never blocks on the UI.
func (a *adapter) post(evs ...Event) {
	if len(evs) == 0 {
		return
	}
	a.mu.Lock()
	a.pending = append(a.pending, evs...)
	if a.scheduled {
		a.mu.Unlock()
		return
	}
	a.scheduled = true
	wait := a.gap - time.Since(a.last)
	a.mu.Unlock()
	if wait > 0 {
		time.AfterFunc(wait, a.flush)
		return
	}
	a.flush()
}

func (a *adapter) flush() {
	a.do(func() {
		a.mu.Lock()
		batch := a.pending
		a.pending = nil
		a.scheduled = false
		a.last = time.Now()
		a.mu.Unlock()
		a.apply(batch)
	})
}

// Post hands events to the console from any goroutine. Scan images are
// reduced to thumbnails here, on the caller's goroutine, so that the Fyne
// goroutine only swaps in finished values.
func (c *Console) Post(evs ...Event) {
	out := make([]Event, 0, len(evs))
	for _, ev := range evs {
		if g, ok := ev.(ScanGraded); ok {
			small := g.Thumb
			if !small.Valid() {
				small = g.Scan
			}
			out = append(out, graded{result: g.Result, scan: g.Scan, thumb: thumbnail(small, thumbSide)})
			continue
		}
		out = append(out, ev)
	}
	c.adapter.post(out...)
}
