package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gradewatch/gradewatch/storage"
)

// eachDatabase runs fn on a migrated SQLite store and, when SQLSERVER_DSN
// is set, on SQL Server with demo table names private to the test (dropped
// after), as storage's conformance suite does.
func eachDatabase(t *testing.T, fn func(t *testing.T, st *storage.Store, tables Tables)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := storage.Open(t.Context(), storage.DriverSQLite, filepath.Join(t.TempDir(), "demo.db"), storage.TableNames{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st, DefaultTables())
	})
	t.Run("sqlserver", func(t *testing.T) {
		dsn := os.Getenv("SQLSERVER_DSN")
		if dsn == "" {
			t.Skip("SQLSERVER_DSN not set: skipping the demo tables on SQL Server")
		}
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			t.Fatal(err)
		}
		prefix := "gwt_" + hex.EncodeToString(b[:]) + "_"
		st, err := storage.Open(t.Context(), storage.DriverSQLServer, dsn, storage.TableNames{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		d := DefaultTables()
		tables := Tables{Blob: prefix + d.Blob, PointScans: prefix + d.PointScans, Points: prefix + d.Points}
		defer func() {
			for _, n := range []string{tables.Points, tables.PointScans, tables.Blob} { // points first: it references the headers
				if _, err := st.DB().ExecContext(context.Background(), "DROP TABLE IF EXISTS ["+n+"]"); err != nil {
					t.Logf("drop %s: %v", n, err)
				}
			}
		}()
		fn(t, st, tables)
	})
}

// testScans returns n scans with distinct pixels and metadata.
func testScans(n int) []Scan {
	out := make([]Scan, n)
	for i := range out {
		pix := make([]byte, Side*Side)
		for j := range pix {
			pix[j] = byte(i*7 + j)
		}
		out[i] = Scan{ProductID: fmt.Sprintf("P%d", i), Lot: "LOT1", Station: "S1", TrueLabel: fmt.Sprint(i % 10), Pix: pix}
	}
	return out
}

// TestTables creates the demo tables (twice: it is idempotent), inserts
// scans into both sources and reads them back as the monitor does.
func TestTables(t *testing.T) {
	eachDatabase(t, func(t *testing.T, st *storage.Store, tables Tables) {
		ctx := t.Context()
		for i := range 2 {
			if err := CreateTables(ctx, st, tables); err != nil {
				t.Fatalf("CreateTables #%d: %v", i+1, err)
			}
		}
		blobScans, pointScans := testScans(3), testScans(2)
		if err := InsertBlobScans(ctx, st, tables, blobScans); err != nil {
			t.Fatal(err)
		}
		if err := InsertPointScans(ctx, st, tables, pointScans); err != nil {
			t.Fatal(err)
		}
		blob, points := Sources(tables)
		for _, src := range []storage.Source{blob, points} {
			if err := src.Validate(); err != nil {
				t.Fatalf("source %s: %v", src.Name, err)
			}
		}
		// Read back by key (FetchScan needs none of Gradewatch's own
		// tables); fresh tables number their rows from 1.
		fetch := func(src storage.Source, n int) []storage.Scan {
			t.Helper()
			out := make([]storage.Scan, n)
			for i := range out {
				sc, err := st.FetchScan(ctx, src, fmt.Sprint(i+1))
				if err != nil {
					t.Fatalf("FetchScan(%s, %d): %v", src.Name, i+1, err)
				}
				out[i] = sc
			}
			return out
		}
		for i, sc := range fetch(blob, len(blobScans)) {
			if diff := cmp.Diff(blobScans[i].Pix, sc.Payload); diff != "" {
				t.Errorf("blob scan %d payload (-want +got):\n%s", i, diff)
			}
			if sc.Metadata["true_label"] != blobScans[i].TrueLabel || sc.Metadata["product_id"] != blobScans[i].ProductID || sc.Metadata["created_at"] == "" {
				t.Errorf("blob scan %d metadata = %v; want true_label %s, product_id %s, created_at", i, sc.Metadata, blobScans[i].TrueLabel, blobScans[i].ProductID)
			}
		}
		for i, sc := range fetch(points, len(pointScans)) {
			if len(sc.Points) != Side*Side {
				t.Fatalf("points scan %d has %d points; want %d", i, len(sc.Points), Side*Side)
			}
			for _, pt := range sc.Points {
				if want := float64(pointScans[i].Pix[pt.Y*Side+pt.X]); pt.Value != want {
					t.Fatalf("points scan %d point (%d,%d) = %v; want %v", i, pt.X, pt.Y, pt.Value, want)
				}
			}
			if sc.Metadata["true_label"] != pointScans[i].TrueLabel {
				t.Errorf("points scan %d true_label = %q; want %q", i, sc.Metadata["true_label"], pointScans[i].TrueLabel)
			}
		}
		short := []Scan{{Pix: []byte{1}}}
		if err := InsertBlobScans(ctx, st, tables, short); err == nil {
			t.Error("InsertBlobScans with 1 pixel = nil; want an error")
		}
		if err := InsertPointScans(ctx, st, tables, short); err == nil {
			t.Error("InsertPointScans with 1 pixel = nil; want an error")
		}
	})
}
