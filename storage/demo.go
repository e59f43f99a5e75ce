package storage

import (
	"context"
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

// CreateDemoSources creates the demo source tables if they do not exist.
func (s *Store) CreateDemoSources(ctx context.Context, t DemoTables) error {
	return ErrNotImplemented
}

// InsertDemoBlobScans inserts scans into the demo blob table in one
// transaction.
func (s *Store) InsertDemoBlobScans(ctx context.Context, t DemoTables, scans []DemoScan) error {
	return ErrNotImplemented
}

// InsertDemoPointScans inserts scans into the demo points tables (a header
// row and DemoSize*DemoSize point rows each) in one transaction.
func (s *Store) InsertDemoPointScans(ctx context.Context, t DemoTables, scans []DemoScan) error {
	return ErrNotImplemented
}
