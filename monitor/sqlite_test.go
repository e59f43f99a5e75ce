package monitor_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/inference"
	"github.com/gradewatch/gradewatch/monitor"
	"github.com/gradewatch/gradewatch/monitor/scan"
	"github.com/gradewatch/gradewatch/storage"
)

// demoModelPath is the bundled demo model (the ONNX zoo's mnist-8, with its
// sidecar of labels beside it).
const demoModelPath = "../app/demo/mnist-8.onnx"

var demoTables = demo.DefaultTables()

// openDemoDB opens (creating and migrating) an SQLite database at path with
// the demo source tables.
func openDemoDB(tb testing.TB, ctx context.Context, path string) *storage.Store {
	tb.Helper()
	st, err := storage.Open(ctx, storage.DriverSQLite, path, storage.TableNames{})
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		tb.Fatal(err)
	}
	if err := demo.CreateTables(ctx, st, demoTables); err != nil {
		st.Close()
		tb.Fatal(err)
	}
	return st
}

// demoScans returns n seeded synthetic 28 x 28 scans: a bright bar on a dark
// background at a position given by the label.
func demoScans(rng *rand.Rand, n int) []demo.Scan {
	out := make([]demo.Scan, n)
	for i := range out {
		label := rng.IntN(10)
		pix := make([]byte, demo.Side*demo.Side)
		for j := range pix {
			pix[j] = byte(rng.IntN(30))
			if x := j % demo.Side; x >= 2*label+2 && x < 2*label+6 {
				pix[j] = byte(200 + rng.IntN(56))
			}
		}
		out[i] = demo.Scan{ProductID: fmt.Sprintf("P%05d", i), Lot: "L1", Station: "S1", TrueLabel: fmt.Sprint(label), Pix: pix}
	}
	return out
}

// demoSources returns the monitor configuration of the demo tables.
func demoSources(interval time.Duration, batch int) []monitor.SourceConfig {
	blob, points := demo.Sources(demoTables)
	n := demo.Side
	return []monitor.SourceConfig{
		{Source: blob, Layout: scan.Layout{Format: scan.FormatBlob, Width: n, Height: n, DType: scan.DTypeUint8, Normalize: scan.Normalization{Mode: scan.NormFixed, Lo: 0, Hi: 255}},
			Interval: interval, BatchSize: batch},
		{Source: points, Layout: scan.Layout{Format: scan.FormatPoints, Width: n, Height: n, Order: scan.OrderXY},
			Interval: interval, BatchSize: batch},
	}
}

func loadDemoModel(tb testing.TB) *inference.Model {
	tb.Helper()
	m, err := inference.LoadFile(context.Background(), demoModelPath)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// runUntilIdle runs m until every source is idle or ctx is done.
func runUntilIdle(ctx context.Context, m *monitor.Monitor) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !m.Idle() {
		select {
		case <-ctx.Done():
			<-done
			return ctx.Err()
		case <-tick.C:
		}
	}
	cancel()
	return <-done
}

// unresolved counts rows of the demo blob table with no result and no
// reject, and rows with more than one of them.
func unresolved(tb testing.TB, st *storage.Store, table, source string) (none, many int) {
	tb.Helper()
	q := `SELECT
	  SUM(CASE WHEN n = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END)
	FROM (SELECT s.id,
	  (SELECT COUNT(*) FROM gw_results r WHERE r.source = ?1 AND r.source_key = CAST(s.id AS TEXT)) +
	  (SELECT COUNT(*) FROM gw_rejects j WHERE j.source = ?1 AND j.source_key = CAST(s.id AS TEXT)) AS n
	FROM ` + table + ` s)`
	var a, b *int64
	if err := st.DB().QueryRow(q, source).Scan(&a, &b); err != nil {
		tb.Fatal(err)
	}
	if a != nil {
		none = int(*a)
	}
	if b != nil {
		many = int(*b)
	}
	return none, many
}

