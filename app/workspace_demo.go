package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/gradewatch/gradewatch/app/config"
	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/storage"
)

// ErrNotDemo means a folder already holds a configuration that is not a
// demo workspace, which init --demo must not overwrite.
var ErrNotDemo = errors.New("not a demo workspace")

// InitDemo creates the demo workspace in dir, or completes one created
// before: config.json, the embedded database gradewatch.db with the two
// demo source tables, the bundled model and the image folder. It is
// idempotent; an existing demo configuration is kept as it is (with any
// changes made to it), and a configuration that is not a demo workspace is
// refused with ErrNotDemo. The bundled model's sidecar is brought up to
// date while the workspace still uses the bundled model. It returns the
// configuration file's path.
func InitDemo(ctx context.Context, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("init demo workspace: %w", err)
	}
	path := filepath.Join(dir, ConfigFile)
	cfg, err := config.Load(path)
	fresh := errors.Is(err, fs.ErrNotExist)
	switch {
	case fresh:
		cfg = demo.Config()
		cfg.SetDir(dir)
	case err != nil:
		return "", fmt.Errorf("init demo workspace: %s exists but is not a readable configuration (%w); choose another --dir or move the file away", path, err)
	case !cfg.Demo:
		return "", fmt.Errorf("init demo workspace: %s is %w; choose another --dir, init never overwrites a real configuration", path, ErrNotDemo)
	}
	if _, err := os.Stat(cfg.ModelPath()); errors.Is(err, fs.ErrNotExist) {
		if _, err := demo.WriteModel(dir); err != nil {
			return "", fmt.Errorf("init demo workspace: %w", err)
		}
	} else if _, err := demo.RefreshModel(dir); err != nil {
		return "", fmt.Errorf("init demo workspace: %w", err)
	}
	if err := os.MkdirAll(cfg.ImageFolder(), 0o755); err != nil {
		return "", fmt.Errorf("init demo workspace: image folder: %w", err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("init demo workspace: %w", err)
	}
	defer st.Close()
	if err := st.CreateDemoSources(ctx, storage.DefaultDemoTables()); err != nil {
		return "", fmt.Errorf("init demo workspace: %w", err)
	}
	if fresh {
		if err := cfg.Save(path); err != nil {
			return "", fmt.Errorf("init demo workspace: %w", err)
		}
	}
	return path, nil
}

// openStore opens and migrates the database of cfg.
func openStore(ctx context.Context, cfg *config.Config) (*storage.Store, error) {
	driver, dsn, err := cfg.ConnectionString(os.Getenv)
	if err != nil {
		return nil, err
	}
	st, err := storage.Open(ctx, driver, dsn, cfg.Tables.StorageTables())
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

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
	tables := storage.DefaultDemoTables()
	insert := func(n int) error {
		scans, err := demo.Scans(rng, n)
		if err != nil {
			return err
		}
		var blob, points []storage.DemoScan
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
			if err := st.InsertDemoBlobScans(ctx, tables, blob); err != nil {
				return fmt.Errorf("simulate: %w", err)
			}
			stats.Blob += len(blob)
		}
		if len(points) > 0 {
			if err := st.InsertDemoPointScans(ctx, tables, points); err != nil {
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
