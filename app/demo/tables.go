package demo

import (
	"context"
	"fmt"

	"github.com/gradewatch/gradewatch/storage"
)

// Tables names the demo source tables.
type Tables struct {
	Blob       string // one row per scan, payload BLOB of Side*Side uint8
	PointScans string // scan header rows of the points source
	Points     string // one row per measured point (scan_id, x, y, value)
}

// DefaultTables returns demo_blob_scans, demo_point_scans and demo_points.
func DefaultTables() Tables {
	return Tables{Blob: "demo_blob_scans", PointScans: "demo_point_scans", Points: "demo_points"}
}

// Demo source names.
const (
	BlobSource   = "demo-blob"
	PointsSource = "demo-points"
)

// Scan is one simulated scan.
type Scan struct {
	ProductID string
	Lot       string
	Station   string
	TrueLabel string // the digit actually shown, carried as metadata true_label
	Pix       []byte // Side*Side grey values, row-major, 0 = dark
}

// Sources returns the source descriptions of the demo tables: a blob
// source and a points source, both in key mode, carrying product_id, lot,
// station, true_label and created_at.
//
// Blob table: id INTEGER PRIMARY KEY (IDENTITY), payload BLOB, product_id,
// lot, station, true_label, created_at. Points: a header table with the
// same columns but no payload, and a points table (scan_id, x, y, value).
func Sources(t Tables) (blob, points storage.Source) {
	meta := []string{"product_id", "lot", "station", "true_label", "created_at"}
	blob = storage.Source{
		Name: BlobSource, Table: t.Blob, KeyColumn: "id", Mode: storage.ModeKey,
		PayloadColumn: "payload", MetadataColumns: meta, CreatedAtColumn: "created_at",
	}
	points = storage.Source{
		Name: PointsSource, Table: t.PointScans, KeyColumn: "id", Mode: storage.ModeKey,
		Points: &storage.PointsTable{
			Table: t.Points, KeyColumn: "scan_id", XColumn: "x", YColumn: "y", ValueColumn: "value",
		},
		MetadataColumns: meta, CreatedAtColumn: "created_at",
	}
	return blob, points
}

// CreateTables creates the demo source tables in st if they do not exist.
func CreateTables(ctx context.Context, st *storage.Store, t Tables) error {
	scansID, err := storage.ParseIdent(t.PointScans)
	if err != nil {
		return fmt.Errorf("create demo source tables: point scans table: %w", err)
	}
	scans, _ := st.Quote(scansID.String())
	var blob, header, points string
	if st.Driver() == storage.DriverSQLServer {
		meta := `[product_id] NVARCHAR(64) NOT NULL, [lot] NVARCHAR(64) NOT NULL, [station] NVARCHAR(64) NOT NULL,
	[true_label] NVARCHAR(16) NOT NULL, [created_at] DATETIME2(3) NOT NULL DEFAULT ` + st.NowSQL()
		blob = `([id] BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY, [payload] VARBINARY(MAX) NOT NULL, ` + meta + `)`
		header = `([id] BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY, ` + meta + `)`
		points = `([scan_id] BIGINT NOT NULL REFERENCES ` + scans + ` ([id]),
	[x] INT NOT NULL, [y] INT NOT NULL, [value] FLOAT NULL, PRIMARY KEY ([scan_id], [y], [x]))`
	} else {
		scans, _ = st.Quote(scansID.Name) // SQLite's REFERENCES takes no schema
		meta := `product_id TEXT NOT NULL, lot TEXT NOT NULL, station TEXT NOT NULL, true_label TEXT NOT NULL,
	created_at TEXT NOT NULL DEFAULT (` + st.NowSQL() + `)`
		blob = `(id INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL, ` + meta + `)`
		header = `(id INTEGER PRIMARY KEY AUTOINCREMENT, ` + meta + `)`
		points = `(scan_id INTEGER NOT NULL REFERENCES ` + scans + ` (id),
	x INTEGER NOT NULL, y INTEGER NOT NULL, value NUMERIC NULL, PRIMARY KEY (scan_id, y, x)) WITHOUT ROWID`
	}
	for _, c := range []struct{ table, def string }{{t.Blob, blob}, {t.PointScans, header}, {t.Points, points}} {
		if err := st.CreateTable(ctx, c.table, c.def); err != nil {
			return fmt.Errorf("create demo source tables: %w", err)
		}
	}
	return nil
}

func checkScans(scans []Scan) error {
	for i, sc := range scans {
		if len(sc.Pix) != Side*Side {
			return fmt.Errorf("demo scan %d has %d pixels: give %d (%dx%d)", i, len(sc.Pix), Side*Side, Side, Side)
		}
	}
	return nil
}

// metaColumns are the metadata columns every demo table writes.
var metaColumns = []string{"product_id", "lot", "station", "true_label"}

// InsertBlobScans inserts scans into the demo blob table in one
// transaction.
func InsertBlobScans(ctx context.Context, st *storage.Store, t Tables, scans []Scan) error {
	if err := checkScans(scans); err != nil {
		return err
	}
	rows := make([][]any, len(scans))
	for i, sc := range scans {
		rows[i] = []any{sc.Pix, sc.ProductID, sc.Lot, sc.Station, sc.TrueLabel}
	}
	cols := append([]string{"payload"}, metaColumns...)
	err := st.InsertTx(ctx, func(in *storage.Inserter) error { return in.Rows(ctx, t.Blob, cols, rows) })
	if err != nil {
		return fmt.Errorf("insert demo scans: %w", err)
	}
	return nil
}

// InsertPointScans inserts scans into the demo points tables (a header row
// and Side*Side point rows each) in one transaction.
func InsertPointScans(ctx context.Context, st *storage.Store, t Tables, scans []Scan) error {
	if err := checkScans(scans); err != nil {
		return err
	}
	pointCols := []string{"scan_id", "x", "y", "value"}
	err := st.InsertTx(ctx, func(in *storage.Inserter) error {
		for _, sc := range scans {
			id, err := in.RowID(ctx, t.PointScans, "id", metaColumns, []any{sc.ProductID, sc.Lot, sc.Station, sc.TrueLabel})
			if err != nil {
				return err
			}
			rows := make([][]any, len(sc.Pix))
			for j, v := range sc.Pix {
				rows[j] = []any{id, int64(j % Side), int64(j / Side), float64(v)}
			}
			if err := in.Rows(ctx, t.Points, pointCols, rows); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("insert demo point scans: %w", err)
	}
	return nil
}
