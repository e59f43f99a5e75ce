package config

import (
	"github.com/gradewatch/gradewatch/monitor"
	"github.com/gradewatch/gradewatch/storage"
)

// CurrentVersion is the version of the file format written by Save.
const CurrentVersion = 1

// Config is the contents of a configuration file.
type Config struct {
	// Version is the file format version; 0 is read as CurrentVersion.
	Version int `json:"version"`
	// Demo marks a workspace created by "gradewatch init --demo"; only such
	// a workspace may be recreated over by init.
	Demo       bool       `json:"demo,omitempty"`
	Database   Database   `json:"database"`
	Tables     Tables     `json:"tables"`
	Sources    []Source   `json:"sources"`
	Model      Model      `json:"model"`
	Images     Images     `json:"images"`
	Review     Review     `json:"review"`
	Operator   Operator   `json:"operator"`
	Supervisor Supervisor `json:"supervisor"`

	// dir is the folder of the file the configuration was loaded from or
	// saved to; relative paths resolve against it. Empty means the
	// working directory.
	dir string
}

// Database says how to reach the database that holds the source tables and
// Gradewatch's own tables.
type Database struct {
	// Driver is "sqlite" (embedded, the default) or "sqlserver".
	Driver string `json:"driver"`
	// DSN is the connection string written in the file. For SQLite it is
	// the database file (relative to the config file's folder). For SQL
	// Server it must not contain a password: use DSNEnv, or integrated
	// authentication (no user name in the DSN).
	DSN string `json:"dsn,omitempty"`
	// DSNEnv names an environment variable that holds the connection
	// string; it takes precedence over DSN.
	DSNEnv string `json:"dsn_env,omitempty"`
	// Password exists only so that a password written into the file is
	// recognised and refused with a helpful error. It is never used.
	Password string `json:"password,omitempty"`
}

// Tables are the names of the tables Gradewatch creates and owns. Each may
// carry a schema prefix ("dbo.gw_results"). The fields are those of
// storage.TableNames, which owns the defaults (DefaultTables).
type Tables struct {
	// Results holds one row per graded scan.
	Results string `json:"results"`
	// Overrides is the append-only audit of operators' decisions.
	Overrides string `json:"overrides"`
	// Checkpoints holds each source's watermark.
	Checkpoints string `json:"checkpoints"`
	// Rejects holds the scans that could not be graded, with the reason.
	Rejects string `json:"rejects"`
	// Locks holds poller leases on SQLite.
	Locks string `json:"locks"`
	// SchemaVersion records applied migrations.
	SchemaVersion string `json:"schema_version"`
}

// Source is one watched source table.
type Source struct {
	// Name identifies the source in results and the console.
	Name string `json:"name"`
	// Table is the source table or view.
	Table string `json:"table"`
	// Key is the key column; results are unique on (source, key).
	Key string `json:"key"`
	// Mode is the watermark mode: "key", "rowversion" or "claim".
	Mode string `json:"mode"`
	// Columns names the other columns the mode and layout need.
	Columns Columns `json:"columns"`
	// Metadata are columns carried into every result (product, lot, ...).
	Metadata []string `json:"metadata,omitempty"`
	// Layout says how a scan is stored and normalised.
	Layout Layout `json:"layout"`
	// Width and Height are the scan's size in cells. Image and text
	// layouts may leave both 0 to take the size from each payload.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Interval is the poll interval, a Go duration such as "10s".
	Interval string `json:"interval"`
	// BatchSize is the most rows read per poll.
	BatchSize int `json:"batch_size"`
	// SettleKeys ("key" mode) is how many keys below the checkpoint are
	// re-read for rows without a result, so that a row whose transaction
	// committed after a higher key was read is still graded; 0 means the
	// storage default.
	SettleKeys int64 `json:"settle_keys,omitempty"`
	// SettleTime ("key" mode) is how long after new rows last arrived
	// that window is re-read, a duration such as "2m"; "" means the
	// storage default.
	SettleTime string `json:"settle_time,omitempty"`
	// Lease ("claim" mode) is how long a claim holds before another
	// console may take the row.
	Lease string `json:"lease,omitempty"`
	// Points describes the points table of a "points" layout.
	Points *Points `json:"points,omitempty"`
	// Disabled sources are kept in the file but not polled.
	Disabled bool `json:"disabled,omitempty"`
}

// Columns are the source columns used besides the key.
type Columns struct {
	// Payload holds the scan for blob, image and text layouts.
	Payload string `json:"payload,omitempty"`
	// RowVersion is the ROWVERSION column ("rowversion" mode).
	RowVersion string `json:"rowversion,omitempty"`
	// Status is the claim status column ("claim" mode).
	Status string `json:"status,omitempty"`
	// ClaimedAt holds when a row was claimed ("claim" mode).
	ClaimedAt string `json:"claimed_at,omitempty"`
	// ClaimedBy optionally records which console claimed a row.
	ClaimedBy string `json:"claimed_by,omitempty"`
	// CreatedAt optionally holds when a row was written; it gives the age
	// of the oldest pending row.
	CreatedAt string `json:"created_at,omitempty"`
}

// Layout says how a scan's payload is turned into a matrix.
type Layout struct {
	// Kind is "blob", "image", "text" or "points".
	Kind string `json:"kind"`
	// DType is the element type of a blob: "uint8", "uint16", "float32"
	// or "float64".
	DType string `json:"dtype,omitempty"`
	// Normalisation maps measurements to [0,1].
	Normalisation Normalisation `json:"normalisation"`
	// Fill is the value put into NaN and missing cells: "min" (the lowest
	// valid measurement, the default) or "zero".
	Fill string `json:"fill,omitempty"`
	// MaxInvalid is the largest share (0..1) of NaN or missing cells a
	// scan may have before it is rejected; 0 means the decoder's default.
	MaxInvalid float64 `json:"max_invalid,omitempty"`
}

