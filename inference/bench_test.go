package inference

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchModels are the speed references of issue 2: ONNX Runtime 1.30 on
// one thread runs mnist-8 in 0.15 ms per image and seed-cnn in 0.36 ms per
// image at batch 1 and 0.10 ms at batch 64 (testdata/bench/README.md).
var benchModels = []struct{ name, path string }{
	{"mnist-8", "testdata/onnx/models/mnist-8/model.onnx"},
	{"seed-cnn", "testdata/bench/seed-cnn.onnx"},
}

func loadBench(tb testing.TB, path string) *Model {
	tb.Helper()
	m, err := LoadFile(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// randomInput returns seeded inputs in [0, 1) for batch images.
func randomInput(m *Model, batch int) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	in := make([]float32, batch*m.InputSize())
	for k := range in {
		in[k] = r.Float32()
	}
	return in
}

func BenchmarkInfer(b *testing.B) {
	for _, bm := range benchModels {
		for _, batch := range []int{1, 64} {
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/batch=%d/threads=%d", bm.name, batch, threads), func(b *testing.B) {
					m := loadBench(b, bm.path)
					m.SetThreads(threads)
					in := randomInput(m, batch)
					out := make([]float32, batch*m.OutputSize())
					ctx := context.Background()
					// Warm up: plans for each concurrent worker get built.
					for i := 0; i < 5; i++ {
						if err := m.Infer(ctx, in, batch, out); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportAllocs()
					b.ResetTimer()
					cpu := processCPU()
					for b.Loop() {
						if err := m.Infer(ctx, in, batch, out); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N*batch), "ms/img")
					if cpu > 0 {
						// CPU time of all threads: with 2 threads it exceeds
						// wall time; on a loaded machine it is the steadier one.
						b.ReportMetric((processCPU()-cpu).Seconds()*1000/float64(b.N*batch), "cpu-ms/img")
					}
				})
			}
		}
	}
}
