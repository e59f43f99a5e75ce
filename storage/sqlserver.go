package storage

import (
	"time"

	"github.com/golang-sql/civil"
)

// sqlserverDialect is SQL Server 2016 or later (go-mssqldb). Times are
// DATETIME2(3) in UTC from SYSUTCDATETIME(); text is NVARCHAR; payloads are
// VARBINARY(MAX). Upserts are written as insert-where-not-exists and
// update-then-insert under UPDLOCK, HOLDLOCK: never MERGE.
type sqlserverDialect struct{}

func (sqlserverDialect) name() string            { return DriverSQLServer }
func (sqlserverDialect) quote(id Ident) string   { return id.quoteBracket() }
func (sqlserverDialect) param(i int) string      { return "@p" + itoa(i) }
func (d sqlserverDialect) seqParam(i int) string { return d.param(i) }
func (sqlserverDialect) now() string             { return "SYSUTCDATETIME()" }

// timeArg sends a civil.DateTime, which go-mssqldb types as DATETIME2, so
// comparisons with DATETIME2 columns need no conversion of the column.
func (sqlserverDialect) timeArg(t time.Time) any { return civil.DateTimeOf(t.UTC()) }
func (sqlserverDialect) keyText(expr string) string {
	return "CAST(" + expr + " AS NVARCHAR(200))"
}
func (sqlserverDialect) top(n string) string { return "TOP (" + n + ") " }
func (sqlserverDialect) limit(string) string { return "" }
func (sqlserverDialect) lockRow() string     { return " WITH (UPDLOCK, ROWLOCK)" }
func (sqlserverDialect) hourBucket(col string) string {
	const epoch = "CAST('2000-01-01' AS DATETIME2(3))"
	return "DATEADD(hour, DATEDIFF(hour, " + epoch + ", " + col + "), " + epoch + ")"
}

func (sqlserverDialect) ago(a *args, d time.Duration) string {
	return `DATEADD(second, -` + a.add(int64(d/time.Second)) + `, SYSUTCDATETIME())`
}

// lockMigrations takes an application lock owned by the migration
// transaction, so two consoles starting together migrate one after the
// other.
func (sqlserverDialect) lockMigrations() string {
	return `DECLARE @rc INT;
EXEC @rc = sp_getapplock @Resource = N'gradewatch/migrate', @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 60000;
IF @rc < 0 THROW 51002, N'another Gradewatch has been migrating this database for a minute: try again when it is done', 1;`
}

// maxRows keeps an insert under SQL Server's 2,100 parameters and 1,000
// rows of a table value constructor.
func (sqlserverDialect) maxRows(cols int) int { return min(1000, 2000/cols) }

func (d sqlserverDialect) tableExists(t Ident) stmt {
	return stmt{sql: `SELECT CASE WHEN OBJECT_ID(@p1, N'U') IS NULL THEN 0 ELSE 1 END`, args: []any{d.quote(t)}}
}

func (d sqlserverDialect) createVersionTable(t tableIdents) stmt {
	return stmt{
		sql: `IF OBJECT_ID(@p1, N'U') IS NULL CREATE TABLE ` + d.quote(t.schemaVersion) + ` (
	[version] INT NOT NULL PRIMARY KEY,
	[description] NVARCHAR(400) NOT NULL,
	[applied_at] DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME()
)`,
		args: []any{d.quote(t.schemaVersion)},
	}
}

// ifNoTable guards a CREATE TABLE so that a table created by hand (or by a
// migration interrupted outside a transaction) is left alone.
func (d sqlserverDialect) ifNoTable(t Ident, create string) stmt {
	return stmt{sql: `IF OBJECT_ID(@p1, N'U') IS NULL ` + create, args: []any{d.quote(t)}}
}

// ifNoIndex guards a CREATE INDEX.
func (d sqlserverDialect) ifNoIndex(t Ident, index, cols string) stmt {
	return stmt{
		sql: `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = @p1 AND object_id = OBJECT_ID(@p2)) CREATE INDEX ` +
			d.quote(Ident{Name: index}) + ` ON ` + d.quote(t) + ` ` + cols,
		args: []any{index, d.quote(t)},
	}
}

