package storage

// The demo workspace's source tables as test fixtures of the storage
// suite: a blob source and a points source with metadata. The demo itself
// makes them in package app/demo, on the generic CreateTable and InsertTx,
// which the suite's tests cannot import.

import (
	"context"
	"fmt"
	"strings"
)

// DemoTables names the demo source tables.
type DemoTables struct {
	Blob       string // one row per scan, payload BLOB of 28x28 uint8
	PointScans string // scan header rows of the points source
	Points     string // one row per measured point (scan_id, x, y, value)
}

// DefaultDemoTables returns demo_blob_scans, demo_point_scans and demo_points.
func DefaultDemoTables() DemoTables {
	return DemoTables{Blob: "demo_blob_scans", PointScans: "demo_point_scans", Points: "demo_points"}
}

// Demo source names.
const (
	DemoBlobSource   = "demo-blob"
	DemoPointsSource = "demo-points"
)

// DemoSize is the side of a demo scan (28 x 28 points, like MNIST).
const DemoSize = 28

// DemoScan is one simulated scan.
type DemoScan struct {
	ProductID string
	Lot       string
	Station   string
	TrueLabel string // the digit actually shown, carried as metadata true_label
	Pix       []byte // DemoSize*DemoSize grey values, row-major, 0 = dark
}

// DemoSources returns the source descriptions of the demo tables: a blob
// source and a points source, both in key mode, carrying product_id, lot,
// station, true_label and created_at.
//
// Blob table: id INTEGER PRIMARY KEY (IDENTITY), payload BLOB, product_id,
// lot, station, true_label, created_at. Points: a header table with the
// same columns but no payload, and a points table (scan_id, x, y, value).
func DemoSources(t DemoTables) (blob, points Source) {
	meta := []string{"product_id", "lot", "station", "true_label", "created_at"}
	blob = Source{
		Name: DemoBlobSource, Table: t.Blob, KeyColumn: "id", Mode: ModeKey,
		PayloadColumn: "payload", MetadataColumns: meta, CreatedAtColumn: "created_at",
	}
	points = Source{
		Name: DemoPointsSource, Table: t.PointScans, KeyColumn: "id", Mode: ModeKey,
		Points: &PointsTable{
			Table: t.Points, KeyColumn: "scan_id", XColumn: "x", YColumn: "y", ValueColumn: "value",
		},
		MetadataColumns: meta, CreatedAtColumn: "created_at",
	}
	return blob, points
}

// demoIdents parses the demo table names.
func (t DemoTables) parse() (blob, scans, points Ident, err error) {
	if blob, err = ParseIdent(t.Blob); err != nil {
		return blob, scans, points, fmt.Errorf("demo blob table: %w", err)
	}
	if scans, err = ParseIdent(t.PointScans); err != nil {
		return blob, scans, points, fmt.Errorf("demo point scans table: %w", err)
	}
	if points, err = ParseIdent(t.Points); err != nil {
		return blob, scans, points, fmt.Errorf("demo points table: %w", err)
	}
	return blob, scans, points, nil
}

// CreateDemoSources creates the demo source tables if they do not exist.
func (s *Store) CreateDemoSources(ctx context.Context, t DemoTables) error {
	blob, scans, points, err := t.parse()
	if err != nil {
		return err
	}
	q := s.d.quote
	var stmts []stmt
	if s.driver == DriverSQLServer {
		d := sqlserverDialect{}
		meta := `[product_id] NVARCHAR(64) NOT NULL, [lot] NVARCHAR(64) NOT NULL, [station] NVARCHAR(64) NOT NULL,
	[true_label] NVARCHAR(16) NOT NULL, [created_at] DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME()`
		stmts = []stmt{
			d.ifNoTable(blob, `CREATE TABLE `+q(blob)+` ([id] BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY, [payload] VARBINARY(MAX) NOT NULL, `+meta+`)`),
			d.ifNoTable(scans, `CREATE TABLE `+q(scans)+` ([id] BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY, `+meta+`)`),
			d.ifNoTable(points, `CREATE TABLE `+q(points)+` ([scan_id] BIGINT NOT NULL REFERENCES `+q(scans)+` ([id]),
	[x] INT NOT NULL, [y] INT NOT NULL, [value] FLOAT NULL, PRIMARY KEY ([scan_id], [y], [x]))`),
		}
	} else {
		meta := `product_id TEXT NOT NULL, lot TEXT NOT NULL, station TEXT NOT NULL, true_label TEXT NOT NULL,
	created_at TEXT NOT NULL DEFAULT (` + sqliteNow + `)`
		stmts = []stmt{
			{sql: `CREATE TABLE IF NOT EXISTS ` + q(blob) + ` (id INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL, ` + meta + `)`},
			{sql: `CREATE TABLE IF NOT EXISTS ` + q(scans) + ` (id INTEGER PRIMARY KEY AUTOINCREMENT, ` + meta + `)`},
			{sql: `CREATE TABLE IF NOT EXISTS ` + q(points) + ` (scan_id INTEGER NOT NULL REFERENCES ` + onTable(scans) + ` (id),
	x INTEGER NOT NULL, y INTEGER NOT NULL, value NUMERIC NULL, PRIMARY KEY (scan_id, y, x)) WITHOUT ROWID`},
		}
	}
	for _, st := range stmts {
		if _, err := s.db.ExecContext(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("create demo source tables: %w", err)
		}
	}
	return nil
}

