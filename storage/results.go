package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// resultSelect is the column list read into a Result, in scanResult order.
const resultSelect = `id, source, source_key, metadata, predicted, confidence, probs, labels, model_name, model_sha256, image_path, flagged, graded_at, final_grade, reviewed_at`

// selectResults is "SELECT [TOP (n)] <result columns> FROM results".
func (s *Store) selectResults(top string) string {
	return `SELECT ` + top + resultSelect + ` FROM ` + s.d.quote(s.t.results)
}

type rowScanner interface{ Scan(dest ...any) error }

func scanResult(row rowScanner) (Result, error) {
	var r Result
	var meta, probs, labels string
	var graded, reviewed strictTime
	if err := row.Scan(&r.ID, &r.Source, &r.SourceKey, &meta, &r.Predicted, &r.Confidence, &probs, &labels,
		&r.ModelName, &r.ModelSHA256, &r.ImagePath, &r.Flagged, &graded, &r.FinalGrade, &reviewed); err != nil {
		return Result{}, err
	}
	r.GradedAt, r.ReviewedAt = graded.t, reviewed.t
	if err := json.Unmarshal([]byte(meta), &r.Metadata); err != nil {
		return Result{}, fmt.Errorf("result %d: metadata is not a JSON object: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(probs), &r.Probs); err != nil {
		return Result{}, fmt.Errorf("result %d: probabilities are not a JSON array: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(labels), &r.Labels); err != nil {
		return Result{}, fmt.Errorf("result %d: labels are not a JSON array: %w", r.ID, err)
	}
	return r, nil
}

func (s *Store) queryResults(ctx context.Context, what, sqlText string, argv []any) ([]Result, error) {
	rows, err := s.db.QueryContext(ctx, sqlText, argv...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Result
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Result returns one result by ID, or ErrNotFound.
func (s *Store) Result(ctx context.Context, id int64) (Result, error) {
	a := &args{d: s.d}
	q := s.selectResults("") + ` WHERE id = ` + a.add(id)
	r, err := scanResult(s.db.QueryRowContext(ctx, q, a.list...))
	if errors.Is(err, sql.ErrNoRows) {
		return Result{}, fmt.Errorf("result %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Result{}, fmt.Errorf("read result %d: %w", id, err)
	}
	return r, nil
}

// ResultByKey returns the result of one source row, or ErrNotFound.
func (s *Store) ResultByKey(ctx context.Context, source, key string) (Result, error) {
	a := &args{d: s.d}
	q := s.selectResults("") + ` WHERE source = ` + a.add(source) + ` AND source_key = ` + a.add(key)
	r, err := scanResult(s.db.QueryRowContext(ctx, q, a.list...))
	if errors.Is(err, sql.ErrNoRows) {
		return Result{}, fmt.Errorf("result of %s/%s: %w", source, key, ErrNotFound)
	}
	if err != nil {
		return Result{}, fmt.Errorf("read result of %s/%s: %w", source, key, err)
	}
	return r, nil
}

// timeRange appends "graded_at >= from" and "graded_at < to" conditions
// for the non-zero bounds.
func (s *Store) timeRange(a *args, conds []string, col string, from, to time.Time) []string {
	if !from.IsZero() {
		conds = append(conds, col+` >= `+a.add(s.d.timeArg(from)))
	}
	if !to.IsZero() {
		conds = append(conds, col+` < `+a.add(s.d.timeArg(to)))
	}
	return conds
}

func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return ` WHERE ` + strings.Join(conds, " AND ")
}

// Results returns results matching f, newest first (highest ID first).
func (s *Store) Results(ctx context.Context, f ResultFilter) ([]Result, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > maxFetch:
		return nil, fmt.Errorf("results page size %d: give 1 to %d (0 means 100)", f.Limit, maxFetch)
	}
	a := &args{d: s.d}
	n := a.add(int64(limit))
	var conds []string
	if f.Source != "" {
		conds = append(conds, `source = `+a.add(f.Source))
	}
	if f.Grade != "" {
		conds = append(conds, `final_grade = `+a.add(f.Grade))
	}
	if f.BeforeID > 0 {
		conds = append(conds, `id < `+a.add(f.BeforeID))
	}
	conds = s.timeRange(a, conds, "graded_at", f.From, f.To)
	q := s.selectResults(s.d.top(n)) + where(conds) + ` ORDER BY id DESC` + s.d.limit(n)
	return s.queryResults(ctx, "list results", q, a.list)
}

// ReviewQueue returns up to limit results not yet reviewed whose
// confidence is below threshold or that are flagged, oldest first, and how
// many such results there are in all.
func (s *Store) ReviewQueue(ctx context.Context, threshold float64, limit int) ([]Result, int64, error) {
	if limit <= 0 || limit > maxFetch {
		return nil, 0, fmt.Errorf("review queue size %d: give 1 to %d", limit, maxFetch)
	}
	a := &args{d: s.d}
	n := a.add(int64(limit))
	cond := ` WHERE reviewed_at IS NULL AND (confidence < ` + a.add(threshold) + ` OR flagged = ` + a.add(true) + `)`
	q := s.selectResults(s.d.top(n)) + cond + ` ORDER BY id` + s.d.limit(n)
	list, err := s.queryResults(ctx, "read review queue", q, a.list)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	countQ := `SELECT COUNT(*) FROM ` + s.d.quote(s.t.results) + cond
	if err := s.db.QueryRowContext(ctx, countQ, a.list...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count review queue: %w", err)
	}
	return list, total, nil
}

// Override appends an audit row (old grade, new grade, reason, who, where,
// the grading model, server time) and sets the result's final grade and
// reviewed time, in one transaction. The prediction is never changed. A
// NewGrade equal to the current final grade records an acceptance. It
// returns the audit row, ErrNotFound for an unknown result, or
// ErrConflict when rec.SeenGrade no longer matches.
func (s *Store) Override(ctx context.Context, rec OverrideRecord) (Override, error) {
	switch {
	case rec.NewGrade == "" || len(rec.NewGrade) > 64:
		return Override{}, fmt.Errorf("override result %d: new grade %q must be 1 to 64 bytes", rec.ResultID, rec.NewGrade)
	case strings.TrimSpace(rec.Reason) == "":
		return Override{}, fmt.Errorf("override result %d: give a reason", rec.ResultID)
	case strings.TrimSpace(rec.Operator) == "" && strings.TrimSpace(rec.OSUser) == "":
		return Override{}, fmt.Errorf("override result %d: give the operator or OS user who decides", rec.ResultID)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Override{}, fmt.Errorf("override result %d: begin: %w", rec.ResultID, err)
	}
	defer tx.Rollback() // no-op after Commit
	o := Override{
		ResultID: rec.ResultID, NewGrade: rec.NewGrade, Reason: truncate(rec.Reason, 1000),
		OSUser: truncate(rec.OSUser, 256), Operator: truncate(rec.Operator, 256), Workstation: truncate(rec.Workstation, 256),
	}
	a := &args{d: s.d}
	sel := `SELECT final_grade, model_name, model_sha256 FROM ` + s.d.quote(s.t.results) + s.d.lockRow() + ` WHERE id = ` + a.add(rec.ResultID)
	err = tx.QueryRowContext(ctx, sel, a.list...).Scan(&o.OldGrade, &o.ModelName, &o.ModelSHA256)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Override{}, fmt.Errorf("override result %d: %w", rec.ResultID, ErrNotFound)
	case err != nil:
		return Override{}, fmt.Errorf("override result %d: read it: %w", rec.ResultID, err)
	case rec.SeenGrade != "" && rec.SeenGrade != o.OldGrade:
		return Override{}, fmt.Errorf("override result %d: it was %q when shown and is %q now: %w", rec.ResultID, rec.SeenGrade, o.OldGrade, ErrConflict)
	}
	ins := s.d.insertOverride(s.t, o)
	var at strictTime
	if err := tx.QueryRowContext(ctx, ins.sql, ins.args...).Scan(&o.ID, &at); err != nil {
		return Override{}, fmt.Errorf("override result %d: append audit row: %w", rec.ResultID, err)
	}
	o.At = at.t
	a = &args{d: s.d}
	upd := `UPDATE ` + s.d.quote(s.t.results) + ` SET final_grade = ` + a.add(o.NewGrade) + `, reviewed_at = ` + s.d.now() + ` WHERE id = ` + a.add(rec.ResultID)
	if _, err := tx.ExecContext(ctx, upd, a.list...); err != nil {
		return Override{}, fmt.Errorf("override result %d: set final grade: %w", rec.ResultID, err)
	}
	if err := tx.Commit(); err != nil {
		return Override{}, fmt.Errorf("override result %d: %w", rec.ResultID, err)
	}
	return o, nil
}

// Flag puts a result into the review queue (flagged true) or takes the
// flag off. It returns ErrNotFound for an unknown result.
func (s *Store) Flag(ctx context.Context, resultID int64, flagged bool) error {
	a := &args{d: s.d}
	q := `UPDATE ` + s.d.quote(s.t.results) + ` SET flagged = ` + a.add(flagged) + ` WHERE id = ` + a.add(resultID)
	res, err := s.db.ExecContext(ctx, q, a.list...)
	if err != nil {
		return fmt.Errorf("flag result %d: %w", resultID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("flag result %d: %w", resultID, ErrNotFound)
	}
	return nil
}

// Overrides returns the audit history of one result, oldest first.
func (s *Store) Overrides(ctx context.Context, resultID int64) ([]Override, error) {
	a := &args{d: s.d}
	q := `SELECT id, result_id, old_grade, new_grade, reason, os_user, operator, workstation, model_name, model_sha256, overridden_at FROM ` +
		s.d.quote(s.t.overrides) + ` WHERE result_id = ` + a.add(resultID) + ` ORDER BY id`
	rows, err := s.db.QueryContext(ctx, q, a.list...)
	if err != nil {
		return nil, fmt.Errorf("read overrides of result %d: %w", resultID, err)
	}
	defer rows.Close()
	var out []Override
	for rows.Next() {
		var o Override
		var at strictTime
		if err := rows.Scan(&o.ID, &o.ResultID, &o.OldGrade, &o.NewGrade, &o.Reason, &o.OSUser, &o.Operator,
			&o.Workstation, &o.ModelName, &o.ModelSHA256, &at); err != nil {
			return nil, fmt.Errorf("read overrides of result %d: %w", resultID, err)
		}
		o.At = at.t
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read overrides of result %d: %w", resultID, err)
	}
	return out, nil
}

// GradeCounts counts results per final grade graded in [from, to), with
// how many of them were overridden to a grade unlike the prediction; zero
// times do not bound. Grades are in ascending order.
func (s *Store) GradeCounts(ctx context.Context, from, to time.Time) ([]GradeCount, error) {
	a := &args{d: s.d}
	conds := s.timeRange(a, nil, "graded_at", from, to)
	q := `SELECT final_grade, COUNT(*), SUM(CASE WHEN final_grade <> predicted THEN 1 ELSE 0 END) FROM ` +
		s.d.quote(s.t.results) + where(conds) + ` GROUP BY final_grade ORDER BY final_grade`
	rows, err := s.db.QueryContext(ctx, q, a.list...)
	if err != nil {
		return nil, fmt.Errorf("count grades: %w", err)
	}
	defer rows.Close()
	var out []GradeCount
	for rows.Next() {
		var g GradeCount
		if err := rows.Scan(&g.Grade, &g.Count, &g.Overridden); err != nil {
			return nil, fmt.Errorf("count grades: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count grades: %w", err)
	}
	return out, nil
}

// ScansPerHour counts results per UTC hour graded in [from, to), hours
// without results left out, oldest first.
func (s *Store) ScansPerHour(ctx context.Context, from, to time.Time) ([]HourCount, error) {
	a := &args{d: s.d}
	conds := s.timeRange(a, nil, "graded_at", from, to)
	bucket := s.d.hourBucket("graded_at")
	q := `SELECT ` + bucket + `, COUNT(*) FROM ` + s.d.quote(s.t.results) + where(conds) + ` GROUP BY ` + bucket + ` ORDER BY ` + bucket
	rows, err := s.db.QueryContext(ctx, q, a.list...)
	if err != nil {
		return nil, fmt.Errorf("count scans per hour: %w", err)
	}
	defer rows.Close()
	var out []HourCount
	for rows.Next() {
		var h HourCount
		var hour strictTime
		if err := rows.Scan(&hour, &h.Count); err != nil {
			return nil, fmt.Errorf("count scans per hour: %w", err)
		}
		h.Hour = hour.t
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count scans per hour: %w", err)
	}
	return out, nil
}

// EachResult calls fn for every result graded in [from, to) in ID order,
// streaming; zero times do not bound. An error from fn stops the walk and
// is returned as it is.
func (s *Store) EachResult(ctx context.Context, from, to time.Time, fn func(Result) error) error {
	a := &args{d: s.d}
	conds := s.timeRange(a, nil, "graded_at", from, to)
	q := s.selectResults("") + where(conds) + ` ORDER BY id`
	rows, err := s.db.QueryContext(ctx, q, a.list...)
	if err != nil {
		return fmt.Errorf("export results: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			return fmt.Errorf("export results: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export results: %w", err)
	}
	return nil
}
