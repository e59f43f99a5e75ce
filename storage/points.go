package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// pointsChunk is how many scans' points one query reads (SQL Server takes
// at most 2,100 parameters).
const pointsChunk = 500

// loadPoints reads the points of scans, one query per pointsChunk scans.
//
// On SQLite each scan's points come back as JSON arrays built by
// json_group_array: the per-row cost of database/sql and the driver
// dominated the fetch at 784 points a scan, and aggregating inside SQLite
// reads them with 200 times fewer allocations in about a third of the
// time (BenchmarkPointsPath, 256 scans: 1.12 s -> 0.31 s, p=0.002, n=6, on
// a busy 2-core machine). On SQL Server (2016 has no STRING_AGG) the points
// are read row by row.
func (s *Store) loadPoints(ctx context.Context, c *compiledSource, scans []Scan) error {
	byKey := make(map[string]int, len(scans))
	for i, sc := range scans {
		byKey[sc.Key] = i
	}
	for start := 0; start < len(scans); start += pointsChunk {
		part := scans[start:min(start+pointsChunk, len(scans))]
		a := &args{d: s.d}
		ph := make([]string, len(part))
		for i, sc := range part {
			ph[i] = a.add(sc.Key)
		}
		var err error
		if s.driver == DriverSQLite {
			err = s.readPointsJSON(ctx, pointsJSONQuery(s.d, c.points, ph), a.list, c.points.index != (Ident{}), byKey, scans)
		} else {
			err = s.readPointRows(ctx, pointRowsQuery(s.d, c.points, ph), a.list, c.points.index != (Ident{}), byKey, scans)
		}
		if err != nil {
			return fmt.Errorf("read points of source %q from %s: %w", c.Name, c.points.table, err)
		}
	}
	for i := range scans {
		sortPoints(scans[i].Points)
	}
	return nil
}

// pointColumns returns the two position expressions: x and y, or the
// index and NULL.
func pointColumns(d dialect, p *compiledPoints) (string, string) {
	if p.index != (Ident{}) {
		return "p." + d.quote(p.index), "NULL"
	}
	return "p." + d.quote(p.x), "p." + d.quote(p.y)
}

func pointRowsQuery(d dialect, p *compiledPoints, keys []string) string {
	a, b := pointColumns(d, p)
	return `SELECT ` + d.keyText("p."+d.quote(p.key)) + `, ` + a + `, ` + b + `, p.` + d.quote(p.value) +
		` FROM ` + d.quote(p.table) + ` AS p WHERE p.` + d.quote(p.key) + ` IN (` + strings.Join(keys, ", ") + `)`
}

// pointsJSONQuery returns, per scan, JSON arrays of the first position,
// the second position (or NULL in the index layout) and the value. The
// arrays of one group are built in one pass over its rows, so they line
// up; three plain arrays cost SQLite less than an array of arrays.
func pointsJSONQuery(d dialect, p *compiledPoints, keys []string) string {
	a, b := pointColumns(d, p)
	second := "NULL"
	if b != "NULL" {
		second = `json_group_array(` + b + `)`
	}
	key := "p." + d.quote(p.key)
	return `SELECT ` + d.keyText(key) + `, json_group_array(` + a + `), ` + second + `, json_group_array(p.` + d.quote(p.value) + `)` +
		` FROM ` + d.quote(p.table) + ` AS p WHERE ` + key + ` IN (` + strings.Join(keys, ", ") + `) GROUP BY ` + key
}

func (s *Store) readPointRows(ctx context.Context, sqlText string, argv []any, byIndex bool, byKey map[string]int, scans []Scan) error {
	rows, err := s.db.QueryContext(ctx, sqlText, argv...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var a, b sql.NullFloat64
		var v any
		if err := rows.Scan(&key, &a, &b, &v); err != nil {
			return err
		}
		i, ok := byKey[key]
		if !ok {
			continue
		}
		pt := Point{X: -1, Y: -1, Index: -1, Value: pointValue(v)}
		if byIndex {
			pt.Index = position(a)
		} else {
			pt.X, pt.Y = position(a), position(b)
		}
		scans[i].Points = append(scans[i].Points, pt)
	}
	return rows.Err()
}

func (s *Store) readPointsJSON(ctx context.Context, sqlText string, argv []any, byIndex bool, byKey map[string]int, scans []Scan) error {
	rows, err := s.db.QueryContext(ctx, sqlText, argv...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key, first, values string
		var second sql.NullString
		if err := rows.Scan(&key, &first, &second, &values); err != nil {
			return err
		}
		i, ok := byKey[key]
		if !ok {
			continue
		}
		pts, err := parsePointsJSON(first, second.String, values, byIndex)
		if err != nil {
			return fmt.Errorf("points of scan %s: %w", key, err)
		}
		scans[i].Points = pts
	}
	return rows.Err()
}

