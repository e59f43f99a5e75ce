package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"
)

// PollerLock is held by the single active poller of a source in rowversion
// or key mode. Renew it more often than its TTL; on ErrLockLost stop
// polling and try AcquirePoller again.
//
// On SQL Server it is an exclusive session application lock
// (sp_getapplock) on a dedicated connection: if the process dies, the
// connection closes and the server releases the lock. On SQLite it is a
// lease row in the locks table that expires after the TTL unless renewed.
type PollerLock struct {
	s     *Store
	name  string // lock resource / lease name
	owner string
	ttl   time.Duration

	mu   sync.Mutex
	conn *sql.Conn // SQL Server only
	gone bool
}

// lockName is the resource locked for a source.
func lockName(source string) string { return "gradewatch/poller/" + source }

// AcquirePoller makes this process the active poller of the source named
// source. owner identifies this process (for example host and pid). It
// returns ErrLockHeld when another live process holds the lock; a standby
// retries and takes over once the holder stops (SQL Server: its session
// ends; SQLite: its lease of ttl expires).
func (s *Store) AcquirePoller(ctx context.Context, source, owner string, ttl time.Duration) (*PollerLock, error) {
	if source == "" || len(source) > 128 {
		return nil, fmt.Errorf("poller lock: source name %q must be 1 to 128 characters", source)
	}
	if owner == "" {
		owner = ownerID()
	}
	if ttl < time.Second {
		return nil, fmt.Errorf("poller lock of source %q: ttl %v is too short: give at least 1s", source, ttl)
	}
	l := &PollerLock{s: s, name: lockName(source), owner: truncate(owner, 256), ttl: ttl}
	var err error
	if s.driver == DriverSQLServer {
		err = l.acquireApplock(ctx)
	} else {
		err = l.acquireLease(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("poller lock of source %q: %w", source, err)
	}
	return l, nil
}

func (l *PollerLock) acquireApplock(ctx context.Context) error {
	conn, err := l.s.db.Conn(ctx)
	if err != nil {
		return err
	}
	var rc int
	err = conn.QueryRowContext(ctx, `DECLARE @rc INT;
EXEC @rc = sp_getapplock @Resource = @p1, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0;
SELECT @rc;`, l.name).Scan(&rc)
	if err != nil {
		discard(conn)
		return err
	}
	switch {
	case rc >= 0: // 0 granted, 1 granted after waiting
		l.conn = conn
		return nil
	case rc == -1: // timed out: another session holds it
		discard(conn)
		return ErrLockHeld
	default:
		discard(conn)
		return fmt.Errorf("sp_getapplock returned %d", rc)
	}
}

// discard closes conn and keeps the pool from reusing its session, so a
// session lock it may hold is released with it.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// leaseModifier is an SQLite time modifier adding d.
func leaseModifier(d time.Duration) string {
	return fmt.Sprintf("+%.3f seconds", d.Seconds())
}

func (l *PollerLock) acquireLease(ctx context.Context) error {
	tbl := l.s.d.quote(l.s.t.locks)
	res, err := l.s.db.ExecContext(ctx, `INSERT INTO `+tbl+` (name, owner, expires_at)
VALUES (?1, ?2, strftime('%Y-%m-%d %H:%M:%f', 'now', ?3))
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
WHERE `+tbl+`.expires_at < `+sqliteNow+` OR `+tbl+`.owner = excluded.owner`,
		l.name, l.owner, leaseModifier(l.ttl))
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLockHeld
	}
	return nil
}

// Renew extends the lock's lease (SQLite) or checks that its session still
// holds it (SQL Server). It returns ErrLockLost if the lock is gone; the
// caller must stop polling.
func (l *PollerLock) Renew(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone {
		return ErrLockLost
	}
	if l.conn != nil {
		var mode string
		err := l.conn.QueryRowContext(ctx, `SELECT APPLOCK_MODE('public', @p1, 'Session')`, l.name).Scan(&mode)
		if err != nil || mode != "Exclusive" {
			l.gone = true
			discard(l.conn)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrLockLost, err)
			}
			return ErrLockLost
		}
		return nil
	}
	tbl := l.s.d.quote(l.s.t.locks)
	res, err := l.s.db.ExecContext(ctx, `UPDATE `+tbl+` SET expires_at = strftime('%Y-%m-%d %H:%M:%f', 'now', ?1)
WHERE name = ?2 AND owner = ?3`, leaseModifier(l.ttl), l.name, l.owner)
	if err != nil {
		return fmt.Errorf("renew poller lock %s: %w", l.name, err) // maybe transient: not lost yet
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		l.gone = true
		return ErrLockLost
	}
	return nil
}

// Release gives the lock up. It is safe to call more than once.
func (l *PollerLock) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone {
		return nil
	}
	l.gone = true
	if l.conn != nil {
		_, err := l.conn.ExecContext(ctx, `EXEC sp_releaseapplock @Resource = @p1, @LockOwner = 'Session'`, l.name)
		discard(l.conn) // closing the session releases the lock in any case
		if err != nil && !errors.Is(err, driver.ErrBadConn) {
			return fmt.Errorf("release poller lock %s: %w", l.name, err)
		}
		return nil
	}
	tbl := l.s.d.quote(l.s.t.locks)
	if _, err := l.s.db.ExecContext(ctx, `DELETE FROM `+tbl+` WHERE name = ?1 AND owner = ?2`, l.name, l.owner); err != nil {
		return fmt.Errorf("release poller lock %s: %w", l.name, err)
	}
	return nil
}
