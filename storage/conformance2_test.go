package storage

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// seedResults stores one result per confidence (keys 1, 2, ...) and
// returns their IDs in key order.
func seedResults(e *env, confidences ...float64) []int64 {
	e.t.Helper()
	e.createKeyTable(e.name("seed"))
	src := keySource("seed", e.name("seed"), ModeKey)
	var res []Result
	for i, c := range confidences {
		res = append(res, Result{SourceKey: fmt.Sprint(i + 1), Predicted: "ok", Confidence: c, Probs: []float64{c, 1 - c},
			Labels: []string{"ok", "bad"}, ModelName: "test", ModelSHA256: "abc"})
	}
	if err := e.st.CommitBatch(e.ctx, src, res, nil, Checkpoint{}); err != nil {
		e.t.Fatal(err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		got, err := e.st.ResultByKey(e.ctx, "seed", r.SourceKey)
		if err != nil {
			e.t.Fatal(err)
		}
		ids[i] = got.ID
	}
	return ids
}

func testReviewQueue(e *env) {
	t := e.t
	ids := seedResults(e, 0.9, 0.4, 0.95, 0.3, 0.49)
	if err := e.st.Flag(e.ctx, ids[2], true); err != nil {
		t.Fatal(err)
	}
	q, total, err := e.st.ReviewQueue(e.ctx, 0.5, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, r := range q {
		got = append(got, r.ID)
	}
	if diff := cmp.Diff([]int64{ids[1], ids[2], ids[3]}, got); diff != "" || total != 4 {
		t.Errorf("ReviewQueue(0.5, 3) = %v, total %d; want oldest first %v, total 4 (%s)", got, total, ids[1:4], diff)
	}
	if _, err := e.st.Override(e.ctx, OverrideRecord{ResultID: ids[1], NewGrade: "ok", Reason: "accepted", Operator: "o"}); err != nil {
		t.Fatal(err)
	}
	if _, total, err := e.st.ReviewQueue(e.ctx, 0.5, 10); err != nil || total != 3 {
		t.Errorf("ReviewQueue after accepting one = total %d, %v; want 3", total, err)
	}
	if err := e.st.Flag(e.ctx, ids[2]+1000, true); !errors.Is(err, ErrNotFound) {
		t.Errorf("Flag of an unknown result = %v; want ErrNotFound", err)
	}
}

func testResultsPages(e *env) {
	t := e.t
	conf := make([]float64, 25)
	for i := range conf {
		conf[i] = 0.9
	}
	ids := seedResults(e, conf...)
	if _, err := e.st.Override(e.ctx, OverrideRecord{ResultID: ids[3], NewGrade: "bad", Reason: "r", Operator: "o"}); err != nil {
		t.Fatal(err)
	}
	var all []int64
	f := ResultFilter{Source: "seed", Limit: 10}
	for page := 0; page < 5; page++ {
		rs, err := e.st.Results(e.ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			all = append(all, r.ID)
		}
		f.BeforeID = rs[len(rs)-1].ID
	}
	want := make([]int64, len(ids))
	for i := range ids {
		want[i] = ids[len(ids)-1-i]
	}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("paged results, newest first (-want +got):\n%s", diff)
	}
	tests := []struct {
		name string
		f    ResultFilter
		want int
	}{
		{"grade bad", ResultFilter{Grade: "bad"}, 1},
		{"grade ok", ResultFilter{Grade: "ok"}, 24},
		{"other source", ResultFilter{Source: "nope"}, 0},
		{"future", ResultFilter{From: time.Now().Add(time.Hour)}, 0},
		{"past hour to future", ResultFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)}, 25},
	}
	for _, tc := range tests {
		rs, err := e.st.Results(e.ctx, tc.f)
		if err != nil || len(rs) != tc.want {
			t.Errorf("Results(%s) = %d results, %v; want %d", tc.name, len(rs), err, tc.want)
		}
	}
	if _, err := e.st.Results(e.ctx, ResultFilter{Limit: -1}); err == nil {
		t.Error("Results with Limit -1 = nil error; want an error")
	}
}