// parsePointsJSON reads the JSON arrays of pointsJSONQuery: first and
// second positions (x and y, or index and "" when byIndex) and values,
// each a number, null or text. The row path's rules apply: NULL or
// non-numeric values are NaN, NULL or invalid positions -1.
func parsePointsJSON(first, second, values string, byIndex bool) ([]Point, error) {
	a, aNull, err := parseJSONArray(first)
	if err != nil {
		return nil, fmt.Errorf("positions: %w", err)
	}
	v, _, err := parseJSONArray(values)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	if len(v) != len(a) {
		return nil, fmt.Errorf("%d positions for %d values", len(a), len(v))
	}
	var b []float64
	var bNull []bool
	if !byIndex {
		if b, bNull, err = parseJSONArray(second); err != nil {
			return nil, fmt.Errorf("second positions: %w", err)
		}
		if len(b) != len(a) {
			return nil, fmt.Errorf("%d x positions for %d y positions", len(a), len(b))
		}
	}
	if len(a) == 0 {
		return nil, nil
	}
	pts := make([]Point, len(a))
	for i := range pts {
		pts[i] = Point{X: -1, Y: -1, Index: -1, Value: v[i]}
		if byIndex {
			pts[i].Index = positionOf(a[i], aNull[i])
		} else {
			pts[i].X, pts[i].Y = positionOf(a[i], aNull[i]), positionOf(b[i], bNull[i])
		}
	}
	return pts, nil
}

// parseJSONArray reads a flat JSON array of numbers, nulls and strings as
// written by SQLite (no whitespace). Nulls, and strings that are not
// numbers, are NaN; null marks the nulls.
func parseJSONArray(s string) (vals []float64, null []bool, err error) {
	p := jsonScanner{s: s}
	if !p.eat('[') {
		return nil, nil, p.fail("want '['")
	}
	if p.eat(']') {
		if p.i != len(p.s) {
			return nil, nil, p.fail("trailing text")
		}
		return nil, nil, nil
	}
	n := strings.Count(s, ",") + 1
	vals, null = make([]float64, 0, n), make([]bool, 0, n)
	for {
		v, isNull, err := p.value()
		if err != nil {
			return nil, nil, err
		}
		vals, null = append(vals, v), append(null, isNull)
		if p.eat(']') {
			break
		}
		if !p.eat(',') {
			return nil, nil, p.fail("want ',' or ']'")
		}
	}
	if p.i != len(p.s) {
		return nil, nil, p.fail("trailing text")
	}
	return vals, null, nil
}

// jsonScanner walks the compact JSON SQLite writes (no whitespace).
type jsonScanner struct {
	s string
	i int
}

func (p *jsonScanner) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsonScanner) fail(what string) error {
	return fmt.Errorf("malformed points JSON at byte %d: %s", p.i, what)
}

// value reads a number, null or string; strings and unparsable numbers
// read as NaN, like non-numeric values on the row path.
func (p *jsonScanner) value() (v float64, isNull bool, err error) {
	switch {
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return math.NaN(), true, nil
	case p.i < len(p.s) && p.s[p.i] == '"':
		p.i++
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != '"' {
			if p.s[p.i] == '\\' {
				p.i++
			}
			p.i++
		}
		if p.i >= len(p.s) {
			return 0, false, p.fail("unterminated string")
		}
		text := p.s[start:p.i]
		p.i++
		if f, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err == nil {
			return f, false, nil
		}
		return math.NaN(), false, nil
	default:
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != ']' {
			p.i++
		}
		if start == p.i {
			return 0, false, p.fail("want a value")
		}
		f, err := strconv.ParseFloat(p.s[start:p.i], 64)
		if err != nil && !isRange(err) {
			return math.NaN(), false, nil
		}
		return f, false, nil
	}
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// pointValue converts a value column to float64: numbers as they are,
// numeric text parsed, anything else (NULL, other text, bytes) NaN.
func pointValue(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case float32:
		return float64(x)
	case int32:
		return float64(x)
	case []byte:
		if f, err := strconv.ParseFloat(strings.TrimSpace(string(x)), 64); err == nil {
			return f
		}
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f
		}
	}
	return math.NaN()
}

// position converts a position column: NULL, negative, fractional or huge
// values are -1, which the scan decoder reports as out of range.
func position(n sql.NullFloat64) int { return positionOf(n.Float64, !n.Valid) }

func positionOf(f float64, null bool) int {
	if null || f < 0 || f > math.MaxInt32 || f != math.Trunc(f) {
		return -1
	}
	return int(f)
}

// sortPoints orders points by y then x, or by index, unless they are in
// order already (as a points table keyed on (scan, y, x) returns them).
func sortPoints(pts []Point) {
	less := func(a, b Point) bool {
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		if a.Y != b.Y {
			return a.Y < b.Y
		}
		return a.X < b.X
	}
	for i := 1; i < len(pts); i++ {
		if less(pts[i], pts[i-1]) {
			sort.SliceStable(pts, func(i, j int) bool { return less(pts[i], pts[j]) })
			return
		}
	}
}
