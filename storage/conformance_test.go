package storage

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConformance is the one suite every dialect must pass: SQLite always,
// SQL Server when SQLSERVER_DSN is set.
func TestConformance(t *testing.T) {
	cases := []struct {
		name string
		run  func(e *env)
	}{
		{"migrate twice is a no-op", testMigrateIdempotent},
		{"migrate concurrently", testMigrateConcurrent},
		{"commit is exactly once", testExactlyOnce},
		{"concurrent overlapping commits", testConcurrentCommits},
		{"key mode reads a late lower key", testKeyModeOutOfOrder},
		{"key mode beyond settle window is found by the sweep", testKeyModeSweep},
		{"key mode after settle time polls only new keys", testKeyModeQuiet},
		{"checkpoint never moves back", testCheckpointMonotonic},
		{"failed commit leaves nothing", testCommitAtomic},
		{"rejects are not read again", testRejects},
		{"claim mode claims once and marks done", testClaimMode},
		{"claim mode lease expiry", testClaimLeaseExpiry},
		{"claim mode release on stop", testReleaseClaims},
		{"claim mode concurrent claimers", testClaimConcurrent},
		{"pending count and oldest", testPending},
		{"override appends audit and sets final grade", testOverride},
		{"override audit is append-only", testAuditAppendOnly},
		{"review queue order and count", testReviewQueue},
		{"results filter and pages", testResultsPages},
		{"grade counts and scans per hour", testCounts},
		{"export streams every result", testEachResult},
		{"demo blob source", testDemoBlob},
		{"demo points source", testDemoPoints},
		{"points by index with missing values", testPointsByIndex},
		{"poller lock single holder", testPollerLock},
		{"rowversion mode", testRowversion},
		{"check source against the database", testCheckSource},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { forEachDialect(t, c.run) })
	}
}

func testMigrateIdempotent(e *env) {
	t := e.t
	want := e.st.LatestSchemaVersion()
	if got, err := e.st.SchemaVersion(e.ctx); err != nil || got != want {
		t.Fatalf("SchemaVersion after Migrate = %d, %v; want %d", got, err, want)
	}
	// Seed a result so a second migration that dropped data would show.
	e.createKeyTable(e.name("src"))
	e.insertRows(e.name("src"), 1)
	src := keySource("s", e.name("src"), ModeKey)
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans, 0.9), nil, b.Checkpoint); err != nil {
		t.Fatal(err)
	}
	versions := e.countRows(e.st.t.schemaVersion.String(), "")
	if err := e.st.Migrate(e.ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if got := e.countRows(e.st.t.schemaVersion.String(), ""); got != versions {
		t.Errorf("schema version rows after second Migrate = %d; want %d", got, versions)
	}
	if got := e.countRows(e.resultsTable(), ""); got != 1 {
		t.Errorf("results after second Migrate = %d; want 1", got)
	}
	if versions != int64(want) {
		t.Errorf("schema version rows = %d; want %d (one per version)", versions, want)
	}
}

func testMigrateConcurrent(e *env) {
	t := e.t
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := Open(e.ctx, e.st.Driver(), e.dsn, e.tables)
			if err != nil {
				errs[i] = err
				return
			}
			defer st.Close()
			errs[i] = st.Migrate(e.ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent Migrate %d: %v", i, err)
		}
	}
}

func testExactlyOnce(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	e.insertRows(e.name("src"), 1, 2, 3)
	src := keySource("s", e.name("src"), ModeKey)
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "2", "3"}, keysOf(b.Scans)); diff != "" {
		t.Fatalf("FetchScans keys (-want +got):\n%s", diff)
	}
	res := resultsFor(b.Scans, 0.9)
	res = append(res, res[0]) // a repeat within the batch too
	for i := 0; i < 2; i++ {
		if err := e.st.CommitBatch(e.ctx, src, res, nil, b.Checkpoint); err != nil {
			t.Fatalf("CommitBatch #%d: %v", i+1, err)
		}
	}
	for _, k := range []string{"1", "2", "3"} {
		if n := e.countRows(e.resultsTable(), "source = "+e.p(1)+" AND source_key = "+e.p(2), "s", k); n != 1 {
			t.Errorf("results for key %s = %d; want 1", k, n)
		}
	}
	r, err := e.st.ResultByKey(e.ctx, "s", "2")
	if err != nil {
		t.Fatal(err)
	}
	if r.FinalGrade != "ok" || r.Metadata["lot"] != "L2" || r.GradedAt.IsZero() || len(r.Probs) != 2 {
		t.Errorf("ResultByKey(s, 2) = %+v; want final grade ok, lot L2, a graded time and 2 probabilities", r)
	}
	if b2, err := e.st.FetchScans(e.ctx, src, 10); err != nil || len(b2.Scans) != 0 {
		t.Errorf("FetchScans after commit = %v, %v; want no scans", keysOf(b2.Scans), err)
	}
}

