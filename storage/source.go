package storage

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Mode is how new rows of a source table are found. Each mode's poll is
// one query that should seek an index of the source table: the key (key
// mode, usually the primary key), the ROWVERSION column (rowversion mode)
// or the status column (claim mode); index them on large tables.
type Mode string

// Watermark modes.
const (
	// ModeRowversion reads rows whose ROWVERSION column is above the
	// checkpoint and below MIN_ACTIVE_ROWVERSION(), so rows of transactions
	// still open are not skipped. SQL Server only.
	ModeRowversion Mode = "rowversion"
	// ModeKey reads rows whose integer key is above the checkpoint, and,
	// for SettleTime after new rows last arrived, also the SettleKeys keys
	// below it that have no result yet, so a row whose transaction commits
	// after a higher key was read is still graded. Once the line has been
	// quiet for SettleTime a poll is only "key > checkpoint"; rows that
	// commit later still are found by the reconciliation sweep.
	ModeKey Mode = "key"
	// ModeClaim claims rows by setting a status column, with a lease, so
	// that several consoles can share one table. Rows whose lease expired
	// are claimed again.
	ModeClaim Mode = "claim"
)

// Claim-mode status values written to Source.StatusColumn. A row whose
// status is NULL or StatusPending is waiting to be graded.
const (
	StatusPending  = "pending"
	StatusClaimed  = "claimed"
	StatusDone     = "done"
	StatusRejected = "rejected"
)

// Defaults applied by Source.withDefaults.
const (
	DefaultSettleKeys   = 1000
	DefaultSettleTime   = 2 * time.Minute
	DefaultLeaseTimeout = 5 * time.Minute
)

// Source describes one source table and how to read scans from it.
// Column and table names are validated identifiers (see ParseIdent).
type Source struct {
	// Name identifies the source in results, checkpoints and rejects
	// (for example "line1"); 1 to 128 characters.
	Name string `json:"name"`
	// Table is the source table or view: "table" or "schema.table".
	Table string `json:"table"`
	// KeyColumn uniquely identifies a row; an integer in key mode.
	KeyColumn string `json:"key_column"`
	// Mode is rowversion, key or claim.
	Mode Mode `json:"mode"`

	// RowversionColumn is the ROWVERSION column (rowversion mode).
	RowversionColumn string `json:"rowversion_column,omitempty"`
	// SettleKeys is how many keys below the checkpoint are re-read for rows
	// that have no result yet (key mode); 0 means DefaultSettleKeys.
	SettleKeys int64 `json:"settle_keys,omitempty"`
	// SettleTime is how long after new rows last arrived the SettleKeys
	// window is re-read (key mode); 0 means DefaultSettleTime. Not in
	// JSON, like LeaseTimeout.
	SettleTime time.Duration `json:"-"`

	// StatusColumn holds the claim status (claim mode), a text column.
	StatusColumn string `json:"status_column,omitempty"`
	// ClaimedAtColumn holds when the row was claimed (claim mode), a
	// DATETIME2 column on SQL Server, TEXT on SQLite.
	ClaimedAtColumn string `json:"claimed_at_column,omitempty"`
	// ClaimedByColumn optionally records which console claimed the row.
	ClaimedByColumn string `json:"claimed_by_column,omitempty"`
	// LeaseTimeout is how long a claim holds before the row may be claimed
	// again (claim mode); 0 means DefaultLeaseTimeout. Not in JSON: the
	// configuration writes durations as text ("5m") and sets this field.
	LeaseTimeout time.Duration `json:"-"`

	// PayloadColumn holds the scan bytes for the blob, image and text
	// layouts. Leave empty when the scan is in a points table.
	PayloadColumn string `json:"payload_column,omitempty"`
	// Points describes the points table for the points layout.
	Points *PointsTable `json:"points,omitempty"`

	// MetadataColumns are copied into Scan.Metadata and on into the result.
	MetadataColumns []string `json:"metadata_columns,omitempty"`
	// CreatedAtColumn optionally holds when the row was written; it gives
	// the age of the oldest pending row.
	CreatedAtColumn string `json:"created_at_column,omitempty"`
}

// PointsTable describes a table with one row per measured point.
// Give either XColumn and YColumn, or IndexColumn. The writer must commit
// a scan's header row and its points in one transaction: a header read
// before its points are committed is graded with the points there are
// (and rejected if too many are missing).
type PointsTable struct {
	Table       string `json:"table"`                  // "table" or "schema.table"
	KeyColumn   string `json:"key_column"`             // refers to Source.KeyColumn
	XColumn     string `json:"x_column,omitempty"`     // column index, from 0
	YColumn     string `json:"y_column,omitempty"`     // row index, from 0
	IndexColumn string `json:"index_column,omitempty"` // position index, from 0
	ValueColumn string `json:"value_column"`           // measured value; NULL means missing
}

// MaxSourceName is the longest source name in bytes: the results,
// checkpoints and rejects tables keep it in a 128-character column.
const MaxSourceName = 128

// CheckSourceName reports whether name can name a source: 1 to
// MaxSourceName bytes, not only spaces, no control characters.
func CheckSourceName(name string) error {
	if strings.TrimSpace(name) == "" || len(name) > MaxSourceName || strings.ContainsFunc(name, unicode.IsControl) {
		return fmt.Errorf("source name %q: give a name of 1 to %d printable characters, such as line1", name, MaxSourceName)
	}
	return nil
}

// MinLeaseTimeout is the shortest claim lease (claim mode).
const MinLeaseTimeout = time.Second

// CheckLeaseTimeout reports whether d is a claim lease: at least
// MinLeaseTimeout.
func CheckLeaseTimeout(d time.Duration) error {
	if d < MinLeaseTimeout {
		return fmt.Errorf("%v is too short: give at least %v, for example 5m", d, MinLeaseTimeout)
	}
	return nil
}

