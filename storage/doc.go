// Package storage reads source tables and writes results, checkpoints,
// rejects and the override audit, in two SQL dialects: SQL Server 2016+
// through github.com/microsoft/go-mssqldb and embedded SQLite through
// modernc.org/sqlite (pure Go).
//
// A *Store is opened with Open and prepared with Migrate, which creates and
// versions the tables Gradewatch owns (results, override audit, per-source
// checkpoints, rejects, poller leases, schema version). Source tables are
// never altered; in claim mode their status columns are updated.
//
// The grading loop of one source is:
//
//	batch, err := st.FetchScans(ctx, src, 100)   // new rows after the checkpoint
//	... grade batch.Scans into results and rejects ...
//	err = st.CommitBatch(ctx, src, results, rejects, batch.Checkpoint) // one transaction, idempotent
//
// Results are unique on (source, source key), so committing the same batch
// twice, or a retry after a crash, stores each result once.
//
// Identifiers from configuration (table and column names) are validated
// with ParseIdent and quoted for the dialect: [brackets] on SQL Server,
// "double quotes" on SQLite. Values are always query parameters.
//
// Errors worth retrying (database busy or locked, deadlock, timeout,
// connection reset) are recognised by IsTransient.
package storage
