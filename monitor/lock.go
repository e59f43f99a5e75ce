package monitor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gradewatch/gradewatch/storage"
)

// DefaultLockTTL is the poller lease when Config.LockTTL is 0.
const DefaultLockTTL = 30 * time.Second

// pollerLocker is implemented by stores that can make one process the
// only poller of a source (*storage.Store: an application lock on SQL
// Server, a lease row on SQLite).
type pollerLocker interface {
	AcquirePoller(ctx context.Context, source, owner string, ttl time.Duration) (*storage.PollerLock, error)
}

// lease is a held poller lock.
type lease interface {
	Renew(ctx context.Context) error
	Release(ctx context.Context) error
}

// acquireFunc takes the poller lock of a source; it returns an error
// wrapping storage.ErrLockHeld while another process holds it.
type acquireFunc func(ctx context.Context, source string) (lease, error)

// lockerFor returns how to take poller locks from store, or nil if it
// cannot.
func lockerFor(store Store, owner string, ttl time.Duration) acquireFunc {
	pl, ok := store.(pollerLocker)
	if !ok {
		return nil
	}
	return func(ctx context.Context, source string) (lease, error) {
		l, err := pl.AcquirePoller(ctx, source, owner, ttl)
		if err != nil {
			return nil, err
		}
		return l, nil
	}
}

// defaultOwner names this console in poller locks: the host name, so that
// a console restarted on the same host takes its sources back at once.
func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return host
}

// needsLock reports whether the source's mode allows only one poller.
func (s *source) needsLock() bool {
	return s.m.acquire != nil && s.cfg.Source.Mode != storage.ModeClaim
}

// holdLock makes sure the source's poller lock is held before a cycle:
// it acquires it, or renews it when a third of its TTL has passed. It
// returns false (after waiting) while another console holds the lock or
// the lock could not be taken; the caller then starts over.
func (s *source) holdLock(ctx context.Context, failures *int) bool {
	ttl := s.m.cfg.LockTTL
	if s.lease != nil {
		if time.Since(s.renewed) < ttl/3 {
			return true
		}
		err := s.lease.Renew(ctx)
		if err == nil {
			s.renewed = time.Now()
			return true
		}
		if !errors.Is(err, storage.ErrLockLost) {
			// Keep the lease (it may outlive a short outage) and back off.
			s.failAndWait(ctx, fmt.Errorf("renew poller lock of source %s: %w", s.cfg.Source.Name, err), failures)
			return false
		}
		s.lease = nil
	}
	l, err := s.m.acquire(ctx, s.cfg.Source.Name)
	switch {
	case err == nil:
		s.lease, s.renewed = l, time.Now()
		return true
	case ctx.Err() != nil:
		return false
	case errors.Is(err, storage.ErrLockHeld):
		next := time.Now().Add(s.backoffAround(ttl / 2))
		s.update(func(st *Status) {
			st.State = StateStandby
			st.LastError = fmt.Sprintf("another console polls source %s; standing by to take over", s.cfg.Source.Name)
			st.NextPoll = next
		})
		s.sleep(ctx, func() time.Time { return next })
		return false
	default:
		s.failAndWait(ctx, fmt.Errorf("take poller lock of source %s: %w", s.cfg.Source.Name, err), failures)
		return false
	}
}

// releaseLock gives the lock up when the source stops, so a standby takes
// over at once rather than after the TTL.
func (s *source) releaseLock() {
	if s.lease == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.lease.Release(ctx) // best effort: the lease expires anyway
	s.lease = nil
}
