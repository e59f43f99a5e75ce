package monitor

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Monitor watches several sources, each in its own goroutine. Create it
// with New, start it with Run; all methods are safe for concurrent use.
type Monitor struct {
	cfg     Config
	sources []*source
	byName  map[string]*source
	grader  atomic.Pointer[graderBox]
	acquire acquireFunc // nil when the store cannot lock
	hub     hub
	running atomic.Bool
}

// graderBox lets an interface value live in an atomic.Pointer.
type graderBox struct{ g Grader }

// New checks cfg and returns a Monitor that is not yet running.
func New(cfg Config) (*Monitor, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m := &Monitor{cfg: cfg, byName: map[string]*source{}, acquire: lockerFor(cfg.Store, cfg.Owner, cfg.LockTTL)}
	if cfg.Grader != nil {
		m.grader.Store(&graderBox{cfg.Grader})
	}
	for _, sc := range cfg.Sources {
		s := newSource(m, sc)
		m.sources = append(m.sources, s)
		m.byName[sc.Source.Name] = s
	}
	return m, nil
}

// Run polls every source, each in its own goroutine, until ctx is done,
// then waits for the goroutines to finish their current step and returns
// nil. A commit under way when ctx ends is allowed to finish (for up to
// 10 s); a batch still being fetched or graded is dropped, and its scans
// are fetched and graded again on the next run. Run may be called once.
func (m *Monitor) Run(ctx context.Context) error {
	if !m.running.CompareAndSwap(false, true) {
		return fmt.Errorf("monitor: Run called twice; create a new Monitor to run again")
	}
	var wg sync.WaitGroup
	for _, s := range m.sources {
		wg.Go(func() { s.run(ctx) })
	}
	wg.Wait()
	return nil
}

// SetGrader swaps the model used from the next batch on (hot reload). A
// batch already being graded finishes with the model it started with.
// A nil g makes the sources wait (state error) until a grader is set.
func (m *Monitor) SetGrader(g Grader) {
	if g == nil {
		m.grader.Store(nil)
		return
	}
	m.grader.Store(&graderBox{g})
}

// currentGrader returns the grader to use for one batch, or nil.
func (m *Monitor) currentGrader() Grader {
	if b := m.grader.Load(); b != nil {
		return b.g
	}
	return nil
}

// SetInterval changes the poll interval of the named source. It takes
// effect for the wait that follows the current cycle; a wait already under
// way is shortened or lengthened to end d after its cycle started.
func (m *Monitor) SetInterval(name string, d time.Duration) error {
	s, ok := m.byName[name]
	if !ok {
		return fmt.Errorf("set interval of source %q: no such source; use one of %v", name, m.names())
	}
	if d <= 0 {
		return fmt.Errorf("set interval of source %q: %v is not positive; give a pause such as 10s", name, d)
	}
	s.setInterval(d)
	return nil
}

func (m *Monitor) names() []string {
	out := make([]string, len(m.sources))
	for i, s := range m.sources {
		out[i] = s.cfg.Source.Name
	}
	return out
}

// Status returns a snapshot of every source, in configuration order.
func (m *Monitor) Status() []Status {
	out := make([]Status, len(m.sources))
	for i, s := range m.sources {
		out[i] = s.snapshot()
	}
	return out
}

// Idle reports whether every source is caught up (Status.Idle): its last
// cycle fetched less than a full batch and found nothing pending.
func (m *Monitor) Idle() bool {
	for _, s := range m.sources {
		if !s.snapshot().Idle {
			return false
		}
	}
	return true
}
