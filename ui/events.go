package ui

import (
	"image"
	"time"
)

// Event is a plain value that changes what the console shows. The app sends
// events from any goroutine through Console.Post; the console applies them
// on the Fyne goroutine in batches at display rate.
type Event interface{ event() }

// ScanGraded reports a newly graded scan.
type ScanGraded struct {
	Result Result
	// Scan is the full scan at its real resolution, shown by the detail
	// view and review. It may be empty when the producer does not have it
	// at hand; the console then loads it through its ScanLoader when it is
	// needed.
	Scan Scan
	// Thumb is a reduced copy for the feed; empty means the console
	// reduces Scan itself. It is never shown as the scan.
	Thumb Scan
}

// SourceState is a source's connection state.
type SourceState string

// Source states shown in the status bar.
const (
	SourceIdle    SourceState = "idle"
	SourcePolling SourceState = "polling"
	SourceOK      SourceState = "ok"
	SourceError   SourceState = "error"
	SourceStopped SourceState = "stopped"
	// SourceStandby: another console polls this source; this one takes
	// over if that one stops.
	SourceStandby SourceState = "standby"
)

// SourceStatus reports the state of one polled source table.
type SourceStatus struct {
	Source        string
	State         SourceState
	Err           string // last error, empty when healthy
	LastPoll      time.Time
	NextPoll      time.Time
	Pending       int64         // rows waiting in the source table
	OldestPending time.Duration // age of the oldest waiting row
	PerMinute     float64       // scans graded per minute, recent average
	Rejected      int64         // scans refused as malformed since the start
}

// ModelChanged reports that the running model was (re)loaded, or that a new
// model file was refused (Err set; the running model stays).
type ModelChanged struct {
	Name   string
	SHA256 string
	Labels []string
	Err    string
}

// DatabaseState reports whether the results database is reachable.
type DatabaseState struct {
	Connected bool
	Err       string
}

// ResultUpdated reports a changed result (an override, a review).
type ResultUpdated struct{ Result Result }

// Notice is a message for the operator, shown in the status bar and as a
// desktop notification.
type Notice struct{ Text string }

// RaiseWindow brings the console's window to the front (another instance
// was started).
type RaiseWindow struct{}

// Events produced by the console's own background work.
type (
	reviewLoaded struct {
		items []Result
		total int
		err   error
	}
	historyLoaded struct {
		key     resultKey
		history []Override
		err     error
	}
	scanLoaded struct {
		key  resultKey
		scan Scan
		err  error
	}
	thumbLoaded struct {
		key   resultKey
		thumb *image.Gray
	}
	countsLoaded struct {
		shift, today Counts
		err          error
	}
	overrideDone struct {
		id     int64 // the result decided on
		result Result
		err    error
	}
	notice       struct{ text string }
	flagChanged  struct{}
	recentLoaded struct {
		results []Result // newest first
		err     error
	}
)

func (ScanGraded) event()    {}
func (SourceStatus) event()  {}
func (ModelChanged) event()  {}
func (DatabaseState) event() {}
func (ResultUpdated) event() {}
func (Notice) event()        {}
func (RaiseWindow) event()   {}
func (reviewLoaded) event()  {}
func (historyLoaded) event() {}
func (scanLoaded) event()    {}
func (thumbLoaded) event()   {}
func (countsLoaded) event()  {}
func (overrideDone) event()  {}
func (notice) event()        {}
func (flagChanged) event()   {}
func (recentLoaded) event()  {}