// Validate checks the description. Each error names the field and says how
// to fix it, as in `source "line1": key_column: ...`.
func (s Source) Validate() error {
	_, err := s.compile()
	return err
}

func (s Source) withDefaults() Source {
	if s.Mode == ModeKey && s.SettleKeys == 0 {
		s.SettleKeys = DefaultSettleKeys
	}
	if s.Mode == ModeKey && s.SettleTime == 0 {
		s.SettleTime = DefaultSettleTime
	}
	if s.Mode == ModeClaim && s.LeaseTimeout == 0 {
		s.LeaseTimeout = DefaultLeaseTimeout
	}
	return s
}

// compiledSource is a Source with every identifier parsed.
type compiledSource struct {
	Source
	table, key, rowversion, status, claimedAt, claimedBy, payload, createdAt Ident
	meta                                                                     []Ident
	points                                                                   *compiledPoints
}

type compiledPoints struct {
	table, key, x, y, index, value Ident
}

func (s Source) compile() (*compiledSource, error) {
	s = s.withDefaults()
	errf := func(field, format string, args ...any) error {
		return fmt.Errorf("source %q: %s: %s", s.Name, field, fmt.Sprintf(format, args...))
	}
	if err := CheckSourceName(s.Name); err != nil {
		return nil, err
	}
	c := &compiledSource{Source: s}
	var err error
	if c.table, err = ParseIdent(s.Table); err != nil {
		return nil, errf("table", "%v", err)
	}
	col := func(field, v string, required bool, dst *Ident) error {
		if v == "" {
			if required {
				return errf(field, "missing: name the column")
			}
			return nil
		}
		id, err := ParseColumn(v)
		if err != nil {
			return errf(field, "%v", err)
		}
		*dst = id
		return nil
	}
	if err := col("key_column", s.KeyColumn, true, &c.key); err != nil {
		return nil, err
	}
	switch s.Mode {
	case ModeRowversion:
		if err := col("rowversion_column", s.RowversionColumn, true, &c.rowversion); err != nil {
			return nil, err
		}
	case ModeKey:
		if s.SettleKeys < 0 {
			return nil, errf("settle_keys", "%d is negative: give 0 for the default (%d) or a positive number of keys", s.SettleKeys, DefaultSettleKeys)
		}
		if s.SettleTime < 0 {
			return nil, errf("settle_time", "%v is negative: give 0 for the default (%v) or a positive duration", s.SettleTime, DefaultSettleTime)
		}
	case ModeClaim:
		if err := col("status_column", s.StatusColumn, true, &c.status); err != nil {
			return nil, err
		}
		if err := col("claimed_at_column", s.ClaimedAtColumn, true, &c.claimedAt); err != nil {
			return nil, err
		}
		if err := col("claimed_by_column", s.ClaimedByColumn, false, &c.claimedBy); err != nil {
			return nil, err
		}
		if err := CheckLeaseTimeout(s.LeaseTimeout); err != nil {
			return nil, errf("lease_timeout", "%v", err)
		}
	default:
		return nil, errf("mode", "%q is not a watermark mode: use rowversion, key or claim", s.Mode)
	}
	if err := col("payload_column", s.PayloadColumn, false, &c.payload); err != nil {
		return nil, err
	}
	if err := col("created_at_column", s.CreatedAtColumn, false, &c.createdAt); err != nil {
		return nil, err
	}
	switch {
	case s.PayloadColumn == "" && s.Points == nil:
		return nil, errf("payload_column", "missing: name the payload column, or describe a points table")
	case s.PayloadColumn != "" && s.Points != nil:
		return nil, errf("points", "given together with payload_column %q: use one of them", s.PayloadColumn)
	case s.Points != nil:
		p, err := s.Points.compile(errf)
		if err != nil {
			return nil, err
		}
		c.points = p
	}
	seen := map[string]bool{}
	for i, m := range s.MetadataColumns {
		var id Ident
		if err := col(fmt.Sprintf("metadata_columns[%d]", i), m, true, &id); err != nil {
			return nil, err
		}
		if seen[m] {
			return nil, errf(fmt.Sprintf("metadata_columns[%d]", i), "%q is listed twice: list each column once", m)
		}
		seen[m] = true
		c.meta = append(c.meta, id)
	}
	return c, nil
}

func (p *PointsTable) compile(errf func(field, format string, args ...any) error) (*compiledPoints, error) {
	c := &compiledPoints{}
	var err error
	if c.table, err = ParseIdent(p.Table); err != nil {
		return nil, errf("points.table", "%v", err)
	}
	col := func(field, v string, dst *Ident) error {
		id, err := ParseColumn(v)
		if err != nil {
			return errf("points."+field, "%v", err)
		}
		*dst = id
		return nil
	}
	if err := col("key_column", p.KeyColumn, &c.key); err != nil {
		return nil, err
	}
	if err := col("value_column", p.ValueColumn, &c.value); err != nil {
		return nil, err
	}
	switch {
	case p.IndexColumn != "" && (p.XColumn != "" || p.YColumn != ""):
		return nil, errf("points.index_column", "given together with x_column/y_column: use index_column alone, or x_column and y_column")
	case p.IndexColumn != "":
		if err := col("index_column", p.IndexColumn, &c.index); err != nil {
			return nil, err
		}
	case p.XColumn != "" && p.YColumn != "":
		if err := col("x_column", p.XColumn, &c.x); err != nil {
			return nil, err
		}
		if err := col("y_column", p.YColumn, &c.y); err != nil {
			return nil, err
		}
	default:
		return nil, errf("points.x_column", "missing: give x_column and y_column, or index_column")
	}
	return c, nil
}
