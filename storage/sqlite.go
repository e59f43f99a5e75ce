package storage

import (
	"fmt"
	"time"
)

// sqliteDialect is embedded SQLite (modernc.org/sqlite). Times are stored
// as UTC text "YYYY-MM-DD HH:MM:SS.SSS", which sorts like time.
type sqliteDialect struct{}

// sqliteTimeLayout is the layout of every time Gradewatch stores in SQLite.
const sqliteTimeLayout = "2006-01-02 15:04:05.000"

// sqliteNow is the current UTC time in sqliteTimeLayout.
const sqliteNow = `strftime('%Y-%m-%d %H:%M:%f', 'now')`

func (sqliteDialect) name() string               { return DriverSQLite }
func (sqliteDialect) quote(id Ident) string      { return id.quoteDouble() }
func (sqliteDialect) param(i int) string         { return "?" + itoa(i) }
func (sqliteDialect) seqParam(int) string        { return "?" }
func (sqliteDialect) now() string                { return sqliteNow }
func (sqliteDialect) timeArg(t time.Time) any    { return t.UTC().Format(sqliteTimeLayout) }
func (sqliteDialect) keyText(expr string) string { return "CAST(" + expr + " AS TEXT)" }
func (sqliteDialect) top(string) string          { return "" }
func (sqliteDialect) limit(n string) string      { return " LIMIT " + n }
func (sqliteDialect) hourBucket(col string) string {
	return "substr(" + col + ", 1, 13) || ':00:00.000'"
}
func (sqliteDialect) lockRow() string        { return "" }
func (sqliteDialect) lockMigrations() string { return "" } // write transactions are BEGIN IMMEDIATE

func (sqliteDialect) ago(a *args, d time.Duration) string {
	return `strftime('%Y-%m-%d %H:%M:%f', 'now', ` + a.add(fmt.Sprintf("-%d seconds", int64(d/time.Second))) + `)`
}

// maxRows keeps an insert under SQLite's 32,766 parameters, and under 500
// rows, past which longer statements stop paying off.
func (sqliteDialect) maxRows(cols int) int { return min(500, 32000/cols) }

func (d sqliteDialect) tableExists(t Ident) stmt {
	schema := t.Schema
	if schema == "" {
		schema = "main"
	}
	return stmt{
		sql:  `SELECT COUNT(*) FROM ` + d.quote(Ident{Name: schema}) + `.sqlite_master WHERE type = 'table' AND name = ?1`,
		args: []any{t.Name},
	}
}

func (d sqliteDialect) createVersionTable(t tableIdents) stmt {
	return stmt{sql: `CREATE TABLE IF NOT EXISTS ` + d.quote(t.schemaVersion) + ` (
	version INTEGER PRIMARY KEY,
	description TEXT NOT NULL,
	applied_at TEXT NOT NULL DEFAULT (` + sqliteNow + `)
)`}
}

// onTable is how SQLite names a table in CREATE INDEX/TRIGGER ... ON: the
// schema goes on the new object's name, never on the table.
func onTable(t Ident) string { return Ident{Name: t.Name}.quoteDouble() }

func (d sqliteDialect) migrations(t tableIdents) []migration {
	q := d.quote
	res, ovr, cp, rej, lck := t.results, t.overrides, t.checkpoints, t.rejects, t.locks
	return []migration{{
		version:     1,
		description: "results, override audit, checkpoints, rejects, poller leases",
		stmts: []stmt{
			{sql: `CREATE TABLE IF NOT EXISTS ` + q(res) + ` (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	source TEXT NOT NULL,
	source_key TEXT NOT NULL,
	metadata TEXT NOT NULL DEFAULT '{}',
	predicted TEXT NOT NULL,
	confidence REAL NOT NULL,
	probs TEXT NOT NULL DEFAULT '[]',
	labels TEXT NOT NULL DEFAULT '[]',
	model_name TEXT NOT NULL DEFAULT '',
	model_sha256 TEXT NOT NULL DEFAULT '',
	image_path TEXT NOT NULL DEFAULT '',
	flagged INTEGER NOT NULL DEFAULT 0,
	graded_at TEXT NOT NULL DEFAULT (` + sqliteNow + `),
	final_grade TEXT NOT NULL,
	reviewed_at TEXT NULL,
	UNIQUE (source, source_key)
)`},
			{sql: `CREATE INDEX IF NOT EXISTS ` + q(derived(res, "ix_", "_graded_at")) + ` ON ` + onTable(res) + ` (graded_at)`},
			{sql: `CREATE INDEX IF NOT EXISTS ` + q(derived(res, "ix_", "_source_id")) + ` ON ` + onTable(res) + ` (source, id)`},
			{sql: `CREATE INDEX IF NOT EXISTS ` + q(derived(res, "ix_", "_review")) + ` ON ` + onTable(res) + ` (reviewed_at, id)`},
			{sql: `CREATE TABLE IF NOT EXISTS ` + q(ovr) + ` (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	result_id INTEGER NOT NULL REFERENCES ` + onTable(res) + ` (id),
	old_grade TEXT NOT NULL,
	new_grade TEXT NOT NULL,
	reason TEXT NOT NULL,
	os_user TEXT NOT NULL,
	operator TEXT NOT NULL,
	workstation TEXT NOT NULL,
	model_name TEXT NOT NULL,
	model_sha256 TEXT NOT NULL,
	overridden_at TEXT NOT NULL DEFAULT (` + sqliteNow + `)
)`},
			{sql: `CREATE INDEX IF NOT EXISTS ` + q(derived(ovr, "ix_", "_result")) + ` ON ` + onTable(ovr) + ` (result_id, id)`},
			{sql: `CREATE TRIGGER IF NOT EXISTS ` + q(derived(ovr, "tr_", "_no_update")) + ` BEFORE UPDATE ON ` + onTable(ovr) +
				` BEGIN SELECT RAISE(ABORT, 'the override audit is append-only: rows cannot be changed'); END`},
			{sql: `CREATE TRIGGER IF NOT EXISTS ` + q(derived(ovr, "tr_", "_no_delete")) + ` BEFORE DELETE ON ` + onTable(ovr) +
				` BEGIN SELECT RAISE(ABORT, 'the override audit is append-only: rows cannot be deleted'); END`},
			{sql: `CREATE TABLE IF NOT EXISTS ` + q(cp) + ` (
	source TEXT PRIMARY KEY,
	last_key INTEGER NULL,
	last_rowversion BLOB NULL,
	updated_at TEXT NOT NULL
)`},
			{sql: `CREATE TABLE IF NOT EXISTS ` + q(rej) + ` (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	source TEXT NOT NULL,
	source_key TEXT NOT NULL,
	reason TEXT NOT NULL,
	rejected_at TEXT NOT NULL DEFAULT (` + sqliteNow + `),
	UNIQUE (source, source_key)
)`},
			{sql: `CREATE TABLE IF NOT EXISTS ` + q(lck) + ` (
	name TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	expires_at TEXT NOT NULL
)`},
		},
	}}
}

