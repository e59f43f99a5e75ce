package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxFetch bounds the limit of one fetch.
const maxFetch = 10000

// selectList is the column list of a scan row: the key as text, the
// rowversion (when withRowversion), the payload (if any), the metadata
// columns. prefix is "s.", "inserted." or "".
func (c *compiledSource) selectList(d dialect, prefix string, withRowversion bool) string {
	cols := []string{d.keyText(prefix + d.quote(c.key))}
	if withRowversion {
		cols = append(cols, prefix+d.quote(c.rowversion))
	}
	if c.payload != (Ident{}) {
		cols = append(cols, prefix+d.quote(c.payload))
	}
	for _, m := range c.meta {
		cols = append(cols, prefix+d.quote(m))
	}
	return strings.Join(cols, ", ")
}

// unresolved is the condition " AND NOT EXISTS (result) AND NOT EXISTS
// (reject)" for a source row aliased by prefix; srcParam is the
// placeholder holding the source name.
func unresolved(d dialect, c *compiledSource, t tableIdents, prefix, srcParam string) string {
	key := d.keyText(prefix + d.quote(c.key))
	return ` AND NOT EXISTS (SELECT 1 FROM ` + d.quote(t.results) + ` AS r WHERE r.` + d.quote(Ident{Name: "source"}) + ` = ` + srcParam +
		` AND r.` + d.quote(Ident{Name: "source_key"}) + ` = ` + key + `)` +
		` AND NOT EXISTS (SELECT 1 FROM ` + d.quote(t.rejects) + ` AS j WHERE j.` + d.quote(Ident{Name: "source"}) + ` = ` + srcParam +
		` AND j.` + d.quote(Ident{Name: "source_key"}) + ` = ` + key + `)`
}

// fetchKey reads rows above the stored checkpoint (above checkpoint -
// SettleKeys while settling) that have neither result nor reject, lowest
// key first: the rows above the checkpoint are new, the ones below are
// stragglers whose transaction committed late. The checkpoint is read in
// the same statement, so a poll is one query.
func fetchKey(d dialect, c *compiledSource, t tableIdents, settling bool, limit int) stmt {
	a := &args{d: d}
	q := d.quote
	var settle int64
	if settling {
		settle = c.SettleKeys
	}
	n := a.add(int64(limit))
	src := a.add(c.Name)
	lo := `COALESCE((SELECT last_key - ` + a.add(settle) + ` FROM ` + q(t.checkpoints) + ` WHERE source = ` + src + `), ` + a.add(int64(math.MinInt64)) + `)`
	sql := `SELECT ` + d.top(n) + c.selectList(d, "s.", false) + ` FROM ` + q(c.table) + ` AS s WHERE s.` + q(c.key) + ` > ` + lo +
		unresolved(d, c, t, "s.", src) + ` ORDER BY s.` + q(c.key) + d.limit(n)
	return stmt{sql: sql, args: a.list}
}

// fetchUnresolved reads any rows with neither result nor reject; in claim
// mode it leaves out rows another console holds a live claim on.
func fetchUnresolved(d dialect, c *compiledSource, t tableIdents, limit int) stmt {
	a := &args{d: d}
	q := d.quote
	n := a.add(int64(limit))
	src := a.add(c.Name)
	cond := ` WHERE 1 = 1`
	if c.Mode == ModeClaim {
		st, at := `s.`+q(c.status), `s.`+q(c.claimedAt)
		cond = ` WHERE (` + st + ` IS NULL OR ` + st + ` <> ` + a.add(StatusClaimed) + ` OR ` + at + ` IS NULL OR ` + at + ` < ` + d.ago(a, c.LeaseTimeout) + `)`
	}
	sql := `SELECT ` + d.top(n) + c.selectList(d, "s.", false) + ` FROM ` + q(c.table) + ` AS s` + cond +
		unresolved(d, c, t, "s.", src) + ` ORDER BY s.` + q(c.key) + d.limit(n)
	return stmt{sql: sql, args: a.list}
}

// pendingStmt counts rows with neither result nor reject.
func pendingStmt(d dialect, c *compiledSource, t tableIdents) stmt {
	a := &args{d: d}
	q := d.quote
	src := a.add(c.Name)
	oldest := "NULL"
	if c.createdAt != (Ident{}) {
		oldest = "MIN(s." + q(c.createdAt) + ")"
	}
	sql := `SELECT COUNT(*), ` + d.keyText("MIN(s."+q(c.key)+")") + `, ` + oldest + ` FROM ` + q(c.table) + ` AS s WHERE 1 = 1` +
		unresolved(d, c, t, "s.", src)
	return stmt{sql: sql, args: a.list}
}

