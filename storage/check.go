package storage

import (
	"context"
	"fmt"
	"strings"
)

// CheckSource checks src against the database without reading any rows:
// the description is valid, the mode is available on this driver, and the
// table (and points table) has every configured column. The error names
// the source, the table and the columns, for a settings screen or
// "gradewatch check".
func (s *Store) CheckSource(ctx context.Context, src Source) error {
	c, err := src.compile()
	if err != nil {
		return err
	}
	if c.Mode == ModeRowversion && s.driver != DriverSQLServer {
		return fmt.Errorf("source %q: mode rowversion needs SQL Server: use mode key or claim on %s: %w", c.Name, s.driver, ErrUnsupported)
	}
	cols := []Ident{c.key}
	for _, id := range []Ident{c.rowversion, c.status, c.claimedAt, c.claimedBy, c.payload, c.createdAt} {
		if id != (Ident{}) {
			cols = append(cols, id)
		}
	}
	cols = append(cols, c.meta...)
	if err := s.probe(ctx, c.table, cols); err != nil {
		return fmt.Errorf("source %q: %w", c.Name, err)
	}
	if p := c.points; p != nil {
		pcols := []Ident{p.key, p.value}
		for _, id := range []Ident{p.x, p.y, p.index} {
			if id != (Ident{}) {
				pcols = append(pcols, id)
			}
		}
		if err := s.probe(ctx, p.table, pcols); err != nil {
			return fmt.Errorf("source %q: points table: %w", c.Name, err)
		}
	}
	return nil
}

// probe selects cols from table with a condition that is never true.
func (s *Store) probe(ctx context.Context, table Ident, cols []Ident) error {
	quoted := make([]string, len(cols))
	names := make([]string, len(cols))
	for i, id := range cols {
		quoted[i] = s.d.quote(id)
		names[i] = id.Name
	}
	q := `SELECT ` + strings.Join(quoted, ", ") + ` FROM ` + s.d.quote(table) + ` WHERE 1 = 0`
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("table %s with columns %s cannot be read (check the table and column names in the configuration and the account's permissions): %w",
			table, strings.Join(names, ", "), err)
	}
	return rows.Close()
}
