package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// This file holds the generic primitives for tables that are not
// Gradewatch's own, such as the demo workspace's source tables (package
// app/demo): create one, and insert rows in one transaction.

// Quote validates a table name ("table" or "schema.table", see ParseIdent)
// and quotes it for the store's dialect.
func (s *Store) Quote(table string) (string, error) {
	id, err := ParseIdent(table)
	if err != nil {
		return "", err
	}
	return s.d.quote(id), nil
}

// NowSQL is the SQL expression of the current UTC time in the form the
// store reads times back in, for a column's DEFAULT.
func (s *Store) NowSQL() string { return s.d.now() }

// CreateTable creates table unless a table of that name exists.
// definition is what follows the table name in CREATE TABLE, in the SQL of
// the store's dialect (see Driver): the parenthesised columns and
// constraints and, on SQLite, table options such as WITHOUT ROWID.
func (s *Store) CreateTable(ctx context.Context, table, definition string) error {
	id, err := ParseIdent(table)
	if err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	st := stmt{sql: `CREATE TABLE IF NOT EXISTS ` + s.d.quote(id) + ` ` + definition}
	if s.driver == DriverSQLServer {
		st = sqlserverDialect{}.ifNoTable(id, `CREATE TABLE `+s.d.quote(id)+` `+definition)
	}
	if _, err := s.db.ExecContext(ctx, st.sql, st.args...); err != nil {
		return fmt.Errorf("create table %s: %w", id, err)
	}
	return nil
}

// Inserter inserts rows inside the transaction of InsertTx.
type Inserter struct {
	tx *sql.Tx
	d  dialect
}

// InsertTx runs fn in one transaction: committed if fn returns nil, rolled
// back otherwise.
func (s *Store) InsertTx(ctx context.Context, fn func(*Inserter) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin insert: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	if err := fn(&Inserter{tx: tx, d: s.d}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit insert: %w", err)
	}
	return nil
}

// insertInto returns "INSERT INTO table (cols) " with validated names.
func (in *Inserter) insertInto(table string, cols []string) (Ident, string, error) {
	id, err := ParseIdent(table)
	if err != nil {
		return id, "", fmt.Errorf("insert: %w", err)
	}
	for _, c := range cols {
		if _, err := ParseColumn(c); err != nil {
			return id, "", fmt.Errorf("insert into %s: %w", id, err)
		}
	}
	return id, `INSERT INTO ` + in.d.quote(id) + ` (` + quoteCols(in.d, "", cols) + `) `, nil
}

// Rows inserts rows into table, each a value per column of cols, as many
// rows per statement as the dialect's parameter limit allows.
func (in *Inserter) Rows(ctx context.Context, table string, cols []string, rows [][]any) error {
	id, insert, err := in.insertInto(table, cols)
	if err != nil {
		return err
	}
	step := in.d.maxRows(len(cols))
	for i := 0; i < len(rows); i += step {
		part := rows[i:min(i+step, len(rows))]
		vals := make([]any, 0, len(part)*len(cols))
		for j, r := range part {
			if len(r) != len(cols) {
				return fmt.Errorf("insert into %s: row %d has %d values for %d columns", id, i+j, len(r), len(cols))
			}
			vals = append(vals, r...)
		}
		if _, err := in.tx.ExecContext(ctx, insert+`VALUES `+valuesRows(in.d, len(part), len(cols), 1), vals...); err != nil {
			return fmt.Errorf("insert into %s: %w", id, err)
		}
	}
	return nil
}

// RowID inserts one row into table and returns the value the database
// assigned to its identity column idCol.
func (in *Inserter) RowID(ctx context.Context, table, idCol string, cols []string, vals []any) (int64, error) {
	id, insert, err := in.insertInto(table, cols)
	if err != nil {
		return 0, err
	}
	if _, err := ParseColumn(idCol); err != nil {
		return 0, fmt.Errorf("insert into %s: %w", id, err)
	}
	ph := make([]string, len(cols))
	for i := range ph {
		ph[i] = in.d.param(i + 1)
	}
	values := `VALUES (` + strings.Join(ph, ", ") + `)`
	q := insert + values + ` RETURNING ` + in.d.quote(Ident{Name: idCol})
	if in.d.name() == DriverSQLServer {
		q = insert + `OUTPUT inserted.` + in.d.quote(Ident{Name: idCol}) + ` ` + values
	}
	var n int64
	if err := in.tx.QueryRowContext(ctx, q, vals...).Scan(&n); err != nil {
		return 0, fmt.Errorf("insert into %s: %w", id, err)
	}
	return n, nil
}
