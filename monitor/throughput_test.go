package monitor_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/gradewatch/gradewatch/app/demo"
	"github.com/gradewatch/gradewatch/inference"
	"github.com/gradewatch/gradewatch/monitor"
)

// meanGrader is a deterministic grader that costs next to nothing: the
// grade is the mean brightness in tenths. It measures the pipeline
// (fetch, decode, save, commit) without the model.
type meanGrader struct{}

func (meanGrader) Info() inference.Info {
	return inference.Info{Name: "mean", SHA256: "0", Labels: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}}
}

func (meanGrader) Classify(ctx context.Context, imgs []inference.Image) ([]inference.Prediction, error) {
	out := make([]inference.Prediction, len(imgs))
	for i, img := range imgs {
		var sum float32
		for _, v := range img.Pix {
			sum += v
		}
		k := min(9, int(10*sum/float32(max(1, len(img.Pix)))))
		probs := make([]float32, 10)
		probs[k] = 1
		out[i] = inference.Prediction{Index: k, Label: fmt.Sprint(k), Confidence: 1, Probs: probs}
	}
	return out, nil
}

// BenchmarkEndToEndSQLite grades backlogs of demo scans on an SQLite file,
// from fetch to commit, and reports scans per second: 2,000 blob scans or
// 500 points scans (784 point rows each) per iteration. Each iteration
// inserts a new backlog (not timed) and runs a new Monitor until it is idle
// (timed, including start-up and the final empty poll).
func BenchmarkEndToEndSQLite(b *testing.B) {
	graders := []struct {
		name string
		g    func(testing.TB) monitor.Grader
	}{
		{"mean", func(testing.TB) monitor.Grader { return meanGrader{} }},
		{"mnist-8", func(tb testing.TB) monitor.Grader { return loadDemoModel(tb) }},
	}
	for _, source := range []string{"blob", "points"} {
		for _, gr := range graders {
			for _, images := range []bool{false, true} {
				b.Run(fmt.Sprintf("source=%s/grader=%s/images=%v", source, gr.name, images), func(b *testing.B) {
					benchEndToEnd(b, source, gr.g(b), images)
				})
			}
		}
	}
}

func benchEndToEnd(b *testing.B, source string, g monitor.Grader, images bool) {
	ctx := context.Background()
	dir := b.TempDir()
	st := openDemoDB(b, ctx, filepath.Join(dir, "bench.db"))
	defer st.Close()
	sources := demoSources(time.Millisecond, 256)
	backlog, insert := 2000, demo.InsertBlobScans
	if source == "points" {
		sources = sources[1:]
		backlog, insert = 500, demo.InsertPointScans
	}
	cfg := monitor.Config{Store: st, Grader: g, Sources: sources[:1]}
	if images {
		cfg.ImageDir = filepath.Join(dir, "images")
	}
	scans := demoScans(rand.New(rand.NewPCG(7, 7)), backlog)
	b.ReportAllocs()
	var graded int
	for b.Loop() {
		b.StopTimer()
		if err := insert(ctx, st, demoTables, scans); err != nil {
			b.Fatal(err)
		}
		m, err := monitor.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := runUntilIdle(ctx, m); err != nil {
			b.Fatal(err)
		}
		graded += int(m.Status()[0].Graded)
	}
	if graded != backlog*b.N {
		b.Fatalf("graded %d scans; want %d", graded, backlog*b.N)
	}
	b.ReportMetric(float64(graded)/b.Elapsed().Seconds(), "scans/s")
	b.ReportMetric(0, "ns/op")
}
