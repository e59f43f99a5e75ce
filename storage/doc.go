// Package storage reads source tables and writes results, checkpoints,
// rejects and the override audit, in two SQL dialects: SQL Server through
// github.com/microsoft/go-mssqldb and embedded SQLite through modernc.org/sqlite.
package storage