func checkLimit(limit int) (int, error) {
	if limit <= 0 || limit > maxFetch {
		return 0, fmt.Errorf("fetch limit %d: give a batch size from 1 to %d", limit, maxFetch)
	}
	return limit, nil
}

// FetchScans reads up to limit new scans of src after its stored
// checkpoint, in key (or rowversion) order. In claim mode the rows are
// claimed for src.LeaseTimeout. Commit the results with the returned
// Batch.Checkpoint. A poll that finds nothing costs one indexed query.
func (s *Store) FetchScans(ctx context.Context, src Source, limit int) (Batch, error) {
	c, err := src.compile()
	if err != nil {
		return Batch{}, err
	}
	if limit, err = checkLimit(limit); err != nil {
		return Batch{}, err
	}
	switch c.Mode {
	case ModeClaim:
		st := s.d.fetchClaim(c, ownerID(), limit)
		scans, _, err := s.queryScans(ctx, c, st, false)
		if err != nil {
			return Batch{}, fmt.Errorf("claim scans of source %q: %w", c.Name, err)
		}
		sortByKey(scans)
		return Batch{Scans: scans}, nil
	case ModeRowversion:
		st, err := s.d.fetchRowversion(c, s.t, limit)
		if err != nil {
			return Batch{}, err
		}
		scans, rvs, err := s.queryScans(ctx, c, st, true)
		if err != nil {
			return Batch{}, fmt.Errorf("read new scans of source %q: %w", c.Name, err)
		}
		b := Batch{Scans: scans}
		if len(rvs) > 0 {
			b.Checkpoint.Rowversion = rvs[len(rvs)-1] // rows come in rowversion order
		}
		return b, nil
	default: // ModeKey
		scans, _, err := s.queryScans(ctx, c, fetchKey(s.d, c, s.t, s.settling(c), limit), false)
		if err != nil {
			return Batch{}, fmt.Errorf("read new scans of source %q: %w", c.Name, err)
		}
		b := Batch{Scans: scans}
		for i, sc := range scans {
			k, err := strconv.ParseInt(sc.Key, 10, 64)
			if err != nil {
				return Batch{}, fmt.Errorf("source %q: key_column %s holds %q: key mode needs an integer key (use claim mode otherwise)", c.Name, c.KeyColumn, sc.Key)
			}
			if i == 0 || k > b.Checkpoint.Key {
				b.Checkpoint.Key = k
			}
		}
		if len(scans) > 0 {
			s.sawNew(c.Name)
		}
		return b, nil
	}
}

// settling reports whether new rows of key-mode source c arrived within
// its SettleTime, so late lower keys may still commit. A source not seen
// since the Store opened counts as settling: the process may have stopped
// right after new rows.
func (s *Store) settling(c *compiledSource) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastNew == nil {
		s.lastNew = map[string]time.Time{}
	}
	last, seen := s.lastNew[c.Name]
	if !seen {
		s.lastNew[c.Name] = time.Now()
		return true
	}
	return time.Since(last) < c.SettleTime
}

// sawNew records that new rows of a key-mode source arrived now.
func (s *Store) sawNew(source string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastNew == nil {
		s.lastNew = map[string]time.Time{}
	}
	s.lastNew[source] = time.Now()
}

// FetchUnresolved reads up to limit rows of src, oldest key first, that
// have neither a result nor a reject, whatever the checkpoint says: the
// reconciliation sweep. It claims nothing and moves no checkpoint.
func (s *Store) FetchUnresolved(ctx context.Context, src Source, limit int) ([]Scan, error) {
	c, err := src.compile()
	if err != nil {
		return nil, err
	}
	if limit, err = checkLimit(limit); err != nil {
		return nil, err
	}
	scans, _, err := s.queryScans(ctx, c, fetchUnresolved(s.d, c, s.t, limit), false)
	if err != nil {
		return nil, fmt.Errorf("find unresolved scans of source %q: %w", c.Name, err)
	}
	return scans, nil
}