func (sqliteDialect) fetchRowversion(c *compiledSource, _ tableIdents, _ int) (stmt, error) {
	return stmt{}, fmt.Errorf("source %q: mode rowversion needs SQL Server's ROWVERSION: use mode key (an increasing integer key) or claim on SQLite: %w", c.Name, ErrUnsupported)
}

// fetchClaim claims up to limit waiting rows (status NULL or pending, or
// claimed with an expired lease) in one UPDATE ... RETURNING, which SQLite
// runs atomically under the database write lock.
func (d sqliteDialect) fetchClaim(c *compiledSource, owner string, limit int) stmt {
	a := &args{d: d}
	q := d.quote
	claimed := a.add(StatusClaimed)
	pending := a.add(StatusPending)
	expiry := a.add(fmt.Sprintf("-%d seconds", int64(c.LeaseTimeout/time.Second)))
	n := a.add(int64(limit))
	set := q(c.status) + ` = ` + claimed + `, ` + q(c.claimedAt) + ` = ` + sqliteNow
	if c.claimedBy != (Ident{}) {
		set += `, ` + q(c.claimedBy) + ` = ` + a.add(owner)
	}
	sql := `UPDATE ` + q(c.table) + ` SET ` + set + ` WHERE ` + q(c.key) + ` IN (SELECT ` + q(c.key) + ` FROM ` + q(c.table) +
		` WHERE ` + q(c.status) + ` IS NULL OR ` + q(c.status) + ` = ` + pending +
		` OR (` + q(c.status) + ` = ` + claimed + ` AND ` + q(c.claimedAt) + ` < strftime('%Y-%m-%d %H:%M:%f', 'now', ` + expiry + `))` +
		` ORDER BY ` + q(c.key) + ` LIMIT ` + n + `) RETURNING ` + c.selectList(d, "", false)
	return stmt{sql: sql, args: a.list}
}

func (d sqliteDialect) insertResults(t tableIdents, rows []Result) (stmt, error) {
	a := &args{d: d}
	if err := addResultArgs(a, rows); err != nil {
		return stmt{}, err
	}
	sql := `INSERT INTO ` + d.quote(t.results) + ` (` + quoteCols(d, "", resultColumns) + `) VALUES ` +
		valuesRows(d, len(rows), len(resultColumns), 1) + ` ON CONFLICT (source, source_key) DO NOTHING`
	return stmt{sql: sql, args: a.list}, nil
}

func (d sqliteDialect) insertRejects(t tableIdents, rows []Reject) stmt {
	a := &args{d: d}
	addRejectArgs(a, rows)
	sql := `INSERT INTO ` + d.quote(t.rejects) + ` (` + quoteCols(d, "", rejectColumns) + `) VALUES ` +
		valuesRows(d, len(rows), len(rejectColumns), 1) + ` ON CONFLICT (source, source_key) DO NOTHING`
	return stmt{sql: sql, args: a.list}
}

func (d sqliteDialect) saveCheckpoint(t tableIdents, source string, cp Checkpoint) stmt {
	tbl := d.quote(t.checkpoints)
	return stmt{
		sql: `INSERT INTO ` + tbl + ` (source, last_key, last_rowversion, updated_at) VALUES (?1, ?2, NULL, ` + sqliteNow + `)
ON CONFLICT (source) DO UPDATE SET
	last_key = CASE WHEN last_key IS NULL OR last_key < excluded.last_key THEN excluded.last_key ELSE last_key END,
	updated_at = excluded.updated_at`,
		args: []any{source, cp.Key},
	}
}

func (d sqliteDialect) insertOverride(t tableIdents, o Override) stmt {
	a := &args{d: d}
	cols := []string{"result_id", "old_grade", "new_grade", "reason", "os_user", "operator", "workstation", "model_name", "model_sha256"}
	addOverrideArgs(a, o)
	return stmt{
		sql: `INSERT INTO ` + d.quote(t.overrides) + ` (` + quoteCols(d, "", cols) + `) VALUES ` +
			valuesRows(d, 1, len(cols), 1) + ` RETURNING id, overridden_at`,
		args: a.list,
	}
}
