package app

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/gradewatch/gradewatch/app/workspace"
	"github.com/gradewatch/gradewatch/monitor"
)

// idlePoll is how often --until-idle checks whether the monitor has caught
// up.
const idlePoll = 200 * time.Millisecond

// headlessOptions configure runHeadless.
type headlessOptions struct {
	// UntilIdle stops the run once every source has caught up and nothing
	// is pending.
	UntilIdle bool
	// StatusEvery is the interval between status lines; 0 prints only the
	// summary at the end.
	StatusEvery time.Duration
}

// headlessSummary is what a headless run did.
type headlessSummary struct {
	Graded, Rejected int64
	Elapsed          time.Duration
}

// runHeadless grades the workspace's sources without a GUI until ctx is
// done (SIGINT or SIGTERM in the command) or, with UntilIdle, until
// nothing is pending. It logs status lines, model changes and a summary
// to out.
func runHeadless(ctx context.Context, w *workspace.Workspace, opt headlessOptions, out io.Writer) (headlessSummary, error) {
	if w.Monitor == nil {
		return headlessSummary{}, fmt.Errorf("run %s: no enabled source to watch; add a source to the configuration", w.ConfigPath)
	}
	if w.Models.Current() == nil {
		return headlessSummary{}, fmt.Errorf("run %s: %w", w.ConfigPath, w.ModelErr)
	}
	w.Models.OnChange(func(c workspace.ModelChange) {
		if c.Err != nil {
			fmt.Fprintf(out, "model: %v (still running %s %s)\n", c.Err, c.Current.Name, shortSHA(c.Current.SHA256))
			return
		}
		fmt.Fprintf(out, "model: now running %s %s (was %s %s)\n", c.Current.Name, shortSHA(c.Current.SHA256), c.Previous.Name, shortSHA(c.Previous.SHA256))
	})
	info := w.Models.Current().Info()
	fmt.Fprintf(out, "gradewatch %s: grading %d source(s) from %s with model %s %s\n", Version, len(w.Monitor.Status()), w.ConfigPath, info.Name, shortSHA(info.SHA256))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	var statusC <-chan time.Time
	if opt.StatusEvery > 0 {
		t := time.NewTicker(opt.StatusEvery)
		defer t.Stop()
		statusC = t.C
	}
	var idleC <-chan time.Time
	if opt.UntilIdle {
		t := time.NewTicker(idlePoll)
		defer t.Stop()
		idleC = t.C
	}
	var runErr, failErr error
	standby := map[string]time.Time{} // since when each source has been in standby
loop:
	for {
		select {
		case runErr = <-done:
			break loop
		case <-statusC:
			writeStatus(out, w.Monitor.Status())
		case <-idleC:
			if w.Monitor.Idle() {
				fmt.Fprintln(out, "idle: every source has caught up and nothing is pending")
				cancel()
			} else if err := stuck(w.Monitor.Status(), standby, time.Now()); err != nil && failErr == nil {
				// Waiting for idle would wait for ever.
				failErr = err
				cancel()
			}
		}
	}
	sum := headlessSummary{Elapsed: time.Since(start)}
	st := w.Monitor.Status()
	for _, s := range st {
		sum.Graded += s.Graded
		sum.Rejected += s.Rejected
	}
	writeStatus(out, st)
	fmt.Fprintf(out, "graded %d scans, rejected %d, in %s (%.1f scans/s)\n",
		sum.Graded, sum.Rejected, sum.Elapsed.Round(time.Millisecond), float64(sum.Graded)/max(sum.Elapsed.Seconds(), 1e-9))
	if runErr == nil {
		runErr = failErr
	}
	return sum, runErr
}

// stuckFailures is how many cycles in a row a source may fail with an
// error that needs attention before --until-idle gives up on it.
const stuckFailures = 3

// standbyLimit is how long --until-idle waits for a source another
// console polls: longer than a poller lock left by a killed process lasts.
const standbyLimit = monitor.DefaultLockTTL + 15*time.Second

// stuck returns an error naming the first source that keeps failing with
// an error that is not transient (a missing table or column, no model), or
// that another console has been polling for longer than standbyLimit, or
// nil. standby records since when each source is in standby.
func stuck(st []monitor.Status, standby map[string]time.Time, now time.Time) error {
	for _, s := range st {
		if s.State == monitor.StateError && s.Failures >= stuckFailures {
			return fmt.Errorf("source %s failed %d times in a row, last: %s; fix it and run again", s.Source, s.Failures, s.LastError)
		}
		if s.State != monitor.StateStandby {
			delete(standby, s.Source)
			continue
		}
		since, ok := standby[s.Source]
		if !ok {
			standby[s.Source] = now
		} else if now.Sub(since) > standbyLimit {
			return fmt.Errorf("source %s is being polled by another console for %s; --until-idle needs to be the only poller: stop the other one, or run without --until-idle", s.Source, now.Sub(since).Round(time.Second))
		}
	}
	return nil
}

// writeStatus prints one line per source.
func writeStatus(out io.Writer, st []monitor.Status) {
	sort.Slice(st, func(i, j int) bool { return st[i].Source < st[j].Source })
	for _, s := range st {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s: %s, graded %d, rejected %d, pending %d", time.Now().UTC().Format(time.RFC3339), s.Source, s.State, s.Graded, s.Rejected, s.Pending)
		if s.OldestPending > 0 {
			fmt.Fprintf(&b, " (oldest %s)", s.OldestPending.Round(time.Second))
		}
		fmt.Fprintf(&b, ", %.0f/min", s.PerMinute)
		if s.LastError != "" {
			fmt.Fprintf(&b, ", error: %s", s.LastError)
		}
		if s.ImageError != "" {
			fmt.Fprintf(&b, ", images: %s", s.ImageError)
		}
		if s.Unstored > 0 || s.StoreError != "" {
			fmt.Fprintf(&b, ", %d not stored: %s", s.Unstored, s.StoreError)
		}
		fmt.Fprintln(out, b.String())
	}
}

// shortSHA returns the first 12 hex digits of a SHA-256.
func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
