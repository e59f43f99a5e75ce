package monitor

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/storage"
)

// fakeLocks is a poller lock table: one holder per source.
type fakeLocks struct {
	mu      sync.Mutex
	holder  map[string]string
	renews  atomic.Int64
	loseOne atomic.Bool // the next Renew reports the lock lost
}

type fakeLease struct {
	l              *fakeLocks
	source, holder string
}

func (f *fakeLocks) acquirer(owner string) acquireFunc {
	return func(ctx context.Context, source string) (lease, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if h, ok := f.holder[source]; ok && h != owner {
			return nil, fmt.Errorf("poller lock of source %q: %w", source, storage.ErrLockHeld)
		}
		f.holder[source] = owner
		return &fakeLease{f, source, owner}, nil
	}
}

func (l *fakeLease) Renew(ctx context.Context) error {
	l.l.renews.Add(1)
	if l.l.loseOne.CompareAndSwap(true, false) {
		l.l.mu.Lock()
		delete(l.l.holder, l.source)
		l.l.mu.Unlock()
		return storage.ErrLockLost
	}
	return nil
}

func (l *fakeLease) Release(ctx context.Context) error {
	l.l.mu.Lock()
	defer l.l.mu.Unlock()
	if l.l.holder[l.source] == l.holder {
		delete(l.l.holder, l.source)
	}
	return nil
}

func (f *fakeLocks) holderOf(source string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.holder[source]
}

// newLocked returns a monitor of source "a" that takes its poller lock
// from locks as owner, with a short TTL.
func newLocked(t *testing.T, f *fakeStore, locks *fakeLocks, owner string) *Monitor {
	t.Helper()
	m, err := New(Config{Store: f, Grader: &fakeGrader{name: owner, failPix: -1}, Owner: owner,
		Sources: []SourceConfig{blobSource("a", 5*time.Millisecond, 10)}})
	if err != nil {
		t.Fatal(err)
	}
	m.acquire = locks.acquirer(owner)
	m.cfg.LockTTL = 60 * time.Millisecond
	return m
}

func TestStandbyTakesOverWhenActiveStops(t *testing.T) {
	f := newFakeStore(100)
	fill(f, "a", 1, 30)
	locks := &fakeLocks{holder: map[string]string{}}
	active := newLocked(t, f, locks, "pc1")
	ctx, stopActive := context.WithCancel(context.Background())
	activeDone := make(chan struct{})
	go func() {
		active.Run(ctx)
		close(activeDone)
	}()
	waitFor(t, "pc1 graded the backlog", resolvedAll(f, "a"))
	standby := newLocked(t, f, locks, "pc2")
	start(t, standby)
	waitFor(t, "pc2 standing by", func() bool { return standby.Status()[0].State == StateStandby })
	fill(f, "a", 31, 40)
	waitFor(t, "pc1 graded the new rows", resolvedAll(f, "a"))
	if g := standby.Status()[0].Graded; g != 0 {
		t.Errorf("standby graded %d scans while pc1 held the lock; want 0", g)
	}
	stopActive()
	<-activeDone
	if h := locks.holderOf("a"); h == "pc1" {
		t.Error("pc1 still holds the lock after it stopped; want it released")
	}
	fill(f, "a", 41, 50)
	waitFor(t, "pc2 took over and graded the rest", resolvedAll(f, "a"))
	if st := standby.Status()[0]; st.Graded != 10 || st.State != StateOK {
		t.Errorf("pc2 status = %+v; want ok with 10 graded", st)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, r := range f.tables["a"].results {
		n := 0
		fmt.Sscan(k, &n)
		if want := map[bool]string{true: "pc1", false: "pc2"}[n <= 40]; r.ModelName != want {
			t.Errorf("row %s graded by %s; want %s", k, r.ModelName, want)
		}
	}
}

func TestLostLockIsTakenAgain(t *testing.T) {
	f := newFakeStore(100)
	locks := &fakeLocks{holder: map[string]string{}}
	m := newLocked(t, f, locks, "pc1")
	start(t, m)
	waitFor(t, "a renewal", func() bool { return locks.renews.Load() >= 1 })
	locks.loseOne.Store(true)
	waitFor(t, "the lock lost and taken again", func() bool { return !locks.loseOne.Load() && locks.holderOf("a") == "pc1" })
	fill(f, "a", 1, 5)
	waitFor(t, "grading goes on", resolvedAll(f, "a"))
}
