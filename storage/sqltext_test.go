package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// No SQL Server runs here, so this test runs every Store method against a
// driver that records statements instead of executing them, with the
// SQL Server dialect (and SQLite's, for the shared rules), and checks the
// text for what matters: no MERGE, configured identifiers only ever
// quoted, every value a parameter, the locking hints each mode relies on.

type recorder struct {
	mu    sync.Mutex
	stmts []recorded
}

type recorded struct {
	sql  string
	args []driver.NamedValue
}

func (r *recorder) add(q string, args []driver.NamedValue) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = append(r.stmts, recorded{q, args})
}

type recDriver struct{ r *recorder }
type recConn struct{ r *recorder }
type recStmt struct {
	r *recorder
	q string
}
type recRows struct{}

var (
	recMu   sync.Mutex
	recByID = map[string]*recorder{}
)

func init() { sql.Register("gwrecord", recDriver{}) }

func (recDriver) Open(name string) (driver.Conn, error) {
	recMu.Lock()
	defer recMu.Unlock()
	return recConn{recByID[name]}, nil
}
func (c recConn) Prepare(q string) (driver.Stmt, error) { return recStmt{c.r, q}, nil }
func (recConn) Close() error                            { return nil }
func (recConn) Begin() (driver.Tx, error)               { return recConn{}, nil }
func (recConn) Commit() error                           { return nil }
func (recConn) Rollback() error                         { return nil }
func (c recConn) ExecContext(_ context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.r.add(q, args)
	return driver.RowsAffected(1), nil
}
func (c recConn) QueryContext(_ context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.r.add(q, args)
	return recRows{}, nil
}
func (recStmt) Close() error                                 { return nil }
func (recStmt) NumInput() int                                { return -1 }
func (s recStmt) Exec([]driver.Value) (driver.Result, error) { return driver.RowsAffected(1), nil }
func (s recStmt) Query([]driver.Value) (driver.Rows, error)  { return recRows{}, nil }
func (recRows) Columns() []string                            { return []string{"c"} }
func (recRows) Close() error                                 { return nil }
func (recRows) Next([]driver.Value) error                    { return io.EOF }

