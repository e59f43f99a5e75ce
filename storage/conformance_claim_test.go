package storage

import (
	"strings"
	"sync"

	"github.com/google/go-cmp/cmp"
)

func testClaimMode(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	e.insertRows(e.name("src"), 1, 2, 3)
	src := keySource("s", e.name("src"), ModeClaim)
	b, err := e.st.FetchScans(e.ctx, src, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "2"}, keysOf(b.Scans)); diff != "" {
		t.Fatalf("first claim (-want +got):\n%s", diff)
	}
	if b.Scans[0].Metadata["lot"] != "L1" || string(b.Scans[1].Payload) != "\x02" {
		t.Errorf("claimed scans = %+v; want lot L1 and payload 0x02", b.Scans)
	}
	b2, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"3"}, keysOf(b2.Scans)); diff != "" {
		t.Fatalf("second claim (-want +got):\n%s", diff)
	}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans[:1], 0.9), []Reject{{SourceKey: "2", Reason: "bad"}}, b.Checkpoint); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[int64]string{1: StatusDone, 2: StatusRejected, 3: StatusClaimed} {
		var got string
		err := e.st.DB().QueryRowContext(e.ctx, `SELECT status FROM `+e.q(e.name("src"))+` WHERE id = `+e.p(1), key).Scan(&got)
		if err != nil || got != want {
			t.Errorf("status of key %d = %q, %v; want %q", key, got, err, want)
		}
	}
	if b3, err := e.st.FetchScans(e.ctx, src, 10); err != nil || len(b3.Scans) != 0 {
		t.Errorf("claim with everything claimed or done = %v, %v; want nothing", keysOf(b3.Scans), err)
	}
	// The sweep leaves key 3 to the console that holds its claim.
	if scans, err := e.st.FetchUnresolved(e.ctx, src, 10); err != nil || len(scans) != 0 {
		t.Errorf("FetchUnresolved with key 3 claimed = %v, %v; want nothing", keysOf(scans), err)
	}
	if p, err := e.st.Pending(e.ctx, src); err != nil || p.Count != 1 || p.OldestKey != "3" {
		t.Errorf("Pending = %+v, %v; want key 3 pending", p, err)
	}
}

func testReleaseClaims(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	e.insertRows(e.name("src"), 1, 2, 3)
	src := keySource("s", e.name("src"), ModeClaim)
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil || len(b.Scans) != 3 {
		t.Fatalf("claim = %v, %v; want 3 scans", keysOf(b.Scans), err)
	}
	if err := e.st.CommitBatch(e.ctx, src, resultsFor(b.Scans[:1], 0.9), nil, b.Checkpoint); err != nil {
		t.Fatal(err)
	}
	// Stopping with keys 2 and 3 in hand (and 1 already done).
	if err := e.st.ReleaseClaims(e.ctx, src, []string{"1", "2", "3"}); err != nil {
		t.Fatal(err)
	}
	b, err = e.st.FetchScans(e.ctx, src, 10)
	if diff := cmp.Diff([]string{"2", "3"}, keysOf(b.Scans)); err != nil || diff != "" {
		t.Errorf("claim after release = %v, %v; want 2 and 3 at once (%s)", keysOf(b.Scans), err, diff)
	}
	if err := e.st.ReleaseClaims(e.ctx, keySource("s", e.name("src"), ModeKey), []string{"1"}); err == nil {
		t.Error("ReleaseClaims of a key-mode source = nil; want an error")
	}
}

