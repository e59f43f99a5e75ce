package storage

import (
	"strconv"
	"strings"
	"time"
)

// dialect holds what differs between SQL Server and SQLite. Each dialect
// lives in its own file (sqlite.go, sqlserver.go); both must pass the one
// conformance suite. Every statement is built from validated, quoted
// identifiers and takes values only as parameters.
type dialect interface {
	// name is the driver name.
	name() string
	// quote quotes a validated identifier.
	quote(Ident) string
	// param is the placeholder of the i-th argument, from 1.
	param(i int) string
	// seqParam is the placeholder of the i-th argument in a statement
	// that uses every argument once, in order: SQLite's anonymous "?",
	// whose binding does not slow down with thousands of parameters as
	// numbered ones do.
	seqParam(i int) string
	// now is the expression for the server's current UTC time.
	now() string
	// ago is the expression of the server's UTC time d ago, whole
	// seconds, taking its argument from a.
	ago(a *args, d time.Duration) string
	// timeArg converts a time to the parameter type of the dialect's
	// time columns.
	timeArg(time.Time) any
	// keyText casts a key expression to text, the type of source_key.
	keyText(expr string) string
	// top and limit bound a SELECT: one of them returns "".
	top(n string) string
	limit(n string) string
	// hourBucket is the expression of the UTC hour a time column falls in.
	hourBucket(col string) string
	// lockRow is the hint that locks rows read in a write transaction.
	lockRow() string

	// migrations returns the schema migrations, in version order.
	migrations(t tableIdents) []migration
	// tableExists counts (0 or 1) the tables named t.
	tableExists(t Ident) stmt
	// createVersionTable creates the schema version table if missing.
	createVersionTable(t tableIdents) stmt
	// lockMigrations serialises concurrent Migrate calls within a
	// transaction ("" when the transaction itself serialises them).
	lockMigrations() string

	// fetchRowversion, fetchClaim: the statements of those modes.
	fetchRowversion(c *compiledSource, t tableIdents, limit int) (stmt, error)
	fetchClaim(c *compiledSource, owner string, limit int) stmt
	// insertResults and insertRejects insert rows that are not there yet.
	insertResults(t tableIdents, rows []Result) (stmt, error)
	insertRejects(t tableIdents, rows []Reject) stmt
	// saveCheckpoint moves the checkpoint forward, never backwards.
	saveCheckpoint(t tableIdents, source string, cp Checkpoint) stmt
	// insertOverride appends an audit row and returns its id and time.
	insertOverride(t tableIdents, o Override) stmt

	// maxRows is how many rows of cols columns one insert may carry.
	maxRows(cols int) int
}

// stmt is one SQL statement with its arguments.
type stmt struct {
	sql  string
	args []any
}

// migration is one schema version: statements run in one transaction.
type migration struct {
	version     int
	description string
	stmts       []stmt
}

// args collects query arguments and hands out their placeholders.
type args struct {
	d    dialect
	list []any
}

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	a.list = append(a.list, v)
	return a.d.param(len(a.list))
}

// resultColumns are the columns CommitBatch writes, in order.
var resultColumns = []string{
	"source", "source_key", "metadata", "predicted", "confidence", "probs", "labels",
	"model_name", "model_sha256", "image_path", "flagged", "final_grade",
}

// rejectColumns are the columns of a reject that CommitBatch writes.
var rejectColumns = []string{"source", "source_key", "reason"}

// quoteCols quotes plain column names and joins them with ", ", each
// prefixed by prefix (an alias and a dot, or "").
func quoteCols(d dialect, prefix string, cols []string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix)
		b.WriteString(d.quote(Ident{Name: c}))
	}
	return b.String()
}

// valuesRows writes "(p, p, ...), (...)" for n rows of cols columns, with
// placeholders numbered from first. The statement must use no other
// placeholders (see dialect.seqParam).
func valuesRows(d dialect, rows, cols, first int) string {
	var b strings.Builder
	n := first
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := 0; c < cols; c++ {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteString(d.seqParam(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// derived returns the name of an object (index, trigger) belonging to
// table: prefix + table name + suffix, in the table's schema.
func derived(table Ident, prefix, suffix string) Ident {
	return Ident{Schema: table.Schema, Name: prefix + table.Name + suffix}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Both dialects implement dialect.
var (
	_ dialect = sqliteDialect{}
	_ dialect = sqlserverDialect{}
)