func testCounts(e *env) {
	t := e.t
	ids := seedResults(e, 0.9, 0.9, 0.9)
	if _, err := e.st.Override(e.ctx, OverrideRecord{ResultID: ids[0], NewGrade: "bad", Reason: "r", Operator: "o"}); err != nil {
		t.Fatal(err)
	}
	gc, err := e.st.GradeCounts(e.ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]GradeCount{{Grade: "bad", Count: 1, Overridden: 1}, {Grade: "ok", Count: 2}}, gc); diff != "" {
		t.Errorf("GradeCounts (-want +got):\n%s", diff)
	}
	if gc, err := e.st.GradeCounts(e.ctx, time.Now().Add(time.Hour), time.Time{}); err != nil || len(gc) != 0 {
		t.Errorf("GradeCounts from the future = %v, %v; want none", gc, err)
	}
	hours, err := e.st.ScansPerHour(e.ctx, time.Now().Add(-2*time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, h := range hours {
		sum += h.Count
		if h.Hour.Minute() != 0 || h.Hour.Second() != 0 || time.Since(h.Hour) > 2*time.Hour {
			t.Errorf("hour bucket %v is not a recent whole hour", h.Hour)
		}
	}
	if sum != 3 || len(hours) == 0 || len(hours) > 2 {
		t.Errorf("ScansPerHour = %+v; want 3 scans in 1 or 2 hours", hours)
	}
}

func testEachResult(e *env) {
	t := e.t
	seedResults(e, 0.1, 0.2, 0.3, 0.4)
	var keys []string
	err := e.st.EachResult(e.ctx, time.Time{}, time.Time{}, func(r Result) error {
		keys = append(keys, r.SourceKey)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "2", "3", "4"}, keys); diff != "" {
		t.Errorf("EachResult keys (-want +got):\n%s", diff)
	}
	stop := errors.New("stop")
	n := 0
	err = e.st.EachResult(e.ctx, time.Time{}, time.Time{}, func(Result) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("EachResult with fn failing = %v after %d calls; want stop after 1", err, n)
	}
}

func demoScans(n int) []DemoScan {
	out := make([]DemoScan, n)
	for i := range out {
		pix := make([]byte, DemoSize*DemoSize)
		for j := range pix {
			pix[j] = byte(i*7 + j)
		}
		out[i] = DemoScan{ProductID: fmt.Sprintf("P%d", i), Lot: "LOT1", Station: "S1", TrueLabel: fmt.Sprint(i % 10), Pix: pix}
	}
	return out
}

func (e *env) demoTables() DemoTables {
	d := DefaultDemoTables()
	return DemoTables{Blob: e.name(d.Blob), PointScans: e.name(d.PointScans), Points: e.name(d.Points)}
}

func testDemoBlob(e *env) {
	t := e.t
	dt := e.demoTables()
	for i := 0; i < 2; i++ { // idempotent
		if err := e.st.CreateDemoSources(e.ctx, dt); err != nil {
			t.Fatalf("CreateDemoSources #%d: %v", i+1, err)
		}
	}
	scans := demoScans(3)
	if err := e.st.InsertDemoBlobScans(e.ctx, dt, scans); err != nil {
		t.Fatal(err)
	}
	blob, _ := DemoSources(dt)
	if err := blob.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := e.st.FetchScans(e.ctx, blob, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Scans) != 3 {
		t.Fatalf("FetchScans of the demo blob table = %d scans; want 3", len(b.Scans))
	}
	for i, sc := range b.Scans {
		if diff := cmp.Diff(scans[i].Pix, sc.Payload); diff != "" {
			t.Errorf("scan %d payload (-want +got):\n%s", i, diff)
		}
		if sc.Metadata["true_label"] != scans[i].TrueLabel || sc.Metadata["product_id"] != scans[i].ProductID || sc.Metadata["created_at"] == "" {
			t.Errorf("scan %d metadata = %v; want true_label %s, product_id %s, created_at", i, sc.Metadata, scans[i].TrueLabel, scans[i].ProductID)
		}
	}
	one, err := e.st.FetchScan(e.ctx, blob, b.Scans[1].Key)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b.Scans[1], one); diff != "" {
		t.Errorf("FetchScan(%s) (-from FetchScans +got):\n%s", b.Scans[1].Key, diff)
	}
	if _, err := e.st.FetchScan(e.ctx, blob, "999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FetchScan of a missing key = %v; want ErrNotFound", err)
	}
	if err := e.st.InsertDemoBlobScans(e.ctx, dt, []DemoScan{{Pix: []byte{1}}}); err == nil {
		t.Error("InsertDemoBlobScans with 1 pixel = nil; want an error")
	}
}