func checkDemoScans(scans []DemoScan) error {
	for i, sc := range scans {
		if len(sc.Pix) != DemoSize*DemoSize {
			return fmt.Errorf("demo scan %d has %d pixels: give %d (%dx%d)", i, len(sc.Pix), DemoSize*DemoSize, DemoSize, DemoSize)
		}
	}
	return nil
}

// demoMeta are the metadata columns every demo table writes.
var demoMeta = []string{"product_id", "lot", "station", "true_label"}

// InsertDemoBlobScans inserts scans into the demo blob table in one
// transaction.
func (s *Store) InsertDemoBlobScans(ctx context.Context, t DemoTables, scans []DemoScan) error {
	blob, _, _, err := t.parse()
	if err != nil {
		return err
	}
	if err := checkDemoScans(scans); err != nil {
		return err
	}
	cols := append([]string{"payload"}, demoMeta...)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("insert demo scans: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	step := s.d.maxRows(len(cols))
	for i := 0; i < len(scans); i += step {
		part := scans[i:min(i+step, len(scans))]
		a := &args{d: s.d}
		for _, sc := range part {
			a.add(sc.Pix)
			a.add(sc.ProductID)
			a.add(sc.Lot)
			a.add(sc.Station)
			a.add(sc.TrueLabel)
		}
		q := `INSERT INTO ` + s.d.quote(blob) + ` (` + quoteCols(s.d, "", cols) + `) VALUES ` + valuesRows(s.d, len(part), len(cols), 1)
		if _, err := tx.ExecContext(ctx, q, a.list...); err != nil {
			return fmt.Errorf("insert demo scans into %s: %w", blob, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("insert demo scans into %s: %w", blob, err)
	}
	return nil
}

// InsertDemoPointScans inserts scans into the demo points tables (a header
// row and DemoSize*DemoSize point rows each) in one transaction.
func (s *Store) InsertDemoPointScans(ctx context.Context, t DemoTables, scans []DemoScan) error {
	_, header, points, err := t.parse()
	if err != nil {
		return err
	}
	if err := checkDemoScans(scans); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("insert demo point scans: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	ph := make([]string, len(demoMeta))
	for i := range ph {
		ph[i] = s.d.param(i + 1)
	}
	insHeader := `INSERT INTO ` + s.d.quote(header) + ` (` + quoteCols(s.d, "", demoMeta) + `) `
	if s.driver == DriverSQLServer {
		insHeader += `OUTPUT inserted.[id] VALUES (` + strings.Join(ph, ", ") + `)`
	} else {
		insHeader += `VALUES (` + strings.Join(ph, ", ") + `) RETURNING id`
	}
	pointCols := []string{"scan_id", "x", "y", "value"}
	step := s.d.maxRows(len(pointCols))
	for _, sc := range scans {
		var id int64
		if err := tx.QueryRowContext(ctx, insHeader, sc.ProductID, sc.Lot, sc.Station, sc.TrueLabel).Scan(&id); err != nil {
			return fmt.Errorf("insert demo scan into %s: %w", header, err)
		}
		for i := 0; i < len(sc.Pix); i += step {
			n := min(step, len(sc.Pix)-i)
			pa := &args{d: s.d}
			for j := i; j < i+n; j++ {
				pa.add(id)
				pa.add(int64(j % DemoSize))
				pa.add(int64(j / DemoSize))
				pa.add(float64(sc.Pix[j]))
			}
			q := `INSERT INTO ` + s.d.quote(points) + ` (` + quoteCols(s.d, "", pointCols) + `) VALUES ` + valuesRows(s.d, n, len(pointCols), 1)
			if _, err := tx.ExecContext(ctx, q, pa.list...); err != nil {
				return fmt.Errorf("insert demo points into %s: %w", points, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("insert demo point scans: %w", err)
	}
	return nil
}
