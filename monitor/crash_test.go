package monitor_test

import (
	"bytes"
	"context"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/monitor"
	"github.com/gradewatch/gradewatch/storage"
)

// Environment of the crash test's child process.
const (
	crashDBEnv     = "GRADEWATCH_CRASH_DB"     // database file; set only in the child
	crashImagesEnv = "GRADEWATCH_CRASH_IMAGES" // image folder
)

// Crash test sizes: a backlog of crashBacklog blob scans (crashBad of them
// malformed) and crashPoints points scans, crashPerRound more blob scans
// arriving before each of crashRounds hard kills.
const (
	crashBacklog  = 5000
	crashBad      = 25
	crashPoints   = 150
	crashRounds   = 25
	crashPerRound = 100
)

// TestCrashChild is the grading process of TestCrashRecovery: it runs the
// real pipeline (mnist-8 through the inference engine, PNG saving, SQLite)
// until every source is idle. It is skipped unless started by
// TestCrashRecovery.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashDBEnv)
	if path == "" {
		t.Skip("runs only as the child process of TestCrashRecovery")
	}
	ctx := context.Background()
	st, err := storage.Open(ctx, storage.DriverSQLite, path, storage.TableNames{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m, err := monitor.New(monitor.Config{Store: st, Grader: loadDemoModel(t), ImageDir: os.Getenv(crashImagesEnv),
		SweepEvery: 5, BackoffMin: 5 * time.Millisecond, BackoffMax: 100 * time.Millisecond,
		Sources: demoSources(5*time.Millisecond, 64)})
	if err != nil {
		t.Fatal(err)
	}
	if err := runUntilIdle(ctx, m); err != nil {
		t.Fatal(err)
	}
}

// TestCrashRecovery kills the grading process hard (SIGKILL) at random
// points at least 20 times during a backlog of more than 5,000 scans on
// SQLite, then lets it finish: every source row must have exactly one
// result or reject, and every result's image must be a whole PNG.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test takes about a minute")
	}
	if os.Getenv(crashDBEnv) != "" {
		t.Skip("already the child")
	}
	if raceEnabled {
		t.Skip("the race detector slows the child's model tenfold, so kills would land only in start-up; run the crash test without -race")
	}
	ctx := t.Context()
	dir := t.TempDir()
	path, images := filepath.Join(dir, "crash.db"), filepath.Join(dir, "images")
	st := openDemoDB(t, ctx, path)
	defer st.Close()
	rng := rand.New(rand.NewPCG(20261122, 1))
	if err := demo.InsertBlobScans(ctx, st, demoTables, demoScans(rng, crashBacklog-crashBad)); err != nil {
		t.Fatal(err)
	}
	for i := range crashBad { // wrong length: rejected by the decoder
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO demo_blob_scans (payload, product_id, lot, station, true_label) VALUES (?, 'bad', 'L1', 'S1', '0')`, make([]byte, 1+i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := demo.InsertPointScans(ctx, st, demoTables, demoScans(rng, crashPoints)); err != nil {
		t.Fatal(err)
	}

	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDBEnv+"="+path, crashImagesEnv+"="+images)
		return cmd
	}
	kills, grading := 0, 0 // kills, and kills after the child committed something
	var resolvedAtKill []int
	for round := range crashRounds {
		cmd := child()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() {
			cmd.Wait()
			close(exited)
		}()
		// Kill once the child has committed a random number (1..150) of
		// further scans, so kills land at random points of the backlog
		// however fast the machine is; one round in four kills at a random
		// moment of the first 40 ms instead (start-up, first cycle).
		before := committed(t, st)
		target := before + 1 + rng.IntN(150)
		early := time.Duration(rng.IntN(40)) * time.Millisecond
		isEarly := rng.IntN(4) == 0
		started := time.Now()
	wait:
		for {
			select {
			case <-exited:
				break wait
			case <-time.After(time.Millisecond):
			}
			since := time.Since(started)
			if (isEarly && since >= early) || (!isEarly && committed(t, st) >= target) || since > 10*time.Second {
				// A random extra pause (a cycle of 64 scans takes some
				// 10-50 ms) moves the kill anywhere in the following
				// cycle: fetch, decode, grade, save or commit.
				select {
				case <-exited:
					break wait
				case <-time.After(time.Duration(rng.IntN(10)) * time.Millisecond):
				}
				if cmd.Process.Kill() == nil {
					kills++
				}
				break
			}
		}
		<-exited
		if cmd.ProcessState.Exited() {
			t.Logf("round %d: child exited by itself (%v) before the kill", round, cmd.ProcessState)
			kills--
		}
		after := committed(t, st)
		if after > before {
			grading++
		}
		resolvedAtKill = append(resolvedAtKill, after)
		// The line keeps producing while the grader is down.
		if err := demo.InsertBlobScans(ctx, st, demoTables, demoScans(rng, crashPerRound)); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d hard kills, %d of them after the child committed; scans resolved at each kill: %v", kills, grading, resolvedAtKill)
	if kills < 20 {
		t.Fatalf("only %d kills landed while the child ran; want at least 20", kills)
	}
	if grading < 10 {
		t.Fatalf("only %d kills landed after the child committed; want at least 10", grading)
	}
	if none, _ := unresolved(t, st, "demo_blob_scans", demo.BlobSource); none == 0 {
		t.Fatal("the backlog was finished before the last kill; the kills did not land during the backlog")
	}

	cmd := child()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("final run: %v\n%s", err, out.Bytes())
		}
	case <-runCtx.Done():
		cmd.Process.Kill()
		t.Fatal("final run did not finish the backlog in 90s")
	}

	for _, c := range []struct{ table, source string }{
		{"demo_blob_scans", demo.BlobSource}, {"demo_point_scans", demo.PointsSource},
	} {
		none, many := unresolved(t, st, c.table, c.source)
		var rows, results, rejects int
		db := st.DB()
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + c.table).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM gw_results WHERE source = ?`, c.source).Scan(&results); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM gw_rejects WHERE source = ?`, c.source).Scan(&rejects); err != nil {
			t.Fatal(err)
		}
		t.Logf("source %s: %d rows, %d results, %d rejects", c.source, rows, results, rejects)
		if none != 0 || many != 0 || results+rejects != rows {
			t.Errorf("source %s: %d rows without a result, %d with several, %d results + %d rejects for %d rows; want exactly one each",
				c.source, none, many, results, rejects, rows)
		}
	}
	var bad int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM gw_rejects WHERE source = ? AND reason LIKE 'decode: blob is %'`, demo.BlobSource).Scan(&bad); err != nil || bad != crashBad {
		t.Errorf("malformed blob scans rejected = %d, %v; want %d", bad, err, crashBad)
	}
	checkImages(t, st)
}

// committed counts the results and rejects of all sources.
func committed(t *testing.T, st *storage.Store) int {
	var n int
	err := st.DB().QueryRow(`SELECT (SELECT COUNT(*) FROM gw_results) + (SELECT COUNT(*) FROM gw_rejects)`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkImages decodes the saved image of every result.
func checkImages(t *testing.T, st *storage.Store) {
	rows, err := st.DB().Query(`SELECT image_path FROM gw_results`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Errorf("image of a result: %v", err)
			continue
		}
		_, err = png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Errorf("image %s: %v", p, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d result images are whole PNGs", n)
}