func (d sqlserverDialect) migrations(t tableIdents) []migration {
	q := d.quote
	res, ovr, cp, rej, lck := t.results, t.overrides, t.checkpoints, t.rejects, t.locks
	return []migration{{
		version:     1,
		description: "results, override audit, checkpoints, rejects, poller leases",
		stmts: []stmt{
			d.ifNoTable(res, `CREATE TABLE `+q(res)+` (
	[id] BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY,
	[source] NVARCHAR(128) NOT NULL,
	[source_key] NVARCHAR(200) NOT NULL,
	[metadata] NVARCHAR(MAX) NOT NULL DEFAULT N'{}',
	[predicted] NVARCHAR(64) NOT NULL,
	[confidence] FLOAT NOT NULL,
	[probs] NVARCHAR(MAX) NOT NULL DEFAULT N'[]',
	[labels] NVARCHAR(MAX) NOT NULL DEFAULT N'[]',
	[model_name] NVARCHAR(256) NOT NULL DEFAULT N'',
	[model_sha256] NVARCHAR(64) NOT NULL DEFAULT N'',
	[image_path] NVARCHAR(1024) NOT NULL DEFAULT N'',
	[flagged] BIT NOT NULL DEFAULT 0,
	[graded_at] DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME(),
	[final_grade] NVARCHAR(64) NOT NULL,
	[reviewed_at] DATETIME2(3) NULL,
	UNIQUE ([source], [source_key])
)`),
			d.ifNoIndex(res, "ix_"+res.Name+"_graded_at", "([graded_at])"),
			d.ifNoIndex(res, "ix_"+res.Name+"_source_id", "([source], [id])"),
			d.ifNoIndex(res, "ix_"+res.Name+"_review", "([reviewed_at], [id]) INCLUDE ([confidence], [flagged])"),
			d.ifNoTable(ovr, `CREATE TABLE `+q(ovr)+` (
	[id] BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY,
	[result_id] BIGINT NOT NULL REFERENCES `+q(res)+` ([id]),
	[old_grade] NVARCHAR(64) NOT NULL,
	[new_grade] NVARCHAR(64) NOT NULL,
	[reason] NVARCHAR(1000) NOT NULL,
	[os_user] NVARCHAR(256) NOT NULL,
	[operator] NVARCHAR(256) NOT NULL,
	[workstation] NVARCHAR(256) NOT NULL,
	[model_name] NVARCHAR(256) NOT NULL,
	[model_sha256] NVARCHAR(64) NOT NULL,
	[overridden_at] DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME()
)`),
			d.ifNoIndex(ovr, "ix_"+ovr.Name+"_result", "([result_id], [id])"),
			// CREATE TRIGGER must open its batch, so it stands alone; the
			// migration's version row makes sure it runs once.
			{sql: `CREATE TRIGGER ` + q(derived(ovr, "tr_", "_append_only")) + ` ON ` + q(ovr) + ` INSTEAD OF UPDATE, DELETE AS
BEGIN
	SET NOCOUNT ON;
	THROW 51000, N'the override audit is append-only: rows cannot be changed or deleted', 1;
END`},
			d.ifNoTable(cp, `CREATE TABLE `+q(cp)+` (
	[source] NVARCHAR(128) NOT NULL PRIMARY KEY,
	[last_key] BIGINT NULL,
	[last_rowversion] BINARY(8) NULL,
	[updated_at] DATETIME2(3) NOT NULL
)`),
			d.ifNoTable(rej, `CREATE TABLE `+q(rej)+` (
	[id] BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY,
	[source] NVARCHAR(128) NOT NULL,
	[source_key] NVARCHAR(200) NOT NULL,
	[reason] NVARCHAR(1000) NOT NULL,
	[rejected_at] DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME(),
	UNIQUE ([source], [source_key])
)`),
			d.ifNoTable(lck, `CREATE TABLE `+q(lck)+` (
	[name] NVARCHAR(200) NOT NULL PRIMARY KEY,
	[owner] NVARCHAR(256) NOT NULL,
	[expires_at] DATETIME2(3) NOT NULL
)`),
		},
	}}
}

// fetchRowversion reads rows above the last rowversion and below
// MIN_ACTIVE_ROWVERSION(), so a row of a transaction still open, whose
// rowversion is lower than a committed one, is not skipped: it is read
// once that transaction ends.
func (d sqlserverDialect) fetchRowversion(c *compiledSource, t tableIdents, limit int) (stmt, error) {
	a := &args{d: d}
	q := d.quote
	n := a.add(int64(limit))
	src := a.add(c.Name)
	last := `COALESCE((SELECT [last_rowversion] FROM ` + q(t.checkpoints) + ` WHERE [source] = ` + src + `), 0x0000000000000000)`
	sql := `SELECT ` + d.top(n) + c.selectList(d, "s.", true) + ` FROM ` + q(c.table) + ` AS s WHERE s.` + q(c.rowversion) + ` > ` + last +
		` AND s.` + q(c.rowversion) + ` < MIN_ACTIVE_ROWVERSION()` + unresolved(d, c, t, "s.", src) +
		` ORDER BY s.` + q(c.rowversion)
	return stmt{sql: sql, args: a.list}, nil
}

