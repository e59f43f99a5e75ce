package monitor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gradewatch/gradewatch/inference"
	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
)

// Store is what the monitor needs from the database; *storage.Store
// implements it.
type Store interface {
	FetchScans(ctx context.Context, src storage.Source, limit int) (storage.Batch, error)
	FetchUnresolved(ctx context.Context, src storage.Source, limit int) ([]storage.Scan, error)
	Pending(ctx context.Context, src storage.Source) (storage.Pending, error)
	CommitBatch(ctx context.Context, src storage.Source, results []storage.Result, rejects []storage.Reject, cp storage.Checkpoint) error
}

var _ Store = (*storage.Store)(nil)

// Grader grades images; *inference.Model implements it.
type Grader interface {
	Classify(ctx context.Context, imgs []inference.Image) ([]inference.Prediction, error)
	// Info gives the model's name, SHA-256 and labels, written into every
	// result it grades.
	Info() inference.Info
}

var _ Grader = (*inference.Model)(nil)

// Defaults for zero Config and SourceConfig fields.
const (
	DefaultInterval      = 10 * time.Second
	DefaultBatchSize     = 256
	DefaultSweepEvery    = 30
	DefaultBackoffMin    = 500 * time.Millisecond
	DefaultBackoffMax    = 30 * time.Second
	DefaultThumbnailSide = 64
	// MaxBatchSize bounds SourceConfig.BatchSize.
	MaxBatchSize = 10000
	// MinInterval and MaxInterval bound the poll interval an operator may
	// configure (the configuration file, Settings); see CheckInterval.
	MinInterval = 100 * time.Millisecond
	MaxInterval = 24 * time.Hour
)

// CheckInterval reports whether d is a poll interval an operator may
// configure: MinInterval to MaxInterval. (SetInterval and Config accept any
// positive pause, so tests can poll faster.)
func CheckInterval(d time.Duration) error {
	if d < MinInterval || d > MaxInterval {
		return fmt.Errorf("poll interval %v; use %v to %v, such as 10s", d, MinInterval, MaxInterval)
	}
	return nil
}

// Config is everything a Monitor needs. Zero durations and sizes take the
// defaults above.
type Config struct {
	// Sources to watch; names must be unique.
	Sources []SourceConfig
	// ImageDir is the folder graded scans are saved in as PNG, one
	// subfolder per UTC day; "" saves no images.
	ImageDir string
	// Store reads scans and commits results.
	Store Store
	// Grader grades scans; it may be nil at start (sources then wait in
	// state error until SetGrader gives one).
	Grader Grader
	// SweepEvery is how many cycles of a source pass between two
	// reconciliation sweeps (rows with neither result nor reject, whatever
	// the checkpoint); 0 means DefaultSweepEvery, -1 never. Claim-mode
	// sources are not swept: their expired claims are fetched again.
	SweepEvery int
	// BackoffMin and BackoffMax bound the pause after a failed cycle; it
	// doubles per consecutive failure, with jitter.
	BackoffMin, BackoffMax time.Duration
	// ThumbnailSide bounds the sides of the matrix in ScanGraded events.
	ThumbnailSide int
	// Owner names this console in poller locks; "" means the host name.
	// When the Store can lock (as *storage.Store can), a source in key or
	// rowversion mode is polled by one console at a time, and the others
	// stand by (state standby). Two monitors on one host sharing a
	// database need different owners.
	Owner string
	// LockTTL is how long a poller lock outlives a console that stopped
	// without releasing it (SQLite; on SQL Server the lock ends with the
	// session); 0 means DefaultLockTTL.
	LockTTL time.Duration
}

// SourceConfig is one watched source table.
type SourceConfig struct {
	// Source says where the scans are and how new ones are found.
	Source storage.Source
	// Layout says how a scan's payload (or points) becomes a matrix.
	Layout scan.Layout
	// Interval is the pause between polls when the last batch was not
	// full; 0 means DefaultInterval. Change it at run time with
	// Monitor.SetInterval.
	Interval time.Duration
	// BatchSize is the most scans fetched and graded in one cycle; 0 means
	// DefaultBatchSize.
	BatchSize int
}

func (c Config) withDefaults() Config {
	if c.SweepEvery == 0 {
		c.SweepEvery = DefaultSweepEvery
	}
	if c.BackoffMin <= 0 {
		c.BackoffMin = DefaultBackoffMin
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	c.BackoffMax = max(c.BackoffMax, c.BackoffMin)
	if c.Owner == "" {
		c.Owner = defaultOwner()
	}
	if c.LockTTL <= 0 {
		c.LockTTL = DefaultLockTTL
	}
	if c.ThumbnailSide <= 0 {
		c.ThumbnailSide = DefaultThumbnailSide
	}
	c.Sources = append([]SourceConfig(nil), c.Sources...)
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Interval == 0 {
			s.Interval = DefaultInterval
		}
		if s.BatchSize == 0 {
			s.BatchSize = DefaultBatchSize
		}
	}
	return c
}

// CheckBatchSize reports whether n is a SourceConfig.BatchSize: 1 to
// MaxBatchSize scans per cycle, or 0 for DefaultBatchSize.
func CheckBatchSize(n int) error {
	if n < 0 || n > MaxBatchSize {
		return fmt.Errorf("batch size %d; use 1..%d (0 for %d)", n, MaxBatchSize, DefaultBatchSize)
	}
	return nil
}

// validate reports the first problem of c (with defaults applied), naming
// the field and the fix.
func (c Config) validate() error {
	if c.Store == nil {
		return errors.New("monitor config: store is nil; open the database and pass the *storage.Store")
	}
	if len(c.Sources) == 0 {
		return errors.New("monitor config: no sources; configure at least one source table")
	}
	if c.LockTTL < time.Second {
		return fmt.Errorf("monitor config: lock ttl %v is too short; give at least 1s (0 for %v)", c.LockTTL, DefaultLockTTL)
	}
	if c.SweepEvery < -1 {
		return fmt.Errorf("monitor config: sweep_every is %d; use a number of cycles, 0 for %d or -1 for never", c.SweepEvery, DefaultSweepEvery)
	}
	seen := map[string]bool{}
	for i, s := range c.Sources {
		name := s.Source.Name
		if err := s.Source.Validate(); err != nil {
			return fmt.Errorf("monitor config: sources[%d]: %w", i, err)
		}
		if seen[name] {
			return fmt.Errorf("monitor config: sources[%d]: source name %q is used twice; give each source its own name", i, name)
		}
		seen[name] = true
		if err := s.Layout.Validate(); err != nil {
			return fmt.Errorf("monitor config: source %q: %w", name, err)
		}
		isPoints := s.Layout.Format == scan.FormatPoints
		if hasPoints := s.Source.Points != nil; isPoints != hasPoints {
			return fmt.Errorf("monitor config: source %q: layout format %q does not fit the source: use format \"points\" exactly when the source has a points table", name, s.Layout.Format)
		}
		if p := s.Source.Points; p != nil && (p.IndexColumn == "") != (s.Layout.Order == scan.OrderXY) {
			return fmt.Errorf("monitor config: source %q: layout order %q does not fit the points table: use \"xy\" with x_column and y_column, or row-major, column-major or serpentine with index_column", name, s.Layout.Order)
		}
		if s.Interval < 0 {
			return fmt.Errorf("monitor config: source %q: interval %v is negative; give a pause such as 10s", name, s.Interval)
		}
		if err := CheckBatchSize(s.BatchSize); err != nil {
			return fmt.Errorf("monitor config: source %q: %w", name, err)
		}
	}
	return nil
}