// FetchScan reads one source row by key, with its points, whatever its
// state: the console's way back to the raw measurements of an old result.
// It claims nothing. A key with no row returns ErrNotFound.
func (s *Store) FetchScan(ctx context.Context, src Source, key string) (Scan, error) {
	c, err := src.compile()
	if err != nil {
		return Scan{}, err
	}
	a := &args{d: s.d}
	q := s.d.quote
	st := stmt{sql: `SELECT ` + c.selectList(s.d, "s.", false) + ` FROM ` + q(c.table) + ` AS s WHERE s.` + q(c.key) + ` = ` + a.add(key), args: a.list}
	scans, _, err := s.queryScans(ctx, c, st, false)
	switch {
	case err != nil:
		return Scan{}, fmt.Errorf("read scan %s of source %q: %w", key, c.Name, err)
	case len(scans) == 0:
		return Scan{}, fmt.Errorf("scan %s of source %q: %w", key, c.Name, ErrNotFound)
	}
	return scans[0], nil
}

// Pending counts the rows of src that have neither a result nor a reject,
// with the oldest such key (and its time if src.CreatedAtColumn is set and
// holds a time the driver or the SQLite time layouts can read).
func (s *Store) Pending(ctx context.Context, src Source) (Pending, error) {
	c, err := src.compile()
	if err != nil {
		return Pending{}, err
	}
	st := pendingStmt(s.d, c, s.t)
	var p Pending
	var oldestKey sql.NullString
	var oldestAt looseTime
	if err := s.db.QueryRowContext(ctx, st.sql, st.args...).Scan(&p.Count, &oldestKey, &oldestAt); err != nil {
		return Pending{}, fmt.Errorf("count pending scans of source %q: %w", c.Name, err)
	}
	p.OldestKey = oldestKey.String
	p.OldestAt = oldestAt.t
	return p, nil
}

// Checkpoint returns the stored checkpoint of src (zero if none).
func (s *Store) Checkpoint(ctx context.Context, src Source) (Checkpoint, error) {
	cp, _, err := s.checkpoint(ctx, src.Name)
	return cp, err
}

func (s *Store) checkpoint(ctx context.Context, source string) (Checkpoint, bool, error) {
	a := &args{d: s.d}
	sqlText := `SELECT last_key, last_rowversion FROM ` + s.d.quote(s.t.checkpoints) + ` WHERE source = ` + a.add(source)
	var key sql.NullInt64
	var rv []byte
	err := s.db.QueryRowContext(ctx, sqlText, a.list...).Scan(&key, &rv)
	switch {
	case err == sql.ErrNoRows:
		return Checkpoint{}, false, nil
	case err != nil:
		return Checkpoint{}, false, fmt.Errorf("read checkpoint of source %q: %w", source, err)
	}
	return Checkpoint{Key: key.Int64, Rowversion: rv}, key.Valid || rv != nil, nil
}

// queryScans runs st and reads scan rows; with rowversion it also returns
// each row's rowversion. Points of a points source are read after.
func (s *Store) queryScans(ctx context.Context, c *compiledSource, st stmt, withRowversion bool) ([]Scan, [][]byte, error) {
	rows, err := s.db.QueryContext(ctx, st.sql, st.args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var scans []Scan
	var rvs [][]byte
	for rows.Next() {
		var key string
		var rv, payload []byte
		meta := make([]any, len(c.meta))
		dest := []any{&key}
		if withRowversion {
			dest = append(dest, &rv)
		}
		if c.payload != (Ident{}) {
			dest = append(dest, &payload)
		}
		for i := range meta {
			dest = append(dest, &meta[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		sc := Scan{Source: c.Name, Key: key, Payload: payload}
		if len(c.meta) > 0 {
			sc.Metadata = make(map[string]string, len(c.meta))
			for i, m := range c.meta {
				sc.Metadata[m.Name] = metaText(meta[i])
			}
		}
		scans = append(scans, sc)
		rvs = append(rvs, rv)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if err := rows.Close(); err != nil {
		return nil, nil, err
	}
	if c.points != nil && len(scans) > 0 {
		if err := s.loadPoints(ctx, c, scans); err != nil {
			return nil, nil, err
		}
	}
	return scans, rvs, nil
}

// metaText renders a metadata value as text: times in RFC 3339 UTC,
// NULL as "".
func metaText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// sortByKey orders scans by key: numerically when both keys are integers,
// as text otherwise.
func sortByKey(scans []Scan) {
	sort.SliceStable(scans, func(i, j int) bool {
		a, errA := strconv.ParseInt(scans[i].Key, 10, 64)
		b, errB := strconv.ParseInt(scans[j].Key, 10, 64)
		if errA == nil && errB == nil {
			return a < b
		}
		return scans[i].Key < scans[j].Key
	})
}