// Normalisation maps a scan's measurements to [0,1].
type Normalisation struct {
	// Kind is "min-max" (per scan, the default), "fixed" or "z-score".
	Kind string `json:"kind"`
	// Min and Max are the "fixed" range.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Sigma is the "z-score" clamp in standard deviations (default 3).
	Sigma float64 `json:"sigma,omitempty"`
}

// Points describes the points table of a "points" layout: one row per
// measured cell.
type Points struct {
	// Table is the points table.
	Table string `json:"table"`
	// ScanKey is the column that references the source row's key.
	ScanKey string `json:"scan_key"`
	// Value is the measurement column.
	Value string `json:"value"`
	// X and Y are the cell's column and row (both, or neither).
	X string `json:"x,omitempty"`
	Y string `json:"y,omitempty"`
	// Index is a position index used when X and Y are not given.
	Index string `json:"index,omitempty"`
	// Order maps Index to a cell: "row-major", "column-major" or
	// "serpentine".
	Order string `json:"order,omitempty"`
}

// Model is the classifier that grades the scans.
type Model struct {
	// Path is the .onnx file; a sidecar <name>.json beside it is read too.
	Path string `json:"path"`
	// Watch reloads the model when the file changes.
	Watch *bool `json:"watch,omitempty"`
}

// Images controls saving each graded scan as a PNG.
type Images struct {
	// Folder receives one subfolder of PNGs per UTC day.
	Folder string `json:"folder"`
	// Enabled turns image saving on.
	Enabled bool `json:"enabled"`
}

// Review configures the review queue.
type Review struct {
	// Threshold is the confidence (0..1) below which a result is queued
	// for review.
	Threshold float64 `json:"threshold"`
	// PassGrades are the final grades (model labels or override grades,
	// such as "ok") that count as a pass for the dashboard's yield:
	// passed results / all results. They are not checked against the
	// model's labels, so a model may be swapped without editing them;
	// empty hides the yield.
	PassGrades []string `json:"pass_grades,omitempty"`
}

// Operator holds defaults for the operator console.
type Operator struct {
	// Name is the default operator name offered at shift start.
	Name string `json:"name,omitempty"`
	// Workstation overrides the host name recorded with overrides.
	Workstation string `json:"workstation,omitempty"`
	// Reasons is the pick-list of override reasons.
	Reasons []string `json:"reasons,omitempty"`
}

// Supervisor protects the settings screen.
type Supervisor struct {
	// PINHash is the salted hash made by HashPIN; empty means no PIN.
	PINHash string `json:"pin_hash,omitempty"`
}

// Defaults for fields the file leaves out.
const (
	DefaultDriver          = "sqlite"
	DefaultSQLiteDSN       = "gradewatch.db"
	DefaultBatchSize       = monitor.DefaultBatchSize
	DefaultLease           = "2m"
	DefaultReviewThreshold = 0.8
	DefaultImageFolder     = "images"
)

// DefaultInterval is the poll interval of a source whose file leaves it
// out: the monitor's default, as written in the file ("10s").
var DefaultInterval = monitor.DefaultInterval.String()

// DefaultReasons is the override reason pick-list used when the file has
// none.
var DefaultReasons = []string{"misclassified", "scan artefact", "borderline", "customer specification", "other"}

// DefaultTables are the table names used when the file leaves them out:
// storage's (storage.DefaultTableNames).
var DefaultTables = Tables(storage.DefaultTableNames())

// applyDefaults fills in settings the file left out.
func (c *Config) applyDefaults() {
	if c.Version == 0 {
		c.Version = CurrentVersion
	}
	if c.Database.Driver == "" {
		c.Database.Driver = DefaultDriver
	}
	if c.Database.Driver == "sqlite" && c.Database.DSN == "" && c.Database.DSNEnv == "" {
		c.Database.DSN = DefaultSQLiteDSN
	}
	c.Tables = Tables(c.Tables.StorageTables().WithDefaults())
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Mode == "" {
			s.Mode = "key"
		}
		if s.Interval == "" {
			s.Interval = DefaultInterval
		}
		if s.BatchSize == 0 {
			s.BatchSize = DefaultBatchSize
		}
		if s.Mode == "claim" && s.Lease == "" {
			s.Lease = DefaultLease
		}
		switch s.Layout.Normalisation.Kind {
		case "", "minmax":
			s.Layout.Normalisation.Kind = "min-max"
		case "zscore":
			s.Layout.Normalisation.Kind = "z-score"
		}
		if s.Layout.Kind == "blob" && s.Layout.DType == "" {
			s.Layout.DType = "uint8"
		}
		if p := s.Points; p != nil && p.Index != "" && p.Order == "" {
			p.Order = "row-major"
		}
	}
	if c.Images.Folder == "" {
		c.Images.Folder = DefaultImageFolder
	}
	if c.Review.Threshold == 0 {
		c.Review.Threshold = DefaultReviewThreshold
	}
	if len(c.Operator.Reasons) == 0 {
		c.Operator.Reasons = append([]string(nil), DefaultReasons...)
	}
}

// Default returns a configuration with every default filled in and no
// sources; its relative paths resolve against dir.
func Default(dir string) *Config {
	c := &Config{dir: dir}
	c.applyDefaults()
	return c
}
