package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// env is one database under test, with table names private to the test.
type env struct {
	t      *testing.T
	st     *Store
	ctx    context.Context
	prefix string // prefix of every table this test creates
	dsn    string
	tables TableNames
}

// forEachDialect runs fn on SQLite (a temporary file database) and, when
// SQLSERVER_DSN is set, on SQL Server, as the conformance suite. On SQL
// Server every test uses tables with a random prefix and drops them after.
func forEachDialect(t *testing.T, fn func(e *env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		dsn := filepath.Join(t.TempDir(), "gw.db")
		fn(newEnv(t, DriverSQLite, dsn, ""))
	})
	t.Run("sqlserver", func(t *testing.T) {
		dsn := os.Getenv("SQLSERVER_DSN")
		if dsn == "" {
			t.Skip("SQLSERVER_DSN not set: skipping SQL Server conformance (set it to a test database DSN to run)")
		}
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			t.Fatal(err)
		}
		fn(newEnv(t, DriverSQLServer, dsn, "gwt_"+hex.EncodeToString(b[:])+"_"))
	})
}

func newEnv(t *testing.T, driver, dsn, prefix string) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	t.Cleanup(cancel)
	tables := TableNames{}
	if prefix != "" {
		d := DefaultTableNames()
		tables = TableNames{
			Results: prefix + d.Results, Overrides: prefix + d.Overrides, Checkpoints: prefix + d.Checkpoints,
			Rejects: prefix + d.Rejects, Locks: prefix + d.Locks, SchemaVersion: prefix + d.SchemaVersion,
		}
	}
	st, err := Open(ctx, driver, dsn, tables)
	if err != nil {
		t.Fatalf("Open(%s): %v", driver, err)
	}
	e := &env{t: t, st: st, ctx: ctx, prefix: prefix, dsn: dsn, tables: tables}
	t.Cleanup(func() {
		if driver == DriverSQLServer {
			e.dropAll()
		}
		st.Close()
	})
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return e
}

// name returns a table name private to this test.
func (e *env) name(base string) string { return e.prefix + base }

// exec runs SQL written for both dialects ("?" placeholders are not
// portable, so callers pass dialect-specific text where needed).
func (e *env) exec(sqlText string, args ...any) {
	e.t.Helper()
	if _, err := e.st.DB().ExecContext(e.ctx, sqlText, args...); err != nil {
		e.t.Fatalf("exec %q: %v", sqlText, err)
	}
}

func (e *env) sqlserver() bool { return e.st.Driver() == DriverSQLServer }

// q quotes a table or column name for the store's dialect.
func (e *env) q(name string) string {
	id, err := ParseIdent(name)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.st.d.quote(id)
}

// p is the i-th placeholder of the store's dialect.
func (e *env) p(i int) string { return e.st.d.param(i) }

// dropAll drops the tables of a SQL Server test, children first.
func (e *env) dropAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rows, err := e.st.DB().QueryContext(ctx, `SELECT name FROM sys.tables WHERE name LIKE @p1 ORDER BY CASE WHEN name LIKE '%overrides' OR name LIKE '%points' THEN 0 ELSE 1 END`, e.prefix+"%")
	if err != nil {
		e.t.Logf("drop test tables: %v", err)
		return
	}
	var names []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			names = append(names, n)
		}
	}
	rows.Close()
	for _, n := range names {
		if _, err := e.st.DB().ExecContext(ctx, `DROP TABLE `+Ident{Name: n}.quoteBracket()); err != nil {
			e.t.Logf("drop %s: %v", n, err)
		}
	}
}

// createKeyTable creates a source table with a plain integer key (no
// IDENTITY, so tests choose keys), a payload, a lot and claim columns.
func (e *env) createKeyTable(name string) {
	e.t.Helper()
	if e.sqlserver() {
		e.exec(`CREATE TABLE ` + e.q(name) + ` ([id] BIGINT NOT NULL PRIMARY KEY, [payload] VARBINARY(MAX) NULL, [lot] NVARCHAR(64) NULL,
			[created_at] DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME(), [status] NVARCHAR(16) NULL, [claimed_at] DATETIME2(3) NULL, [claimed_by] NVARCHAR(256) NULL)`)
		return
	}
	e.exec(`CREATE TABLE ` + e.q(name) + ` (id INTEGER PRIMARY KEY, payload BLOB NULL, lot TEXT NULL,
		created_at TEXT NOT NULL DEFAULT (` + sqliteNow + `), status TEXT NULL, claimed_at TEXT NULL, claimed_by TEXT NULL)`)
}

// insertRows inserts rows with the given keys into a createKeyTable table,
// each in its own statement; payload is the key as one byte, lot "L<key>".
func (e *env) insertRows(name string, keys ...int64) {
	e.t.Helper()
	for _, k := range keys {
		e.exec(`INSERT INTO `+e.q(name)+` (id, payload, lot) VALUES (`+e.p(1)+`, `+e.p(2)+`, `+e.p(3)+`)`, k, []byte{byte(k)}, fmt.Sprintf("L%d", k))
	}
}

// keySource describes a createKeyTable table in the given mode.
func keySource(name, table string, mode Mode) Source {
	s := Source{Name: name, Table: table, KeyColumn: "id", Mode: mode, PayloadColumn: "payload",
		MetadataColumns: []string{"lot"}, CreatedAtColumn: "created_at"}
	if mode == ModeClaim {
		s.StatusColumn, s.ClaimedAtColumn, s.ClaimedByColumn = "status", "claimed_at", "claimed_by"
	}
	return s
}

// resultsFor grades scans with a fixed fake prediction derived from the key.
func resultsFor(scans []Scan, confidence float64) []Result {
	out := make([]Result, len(scans))
	for i, sc := range scans {
		out[i] = Result{
			Source: sc.Source, SourceKey: sc.Key, Metadata: sc.Metadata, Predicted: "ok", Confidence: confidence,
			Probs: []float64{confidence, 1 - confidence}, Labels: []string{"ok", "bad"}, ModelName: "test", ModelSHA256: "abc",
		}
	}
	return out
}

// keysOf returns the keys of scans.
func keysOf(scans []Scan) []string {
	out := make([]string, len(scans))
	for i, sc := range scans {
		out[i] = sc.Key
	}
	return out
}

// countRows counts the rows of a table.
func (e *env) countRows(table string, where string, args ...any) int64 {
	e.t.Helper()
	var n int64
	q := `SELECT COUNT(*) FROM ` + e.q(table)
	if where != "" {
		q += " WHERE " + where
	}
	if err := e.st.DB().QueryRowContext(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// resultsTable is the name of the results table of e.
func (e *env) resultsTable() string { return e.st.t.results.String() }