func testClaimLeaseExpiry(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	e.insertRows(e.name("src"), 1, 2)
	src := keySource("s", e.name("src"), ModeClaim)
	src.LeaseTimeout = 60e9 // one minute
	b, err := e.st.FetchScans(e.ctx, src, 10)
	if err != nil || len(b.Scans) != 2 {
		t.Fatalf("claim = %v, %v; want 2 scans", keysOf(b.Scans), err)
	}
	// The claimer of key 2 died two minutes ago.
	past := e.st.d.timeArg(mustTime(t, "2000-01-01T00:00:00Z"))
	e.exec(`UPDATE `+e.q(e.name("src"))+` SET claimed_at = `+e.p(1)+` WHERE id = `+e.p(2), past, int64(2))
	b, err = e.st.FetchScans(e.ctx, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"2"}, keysOf(b.Scans)); diff != "" {
		t.Errorf("claim after key 2's lease expired (-want +got):\n%s", diff)
	}
	e.exec(`UPDATE `+e.q(e.name("src"))+` SET claimed_at = `+e.p(1)+` WHERE id = `+e.p(2), past, int64(1))
	scans, err := e.st.FetchUnresolved(e.ctx, src, 10)
	if diff := cmp.Diff([]string{"1"}, keysOf(scans)); err != nil || diff != "" {
		t.Errorf("FetchUnresolved = %v, %v; want key 1, whose claim expired (key 2 was just claimed again)", keysOf(scans), err)
	}
}

func testClaimConcurrent(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	keys := make([]int64, 200)
	for i := range keys {
		keys[i] = int64(i + 1)
	}
	e.insertRows(e.name("src"), keys...)
	src := keySource("s", e.name("src"), ModeClaim)
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := Open(e.ctx, e.st.Driver(), e.dsn, e.tables)
			if err != nil {
				errs[w] = err
				return
			}
			defer st.Close()
			for {
				b, err := st.FetchScans(e.ctx, src, 7)
				if IsTransient(err) {
					continue
				}
				if err != nil {
					errs[w] = err
					return
				}
				if len(b.Scans) == 0 {
					return
				}
				mu.Lock()
				for _, sc := range b.Scans {
					seen[sc.Key]++
				}
				mu.Unlock()
				for {
					err = st.CommitBatch(e.ctx, src, resultsFor(b.Scans, 0.9), nil, b.Checkpoint)
					if !IsTransient(err) {
						break
					}
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("claimer %d: %v", w, err)
		}
	}
	if len(seen) != len(keys) {
		t.Errorf("claimed %d distinct keys; want %d", len(seen), len(keys))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("key %s claimed %d times; want once", k, n)
		}
	}
	if n := e.countRows(e.resultsTable(), ""); n != int64(len(keys)) {
		t.Errorf("results = %d; want %d", n, len(keys))
	}
}

func testCheckSource(e *env) {
	t := e.t
	e.createKeyTable(e.name("src"))
	dt := e.demoTables()
	if err := e.st.CreateDemoSources(e.ctx, dt); err != nil {
		t.Fatal(err)
	}
	blob, pts := DemoSources(dt)
	tests := []struct {
		name string
		src  Source
		want string // "" for no error
	}{
		{"key table", keySource("s", e.name("src"), ModeKey), ""},
		{"claim table", keySource("s", e.name("src"), ModeClaim), ""},
		{"demo blob", blob, ""},
		{"demo points", pts, ""},
		{"missing table", keySource("s", e.name("nope"), ModeKey), "cannot be read"},
		{"missing metadata column", func() Source {
			s := keySource("s", e.name("src"), ModeKey)
			s.MetadataColumns = []string{"lot", "shift"}
			return s
		}(), "shift"},
		{"missing points column", func() Source { s := pts; p := *s.Points; p.ValueColumn = "val"; s.Points = &p; return s }(), "points table"},
		{"invalid", Source{Name: "x"}, "table"},
	}
	if !e.sqlserver() {
		tests = append(tests, struct {
			name string
			src  Source
			want string
		}{"rowversion on sqlite", Source{Name: "rv", Table: e.name("src"), KeyColumn: "id", Mode: ModeRowversion, RowversionColumn: "rv", PayloadColumn: "payload"}, "needs SQL Server"})
	}
	for _, tc := range tests {
		err := e.st.CheckSource(e.ctx, tc.src)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckSource(%s) = %v; want nil", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckSource(%s) = %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
}