func testConcurrentCommits(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	keys := make([]int64, 50)
	for i := range keys {
		keys[i] = int64(i + 1)
	}
	e.insertRows(e.name("src"), keys...)
	src := keySource("s", e.name("src"), ModeKey)
	b, err := e.st.FetchScans(e.ctx, src, 100)
	if err != nil {
		t.Fatal(err)
	}
	res := resultsFor(b.Scans, 0.9)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			part := res[i*10 : i*10+30] // overlapping slices
			for {
				err := e.st.CommitBatch(e.ctx, src, part, nil, b.Checkpoint)
				if err == nil || !IsTransient(err) {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("CommitBatch %d: %v", i, err)
		}
	}
	if n := e.countRows(e.resultsTable(), ""); n != 50 {
		t.Errorf("results = %d; want 50", n)
	}
}

func testKeyModeOutOfOrder(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	e.insertRows(e.name("src"), 1, 2, 4, 5) // key 3's transaction is still open
	src := keySource("s", e.name("src"), ModeKey)
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "2", "4", "5"}, keysOf(b.Scans)); diff != "" {
		t.Fatalf("first FetchScans keys (-want +got):\n%s", diff)
	}
	if b.Checkpoint.Key != 5 {
		t.Errorf("checkpoint = %d; want 5", b.Checkpoint.Key)
	}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans, 0.9), nil, b.Checkpoint); err != nil {
		t.Fatal(err)
	}
	e.insertRows(e.name("src"), 3) // now key 3 commits, below the checkpoint
	b, err = e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"3"}, keysOf(b.Scans)); diff != "" {
		t.Fatalf("FetchScans after the late commit (-want +got):\n%s", diff)
	}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans, 0.9), nil, b.Checkpoint); err != nil {
		t.Fatal(err)
	}
	if cp, err := e.st.Checkpoint(e.ctx, src); err != nil || cp.Key != 5 {
		t.Errorf("stored checkpoint = %+v, %v; want key 5", cp, err)
	}
	if n := e.countRows(e.resultsTable(), ""); n != 5 {
		t.Errorf("results = %d; want 5", n)
	}
}

func testKeyModeSweep(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	e.insertRows(e.name("src"), 1, 2, 10)
	src := keySource("s", e.name("src"), ModeKey)
	src.SettleKeys = 2
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans, 0.9), nil, b.Checkpoint); err != nil {
		t.Fatal(err)
	}
	e.insertRows(e.name("src"), 5) // 10-5 > SettleKeys: the poll misses it
	if b, err := e.st.FetchScans(e.ctx, src, 10); err != nil || len(b.Scans) != 0 {
		t.Fatalf("FetchScans = %v, %v; want nothing (key 5 is below the settle window)", keysOf(b.Scans), err)
	}
	p, err := e.st.Pending(e.ctx, src)
	if err != nil || p.Count != 1 || p.OldestKey != "5" {
		t.Fatalf("Pending = %+v, %v; want count 1, oldest key 5", p, err)
	}
	scans, err := e.st.FetchUnresolved(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"5"}, keysOf(scans)); diff != "" {
		t.Fatalf("FetchUnresolved keys (-want +got):\n%s", diff)
	}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(scans, 0.9), nil, Checkpoint{}); err != nil {
		t.Fatal(err)
	}
	if p, err := e.st.Pending(e.ctx, src); err != nil || p.Count != 0 {
		t.Errorf("Pending after sweep = %+v, %v; want 0", p, err)
	}
	if cp, err := e.st.Checkpoint(e.ctx, src); err != nil || cp.Key != 10 {
		t.Errorf("checkpoint after sweep = %+v, %v; want 10 (a zero checkpoint leaves it)", cp, err)
	}
}

