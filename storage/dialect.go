package storage

// dialect holds what differs between SQL Server and SQLite. Each dialect
// lives in its own file; every statement is built from validated, quoted
// identifiers and takes values only as parameters.
type dialect interface {
	// name is the driver name.
	name() string
	// quote quotes a validated identifier.
	quote(Ident) string
}

type sqliteDialect struct{}

func (sqliteDialect) name() string          { return DriverSQLite }
func (sqliteDialect) quote(id Ident) string { return id.quoteDouble() }

type sqlserverDialect struct{}

func (sqlserverDialect) name() string          { return DriverSQLServer }
func (sqlserverDialect) quote(id Ident) string { return id.quoteBracket() }
