package storage

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	mssql "github.com/microsoft/go-mssqldb"
	"modernc.org/sqlite"
)

// SQLite primary result codes that mean "try again".
const (
	sqliteBusy   = 5 // SQLITE_BUSY: another connection holds the lock
	sqliteLocked = 6 // SQLITE_LOCKED: a conflict within the connection
)

// SQL Server error numbers that mean "try again".
var transientSQLServer = map[int32]bool{
	1205:  true, // chosen as deadlock victim
	1222:  true, // lock request time out
	-2:    true, // client timeout
	233:   true, // no process on the other end of the pipe
	64:    true, // the specified network name is no longer available
	10053: true, // connection aborted by the software in the host
	10054: true, // connection reset by peer
	10060: true, // connection timed out
	10928: true, // Azure SQL: resource limit
	10929: true, // Azure SQL: resource limit
	40197: true, // Azure SQL: service error processing the request
	40501: true, // Azure SQL: service busy
	40613: true, // Azure SQL: database not currently available
	49918: true, // Azure SQL: not enough resources
	49919: true, // Azure SQL: too many create or update operations
	49920: true, // Azure SQL: too many operations
	4060:  true, // cannot open database (often while it is starting or failing over)
}

// IsTransient reports whether err is worth retrying after a pause: SQLite
// busy or locked, SQL Server deadlock (1205) or lock timeout (1222),
// timeouts, connection resets and refused connections. A cancelled
// context is not transient: the caller asked to stop.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff // extended codes keep the primary code in the low byte
		return code == sqliteBusy || code == sqliteLocked
	}
	var me mssql.Error
	if errors.As(err, &me) {
		return transientSQLServer[me.Number]
	}
	var mep *mssql.Error
	if errors.As(err, &mep) && mep != nil {
		return transientSQLServer[mep.Number]
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ETIMEDOUT) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true // dial, read or write on the network failed
	}
	// go-mssqldb reports some connection failures only as text.
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"connection reset", "broken pipe", "i/o timeout", "unable to open tcp connection", "database is locked"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