func testKeyModeQuiet(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	e.insertRows(e.name("src"), 1, 2, 4, 5)
	src := keySource("s", e.name("src"), ModeKey)
	src.SettleTime = 1 // settled as soon as it is read
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil || len(b.Scans) != 4 {
		t.Fatalf("FetchScans = %v, %v; want 4 scans", keysOf(b.Scans), err)
	}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans, 0.9), nil, b.Checkpoint); err != nil {
		t.Fatal(err)
	}
	e.insertRows(e.name("src"), 3, 6)
	b, err = e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"6"}, keysOf(b.Scans)); diff != "" {
		t.Errorf("FetchScans after the settle time (-want +got):\n%s", diff)
	}
	if p, err := e.st.Pending(e.ctx, src); err != nil || p.Count != 2 || p.OldestKey != "3" {
		t.Errorf("Pending = %+v, %v; want 2 pending, oldest 3", p, err)
	}
	scans, err := e.st.FetchUnresolved(e.ctx, src, 10)
	if diff := cmp.Diff([]string{"3", "6"}, keysOf(scans)); err != nil || diff != "" {
		t.Errorf("FetchUnresolved = %v, %v; want 3 and 6", keysOf(scans), err)
	}
}

func testCheckpointMonotonic(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	src := keySource("s", e.name("src"), ModeKey)
	for _, k := range []int64{7, 3, 9, 8} {
		if err := e.st.CommitBatch(e.ctx, src, nil, nil, Checkpoint{Key: k}); err != nil {
			t.Fatal(err)
		}
	}
	if cp, err := e.st.Checkpoint(e.ctx, src); err != nil || cp.Key != 9 {
		t.Errorf("checkpoint after 7, 3, 9, 8 = %+v, %v; want 9", cp, err)
	}
}

func testCommitAtomic(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	e.insertRows(e.name("src"), 1, 2)
	src := keySource("s", e.name("src"), ModeKey)
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	// Make the last step of the commit, the checkpoint, fail.
	cp := e.st.t.checkpoints
	trig := derived(cp, "t_", "_fail")
	if e.sqlserver() {
		e.exec(`CREATE TRIGGER ` + e.st.d.quote(trig) + ` ON ` + e.st.d.quote(cp) + ` AFTER INSERT, UPDATE AS THROW 51001, N'checkpoint refused by test', 1;`)
	} else {
		e.exec(`CREATE TRIGGER ` + e.st.d.quote(trig) + ` BEFORE INSERT ON ` + onTable(cp) + ` BEGIN SELECT RAISE(ABORT, 'checkpoint refused by test'); END`)
	}
	err = e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans, 0.9), []Reject{{SourceKey: "99", Reason: "x"}}, b.Checkpoint)
	if err == nil {
		t.Fatal("CommitBatch with a failing checkpoint = nil; want an error")
	}
	if n := e.countRows(e.resultsTable(), ""); n != 0 {
		t.Errorf("results after a failed commit = %d; want 0", n)
	}
	if n := e.countRows(e.st.t.rejects.String(), ""); n != 0 {
		t.Errorf("rejects after a failed commit = %d; want 0", n)
	}
	e.exec(`DROP TRIGGER ` + e.st.d.quote(trig))
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans, 0.9), nil, b.Checkpoint); err != nil {
		t.Fatalf("CommitBatch after the trigger is gone: %v", err)
	}
	if n := e.countRows(e.resultsTable(), ""); n != 2 {
		t.Errorf("results = %d; want 2", n)
	}
}

func testRejects(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	e.insertRows(e.name("src"), 1, 2, 3)
	src := keySource("s", e.name("src"), ModeKey)
	src.SettleKeys = 100
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	rej := []Reject{{SourceKey: "2", Reason: "payload is 1 byte: want 784"}}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans[:1], 0.9), rej, b.Checkpoint); err != nil {
		t.Fatal(err)
	}
	// Key 3 got neither: it is still inside the settle window and comes back.
	b, err = e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"3"}, keysOf(b.Scans)); diff != "" {
		t.Errorf("FetchScans after a reject (-want +got):\n%s", diff)
	}
	if p, err := e.st.Pending(e.ctx, src); err != nil || p.Count != 1 {
		t.Errorf("Pending = %+v, %v; want 1 (rejects are resolved)", p, err)
	}
}

