package monitor

import (
	"time"
)

// State is what a source is doing.
type State string

// Source states.
const (
	// StateConnecting: the source has not completed its first cycle.
	StateConnecting State = "connecting"
	// StateOK: the last cycle succeeded.
	StateOK State = "ok"
	// StateBackoff: the last cycle hit a transient error (database
	// unreachable, busy or locked); it is retried at NextPoll.
	StateBackoff State = "backoff"
	// StateError: the last cycle hit an error that needs attention (a
	// missing table, no model loaded, ...); it is still retried at NextPoll.
	StateError State = "error"
	// StateStandby: another console holds the source's poller lock; this
	// one takes over when that lock is released or expires.
	StateStandby State = "standby"
	// StateStopped: Run has returned.
	StateStopped State = "stopped"
)

// Status is a snapshot of one source.
type Status struct {
	Source    string
	State     State
	Interval  time.Duration
	BatchSize int
	// LastPoll is when the last cycle started; NextPoll when the next one
	// is due (zero while a backlog is being worked off without pause).
	LastPoll, NextPoll time.Time
	// Pending counts source rows with neither a result nor a reject: the
	// count made at PendingAt (at most every 2 s in a backlog) less the
	// rows committed since. OldestPending is the age of the oldest of them
	// as of that count, when the source has a created-at column.
	Pending       int64
	OldestPending time.Duration
	PendingAt     time.Time
	// Graded and Rejected count scans committed since Run started.
	Graded, Rejected int64
	// PerMinute is the scans committed per minute over the last minute.
	PerMinute float64
	// LastError is the error of the last failed cycle, "" once a cycle
	// succeeds; Failures counts consecutive failed cycles.
	LastError   string
	LastErrorAt time.Time
	Failures    int
	// ImageError is the last failure to save an image, "" once an image is
	// saved again. Grading goes on without images meanwhile.
	ImageError string
	// Unstored counts scans whose result and reject the database refused
	// (after the batch failed and its rows were tried one by one); they
	// stay pending and the reconciliation sweep retries them. StoreError
	// names the last of them.
	Unstored   int64
	StoreError string
	// Model is the name of the model that graded the last batch.
	Model string
	// Idle is true when the last cycle succeeded, found no more than a
	// partial batch and nothing was pending: the source is caught up.
	Idle bool
}

// rateWindow is the span PerMinute is measured over.
const rateWindow = time.Minute

// rate tracks committed scans over the last rateWindow.
type rate struct {
	at []time.Time
	n  []int
}

func (r *rate) add(now time.Time, n int) {
	r.trim(now)
	r.at = append(r.at, now)
	r.n = append(r.n, n)
}

func (r *rate) trim(now time.Time) {
	i := 0
	for i < len(r.at) && now.Sub(r.at[i]) > rateWindow {
		i++
	}
	if i > 0 {
		r.at = append(r.at[:0], r.at[i:]...)
		r.n = append(r.n[:0], r.n[i:]...)
	}
}

// perMinute returns the scans per minute over the last rateWindow, or over
// the time since start when that is shorter (but at least a second).
func (r *rate) perMinute(now, start time.Time) float64 {
	r.trim(now)
	sum := 0
	for _, n := range r.n {
		sum += n
	}
	span := min(rateWindow, max(now.Sub(start), time.Second))
	return float64(sum) / span.Minutes()
}