func testDemoPoints(e *env) {
	t := e.t
	dt := e.demoTables()
	if err := e.st.CreateDemoSources(e.ctx, dt); err != nil {
		t.Fatal(err)
	}
	scans := demoScans(2)
	if err := e.st.InsertDemoPointScans(e.ctx, dt, scans); err != nil {
		t.Fatal(err)
	}
	_, pts := DemoSources(dt)
	b, err := e.st.FetchScans(e.ctx, pts, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Scans) != 2 {
		t.Fatalf("FetchScans of the demo points source = %d scans; want 2", len(b.Scans))
	}
	for i, sc := range b.Scans {
		if len(sc.Points) != DemoSize*DemoSize {
			t.Fatalf("scan %d has %d points; want %d", i, len(sc.Points), DemoSize*DemoSize)
		}
		for _, p := range sc.Points {
			want := float64(scans[i].Pix[p.Y*DemoSize+p.X])
			if p.Value != want {
				t.Fatalf("scan %d point (%d,%d) = %v; want %v", i, p.X, p.Y, p.Value, want)
			}
		}
		if sc.Metadata["true_label"] != scans[i].TrueLabel {
			t.Errorf("scan %d true_label = %q; want %q", i, sc.Metadata["true_label"], scans[i].TrueLabel)
		}
	}
	one, err := e.st.FetchScan(e.ctx, pts, b.Scans[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b.Scans[0], one); diff != "" {
		t.Errorf("FetchScan of a points scan (-from FetchScans +got):\n%s", diff)
	}
}

func testPointsByIndex(e *env) {
	t := e.t
	hdr, pts := e.name("hdr"), e.name("pts")
	if e.sqlserver() {
		e.exec(`CREATE TABLE ` + e.q(hdr) + ` ([id] BIGINT NOT NULL PRIMARY KEY, [lot] NVARCHAR(16) NULL)`)
		e.exec(`CREATE TABLE ` + e.q(pts) + ` ([scan] BIGINT NOT NULL, [pos] INT NULL, [v] DECIMAL(9,3) NULL)`)
	} else {
		e.exec(`CREATE TABLE ` + e.q(hdr) + ` (id INTEGER PRIMARY KEY, lot TEXT NULL)`)
		e.exec(`CREATE TABLE ` + e.q(pts) + ` (scan INTEGER NOT NULL, pos INTEGER NULL, v NUMERIC NULL)`)
	}
	e.exec(`INSERT INTO `+e.q(hdr)+` (id, lot) VALUES (`+e.p(1)+`, NULL), (`+e.p(2)+`, 'B')`, int64(1), int64(2))
	ins := `INSERT INTO ` + e.q(pts) + ` (scan, pos, v) VALUES (` + e.p(1) + `, ` + e.p(2) + `, ` + e.p(3) + `)`
	e.exec(ins, int64(1), int64(1), 2.5)
	e.exec(ins, int64(1), int64(0), nil) // a missing measurement
	e.exec(ins, int64(2), nil, 7.0)      // a point without a position
	e.exec(ins, int64(3), int64(0), 1.0) // a point of no scan
	src := Source{Name: "ix", Table: hdr, KeyColumn: "id", Mode: ModeKey, MetadataColumns: []string{"lot"},
		Points: &PointsTable{Table: pts, KeyColumn: "scan", IndexColumn: "pos", ValueColumn: "v"}}
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Scans) != 2 {
		t.Fatalf("FetchScans = %d scans; want 2", len(b.Scans))
	}
	type pt struct {
		X, Y, Index int
		Value       string
	}
	got := map[string][]pt{}
	for _, sc := range b.Scans {
		for _, p := range sc.Points {
			got[sc.Key] = append(got[sc.Key], pt{p.X, p.Y, p.Index, fmt.Sprint(p.Value)})
		}
	}
	want := map[string][]pt{
		"1": {{-1, -1, 0, "NaN"}, {-1, -1, 1, "2.5"}},
		"2": {{-1, -1, -1, "7"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("points by index (-want +got):\n%s", diff)
	}
	if b.Scans[0].Metadata["lot"] != "" || b.Scans[1].Metadata["lot"] != "B" {
		t.Errorf("metadata = %v, %v; want lot \"\" (NULL) and B", b.Scans[0].Metadata, b.Scans[1].Metadata)
	}
}

func testPollerLock(e *env) {
	t := e.t
	a, err := e.st.AcquirePoller(e.ctx, "line1", "host-a:1", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(e.ctx, e.st.Driver(), e.dsn, e.tables)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.AcquirePoller(e.ctx, "line1", "host-b:2", 30*time.Second); !errors.Is(err, ErrLockHeld) {
		t.Fatalf("second AcquirePoller = %v; want ErrLockHeld", err)
	}
	if _, err := other.AcquirePoller(e.ctx, "line2", "host-b:2", 30*time.Second); err != nil {
		t.Errorf("AcquirePoller of another source = %v; want it granted", err)
	}
	if err := a.Renew(e.ctx); err != nil {
		t.Errorf("Renew by the holder = %v; want nil", err)
	}
	if err := a.Release(e.ctx); err != nil {
		t.Fatal(err)
	}
	b, err := other.AcquirePoller(e.ctx, "line1", "host-b:2", 30*time.Second)
	if err != nil {
		t.Fatalf("AcquirePoller after release = %v; want it granted", err)
	}
	if err := a.Renew(e.ctx); !errors.Is(err, ErrLockLost) {
		t.Errorf("Renew after Release = %v; want ErrLockLost", err)
	}
	if e.sqlserver() {
		return // the session lock goes with the connection; lease expiry is SQLite's
	}
	// host-b stops renewing: make its lease run out, and host-a takes over.
	e.exec(`UPDATE `+e.st.d.quote(e.st.t.locks)+` SET expires_at = ?1`, "2000-01-01 00:00:00.000")
	c, err := e.st.AcquirePoller(e.ctx, "line1", "host-a:1", 30*time.Second)
	if err != nil {
		t.Fatalf("AcquirePoller after the lease expired = %v; want it granted", err)
	}
	if err := b.Renew(e.ctx); !errors.Is(err, ErrLockLost) {
		t.Errorf("Renew by the expired holder = %v; want ErrLockLost", err)
	}
	if err := c.Release(e.ctx); err != nil {
		t.Error(err)
	}
}

func testRowversion(e *env) {
	t := e.t
	name := e.name("rv")
	src := Source{Name: "rv", Table: name, KeyColumn: "id", Mode: ModeRowversion, RowversionColumn: "rv", PayloadColumn: "payload"}
	if !e.sqlserver() {
		if _, err := e.st.FetchScans(e.ctx, src, 10); !errors.Is(err, ErrUnsupported) {
			t.Errorf("rowversion FetchScans on SQLite = %v; want ErrUnsupported", err)
		}
		return
	}
	e.exec(`CREATE TABLE ` + e.q(name) + ` ([id] BIGINT NOT NULL PRIMARY KEY, [payload] VARBINARY(MAX) NULL, [rv] ROWVERSION)`)
	e.exec(`INSERT INTO `+e.q(name)+` ([id], [payload]) VALUES (@p1, @p2), (@p3, @p4)`, int64(1), []byte{1}, int64(2), []byte{2})
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "2"}, keysOf(b.Scans)); diff != "" || len(b.Checkpoint.Rowversion) != 8 {
		t.Fatalf("rowversion FetchScans = %v, checkpoint %x (%s)", keysOf(b.Scans), b.Checkpoint.Rowversion, diff)
	}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans, 0.9), nil, b.Checkpoint); err != nil {
		t.Fatal(err)
	}
	e.exec(`INSERT INTO `+e.q(name)+` ([id], [payload]) VALUES (@p1, @p2)`, int64(3), []byte{3})
	b, err = e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"3"}, keysOf(b.Scans)); diff != "" {
		t.Errorf("rowversion FetchScans after the checkpoint (-want +got):\n%s", diff)
	}
}