func testPending(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	src := keySource("s", e.name("src"), ModeKey)
	if p, err := e.st.Pending(e.ctx, src); err != nil || p.Count != 0 || p.OldestKey != "" {
		t.Fatalf("Pending of an empty table = %+v, %v; want zero", p, err)
	}
	e.insertRows(e.name("src"), 4, 5, 6, 7, 8)
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans[:2], 0.9), []Reject{{SourceKey: "7", Reason: "r"}}, Checkpoint{}); err != nil {
		t.Fatal(err)
	}
	p, err := e.st.Pending(e.ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if p.Count != 2 || p.OldestKey != "6" || p.OldestAt.IsZero() {
		t.Errorf("Pending = %+v; want count 2, oldest key 6 and its time", p)
	}
}

func testOverride(e *env) {
	t := e.t
	id := seedResults(e, 0.4)[0]
	rec := OverrideRecord{ResultID: id, SeenGrade: "ok", NewGrade: "bad", Reason: "scratch visible", OSUser: "anna", Operator: "Anna K", Workstation: "ws-7"}
	o, err := e.st.Override(e.ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	if o.OldGrade != "ok" || o.NewGrade != "bad" || o.ModelSHA256 != "abc" || o.At.IsZero() || o.ID == 0 {
		t.Errorf("Override = %+v; want ok -> bad, model abc, a time and an id", o)
	}
	r, err := e.st.Result(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.FinalGrade != "bad" || r.Predicted != "ok" || r.ReviewedAt.IsZero() {
		t.Errorf("result after override = final %q, predicted %q, reviewed %v; want bad, ok, set", r.FinalGrade, r.Predicted, r.ReviewedAt)
	}
	if _, err := e.st.Override(e.ctx, rec); !errors.Is(err, ErrConflict) {
		t.Errorf("Override with a stale SeenGrade = %v; want ErrConflict", err)
	}
	rec.SeenGrade, rec.NewGrade = "bad", "ok"
	if _, err := e.st.Override(e.ctx, rec); err != nil {
		t.Fatal(err)
	}
	hist, err := e.st.Overrides(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for _, h := range hist {
		got = append(got, [2]string{h.OldGrade, h.NewGrade})
	}
	if diff := cmp.Diff([][2]string{{"ok", "bad"}, {"bad", "ok"}}, got); diff != "" {
		t.Errorf("override history (-want +got):\n%s", diff)
	}
	if hist[0].Operator != "Anna K" || hist[0].OSUser != "anna" || hist[0].Workstation != "ws-7" || hist[0].Reason != "scratch visible" {
		t.Errorf("audit row = %+v; want who, where and why recorded", hist[0])
	}
	if _, err := e.st.Override(e.ctx, OverrideRecord{ResultID: id + 1000, NewGrade: "x", Reason: "r", Operator: "o"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Override of an unknown result = %v; want ErrNotFound", err)
	}
	if _, err := e.st.Override(e.ctx, OverrideRecord{ResultID: id, NewGrade: "x", Operator: "o"}); err == nil {
		t.Errorf("Override without a reason = nil; want an error")
	}
}

func testAuditAppendOnly(e *env) {
	t := e.t
	id := seedResults(e, 0.4)[0]
	if _, err := e.st.Override(e.ctx, OverrideRecord{ResultID: id, NewGrade: "bad", Reason: "r", Operator: "o"}); err != nil {
		t.Fatal(err)
	}
	tbl := e.st.d.quote(e.st.t.overrides)
	if _, err := e.st.DB().ExecContext(e.ctx, `UPDATE `+tbl+` SET new_grade = 'ok'`); err == nil {
		t.Error("UPDATE of the override audit succeeded; want it refused")
	}
	if _, err := e.st.DB().ExecContext(e.ctx, `DELETE FROM `+tbl); err == nil {
		t.Error("DELETE from the override audit succeeded; want it refused")
	}
	if hist, err := e.st.Overrides(e.ctx, id); err != nil || len(hist) != 1 || hist[0].NewGrade != "bad" {
		t.Errorf("audit after refused changes = %+v, %v; want the one original row", hist, err)
	}
}
