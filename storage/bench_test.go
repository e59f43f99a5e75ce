package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// benchResults makes n results with keys from start, shaped like the demo's
// (10 classes, 5 metadata fields).
func benchResults(start, n int) []Result {
	out := make([]Result, n)
	labels := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	for i := range out {
		probs := make([]float64, 10)
		for j := range probs {
			probs[j] = float64((start+i+j)%10) / 45
		}
		out[i] = Result{
			SourceKey: strconv.Itoa(start + i), Predicted: labels[(start+i)%10], Confidence: 0.9, Probs: probs, Labels: labels,
			Metadata:  map[string]string{"product_id": "P1", "lot": "L7", "station": "S2", "true_label": "3", "created_at": "2026-11-22T01:00:00Z"},
			ModelName: "mnist-8", ModelSHA256: "2f06e72de813a8635c9bc0397ac447a601bdbfa7df4bebc278723b958831c9bf",
			ImagePath: "images/2026-11-22/x.png",
		}
	}
	return out
}

// BenchmarkCommitBatch measures CommitBatch on SQLite (WAL, synchronous
// NORMAL) per batch size, beside the plain way it improves on: one
// prepared INSERT ... ON CONFLICT DO NOTHING per result in one transaction
// (impl=row-by-row). results/s is the throughput to compare with the
// 1,000 scans/s target. Compare with
// benchstat -col /impl -row /batch.
func BenchmarkCommitBatch(b *testing.B) {
	for _, bc := range []struct {
		impl string
		size int
	}{{"CommitBatch", 1}, {"CommitBatch", 100}, {"CommitBatch", 1000}, {"row-by-row", 100}, {"row-by-row", 1000}} {
		b.Run(fmt.Sprintf("impl=%s/batch=%d", bc.impl, bc.size), func(b *testing.B) {
			ctx := context.Background()
			st, err := Open(ctx, DriverSQLite, filepath.Join(b.TempDir(), "bench.db"), TableNames{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if err := st.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			src := Source{Name: "bench", Table: "bench_src", KeyColumn: "id", Mode: ModeKey, PayloadColumn: "payload"}
			commit := st.CommitBatch
			if bc.impl == "row-by-row" {
				commit = func(ctx context.Context, _ Source, rs []Result, _ []Reject, _ Checkpoint) error {
					return commitRowByRow(ctx, st, rs)
				}
			}
			b.ReportAllocs()
			next := 0
			for b.Loop() {
				b.StopTimer()
				batch := benchResults(next*bc.size, bc.size) // made outside the timer: storage only
				for i := range batch {
					batch[i].Source = "bench"
				}
				b.StartTimer()
				if err := commit(ctx, src, batch, nil, Checkpoint{Key: int64(next*bc.size + bc.size)}); err != nil {
					b.Fatal(err)
				}
				next++
			}
			b.ReportMetric(float64(next*bc.size)/b.Elapsed().Seconds(), "results/s")
		})
	}
}

// commitRowByRow is the baseline: one prepared insert per result.
func commitRowByRow(ctx context.Context, st *Store, batch []Result) error {
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO gw_results (`+quoteCols(st.d, "", resultColumns)+`) VALUES (`+
		strings.Repeat("?, ", len(resultColumns)-1)+`?) ON CONFLICT (source, source_key) DO NOTHING`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, r := range batch {
		a := &args{d: st.d}
		if err := addResultArgs(a, []Result{r}); err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, a.list...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// BenchmarkFetchScansEmpty measures a poll of a key-mode source over 2,000
// graded rows that finds nothing: "quiet" once the settle time has passed
// (only keys above the checkpoint), "settling" within it (the 1,000 keys
// below the checkpoint are checked for late commits too).
func BenchmarkFetchScansEmpty(b *testing.B) {
	for _, settling := range []bool{false, true} {
		name := "state=quiet"
		if settling {
			name = "state=settling"
		}
		b.Run(name, func(b *testing.B) { benchFetchEmpty(b, settling) })
	}
}

func benchFetchEmpty(b *testing.B, settling bool) {
	ctx := context.Background()
	st, err := Open(ctx, DriverSQLite, filepath.Join(b.TempDir(), "bench.db"), TableNames{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	dt := DefaultDemoTables()
	if err := st.CreateDemoSources(ctx, dt); err != nil {
		b.Fatal(err)
	}
	if err := st.InsertDemoBlobScans(ctx, dt, demoScans(2000)); err != nil {
		b.Fatal(err)
	}
	src, _ := DemoSources(dt)
	if !settling {
		src.SettleTime = 1
	}
	for {
		batch, err := st.FetchScans(ctx, src, 500)
		if err != nil {
			b.Fatal(err)
		}
		if len(batch.Scans) == 0 {
			break
		}
		res := make([]Result, len(batch.Scans))
		for i, sc := range batch.Scans {
			res[i] = Result{SourceKey: sc.Key, Predicted: "1", Confidence: 0.9}
		}
		if err := st.CommitBatch(ctx, src, res, nil, batch.Checkpoint); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		batch, err := st.FetchScans(ctx, src, 100)
		if err != nil || len(batch.Scans) != 0 {
			b.Fatalf("idle FetchScans = %d scans, %v", len(batch.Scans), err)
		}
	}
}

// BenchmarkFetchPoints measures FetchScans of a points source (784 point
// rows per scan) per batch size, reported as scans/s.
func BenchmarkFetchPoints(b *testing.B) {
	for _, n := range []int{16, 256} {
		b.Run(fmt.Sprintf("sqlite/batch=%d", n), func(b *testing.B) {
			ctx := context.Background()
			st, err := Open(ctx, DriverSQLite, filepath.Join(b.TempDir(), "bench.db"), TableNames{})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			if err := st.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			dt := DefaultDemoTables()
			if err := st.CreateDemoSources(ctx, dt); err != nil {
				b.Fatal(err)
			}
			if err := st.InsertDemoPointScans(ctx, dt, demoScans(n)); err != nil {
				b.Fatal(err)
			}
			_, src := DemoSources(dt)
			b.ReportAllocs()
			for b.Loop() {
				batch, err := st.FetchScans(ctx, src, n)
				if err != nil || len(batch.Scans) != n {
					b.Fatalf("FetchScans = %d scans, %v; want %d", len(batch.Scans), err, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "scans/s")
		})
	}
}
