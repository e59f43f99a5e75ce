package storage

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
)

func TestWithEncrypt(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sqlserver://host/inst?database=gw", "sqlserver://host/inst?database=gw&encrypt=true"},
		{"sqlserver://host?database=gw&encrypt=disable", "sqlserver://host?database=gw&encrypt=disable"},
		{"sqlserver://host?Encrypt=strict", "sqlserver://host?Encrypt=strict"},
		{"server=host;database=gw", "server=host;database=gw;encrypt=true"},
		{"server=host;database=gw;", "server=host;database=gw;encrypt=true"},
		{"server=host; Encrypt = false", "server=host; Encrypt = false"},
		{"odbc:server=host;database=gw", "odbc:server=host;database=gw;encrypt=true"},
		{"odbc:encrypt=optional;server=host", "odbc:encrypt=optional;server=host"},
	}
	for _, tc := range tests {
		if got := withEncrypt(tc.in); got != tc.want {
			t.Errorf("withEncrypt(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestSQLiteDSN(t *testing.T) {
	tests := []struct {
		in       string
		contains []string
		lacks    []string
	}{
		{"/tmp/gw.db", []string{"busy_timeout%2810000%29", "journal_mode%28wal%29", "foreign_keys%281%29", "_txlock=immediate", "_dqs=0"}, nil},
		{"/tmp/gw.db?_dqs=1", []string{"_dqs=0"}, []string{"_dqs=1"}},
		{"/tmp/gw.db?_pragma=busy_timeout(50)", []string{"busy_timeout%2850%29"}, []string{"busy_timeout%2810000%29"}},
		{"file::memory:?cache=shared", []string{"foreign_keys"}, []string{"journal_mode"}},
		{"/tmp/gw.db?_txlock=deferred", []string{"_txlock=deferred"}, []string{"immediate"}},
	}
	for _, tc := range tests {
		got := sqliteDSN(tc.in)
		for _, c := range tc.contains {
			if !strings.Contains(got, c) {
				t.Errorf("sqliteDSN(%q) = %q; want it to contain %q", tc.in, got, c)
			}
		}
		for _, c := range tc.lacks {
			if strings.Contains(got, c) {
				t.Errorf("sqliteDSN(%q) = %q; want no %q", tc.in, got, c)
			}
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, driver, dsn string
		tables            TableNames
		want              string
	}{
		{"unknown driver", "postgres", "x", TableNames{}, `use "sqlite" or "sqlserver"`},
		{"empty dsn", DriverSQLite, "", TableNames{}, "connection string is empty"},
		{"bad table name", DriverSQLite, filepath.Join(t.TempDir(), "x.db"), TableNames{Results: "r;--"}, "tables.results"},
		{"unreachable directory", DriverSQLite, filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), TableNames{}, "connect to sqlite"},
	}
	for _, tc := range tests {
		st, err := Open(ctx, tc.driver, tc.dsn, tc.tables)
		if err == nil {
			st.Close()
			t.Errorf("%s: Open = nil error; want one containing %q", tc.name, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Open = %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestCommitBatchBadInput(t *testing.T) {
	e := newEnv(t, DriverSQLite, filepath.Join(t.TempDir(), "gw.db"), "")
	e.createKeyTable("src")
	src := keySource("s", "src", ModeKey)
	nan := 0.0
	nan = nan / nan
	tests := []struct {
		name string
		res  []Result
		rej  []Reject
		want string
	}{
		{"other source", []Result{{Source: "t", SourceKey: "1", Predicted: "a"}}, nil, "belongs to source"},
		{"no key", []Result{{Predicted: "a"}}, nil, "no source key"},
		{"no prediction", []Result{{SourceKey: "1"}}, nil, "predicted grade"},
		{"NaN confidence", []Result{{SourceKey: "1", Predicted: "a", Confidence: nan}}, nil, "confidence"},
		{"NaN probability", []Result{{SourceKey: "1", Predicted: "a", Probs: []float64{nan}}}, nil, "probability 0"},
		{"reject without key", nil, []Reject{{Reason: "x"}}, "reject key"},
	}
	for _, tc := range tests {
		err := e.st.CommitBatch(e.ctx, src, tc.res, tc.rej, Checkpoint{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CommitBatch = %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
	if n := e.countRows("gw_results", ""); n != 0 {
		t.Errorf("results after refused batches = %d; want 0", n)
	}
	if _, err := e.st.FetchScans(e.ctx, src, 0); err == nil {
		t.Error("FetchScans with limit 0 = nil error; want one")
	}
}

func TestIsTransient(t *testing.T) {
	// A real SQLITE_BUSY: one connection holds the write lock, another
	// with no busy timeout tries to write.
	dir := t.TempDir()
	ctx := context.Background()
	a, err := Open(ctx, DriverSQLite, filepath.Join(dir, "b.db"), TableNames{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, DriverSQLite, filepath.Join(dir, "b.db")+"?_pragma=busy_timeout(0)", TableNames{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tx, err := a.DB().BeginTx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	busy := b.CommitBatch(ctx, keySource("s", "gw_results", ModeKey), nil, nil, Checkpoint{Key: 1})
	if busy == nil {
		t.Fatal("write while another connection holds the lock = nil; want SQLITE_BUSY")
	}

	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"sqlite busy", busy, true},
		{"deadlock", fmt.Errorf("commit: %w", mssql.Error{Number: 1205, Message: "deadlock victim"}), true},
		{"lock timeout", mssql.Error{Number: 1222}, true},
		{"azure busy", &mssql.Error{Number: 40501}, true},
		{"invalid object", mssql.Error{Number: 208, Message: "Invalid object name"}, false},
		{"login failed", mssql.Error{Number: 18456}, false},
		{"bad conn", fmt.Errorf("query: %w", driver.ErrBadConn), true},
		{"eof", io.ErrUnexpectedEOF, true},
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"canceled", context.Canceled, false},
		{"other", errors.New("syntax error"), false},
	}
	for _, tc := range tests {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%s: %v) = %v; want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestSchemaQualifiedNames runs the write path with every own table in an
// explicit schema ("main" on SQLite), where index and trigger names take
// the schema and the table names in ON clauses must not.
func TestSchemaQualifiedNames(t *testing.T) {
	tables := TableNames{Results: "main.r", Overrides: "main.o", Checkpoints: "main.c", Rejects: "main.j", Locks: "main.l", SchemaVersion: "main.v"}
	e := newEnv(t, DriverSQLite, filepath.Join(t.TempDir(), "gw.db"), "")
	e.st.Close()
	st, err := Open(e.ctx, DriverSQLite, e.dsn, tables)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := 0; i < 2; i++ {
		if err := st.Migrate(e.ctx); err != nil {
			t.Fatalf("Migrate #%d: %v", i+1, err)
		}
	}
	e.st = st
	e.createKeyTable("src")
	e.insertRows("src", 1)
	src := keySource("s", "main.src", ModeKey)
	b, err := st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CommitBatch(e.ctx, src, resultsFor(b.Scans, 0.2), nil, b.Checkpoint); err != nil {
		t.Fatal(err)
	}
	q, n, err := st.ReviewQueue(e.ctx, 0.5, 10)
	if err != nil || n != 1 {
		t.Fatalf("ReviewQueue = %d, %v; want 1", n, err)
	}
	if _, err := st.Override(e.ctx, OverrideRecord{ResultID: q[0].ID, NewGrade: "bad", Reason: "r", Operator: "o"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().ExecContext(e.ctx, `DELETE FROM main.o`); err == nil {
		t.Error("DELETE from main.o succeeded; want the append-only trigger to refuse it")
	}
}

// FuzzDSN checks that the DSN rewriting never panics, keeps an explicit
// encrypt setting and otherwise adds one.
func FuzzDSN(f *testing.F) {
	for _, s := range []string{"sqlserver://h?database=x", "server=h;encrypt=false", "odbc:server=h", "a?b=%zz", "/tmp/x.db?_pragma=busy_timeout(1)", ":memory:", "file:x?mode=memory"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		_ = sqliteDSN(dsn)
		got := withEncrypt(dsn)
		if strings.TrimSpace(dsn) == "" {
			return
		}
		if strings.HasPrefix(strings.ToLower(dsn), "sqlserver://") {
			if _, err := url.Parse(dsn); err != nil {
				if got != dsn {
					t.Fatalf("withEncrypt(%q) = %q: changed a malformed URL (the driver should report it)", dsn, got)
				}
				return
			}
		}
		if strings.HasPrefix(strings.ToLower(dsn), "sqlserver://") {
			u, _ := url.Parse(got)
			if !hasKey(u.Query(), "encrypt") {
				t.Fatalf("withEncrypt(%q) = %q: no encrypt setting", dsn, got)
			}
			return
		}
		if pairKeys(dsn)["encrypt"] {
			if got != dsn {
				t.Fatalf("withEncrypt(%q) = %q: changed a DSN that sets encrypt", dsn, got)
			}
			return
		}
		if !strings.HasSuffix(got, "encrypt=true") || !pairKeys(got)["encrypt"] {
			t.Fatalf("withEncrypt(%q) = %q: want encrypt=true added", dsn, got)
		}
	})
}

// pairKeys returns the lower-case keys of an ADO or ODBC connection string.
func pairKeys(dsn string) map[string]bool {
	keys := map[string]bool{}
	for _, pair := range strings.Split(dsn, ";") {
		k, _, _ := strings.Cut(pair, "=")
		k = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(k)), "odbc:")
		keys[k] = true
	}
	return keys
}

func hasKey(q url.Values, key string) bool {
	for k := range q {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// TestOpenSQLServerUnreachable opens SQL Server on a closed local port:
// the error names the driver, and is transient (the monitor retries).
func TestOpenSQLServerUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := Open(ctx, DriverSQLServer, "sqlserver://gw:unused@127.0.0.1:1?database=gw&dial+timeout=2&connection+timeout=5", TableNames{})
	if err == nil {
		st.Close()
		t.Fatal("Open on a closed port = nil error; want a connection error")
	}
	if !strings.Contains(err.Error(), "connect to sqlserver database") {
		t.Errorf("Open error = %v; want it to name the sqlserver database", err)
	}
	if !IsTransient(err) {
		t.Errorf("IsTransient(%v) = false; want true (the server may come back)", err)
	}
}

func TestSchemaVersionBeforeMigrate(t *testing.T) {
	ctx := context.Background()
	for _, tables := range []TableNames{{}, {SchemaVersion: "main.v"}} {
		st, err := Open(ctx, DriverSQLite, filepath.Join(t.TempDir(), "gw.db"), tables)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := st.SchemaVersion(ctx); err != nil || v != 0 {
			t.Errorf("SchemaVersion before Migrate (%+v) = %d, %v; want 0", tables, v, err)
		}
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if v, err := st.SchemaVersion(ctx); err != nil || v != st.LatestSchemaVersion() {
			t.Errorf("SchemaVersion after Migrate (%+v) = %d, %v; want %d", tables, v, err, st.LatestSchemaVersion())
		}
		st.Close()
	}
}
