package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// Migrate creates or upgrades the tables Gradewatch owns to the current
// schema version. Each version runs in one transaction together with the
// row recording it, so it is applied once: a second Migrate does nothing.
// Migrations only create; they never drop data and never touch source
// tables. Concurrent Migrate calls (two consoles starting) wait for each
// other.
func (s *Store) Migrate(ctx context.Context) error {
	for _, m := range s.d.migrations(s.t) {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", m.version, m.description, err)
		}
	}
	return nil
}

// apply runs m unless its version is recorded already.
func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // no-op after Commit
	if lock := s.d.lockMigrations(); lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return fmt.Errorf("wait for another migration: %w", err)
		}
	}
	// Created inside the locked transaction: two consoles starting on a new
	// database must not both find it missing.
	vt := s.d.createVersionTable(s.t)
	if _, err := tx.ExecContext(ctx, vt.sql, vt.args...); err != nil {
		return fmt.Errorf("create %s: %w", s.t.schemaVersion, err)
	}
	var done int
	a := &args{d: s.d}
	check := `SELECT COUNT(*) FROM ` + s.d.quote(s.t.schemaVersion) + ` WHERE version = ` + a.add(m.version)
	if err := tx.QueryRowContext(ctx, check, a.list...).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	for _, st := range m.stmts {
		if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			return err
		}
	}
	a = &args{d: s.d}
	rec := `INSERT INTO ` + s.d.quote(s.t.schemaVersion) + ` (version, description) VALUES (` + a.add(m.version) + `, ` + a.add(m.description) + `)`
	if _, err := tx.ExecContext(ctx, rec, a.list...); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the highest applied migration version, 0 if none
// (or if Migrate never ran). It changes nothing.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	ex := s.d.tableExists(s.t.schemaVersion)
	var n int
	if err := s.db.QueryRowContext(ctx, ex.sql, ex.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("read schema version: look for %s: %w", s.t.schemaVersion, err)
	}
	if n == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	q := `SELECT MAX(version) FROM ` + s.d.quote(s.t.schemaVersion)
	if err := s.db.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version from %s: %w", s.t.schemaVersion, err)
	}
	return int(v.Int64), nil
}

// LatestSchemaVersion is the version Migrate brings the database to.
func (s *Store) LatestSchemaVersion() int {
	ms := s.d.migrations(s.t)
	return ms[len(ms)-1].version
}
