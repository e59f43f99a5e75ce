package monitor

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
)

// Event is a plain value describing something that happened in the
// monitor: ScanGraded, ScanRejected or SourceStatus. Events are sent after
// the database commit, so every ScanGraded describes a stored result.
// Values are owned by the receiver once received; the monitor keeps no
// reference it will write to.
type Event interface{ isEvent() }

// ScanGraded is one graded and committed scan.
type ScanGraded struct {
	// Result is the stored result (ID, GradedAt and FinalGrade are not
	// known to the monitor and are zero; read them back from storage when
	// needed).
	Result storage.Result
	// Thumbnail is the normalised scan, box-averaged down so neither side
	// exceeds Config.ThumbnailSide. It is Scan itself when Scan fits.
	Thumbnail scan.Matrix
	// Scan is the full normalised scan at its real resolution, shared with
	// no one else. A subscription holds at most MaxQueuedScanBytes of full
	// scans: when a subscriber falls further behind, the oldest queued
	// events lose their Scan (it is left zero; Thumbnail stays) and the
	// receiver reloads the scan from its saved image or source row.
	Scan scan.Matrix
	// Report says what the decoder filled in.
	Report scan.Report
}

// ScanRejected is one scan that could not be graded, as committed to the
// rejects table.
type ScanRejected struct {
	Reject storage.Reject
}

// SourceStatus is the new status of one source, sent whenever it changes
// (every cycle and every state change).
type SourceStatus struct {
	Status Status
}

func (ScanGraded) isEvent()   {}
func (ScanRejected) isEvent() {}
func (SourceStatus) isEvent() {}

// Subscription receives the monitor's events on C. The monitor never waits
// for a subscriber: when the subscriber falls more than its queue size
// behind, the oldest queued ScanGraded/ScanRejected events are dropped (see
// Dropped), and SourceStatus events are coalesced so only the latest per
// source is delivered. C is closed when the ctx given to Subscribe is done.
type Subscription struct {
	// C delivers the events. Receive from it until it is closed.
	C <-chan Event

	c       chan Event
	notify  chan struct{}
	limit   int
	dropped atomic.Int64

	mu        sync.Mutex
	queue     []Event           // scan events, oldest first, at most limit
	scanBytes int64             // bytes of the full scans held in queue
	stripped  int               // queue[:stripped] hold no full scan
	status    map[string]Status // latest undelivered status per source
	order     []string          // sources in status, in arrival order
	done      bool
}

// Dropped returns how many scan events were dropped because the
// subscriber was too slow.
func (s *Subscription) Dropped() int64 { return s.dropped.Load() }

// MaxQueuedScanBytes bounds the memory of the full scans (ScanGraded.Scan)
// one subscription holds while its subscriber is behind: 64 MiB, 256 scans
// of 512 x 512 or about 21,000 of 28 x 28. The thumbnails are not counted;
// each is at most ThumbnailSide² values.
const MaxQueuedScanBytes = 64 << 20

// scanBytes is the memory of the full scan an event holds.
func scanBytes(ev Event) int64 {
	if g, ok := ev.(ScanGraded); ok {
		return int64(len(g.Scan.Pix)) * 4
	}
	return 0
}

// hub fans events out to subscriptions.
type hub struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscribe returns a subscription that queues up to queue scan events
// (0 means 1024). A goroutine moves events to C; it stops, closes C and
// unsubscribes when ctx is done.
func (m *Monitor) Subscribe(ctx context.Context, queue int) *Subscription {
	if queue <= 0 {
		queue = 1024
	}
	c := make(chan Event)
	s := &Subscription{C: c, c: c, notify: make(chan struct{}, 1), limit: queue, status: map[string]Status{}}
	m.hub.mu.Lock()
	if m.hub.subs == nil {
		m.hub.subs = map[*Subscription]struct{}{}
	}
	m.hub.subs[s] = struct{}{}
	m.hub.mu.Unlock()
	// Start from the current state of every source.
	for _, st := range m.Status() {
		s.offer(SourceStatus{Status: st})
	}
	go s.pump(ctx, func() {
		m.hub.mu.Lock()
		delete(m.hub.subs, s)
		m.hub.mu.Unlock()
	})
	return s
}

// publish offers events to every subscription without blocking.
func (h *hub) publish(evs ...Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		for _, ev := range evs {
			s.offer(ev)
		}
	}
}

// offer queues ev, dropping the oldest scan event or replacing an older
// status of the same source when needed. It never blocks.
func (s *Subscription) offer(ev Event) {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return
	}
	if st, ok := ev.(SourceStatus); ok {
		if _, seen := s.status[st.Status.Source]; !seen {
			s.order = append(s.order, st.Status.Source)
		}
		s.status[st.Status.Source] = st.Status
	} else {
		if len(s.queue) >= s.limit {
			s.scanBytes -= scanBytes(s.queue[0])
			s.queue[0] = nil
			s.queue = s.queue[1:]
			s.stripped = max(0, s.stripped-1)
			s.dropped.Add(1)
		}
		s.queue = append(s.queue, ev)
		s.scanBytes += scanBytes(ev)
		s.stripOldScans()
	}
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// stripOldScans drops the full scans of the oldest queued events until
// the queue holds at most MaxQueuedScanBytes of them. Called with s.mu
// held.
func (s *Subscription) stripOldScans() {
	for s.scanBytes > MaxQueuedScanBytes && s.stripped < len(s.queue) {
		if g, ok := s.queue[s.stripped].(ScanGraded); ok && g.Scan.Pix != nil {
			s.scanBytes -= scanBytes(g)
			g.Scan = scan.Matrix{}
			s.queue[s.stripped] = g
		}
		s.stripped++
	}
}

// next takes the next event to deliver: statuses first (they are few and
// coalesced), then scan events in order.
func (s *Subscription) next() (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.order) > 0 {
		name := s.order[0]
		s.order = s.order[1:]
		st := s.status[name]
		delete(s.status, name)
		return SourceStatus{Status: st}, true
	}
	if len(s.queue) > 0 {
		ev := s.queue[0]
		s.scanBytes -= scanBytes(ev)
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.stripped = max(0, s.stripped-1)
		return ev, true
	}
	return nil, false
}

// pump delivers queued events to C until ctx is done, then unsubscribes
// and closes C.
func (s *Subscription) pump(ctx context.Context, unsubscribe func()) {
	defer func() {
		unsubscribe()
		s.mu.Lock()
		s.done = true
		s.queue, s.status, s.order = nil, nil, nil
		s.mu.Unlock()
		close(s.c)
	}()
	for {
		ev, ok := s.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-s.notify:
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case s.c <- ev:
		}
	}
}

// active reports whether anyone is subscribed.
func (h *hub) active() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) > 0
}
