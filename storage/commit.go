package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"
)

// CommitBatch stores results and rejects of src and moves its checkpoint
// to cp (never backwards), in one transaction: either all of it is stored
// or none. It is idempotent: results and rejects are unique on (source,
// source key), so rows already stored are left as they are. A zero cp
// leaves the checkpoint alone (use it for the reconciliation sweep). In
// claim mode the source rows' status becomes done or rejected in the same
// transaction.
//
// Result.Source and Reject.Source may be left empty; they are set to
// src.Name. Of several results (or rejects) for one key only the first is
// kept.
func (s *Store) CommitBatch(ctx context.Context, src Source, results []Result, rejects []Reject, cp Checkpoint) error {
	c, err := src.compile()
	if err != nil {
		return err
	}
	results, rejects, err = normaliseBatch(c.Name, results, rejects)
	if err != nil {
		return err
	}
	saveCP := (c.Mode == ModeKey && cp.Key != 0) || (c.Mode == ModeRowversion && cp.Rowversion != nil)
	if len(results) == 0 && len(rejects) == 0 && !saveCP {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("commit batch of source %q: begin: %w", c.Name, err)
	}
	defer tx.Rollback() // no-op after Commit
	if err := s.commitInTx(ctx, tx, c, results, rejects, cp, saveCP); err != nil {
		return fmt.Errorf("commit batch of source %q: %w", c.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit batch of source %q: %w", c.Name, err)
	}
	return nil
}

func (s *Store) commitInTx(ctx context.Context, tx *sql.Tx, c *compiledSource, results []Result, rejects []Reject, cp Checkpoint, saveCP bool) error {
	step := s.d.maxRows(len(resultColumns))
	for i := 0; i < len(results); i += step {
		st, err := s.d.insertResults(s.t, results[i:min(i+step, len(results))])
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("insert results: %w", err)
		}
	}
	step = s.d.maxRows(len(rejectColumns))
	for i := 0; i < len(rejects); i += step {
		st := s.d.insertRejects(s.t, rejects[i:min(i+step, len(rejects))])
		if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("insert rejects: %w", err)
		}
	}
	if c.Mode == ModeClaim {
		keys := make([]string, 0, len(results))
		for _, r := range results {
			keys = append(keys, r.SourceKey)
		}
		if err := s.setStatus(ctx, tx, c, StatusDone, keys); err != nil {
			return err
		}
		keys = keys[:0]
		for _, r := range rejects {
			keys = append(keys, r.SourceKey)
		}
		if err := s.setStatus(ctx, tx, c, StatusRejected, keys); err != nil {
			return err
		}
	}
	if saveCP {
		st := s.d.saveCheckpoint(s.t, c.Name, cp)
		if _, err := tx.ExecContext(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("save checkpoint: %w", err)
		}
	}
	return nil
}

// setStatus sets the claim status of the source rows with the given keys.
func (s *Store) setStatus(ctx context.Context, tx *sql.Tx, c *compiledSource, status string, keys []string) error {
	const chunk = 1000 // SQL Server takes at most 2,100 parameters
	q := s.d.quote
	for i := 0; i < len(keys); i += chunk {
		part := keys[i:min(i+chunk, len(keys))]
		a := &args{d: s.d}
		st := a.add(status)
		ph := make([]string, len(part))
		for j, k := range part {
			ph[j] = a.add(k)
		}
		sqlText := `UPDATE ` + q(c.table) + ` SET ` + q(c.status) + ` = ` + st + ` WHERE ` + q(c.key) + ` IN (` + strings.Join(ph, ", ") + `)`
		if _, err := tx.ExecContext(ctx, sqlText, a.list...); err != nil {
			return fmt.Errorf("set status %s in %s: %w", status, c.table, err)
		}
	}
	return nil
}

// normaliseBatch fills in and checks the source names and drops repeated
// keys (the first of each stays), so one statement never inserts a key
// twice.
func normaliseBatch(source string, results []Result, rejects []Reject) ([]Result, []Reject, error) {
	seen := make(map[string]bool, len(results)+len(rejects))
	outRes := make([]Result, 0, len(results))
	for _, r := range results {
		if r.Source == "" {
			r.Source = source
		}
		if r.Source != source {
			return nil, nil, fmt.Errorf("commit batch of source %q: result %s belongs to source %q: commit each source's results on their own", source, r.SourceKey, r.Source)
		}
		if seen[r.SourceKey] {
			continue
		}
		seen[r.SourceKey] = true
		outRes = append(outRes, r)
	}
	outRej := make([]Reject, 0, len(rejects))
	for _, r := range rejects {
		if r.Source == "" {
			r.Source = source
		}
		switch {
		case r.Source != source:
			return nil, nil, fmt.Errorf("commit batch of source %q: reject %s belongs to source %q: commit each source's rejects on their own", source, r.SourceKey, r.Source)
		case r.SourceKey == "" || len(r.SourceKey) > 200:
			return nil, nil, fmt.Errorf("commit batch of source %q: reject key %q must be 1 to 200 bytes", source, r.SourceKey)
		case seen[r.SourceKey]: // graded or rejected already in this batch
			continue
		}
		seen[r.SourceKey] = true
		r.Reason = truncate(r.Reason, 1000)
		outRej = append(outRej, r)
	}
	return outRes, outRej, nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ReleaseClaims hands claimed rows of a claim-mode source back to the
// queue (status pending) without grading them, so another console can take
// them at once instead of after the lease: call it when stopping with
// claimed scans not yet committed. Rows already done, rejected or claimed
// by another console (when src.ClaimedByColumn is set) are left alone.
func (s *Store) ReleaseClaims(ctx context.Context, src Source, keys []string) error {
	c, err := src.compile()
	if err != nil {
		return err
	}
	if c.Mode != ModeClaim {
		return fmt.Errorf("release claims of source %q: it is in %s mode, not claim mode", c.Name, c.Mode)
	}
	const chunk = 1000 // SQL Server takes at most 2,100 parameters
	q := s.d.quote
	for i := 0; i < len(keys); i += chunk {
		part := keys[i:min(i+chunk, len(keys))]
		a := &args{d: s.d}
		pending, claimed := a.add(StatusPending), a.add(StatusClaimed)
		mine := ""
		if c.claimedBy != (Ident{}) {
			mine = ` AND ` + q(c.claimedBy) + ` = ` + a.add(ownerID())
		}
		ph := make([]string, len(part))
		for j, k := range part {
			ph[j] = a.add(k)
		}
		sqlText := `UPDATE ` + q(c.table) + ` SET ` + q(c.status) + ` = ` + pending + ` WHERE ` + q(c.status) + ` = ` + claimed + mine +
			` AND ` + q(c.key) + ` IN (` + strings.Join(ph, ", ") + `)`
		if _, err := s.db.ExecContext(ctx, sqlText, a.list...); err != nil {
			return fmt.Errorf("release claims of source %q: %w", c.Name, err)
		}
	}
	return nil
}