// TestOutOfOrderCommitSQLite: a row whose key is below keys already read
// (its transaction committed late) is still graded, by the storage's settle
// lookback in key mode (the sweep is off here).
func TestOutOfOrderCommitSQLite(t *testing.T) {
	ctx := t.Context()
	st := openDemoDB(t, ctx, filepath.Join(t.TempDir(), "gw.db"))
	defer st.Close()
	scans := demoScans(rand.New(rand.NewPCG(1, 1)), 10)
	insert := func(id int, sc demo.Scan) {
		t.Helper()
		_, err := st.DB().ExecContext(ctx, `INSERT INTO demo_blob_scans (id, payload, product_id, lot, station, true_label) VALUES (?, ?, ?, ?, ?, ?)`,
			id, sc.Pix, sc.ProductID, sc.Lot, sc.Station, sc.TrueLabel)
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int{1, 2, 3, 4, 5, 7, 8, 9, 10} {
		insert(id, scans[id-1])
	}
	cfg := monitor.Config{Store: st, Grader: loadDemoModel(t), SweepEvery: -1, Sources: demoSources(5*time.Millisecond, 100)[:1]}
	m, err := monitor.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := runUntilIdle(ctx, m); err != nil {
		t.Fatal(err)
	}
	if cp, err := st.Checkpoint(ctx, cfg.Sources[0].Source); err != nil || cp.Key != 10 {
		t.Fatalf("checkpoint = %+v, %v; want key 10", cp, err)
	}
	insert(6, scans[5]) // commits after 7..10 were read
	m, err = monitor.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := runUntilIdle(ctx, m); err != nil {
		t.Fatal(err)
	}
	if none, many := unresolved(t, st, "demo_blob_scans", demo.BlobSource); none != 0 || many != 0 {
		t.Errorf("after the late row: %d rows without a result, %d with several; want 0, 0", none, many)
	}
	if _, err := st.ResultByKey(ctx, demo.BlobSource, "6"); err != nil {
		t.Errorf("result of late row 6: %v", err)
	}
}

// TestOnePollerPerSourceSQLite: two consoles on one SQLite database; the
// second stands by until the first stops, then takes over.
func TestOnePollerPerSourceSQLite(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "gw.db")
	st := openDemoDB(t, ctx, path)
	defer st.Close()
	st2, err := storage.Open(ctx, storage.DriverSQLite, path, storage.TableNames{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	rng := rand.New(rand.NewPCG(3, 3))
	if err := demo.InsertBlobScans(ctx, st, demoTables, demoScans(rng, 100)); err != nil {
		t.Fatal(err)
	}
	newMon := func(store *storage.Store, owner string) *monitor.Monitor {
		m, err := monitor.New(monitor.Config{Store: store, Grader: meanGrader{}, Owner: owner, LockTTL: time.Second,
			Sources: demoSources(5*time.Millisecond, 50)[:1]})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	first, second := newMon(st, "pc1"), newMon(st2, "pc2")
	ctx1, stop1 := context.WithCancel(ctx)
	done1 := make(chan struct{})
	go func() { first.Run(ctx1); close(done1) }()
	waitIdle := func(m *monitor.Monitor) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !m.Idle() {
			if time.Now().After(deadline) {
				t.Fatalf("monitor not idle after 10s: %+v", m.Status())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitIdle(first)
	ctx2, stop2 := context.WithCancel(ctx)
	defer stop2()
	done2 := make(chan struct{})
	go func() { second.Run(ctx2); close(done2) }()
	defer func() { stop2(); <-done2 }()
	deadline := time.Now().Add(5 * time.Second)
	for second.Status()[0].State != monitor.StateStandby {
		if time.Now().After(deadline) {
			t.Fatalf("second console state = %s; want standby", second.Status()[0].State)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop1()
	<-done1
	if err := demo.InsertBlobScans(ctx, st, demoTables, demoScans(rng, 20)); err != nil {
		t.Fatal(err)
	}
	waitIdle(second)
	if g1, g2 := first.Status()[0].Graded, second.Status()[0].Graded; g1 != 100 || g2 != 20 {
		t.Errorf("first graded %d, second %d; want 100 and 20", g1, g2)
	}
	if none, many := unresolved(t, st, "demo_blob_scans", demo.BlobSource); none != 0 || many != 0 {
		t.Errorf("%d rows without result, %d with several; want 0, 0", none, many)
	}
}

// TestDatabaseLockedSQLite: another connection holds the database's write
// lock, from before the start or from just before a commit; the monitor
// backs off (state backoff, the error visible), and once the lock is gone
// it commits everything by itself, exactly once.
func TestDatabaseLockedSQLite(t *testing.T) {
	for _, tt := range []struct {
		name      string
		midway    bool   // lock after the monitor is running and idle
		wantError string // in the status while locked
	}{
		{"locked at start", false, "database is locked"},
		{"locked at commit", true, "(kept, retrying)"},
	} {
		t.Run(tt.name, func(t *testing.T) { testLocked(t, tt.midway, tt.wantError) })
	}
}

func testLocked(t *testing.T, midway bool, wantError string) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "gw.db")
	st := openDemoDB(t, ctx, path)
	defer st.Close()
	scans := demoScans(rand.New(rand.NewPCG(5, 5)), 200)
	// The monitor's own connection gives up on a lock after 20 ms.
	mst, err := storage.Open(ctx, storage.DriverSQLite, path+"?_pragma=busy_timeout(20)", storage.TableNames{})
	if err != nil {
		t.Fatal(err)
	}
	defer mst.Close()
	conn, err := st.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lock := func() {
		t.Helper()
		if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
			t.Fatal(err)
		}
	}
	interval := 5 * time.Millisecond
	if midway {
		interval = 300 * time.Millisecond // the next poll comes after lock()
	} else {
		if err := demo.InsertBlobScans(ctx, st, demoTables, scans); err != nil {
			t.Fatal(err)
		}
		lock()
	}
	m, err := monitor.New(monitor.Config{Store: mst, Grader: meanGrader{}, BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond,
		Sources: demoSources(interval, 256)[:1]})
	if err != nil {
		t.Fatal(err)
	}
	sub := m.Subscribe(ctx, 16)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { m.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	deadline := time.After(10 * time.Second)
	if midway {
		for !m.Idle() {
			select {
			case <-deadline:
				t.Fatalf("not idle: %+v", m.Status()[0])
			case <-time.After(time.Millisecond):
			}
		}
		if err := demo.InsertBlobScans(ctx, st, demoTables, scans); err != nil {
			t.Fatal(err)
		}
		lock()
	}

	var backoff monitor.Status
	for backoff.State != monitor.StateBackoff {
		select {
		case ev := <-sub.C:
			if s, ok := ev.(monitor.SourceStatus); ok {
				backoff = s.Status
			}
		case <-deadline:
			t.Fatalf("no backoff state while the database was locked; last status %+v", m.Status()[0])
		}
	}
	if !strings.Contains(backoff.LastError, wantError) || backoff.NextPoll.IsZero() || backoff.Failures == 0 {
		t.Errorf("status while locked = %+v; want an error with %q, a retry time and the failure count", backoff, wantError)
	}
	t.Logf("while locked: %s", backoff.LastError)
	time.Sleep(200 * time.Millisecond) // several retries against the lock
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	for m.Status()[0].Graded < 200 || !m.Idle() {
		select {
		case <-deadline:
			t.Fatalf("not caught up 10s after the lock was released: %+v", m.Status()[0])
		case <-time.After(5 * time.Millisecond):
		}
	}
	if none, many := unresolved(t, st, "demo_blob_scans", demo.BlobSource); none != 0 || many != 0 {
		t.Errorf("%d rows without result, %d with several; want 0, 0", none, many)
	}
	if s := m.Status()[0]; s.State != monitor.StateOK || s.Graded != 200 || s.LastError != "" {
		t.Errorf("status after the lock = %+v; want ok, 200 graded, no error", s)
	}
}

// TestClaimModeSharedTableSQLite: two consoles share one source table in
// claim mode; every row is graded exactly once, by one of them.
func TestClaimModeSharedTableSQLite(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "gw.db")
	st := openDemoDB(t, ctx, path)
	defer st.Close()
	if _, err := st.DB().ExecContext(ctx, `CREATE TABLE claim_scans (id INTEGER PRIMARY KEY, payload BLOB NOT NULL,
		status TEXT NULL, claimed_at TEXT NULL, claimed_by TEXT NULL)`); err != nil {
		t.Fatal(err)
	}
	const rows = 1500
	for i, sc := range demoScans(rand.New(rand.NewPCG(9, 9)), rows) {
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO claim_scans (id, payload) VALUES (?, ?)`, i+1, sc.Pix); err != nil {
			t.Fatal(err)
		}
	}
	src := monitor.SourceConfig{
		Source: storage.Source{Name: "shared", Table: "claim_scans", KeyColumn: "id", Mode: storage.ModeClaim,
			StatusColumn: "status", ClaimedAtColumn: "claimed_at", ClaimedByColumn: "claimed_by", PayloadColumn: "payload",
			LeaseTimeout: time.Minute},
		Layout:   demoSources(0, 0)[0].Layout,
		Interval: 5 * time.Millisecond, BatchSize: 50,
	}
	var mons []*monitor.Monitor
	for _, owner := range []string{"pc1", "pc2"} {
		s, err := storage.Open(ctx, storage.DriverSQLite, path, storage.TableNames{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		m, err := monitor.New(monitor.Config{Store: s, Grader: meanGrader{}, Owner: owner, BackoffMin: 5 * time.Millisecond,
			BackoffMax: 50 * time.Millisecond, Sources: []monitor.SourceConfig{src}})
		if err != nil {
			t.Fatal(err)
		}
		mons = append(mons, m)
	}
	errs := make(chan error, len(mons))
	runCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for _, m := range mons {
		go func() { errs <- runUntilIdle(runCtx, m) }()
	}
	for range mons {
		if err := <-errs; err != nil {
			t.Fatalf("run until idle: %v", err)
		}
	}
	g1, g2 := mons[0].Status()[0].Graded, mons[1].Status()[0].Graded
	t.Logf("pc1 graded %d, pc2 graded %d", g1, g2)
	if none, many := unresolved(t, st, "claim_scans", "shared"); none != 0 || many != 0 {
		t.Errorf("%d rows without result, %d with several; want 0, 0", none, many)
	}
	if g1+g2 != rows || g1 == 0 || g2 == 0 {
		t.Errorf("pc1 graded %d and pc2 %d; want %d in all, shared between both", g1, g2, rows)
	}
	var left int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM claim_scans WHERE status IS NULL OR status <> 'done'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("rows not marked done = %d, %v; want 0", left, err)
	}
}

// blockingGrader blocks every Classify until its ctx ends.
type blockingGrader struct{ entered chan struct{} }

func (blockingGrader) Info() inference.Info { return meanGrader{}.Info() }

func (g blockingGrader) Classify(ctx context.Context, imgs []inference.Image) ([]inference.Prediction, error) {
	select {
	case g.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestStopReleasesClaimsSQLite: in claim mode, scans claimed but not
// committed when the monitor stops go back to the queue at once.
func TestStopReleasesClaimsSQLite(t *testing.T) {
	ctx := t.Context()
	st := openDemoDB(t, ctx, filepath.Join(t.TempDir(), "gw.db"))
	defer st.Close()
	if _, err := st.DB().ExecContext(ctx, `CREATE TABLE claim_scans (id INTEGER PRIMARY KEY, payload BLOB NOT NULL,
		status TEXT NULL, claimed_at TEXT NULL, claimed_by TEXT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i, sc := range demoScans(rand.New(rand.NewPCG(4, 4)), 30) {
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO claim_scans (id, payload) VALUES (?, ?)`, i+1, sc.Pix); err != nil {
			t.Fatal(err)
		}
	}
	src := monitor.SourceConfig{
		Source: storage.Source{Name: "shared", Table: "claim_scans", KeyColumn: "id", Mode: storage.ModeClaim,
			StatusColumn: "status", ClaimedAtColumn: "claimed_at", ClaimedByColumn: "claimed_by", PayloadColumn: "payload"},
		Layout: demoSources(0, 0)[0].Layout, BatchSize: 20,
	}
	g := blockingGrader{entered: make(chan struct{}, 1)}
	m, err := monitor.New(monitor.Config{Store: st, Grader: g, Sources: []monitor.SourceConfig{src}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { m.Run(runCtx); close(done) }()
	<-g.entered
	var claimed int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM claim_scans WHERE status = 'claimed'`).Scan(&claimed); err != nil || claimed != 20 {
		t.Fatalf("claimed rows while grading = %d, %v; want 20", claimed, err)
	}
	stop()
	<-done
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM claim_scans WHERE status = 'claimed'`).Scan(&claimed); err != nil || claimed != 0 {
		t.Errorf("claimed rows after the stop = %d, %v; want 0 (handed back)", claimed, err)
	}
}
