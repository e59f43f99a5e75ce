package storage

import (
	"context"
	"time"
)

// Migrate creates or upgrades the tables Gradewatch owns to the current
// schema version. It is idempotent (a second run does nothing), records
// each applied version, never drops data and never touches source tables.
func (s *Store) Migrate(ctx context.Context) error { return ErrNotImplemented }

// SchemaVersion returns the highest applied migration version, 0 if none.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) { return 0, ErrNotImplemented }

// FetchScans reads up to limit new scans of src after its stored
// checkpoint, in key (or rowversion) order. In claim mode the rows are
// claimed for src.LeaseTimeout. Commit the results with the returned
// Batch.Checkpoint. A poll that finds nothing costs one indexed query.
func (s *Store) FetchScans(ctx context.Context, src Source, limit int) (Batch, error) {
	return Batch{}, ErrNotImplemented
}

// FetchUnresolved reads up to limit rows of src, oldest key first, that
// have neither a result nor a reject, whatever the checkpoint says: the
// reconciliation sweep. It claims nothing and moves no checkpoint.
func (s *Store) FetchUnresolved(ctx context.Context, src Source, limit int) ([]Scan, error) {
	return nil, ErrNotImplemented
}

// Pending counts the rows of src that have neither a result nor a reject,
// with the oldest such key (and its age if src.CreatedAtColumn is set).
func (s *Store) Pending(ctx context.Context, src Source) (Pending, error) {
	return Pending{}, ErrNotImplemented
}

// Checkpoint returns the stored checkpoint of src (zero if none).
func (s *Store) Checkpoint(ctx context.Context, src Source) (Checkpoint, error) {
	return Checkpoint{}, ErrNotImplemented
}

// CommitBatch stores results and rejects of src and moves its checkpoint
// to cp (never backwards), in one transaction. It is idempotent: results
// and rejects are unique on (source, source key), so rows already stored
// are left as they are. In claim mode the source rows' status becomes
// done or rejected in the same transaction.
func (s *Store) CommitBatch(ctx context.Context, src Source, results []Result, rejects []Reject, cp Checkpoint) error {
	return ErrNotImplemented
}

// PollerLock is held by the single active poller of a source in rowversion
// or key mode. Renew it more often than its TTL; on ErrLockLost stop
// polling and try AcquirePoller again.
type PollerLock struct{}

// AcquirePoller makes this process the active poller of the source named
// source. owner identifies this process (host, pid). It returns ErrLockHeld
// when another live process holds the lock; a standby retries and takes
// over once the holder stops (SQL Server: its session ends; SQLite: its
// lease of ttl expires).
func (s *Store) AcquirePoller(ctx context.Context, source, owner string, ttl time.Duration) (*PollerLock, error) {
	return nil, ErrNotImplemented
}

// Renew extends the lock's lease (SQLite) or checks that its session still
// holds it (SQL Server). It returns ErrLockLost if the lock is gone.
func (l *PollerLock) Renew(ctx context.Context) error { return ErrNotImplemented }

// Release gives the lock up. It is safe to call more than once.
func (l *PollerLock) Release(ctx context.Context) error { return ErrNotImplemented }

// Result returns one result by ID, or ErrNotFound.
func (s *Store) Result(ctx context.Context, id int64) (Result, error) {
	return Result{}, ErrNotImplemented
}

// ResultByKey returns the result of one source row, or ErrNotFound.
func (s *Store) ResultByKey(ctx context.Context, source, key string) (Result, error) {
	return Result{}, ErrNotImplemented
}

// Results returns results matching f, newest first.
func (s *Store) Results(ctx context.Context, f ResultFilter) ([]Result, error) {
	return nil, ErrNotImplemented
}

// ReviewQueue returns up to limit results not yet reviewed whose
// confidence is below threshold or that are flagged, oldest first, and how
// many such results there are in all.
func (s *Store) ReviewQueue(ctx context.Context, threshold float64, limit int) ([]Result, int64, error) {
	return nil, 0, ErrNotImplemented
}

// Override appends an audit row (old grade, new grade, reason, who, where,
// the grading model, server time) and sets the result's final grade and
// reviewed time, in one transaction. The model's prediction is never
// changed. It returns the audit row, ErrNotFound for an unknown result, or
// ErrConflict when rec.SeenGrade no longer matches.
func (s *Store) Override(ctx context.Context, rec OverrideRecord) (Override, error) {
	return Override{}, ErrNotImplemented
}

// Flag puts a result into the review queue (flagged true) or takes the
// flag off.
func (s *Store) Flag(ctx context.Context, resultID int64, flagged bool) error {
	return ErrNotImplemented
}

// Overrides returns the audit history of one result, oldest first.
func (s *Store) Overrides(ctx context.Context, resultID int64) ([]Override, error) {
	return nil, ErrNotImplemented
}

// GradeCounts counts results per final grade graded in [from, to); zero
// times do not bound.
func (s *Store) GradeCounts(ctx context.Context, from, to time.Time) ([]GradeCount, error) {
	return nil, ErrNotImplemented
}

// ScansPerHour counts results per UTC hour graded in [from, to), hours
// without results left out, oldest first.
func (s *Store) ScansPerHour(ctx context.Context, from, to time.Time) ([]HourCount, error) {
	return nil, ErrNotImplemented
}

// EachResult calls fn for every result graded in [from, to) in ID order,
// streaming; zero times do not bound. An error from fn stops the walk and
// is returned.
func (s *Store) EachResult(ctx context.Context, from, to time.Time, fn func(Result) error) error {
	return ErrNotImplemented
}

// IsTransient reports whether err is worth retrying after a pause: SQLite
// busy or locked, SQL Server deadlock (1205) or lock timeout, timeouts,
// connection resets and refused connections.
func IsTransient(err error) bool { return false }
