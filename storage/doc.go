// Package storage reads source tables and writes results, checkpoints,
// rejects and the override audit, in two SQL dialects: SQL Server 2016+
// through github.com/microsoft/go-mssqldb and embedded SQLite through
// modernc.org/sqlite (pure Go). The dialects differ only in sqlite.go and
// sqlserver.go; one conformance suite runs on both (SQL Server when
// SQLSERVER_DSN is set).
//
// A *Store is opened with Open and prepared with Migrate, which creates and
// versions the tables Gradewatch owns (results, override audit, per-source
// checkpoints, rejects, poller leases, schema version). Source tables are
// never altered; in claim mode their status columns are updated.
// CheckSource checks a source description against the database.
//
// The grading loop of one source is:
//
//	lock, err := st.AcquirePoller(ctx, src.Name, owner, ttl) // key and rowversion modes: one poller per source
//	batch, err := st.FetchScans(ctx, src, 100)                // new rows after the checkpoint
//	... grade batch.Scans into results and rejects ...
//	err = st.CommitBatch(ctx, src, results, rejects, batch.Checkpoint) // one transaction, idempotent
//	err = lock.Renew(ctx)
//
// Results and rejects are unique on (source, source key), so committing
// the same batch twice, or again after a crash, stores each result once;
// results, rejects and the checkpoint commit in one transaction. Pending
// counts the source rows with neither result nor reject, and
// FetchUnresolved returns them for a reconciliation sweep.
//
// The console reads results with Results, ReviewQueue, Overrides,
// GradeCounts and ScansPerHour, and records decisions with Override (an
// append-only audit row plus the new final grade). EachResult streams
// results for export. Tables that are not Gradewatch's own (the demo
// workspace's source tables, in package app/demo) are made with the
// generic CreateTable, Quote, NowSQL and InsertTx.
//
// Identifiers from configuration (table and column names) are validated
// with ParseIdent and quoted for the dialect: [brackets] on SQL Server,
// "double quotes" on SQLite. Values are always query parameters.
//
// Errors worth retrying (database busy or locked, deadlock, timeout,
// connection reset or refused) are recognised by IsTransient.
package storage