// recordAll runs every Store method once on a recording store.
func recordAll(t *testing.T, d dialect, driverName string) []recorded {
	t.Helper()
	r := &recorder{}
	id := fmt.Sprintf("%s-%p", driverName, r)
	recMu.Lock()
	recByID[id] = r
	recMu.Unlock()
	db, err := sql.Open("gwrecord", id)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables := TableNames{Results: "cfg_res", Overrides: "cfgsch.cfg_ovr", Checkpoints: "cfg_cp", Rejects: "cfg_rej", Locks: "cfg_lck", SchemaVersion: "cfg_ver"}
	ti, err := tables.parse()
	if err != nil {
		t.Fatal(err)
	}
	st := &Store{db: db, driver: driverName, d: d, t: ti}
	ctx := context.Background()
	const source = "line'1; DROP TABLE x"
	meta := []string{"cfg_meta_a", "cfg_meta_b"}
	srcs := []Source{
		{Name: source, Table: "cfgsch.cfg_scans", KeyColumn: "cfg_key", Mode: ModeKey, PayloadColumn: "cfg_payload", MetadataColumns: meta, CreatedAtColumn: "cfg_created"},
		{Name: source, Table: "cfgsch.cfg_scans", KeyColumn: "cfg_key", Mode: ModeClaim, StatusColumn: "cfg_status", ClaimedAtColumn: "cfg_claimed_at",
			ClaimedByColumn: "cfg_claimed_by", PayloadColumn: "cfg_payload", MetadataColumns: meta},
		{Name: source, Table: "cfg_hdr", KeyColumn: "cfg_key", Mode: ModeKey, MetadataColumns: meta,
			Points: &PointsTable{Table: "cfg_pts", KeyColumn: "cfg_pkey", XColumn: "cfg_x", YColumn: "cfg_y", ValueColumn: "cfg_val"}},
		{Name: source, Table: "cfg_hdr", KeyColumn: "cfg_key", Mode: ModeKey, MetadataColumns: meta,
			Points: &PointsTable{Table: "cfg_pts", KeyColumn: "cfg_pkey", IndexColumn: "cfg_idx", ValueColumn: "cfg_val"}},
	}
	if driverName == DriverSQLServer {
		srcs = append(srcs, Source{Name: source, Table: "cfg_rvtab", KeyColumn: "cfg_key", Mode: ModeRowversion, RowversionColumn: "cfg_rv", PayloadColumn: "cfg_payload", MetadataColumns: meta})
	}
	res := []Result{{SourceKey: "7", Predicted: "A", Confidence: 0.5, Metadata: map[string]string{"k": "v'--"}}}
	rej := []Reject{{SourceKey: "8", Reason: "bad'; --"}}
	_ = st.Migrate(ctx)
	for _, src := range srcs {
		_, _ = st.FetchScans(ctx, src, 10)
		// The recorder returns no rows, so read points directly.
		if c, err := src.compile(); err == nil && c.points != nil {
			_ = st.loadPoints(ctx, c, []Scan{{Key: "7"}})
		}
		_, _ = st.FetchUnresolved(ctx, src, 10)
		_, _ = st.FetchScan(ctx, src, "7")
		_ = st.ReleaseClaims(ctx, src, []string{"7"})
		_, _ = st.Pending(ctx, src)
		_ = st.CommitBatch(ctx, src, res, rej, Checkpoint{Key: 9, Rowversion: []byte{0, 0, 0, 0, 0, 0, 0, 9}})
	}
	_, _ = st.SchemaVersion(ctx)
	_, _ = st.Result(ctx, 1)
	_, _ = st.ResultByKey(ctx, source, "7")
	_, _ = st.Results(ctx, ResultFilter{Source: source, Grade: "A", From: time.Unix(1, 0), To: time.Unix(2, 0), BeforeID: 5})
	_, _, _ = st.ReviewQueue(ctx, 0.5, 10)
	_, _ = st.Override(ctx, OverrideRecord{ResultID: 1, NewGrade: "B", Reason: "r", Operator: "o"})
	_ = st.Flag(ctx, 1, true)
	_, _ = st.Overrides(ctx, 1)
	_, _ = st.GradeCounts(ctx, time.Unix(1, 0), time.Unix(2, 0))
	_, _ = st.ScansPerHour(ctx, time.Unix(1, 0), time.Unix(2, 0))
	_ = st.EachResult(ctx, time.Unix(1, 0), time.Unix(2, 0), func(Result) error { return nil })
	if l, err := st.AcquirePoller(ctx, source, "me", time.Minute); err == nil {
		_ = l.Renew(ctx)
		_ = l.Release(ctx)
	}
	dt := DemoTables{Blob: "cfg_demo_blob", PointScans: "cfg_demo_hdr", Points: "cfg_demo_pts"}
	_ = st.CreateDemoSources(ctx, dt)
	_ = st.InsertDemoBlobScans(ctx, dt, demoScans(1))
	_ = st.InsertDemoPointScans(ctx, dt, demoScans(1))
	// The recorder returns no rows, so Migrate stops at its version check
	// and Override at reading the result: add their statements directly.
	for _, m := range d.migrations(ti) {
		for _, s := range m.stmts {
			r.add(s.sql, named(s.args))
		}
	}
	o := d.insertOverride(ti, Override{ResultID: 1, OldGrade: "A", NewGrade: "B", Reason: "r'--"})
	r.add(o.sql, named(o.args))
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.stmts...)
}

func named(args []any) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	return out
}

// configured are the names above that came from configuration; in SQL
// they must only appear quoted.
var configured = regexp.MustCompile(`\b(cfg[a-z_]*)\b`)

func TestSQLServerStatementText(t *testing.T) {
	stmts := recordAll(t, sqlserverDialect{}, DriverSQLServer)
	if len(stmts) < 40 {
		t.Fatalf("recorded %d statements; want every method's (40 or more)", len(stmts))
	}
	all := joinSQL(stmts)
	checkCommon(t, stmts, regexp.MustCompile(`@p(\d+)`), "[", "]")
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)\bMERGE\b`),
		regexp.MustCompile(`\?\d*`),                                        // SQLite placeholders
		regexp.MustCompile(`(?i)\b(AUTOINCREMENT|BLOB|RETURNING|LIMIT)\b`), // SQLite-only syntax
		regexp.MustCompile(`(?i)strftime|GETDATE\(\)|CURRENT_TIMESTAMP`),   // local or SQLite clocks
		regexp.MustCompile(`"`),                                            // double-quoted identifiers
	} {
		if m := bad.FindString(all); m != "" {
			t.Errorf("SQL Server statements contain %q; want none (pattern %s)", m, bad)
		}
	}
	for _, want := range []string{
		"MIN_ACTIVE_ROWVERSION()",
		"UPDATE TOP (@p1) [cfgsch].[cfg_scans] WITH (ROWLOCK, READPAST, UPDLOCK)",
		"OUTPUT CAST(inserted.[cfg_key] AS NVARCHAR(200)) INTO @claimed",
		"DATEADD(second, -@p4, SYSUTCDATETIME())",
		"[cfg_res] AS r WITH (UPDLOCK, HOLDLOCK)",
		"[cfg_rej] AS r WITH (UPDLOCK, HOLDLOCK)",
		"UPDATE [cfg_cp] WITH (UPDLOCK, HOLDLOCK)",
		"IF @@ROWCOUNT = 0 INSERT INTO [cfg_cp]",
		"WITH (UPDLOCK, ROWLOCK) WHERE id = @p1",
		"sp_getapplock @Resource = @p1, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0",
		"EXEC @rc = sp_getapplock @Resource = N'gradewatch/migrate'",
		"IF @rc < 0 THROW",
		"CREATE TRIGGER [cfgsch].[tr_cfg_ovr_append_only] ON [cfgsch].[cfg_ovr] INSTEAD OF UPDATE, DELETE",
		"[graded_at] DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME()",
		"[payload] VARBINARY(MAX) NOT NULL",
		"[source_key] NVARCHAR(200) NOT NULL",
		"SELECT TOP (@p1) ",
		"OUTPUT inserted.[id], inserted.[overridden_at] INTO @out",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("SQL Server statements lack %q", want)
		}
	}
}