// fetchClaim claims up to limit waiting rows (status NULL or pending, or
// claimed with an expired lease). READPAST skips rows another console is
// claiming right now, UPDLOCK keeps two consoles from claiming one row.
// The claimed keys go through OUTPUT ... INTO a table variable, because a
// plain OUTPUT fails on a source table that has triggers; the rows are
// then read by key.
func (d sqlserverDialect) fetchClaim(c *compiledSource, owner string, limit int) stmt {
	a := &args{d: d}
	q := d.quote
	n := a.add(int64(limit))
	claimed := a.add(StatusClaimed)
	pending := a.add(StatusPending)
	lease := a.add(int64(c.LeaseTimeout / time.Second))
	set := q(c.status) + ` = ` + claimed + `, ` + q(c.claimedAt) + ` = SYSUTCDATETIME()`
	if c.claimedBy != (Ident{}) {
		set += `, ` + q(c.claimedBy) + ` = ` + a.add(owner)
	}
	sql := `SET NOCOUNT ON;
DECLARE @claimed TABLE ([k] NVARCHAR(200) NOT NULL PRIMARY KEY);
UPDATE TOP (` + n + `) ` + q(c.table) + ` WITH (ROWLOCK, READPAST, UPDLOCK) SET ` + set +
		` OUTPUT ` + d.keyText("inserted."+q(c.key)) + ` INTO @claimed ([k])` +
		` WHERE ` + q(c.status) + ` IS NULL OR ` + q(c.status) + ` = ` + pending +
		` OR (` + q(c.status) + ` = ` + claimed + ` AND ` + q(c.claimedAt) + ` < DATEADD(second, -` + lease + `, SYSUTCDATETIME()));
SELECT ` + c.selectList(d, "s.", false) + ` FROM ` + q(c.table) + ` AS s WHERE s.` + q(c.key) + ` IN (SELECT [k] FROM @claimed) ORDER BY s.` + q(c.key) + `;
SET NOCOUNT OFF;`
	return stmt{sql: sql, args: a.list}
}

// insertResults inserts the rows whose (source, source_key) is not stored
// yet. UPDLOCK, HOLDLOCK on the existence check holds a key-range lock
// until commit, so two sessions cannot both find a key missing.
func (d sqlserverDialect) insertResults(t tableIdents, rows []Result) (stmt, error) {
	a := &args{d: d}
	if err := addResultArgs(a, rows); err != nil {
		return stmt{}, err
	}
	return stmt{sql: d.insertMissing(t.results, resultColumns, len(rows)), args: a.list}, nil
}

func (d sqlserverDialect) insertRejects(t tableIdents, rows []Reject) stmt {
	a := &args{d: d}
	addRejectArgs(a, rows)
	return stmt{sql: d.insertMissing(t.rejects, rejectColumns, len(rows)), args: a.list}
}

func (d sqlserverDialect) insertMissing(table Ident, cols []string, rows int) string {
	q := d.quote
	return `INSERT INTO ` + q(table) + ` (` + quoteCols(d, "", cols) + `) SELECT ` + quoteCols(d, "v.", cols) +
		` FROM (VALUES ` + valuesRows(d, rows, len(cols), 1) + `) AS v (` + quoteCols(d, "", cols) + `)` +
		` WHERE NOT EXISTS (SELECT 1 FROM ` + q(table) + ` AS r WITH (UPDLOCK, HOLDLOCK) WHERE r.[source] = v.[source] AND r.[source_key] = v.[source_key])`
}

// saveCheckpoint updates the row under UPDLOCK, HOLDLOCK and inserts it
// when there was none; the value only moves forward.
func (d sqlserverDialect) saveCheckpoint(t tableIdents, source string, cp Checkpoint) stmt {
	tbl := d.quote(t.checkpoints)
	if cp.Rowversion != nil {
		return stmt{
			sql: `UPDATE ` + tbl + ` WITH (UPDLOCK, HOLDLOCK) SET [last_rowversion] = CASE WHEN [last_rowversion] IS NULL OR [last_rowversion] < @p2 THEN @p2 ELSE [last_rowversion] END, [updated_at] = SYSUTCDATETIME() WHERE [source] = @p1;
IF @@ROWCOUNT = 0 INSERT INTO ` + tbl + ` ([source], [last_rowversion], [updated_at]) VALUES (@p1, @p2, SYSUTCDATETIME());`,
			args: []any{source, cp.Rowversion},
		}
	}
	return stmt{
		sql: `UPDATE ` + tbl + ` WITH (UPDLOCK, HOLDLOCK) SET [last_key] = CASE WHEN [last_key] IS NULL OR [last_key] < @p2 THEN @p2 ELSE [last_key] END, [updated_at] = SYSUTCDATETIME() WHERE [source] = @p1;
IF @@ROWCOUNT = 0 INSERT INTO ` + tbl + ` ([source], [last_key], [updated_at]) VALUES (@p1, @p2, SYSUTCDATETIME());`,
		args: []any{source, cp.Key},
	}
}

func (d sqlserverDialect) insertOverride(t tableIdents, o Override) stmt {
	a := &args{d: d}
	cols := []string{"result_id", "old_grade", "new_grade", "reason", "os_user", "operator", "workstation", "model_name", "model_sha256"}
	addOverrideArgs(a, o)
	return stmt{
		// OUTPUT goes INTO a table variable: a plain OUTPUT is refused on a
		// table with triggers, and the audit table has one.
		sql: `SET NOCOUNT ON;
DECLARE @out TABLE ([id] BIGINT, [overridden_at] DATETIME2(3));
INSERT INTO ` + d.quote(t.overrides) + ` (` + quoteCols(d, "", cols) + `) OUTPUT inserted.[id], inserted.[overridden_at] INTO @out ([id], [overridden_at]) VALUES ` +
			valuesRows(d, 1, len(cols), 1) + `;
SELECT [id], [overridden_at] FROM @out;
SET NOCOUNT OFF;`,
		args: a.list,
	}
}
