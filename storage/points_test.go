package storage

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParsePointsJSON(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		first, second, values string
		byIndex               bool
		want                  []Point
		wantErr               bool
	}{
		{first: `[]`, second: `[]`, values: `[]`, want: nil},
		{first: `[0]`, second: `[1]`, values: `[2.5]`, want: []Point{{X: 0, Y: 1, Index: -1, Value: 2.5}}},
		{first: `[3,4]`, values: `[7,8]`, byIndex: true, want: []Point{{X: -1, Y: -1, Index: 3, Value: 7}, {X: -1, Y: -1, Index: 4, Value: 8}}},
		{first: `[1]`, second: `[null]`, values: `[7]`, want: []Point{{X: 1, Y: -1, Index: -1, Value: 7}}},
		{first: `[null]`, second: `[2]`, values: `[null]`, want: []Point{{X: -1, Y: 2, Index: -1, Value: nan}}},
		{first: `[1,1,1]`, second: `[2,3,4]`, values: `["3.25","abc","a\"b"]`, want: []Point{
			{X: 1, Y: 2, Index: -1, Value: 3.25}, {X: 1, Y: 3, Index: -1, Value: nan}, {X: 1, Y: 4, Index: -1, Value: nan}}},
		{first: `[-1,1]`, second: `[2.5,2]`, values: `[1e3,-4.5e-2]`, want: []Point{{X: -1, Y: -1, Index: -1, Value: 1000}, {X: 1, Y: 2, Index: -1, Value: -0.045}}},
		{first: `[1]`, second: `[2]`, values: `[9e999]`, want: []Point{{X: 1, Y: 2, Index: -1, Value: math.Inf(1)}}},
		{first: ``, second: `[]`, values: `[]`, wantErr: true},
		{first: `[1`, second: `[1]`, values: `[1]`, wantErr: true},
		{first: `[1,2]`, second: `[1]`, values: `[1,2]`, wantErr: true},
		{first: `[1]`, second: `[1]`, values: `[1,2]`, wantErr: true},
		{first: `[1]x`, second: `[1]`, values: `[1]`, wantErr: true},
		{first: `[1]`, second: `[1]`, values: `["x]`, wantErr: true},
		{first: `[1,,2]`, second: `[1,2]`, values: `[1,2]`, wantErr: true},
	}
	for _, tc := range tests {
		got, err := parsePointsJSON(tc.first, tc.second, tc.values, tc.byIndex)
		if tc.wantErr {
			if err == nil {
				t.Errorf("parsePointsJSON(%q, %q, %q) = %v; want an error", tc.first, tc.second, tc.values, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("parsePointsJSON(%q, %q, %q) = %v", tc.first, tc.second, tc.values, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("parsePointsJSON(%q, %q, %q) (-want +got):\n%s", tc.first, tc.second, tc.values, diff)
		}
	}
}

// FuzzParsePointsJSON: no panic, and what parses has sane positions.
func FuzzParsePointsJSON(f *testing.F) {
	for _, s := range [][3]string{{`[]`, `[]`, `[]`}, {`[0]`, `[1]`, `[2.5]`}, {`[1]`, `[null]`, `["x"]`}, {`[1]`, `[2]`, `["\"]`}, {`[9e999]`, `[-1]`, `[null]`}} {
		f.Add(s[0], s[1], s[2], false)
	}
	f.Fuzz(func(t *testing.T, first, second, values string, byIndex bool) {
		pts, err := parsePointsJSON(first, second, values, byIndex)
		if err != nil {
			return
		}
		for _, p := range pts {
			if p.X < -1 || p.Y < -1 || p.Index < -1 {
				t.Fatalf("parsePointsJSON gave position %+v below -1", p)
			}
			if byIndex && (p.X != -1 || p.Y != -1) {
				t.Fatalf("parsePointsJSON in the index layout set x/y: %+v", p)
			}
		}
	})
}

// TestPointsPathsAgree reads the same points through the JSON path and
// the row path (the one SQL Server uses) and compares.
func TestPointsPathsAgree(t *testing.T) {
	e := newEnv(t, DriverSQLite, t.TempDir()+"/gw.db", "")
	dt := DefaultDemoTables()
	if err := e.st.CreateDemoSources(e.ctx, dt); err != nil {
		t.Fatal(err)
	}
	if err := e.st.InsertDemoPointScans(e.ctx, dt, demoScans(3)); err != nil {
		t.Fatal(err)
	}
	e.exec(`UPDATE demo_points SET value = NULL WHERE x = 3 AND y = 4`)
	e.exec(`UPDATE demo_points SET value = 'n/a' WHERE x = 5 AND y = 6`)
	e.exec(`UPDATE demo_points SET value = '12.5' WHERE x = 7 AND y = 8`)
	_, src := DemoSources(dt)
	c, err := src.compile()
	if err != nil {
		t.Fatal(err)
	}
	read := func(rows bool) []Scan {
		scans := []Scan{{Key: "1"}, {Key: "2"}, {Key: "3"}}
		byKey := map[string]int{"1": 0, "2": 1, "3": 2}
		a := &args{d: e.st.d}
		ph := []string{a.add("1"), a.add("2"), a.add("3")}
		if rows {
			err = e.st.readPointRows(e.ctx, pointRowsQuery(e.st.d, c.points, ph), a.list, false, byKey, scans)
		} else {
			err = e.st.readPointsJSON(e.ctx, pointsJSONQuery(e.st.d, c.points, ph), a.list, false, byKey, scans)
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := range scans {
			sortPoints(scans[i].Points)
		}
		return scans
	}
	byRows, byJSON := read(true), read(false)
	if diff := cmp.Diff(byRows, byJSON, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("row path vs JSON path (-rows +json):\n%s", diff)
	}
	p := byJSON[0].Points
	for _, c := range []struct {
		x, y int
		want string
	}{{3, 4, "NaN"}, {5, 6, "NaN"}, {7, 8, "12.5"}, {0, 1, fmt.Sprint(float64(byte(28)))}} {
		if got := fmt.Sprint(p[c.y*DemoSize+c.x].Value); got != c.want {
			t.Errorf("point (%d,%d) = %s; want %s", c.x, c.y, got, c.want)
		}
	}
}

// BenchmarkPointsPath compares reading 256 demo scans' points row by row
// (SQL Server's path) and as one JSON array per scan (SQLite's path), both
// on SQLite.
func BenchmarkPointsPath(b *testing.B) {
	ctx := context.Background()
	st, err := Open(ctx, DriverSQLite, b.TempDir()+"/gw.db", TableNames{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	dt := DefaultDemoTables()
	if err := st.CreateDemoSources(ctx, dt); err != nil {
		b.Fatal(err)
	}
	const n = 256
	if err := st.InsertDemoPointScans(ctx, dt, demoScans(n)); err != nil {
		b.Fatal(err)
	}
	_, src := DemoSources(dt)
	c, err := src.compile()
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"rows", "json"} {
		b.Run("path="+path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				scans := make([]Scan, n)
				byKey := make(map[string]int, n)
				a := &args{d: st.d}
				ph := make([]string, n)
				for i := range scans {
					scans[i].Key = fmt.Sprint(i + 1)
					byKey[scans[i].Key] = i
					ph[i] = a.add(scans[i].Key)
				}
				var err error
				if path == "rows" {
					err = st.readPointRows(ctx, pointRowsQuery(st.d, c.points, ph), a.list, false, byKey, scans)
				} else {
					err = st.readPointsJSON(ctx, pointsJSONQuery(st.d, c.points, ph), a.list, false, byKey, scans)
				}
				if err != nil || len(scans[n-1].Points) != DemoSize*DemoSize {
					b.Fatalf("read points: %v", err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "scans/s")
		})
	}
}
