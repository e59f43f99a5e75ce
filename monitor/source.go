package monitor

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gradewatch/gradewatch/storage"
)

// pendingEvery is the shortest time between two pending counts while a
// backlog is worked off (each count scans the source table's index).
const pendingEvery = 2 * time.Second

// errNoGrader is the cycle error while no model is loaded.
var errNoGrader = errors.New("no model loaded; load a model to start grading")

// source is the state of one watched source; run is its goroutine.
type source struct {
	m        *Monitor
	cfg      SourceConfig
	interval atomic.Int64  // time.Duration
	wake     chan struct{} // interval changed; capacity 1

	// Owned by the run goroutine.
	lease        lease     // poller lock, nil while not held
	renewed      time.Time // when lease was last taken or renewed
	cycles       int
	lastPending  time.Time
	pendingKnown bool // the last pending count is current (nothing found since)

	mu       sync.Mutex
	st       Status
	oldestAt time.Time // of the oldest pending row, zero if unknown
	rate     rate
	start    time.Time
}

func newSource(m *Monitor, cfg SourceConfig) *source {
	s := &source{m: m, cfg: cfg, wake: make(chan struct{}, 1)}
	s.interval.Store(int64(cfg.Interval))
	s.st = Status{Source: cfg.Source.Name, State: StateConnecting, Interval: cfg.Interval, BatchSize: cfg.BatchSize}
	return s
}

func (s *source) setInterval(d time.Duration) {
	s.interval.Store(int64(d))
	s.update(func(st *Status) { st.Interval = d })
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run is the goroutine of one source: cycles until ctx is done.
func (s *source) run(ctx context.Context) {
	s.mu.Lock()
	s.start = time.Now()
	s.mu.Unlock()
	defer s.releaseLock()
	failures := 0
	for ctx.Err() == nil {
		if s.needsLock() && !s.holdLock(ctx, &failures) {
			continue
		}
		started := time.Now()
		s.update(func(st *Status) { st.LastPoll = started; st.NextPoll = time.Time{} })
		full, err := s.cycle(ctx, &failures)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			s.failAndWait(ctx, err, &failures)
			continue
		}
		failures = 0
		if full {
			s.update(func(st *Status) { st.State = StateOK; st.LastError = ""; st.Failures = 0 })
			continue
		}
		due := func() time.Time { return started.Add(time.Duration(s.interval.Load())) }
		s.update(func(st *Status) { st.State = StateOK; st.LastError = ""; st.Failures = 0; st.NextPoll = due() })
		s.sleep(ctx, due)
	}
	s.update(func(st *Status) { st.State = StateStopped; st.NextPoll = time.Time{} })
}

// sleep waits until due() (re-read when the interval changes) or ctx is
// done.
func (s *source) sleep(ctx context.Context, due func() time.Time) {
	for {
		d := time.Until(due())
		if d <= 0 {
			return
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			return
		case <-s.wake:
			t.Stop()
			s.update(func(st *Status) {
				if !st.NextPoll.IsZero() {
					st.NextPoll = due()
				}
			})
		}
	}
}

// backoff returns the pause after the given number of consecutive
// failures: BackoffMin doubled per failure, at most BackoffMax, with
// jitter so that sources (and consoles) do not retry in step.
func (s *source) backoff(failures int) time.Duration {
	d := s.m.cfg.BackoffMin
	for i := 1; i < failures && d < s.m.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, s.m.cfg.BackoffMax)
	return d/2 + rand.N(d/2+1)
}

// failAndWait counts a failure, records it and waits out the backoff.
func (s *source) failAndWait(ctx context.Context, err error, failures *int) {
	*failures++
	next := time.Now().Add(s.backoff(*failures))
	s.fail(err, *failures, next)
	s.sleep(ctx, func() time.Time { return next })
}

// backoffAround returns d with ±25% jitter.
func (s *source) backoffAround(d time.Duration) time.Duration {
	return d*3/4 + rand.N(d/2+1)
}

// fail records a failed cycle: state backoff for errors worth retrying
// soon (database busy, locked or unreachable), error otherwise.
func (s *source) fail(err error, failures int, next time.Time) {
	state := StateError
	if storage.IsTransient(err) {
		state = StateBackoff
	}
	now := time.Now()
	s.update(func(st *Status) {
		st.State = state
		st.LastError = err.Error()
		st.LastErrorAt = now
		st.Failures = failures
		st.NextPoll = next
		st.Idle = false // unknown until a cycle succeeds
	})
}

// update changes the status under the lock and publishes the result.
func (s *source) update(f func(*Status)) {
	s.mu.Lock()
	f(&s.st)
	st := s.snapshotLocked()
	s.mu.Unlock()
	s.m.hub.publish(SourceStatus{Status: st})
}

func (s *source) snapshot() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *source) snapshotLocked() Status {
	st := s.st
	now := time.Now()
	if !s.oldestAt.IsZero() && st.Pending > 0 {
		st.OldestPending = max(0, now.Sub(s.oldestAt))
	}
	if !s.start.IsZero() {
		st.PerMinute = s.rate.perMinute(now, s.start)
	}
	return st
}
