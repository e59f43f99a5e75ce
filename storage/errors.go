package storage

import "errors"

// Sentinel errors, checked with errors.Is.
var (
	// ErrNotFound means the requested row (result, source) does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict means an override was based on a grade that another
	// operator has changed since it was read; reload and try again.
	ErrConflict = errors.New("storage: grade changed by someone else")
	// ErrLockHeld means another process is the active poller of a source.
	ErrLockHeld = errors.New("storage: another process is polling this source")
	// ErrLockLost means a poller lock expired or its connection dropped;
	// the holder must stop polling and try to acquire it again.
	ErrLockLost = errors.New("storage: poller lock lost")
	// ErrUnsupported means the operation or mode is not available on the
	// store's driver (for example rowversion mode on SQLite).
	ErrUnsupported = errors.New("storage: not supported by this driver")
)
