package storage

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "github.com/microsoft/go-mssqldb" // registers the "sqlserver" driver
	_ "modernc.org/sqlite"              // registers the "sqlite" driver
)

// Driver names accepted by Open.
const (
	DriverSQLite    = "sqlite"
	DriverSQLServer = "sqlserver"
)

// Store is a connection pool to one database holding Gradewatch's tables
// (and usually the source tables). It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	driver string
	d      dialect
	t      tableIdents

	mu      sync.Mutex
	lastNew map[string]time.Time // per key-mode source: when new rows last arrived
}

// Open opens a database and checks that it answers.
//
// driver "sqlite" takes a file path or a "file:" URI; WAL journaling, a
// busy timeout, foreign keys and immediate write transactions are set
// unless the DSN sets them. driver "sqlserver" takes any go-mssqldb DSN
// (URL, ADO or ODBC form); encryption is switched on when the DSN has no
// encrypt setting. Without a user name go-mssqldb uses Windows integrated
// authentication.
func Open(ctx context.Context, driver, dsn string, tables TableNames) (*Store, error) {
	ti, err := tables.parse()
	if err != nil {
		return nil, err
	}
	var d dialect
	switch driver {
	case DriverSQLite:
		dsn = sqliteDSN(dsn)
		d = sqliteDialect{}
	case DriverSQLServer:
		dsn = withEncrypt(dsn)
		d = sqlserverDialect{}
	default:
		return nil, fmt.Errorf("database driver %q: use %q or %q", driver, DriverSQLite, DriverSQLServer)
	}
	if strings.TrimSpace(dsn) == "" {
		return nil, fmt.Errorf("database %s: the connection string is empty: give a file path (sqlite) or a server DSN (sqlserver)", driver)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", driver, err)
	}
	if driver == DriverSQLite {
		// One writer at a time is all SQLite allows; a small pool keeps
		// readers concurrent under WAL without piling up busy writers.
		db.SetMaxOpenConns(4)
		if strings.Contains(dsn, ":memory:") || strings.Contains(dsn, "mode=memory") {
			db.SetMaxOpenConns(1) // each connection would be its own database
		}
	}
	if driver == DriverSQLServer {
		// Connections idle for long are dropped by firewalls and failovers;
		// renewing them beats finding out on the next poll.
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, driver: driver, d: d, t: ti}
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// Driver returns "sqlite" or "sqlserver".
func (s *Store) Driver() string { return s.driver }

// DB returns the underlying pool, for tests and tools that read the source
// tables directly. Gradewatch's own tables should be changed only through
// the Store's methods.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		if s.driver == DriverSQLServer && strings.Contains(strings.ToLower(err.Error()), "certificate") {
			return fmt.Errorf("connect to sqlserver database (the connection is encrypted: install the server's certificate on this PC, or set hostNameInCertificate; TrustServerCertificate=true only for a test server): %w", err)
		}
		return fmt.Errorf("connect to %s database: %w", s.driver, err)
	}
	return nil
}

// sqliteDSN turns a path or file: URI into a modernc.org/sqlite DSN with
// Gradewatch's connection settings added unless already present.
func sqliteDSN(dsn string) string {
	if dsn == "" {
		return ""
	}
	base, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return dsn // let the driver report the malformed DSN
	}
	pragmas := strings.ToLower(strings.Join(q["_pragma"], ";"))
	add := func(name, value string) {
		if !strings.Contains(pragmas, name) {
			q.Add("_pragma", name+"("+value+")")
		}
	}
	add("busy_timeout", "10000")
	if !strings.Contains(dsn, ":memory:") && !strings.Contains(dsn, "mode=memory") {
		add("journal_mode", "wal")
	}
	add("foreign_keys", "1")
	// NORMAL in WAL mode survives a killed process; a power cut may lose
	// the last commits, but results and their checkpoint go together, so
	// the lost scans are read and graded again: still exactly once.
	add("synchronous", "normal")
	// Without this SQLite reads a double-quoted name that matches no
	// column as a string literal, so a misspelt metadata column would
	// silently carry its own name as the value.
	q.Set("_dqs", "0")
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	return base + "?" + q.Encode()
}

// withEncrypt adds encrypt=true to a go-mssqldb DSN that has no encrypt
// setting, in the DSN's own form (URL query, or ADO/ODBC key=value pairs).
func withEncrypt(dsn string) string {
	if strings.HasPrefix(strings.ToLower(dsn), "sqlserver://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn // let the driver report the malformed DSN
		}
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "encrypt") {
				return dsn
			}
		}
		q.Set("encrypt", "true")
		u.RawQuery = q.Encode()
		return u.String()
	}
	for _, pair := range strings.Split(dsn, ";") {
		k, _, _ := strings.Cut(pair, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "encrypt" || k == "odbc:encrypt" {
			return dsn
		}
	}
	if strings.TrimSpace(dsn) == "" {
		return dsn
	}
	if !strings.HasSuffix(strings.TrimSpace(dsn), ";") {
		dsn += ";"
	}
	return dsn + "encrypt=true"
}