func TestSQLiteStatementText(t *testing.T) {
	stmts := recordAll(t, sqliteDialect{}, DriverSQLite)
	all := joinSQL(stmts)
	checkCommon(t, stmts, regexp.MustCompile(`\?(\d+)`), `"`, `"`)
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)\bMERGE\b`),
		regexp.MustCompile(`@p\d+|\[[A-Za-z_]`), // SQL Server placeholders and bracket quoting
		regexp.MustCompile(`(?i)\b(TOP|NVARCHAR|SYSUTCDATETIME|OUTPUT)\b`),
	} {
		if m := bad.FindString(all); m != "" {
			t.Errorf("SQLite statements contain %q; want none (pattern %s)", m, bad)
		}
	}
	for _, want := range []string{"ON CONFLICT (source, source_key) DO NOTHING", "RETURNING", "LIMIT ?"} {
		if !strings.Contains(all, want) {
			t.Errorf("SQLite statements lack %q", want)
		}
	}
}

func joinSQL(stmts []recorded) string {
	var b strings.Builder
	for _, s := range stmts {
		b.WriteString(s.sql)
		b.WriteString("\n;;\n")
	}
	return b.String()
}

// checkCommon checks every statement: configured names only quoted,
// placeholders numbered 1..len(args) and all used, no argument text
// spliced into the SQL.
func checkCommon(t *testing.T, stmts []recorded, placeholder *regexp.Regexp, open, close string) {
	t.Helper()
	for _, s := range stmts {
		for _, loc := range configured.FindAllStringIndex(s.sql, -1) {
			before, after := s.sql[:loc[0]], s.sql[loc[1]:]
			if !strings.HasSuffix(before, open) || !strings.HasPrefix(after, close) {
				t.Errorf("configured name %q is not quoted in:\n%s", s.sql[loc[0]:loc[1]], s.sql)
				break
			}
		}
		used := map[int]bool{}
		if anon := regexp.MustCompile(`\?[^0-9]|\?$`).FindAllString(s.sql, -1); len(anon) > 0 {
			// SQLite's anonymous placeholders: one per argument, in order.
			if len(anon) != len(s.args) || placeholder.MatchString(s.sql) {
				t.Errorf("%d anonymous placeholders for %d arguments (numbered ones mixed in: %v) in:\n%s", len(anon), len(s.args), placeholder.MatchString(s.sql), s.sql)
			}
			for i := range s.args {
				used[i+1] = true
			}
		}
		for _, m := range placeholder.FindAllStringSubmatch(s.sql, -1) {
			n, _ := strconv.Atoi(m[1])
			used[n] = true
			if n < 1 || n > len(s.args) {
				t.Errorf("placeholder %s has no argument (%d given) in:\n%s", m[0], len(s.args), s.sql)
			}
		}
		for i := 1; i <= len(s.args); i++ {
			if !used[i] && !(strings.Contains(s.sql, "COUNT(*)") && i == 1) { // the review count reuses the page's arguments
				t.Errorf("argument %d is never used in:\n%s", i, s.sql)
			}
		}
		for _, a := range s.args {
			if str, ok := a.Value.(string); ok && strings.Contains(str, "'") && strings.Contains(s.sql, str) {
				t.Errorf("argument %q is spliced into the SQL:\n%s", str, s.sql)
			}
		}
	}
}
