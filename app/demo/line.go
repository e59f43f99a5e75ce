package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gradewatch/gradewatch/storage"
)

// SimulateStats counts the scans a simulation inserted.
type SimulateStats struct {
	Blob, Points int
}

// Total is the number of scans inserted.
func (s SimulateStats) Total() int { return s.Blob + s.Points }

// demoChunk is the most scans inserted in one transaction.
const demoChunk = 100

// Simulate inserts count demo scans into the demo source tables of st,
// alternating between the blob and the points table, as fast as possible
// when rate is 0, or at about rate scans per second. It stops early, with
// what it inserted so far and ctx's error, when ctx is done.
func Simulate(ctx context.Context, st *storage.Store, rng *rand.Rand, count int, rate float64) (SimulateStats, error) {
	var stats SimulateStats
	tables := DefaultTables()
	insert := func(n int) error {
		scans, err := randomScans(rng, n)
		if err != nil {
			return err
		}
		var blob, points []Scan
		for _, s := range scans {
			// Alternate by the running total so that any chunking splits
			// the scans evenly between the two sources.
			if (stats.Total()+len(blob)+len(points))%2 == 0 {
				blob = append(blob, s)
			} else {
				points = append(points, s)
			}
		}
		if len(blob) > 0 {
			if err := InsertBlobScans(ctx, st, tables, blob); err != nil {
				return fmt.Errorf("simulate: %w", err)
			}
			stats.Blob += len(blob)
		}
		if len(points) > 0 {
			if err := InsertPointScans(ctx, st, tables, points); err != nil {
				return fmt.Errorf("simulate: %w", err)
			}
			stats.Points += len(points)
		}
		return nil
	}
	if rate <= 0 {
		for stats.Total() < count {
			if err := ctx.Err(); err != nil {
				return stats, err
			}
			if err := insert(min(demoChunk, count-stats.Total())); err != nil {
				return stats, err
			}
		}
		return stats, nil
	}
	// Paced: every tick insert the scans that are due by now.
	start := time.Now()
	tick := time.NewTicker(max(10*time.Millisecond, min(time.Second, time.Duration(float64(time.Second)/rate))))
	defer tick.Stop()
	for stats.Total() < count {
		due := min(count, int(time.Since(start).Seconds()*rate)+1)
		if n := due - stats.Total(); n > 0 {
			if err := insert(min(n, demoChunk)); err != nil {
				return stats, err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return stats, ctx.Err()
		case <-tick.C:
		}
	}
	return stats, nil
}

// DefaultLineRate is the scans per second of the simulated demo line.
const DefaultLineRate = 2

// SimulateLine is the simulated production line of the demo workspace: it
// inserts demo scans at about rate per second until ctx is done. A failed
// insert is passed to onErr (which may be nil) and retried after a pause.
func SimulateLine(ctx context.Context, st *storage.Store, rate float64, onErr func(error)) {
	if rate <= 0 {
		rate = DefaultLineRate
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	for ctx.Err() == nil {
		_, err := Simulate(ctx, st, rng, 1<<31-1, rate)
		if err == nil || ctx.Err() != nil {
			return
		}
		if onErr != nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
}
