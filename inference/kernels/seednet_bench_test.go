package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// seedNet is the seed network (28x28x1 -> Conv5x5x32 -> ReLU ->
// MaxPool2 -> Conv5x5x64 -> ReLU -> MaxPool2 -> Dense1024 -> ReLU ->
// Dense10 -> Softmax, random weights) written directly against the
// kernels, with every buffer allocated up front. It is the floor the
// engine's own BenchmarkInfer can approach.
type seedNet struct {
	c1, c2           ConvShape
	p1, p2           PoolShape
	w1, w2           *PackedA
	b1, b2           []float32
	d1w, d2w         []float32 // [N][K], ONNX Gemm transB=1
	d1p, d2p         *PackedB
	d1b, d2b         []float32
	scratch          []float32
	a1, a2, a3, a4   []float32 // per-image activations
	flat, hid, logit []float32 // batch activations
	ws               *Workspace
}

func newSeedNet(batch int) *seedNet {
	r := rand.New(rand.NewPCG(3, 4))
	n := &seedNet{
		c1: ConvShape{InC: 1, InH: 28, InW: 28, OutC: 32, KH: 5, KW: 5},
		c2: ConvShape{InC: 32, InH: 12, InW: 12, OutC: 64, KH: 5, KW: 5},
		p1: PoolShape{C: 32, InH: 24, InW: 24, OutH: 12, OutW: 12, KH: 2, KW: 2, StrideH: 2, StrideW: 2},
		p2: PoolShape{C: 64, InH: 8, InW: 8, OutH: 4, OutW: 4, KH: 2, KW: 2, StrideH: 2, StrideW: 2},
		ws: NewWorkspace(),
	}
	var err error
	if n.w1, err = PackConvWeights(n.c1, randSlice(r, 32*25)); err != nil {
		panic(err)
	}
	if n.w2, err = PackConvWeights(n.c2, randSlice(r, 64*800)); err != nil {
		panic(err)
	}
	n.b1, n.b2 = randSlice(r, 32), randSlice(r, 64)
	n.d1w, n.d2w = randSlice(r, 1024*1024), randSlice(r, 10*1024)
	n.d1p, n.d2p = PackB(true, 1024, 1024, n.d1w, 1024), PackB(true, 1024, 10, n.d2w, 1024)
	n.d1b, n.d2b = randSlice(r, 1024), randSlice(r, 10)
	n.scratch = make([]float32, max(n.c1.ColSize(), n.c2.ColSize()))
	n.a1, n.a2 = make([]float32, 32*24*24), make([]float32, 32*12*12)
	n.a3 = make([]float32, 64*8*8)
	n.flat, n.hid, n.logit = make([]float32, batch*1024), make([]float32, batch*1024), make([]float32, batch*10)
	return n
}

// run classifies batch images of 28x28 from in into n.logit (probabilities).
func (n *seedNet) run(in []float32, batch int) {
	for i := 0; i < batch; i++ {
		n.ws.Conv2D(n.c1, n.w1, n.b1, ActReLU, in[i*784:(i+1)*784], n.a1, n.scratch)
		MaxPool2D(n.p1, n.a1, n.a2)
		n.ws.Conv2D(n.c2, n.w2, n.b2, ActReLU, n.a2, n.a3, n.scratch)
		MaxPool2D(n.p2, n.a3, n.flat[i*1024:(i+1)*1024])
	}
	if batch == 1 {
		// One row: GEMV straight from the [N][K] weights.
		Sgemm(false, true, 1, 1024, 1024, 1, n.flat, 1024, n.d1w, 1024, 0, n.hid, 1024)
		Sgemm(false, true, 1, 10, 1024, 1, n.hid, 1024, n.d2w, 1024, 0, n.logit, 10)
	} else {
		n.ws.SgemmPackedB(false, batch, 1, n.flat, 1024, n.d1p, 0, n.hid, 1024)
		n.ws.SgemmPackedB(false, batch, 1, n.hid, 1024, n.d2p, 0, n.logit, 10)
	}
	// Dense biases are per column: one bias row added to each image's row.
	for i := 0; i < batch; i++ {
		h := n.hid[i*1024 : (i+1)*1024]
		for j := range h {
			h[j] += n.d1b[j]
		}
		ReLU(h, h)
		l := n.logit[i*10 : (i+1)*10]
		for j := range l {
			l[j] += n.d2b[j]
		}
	}
	Softmax(batch, 10, n.logit)
}

// BenchmarkSeedNet runs the seed network through the kernels alone, one
// thread; ms/img compares with ONNX Runtime's 0.36 (batch 1) and 0.10
// (batch 64) on this machine.
func BenchmarkSeedNet(b *testing.B) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			benchKernels(b, func(b *testing.B) {
				n := newSeedNet(batch)
				in := randSlice(rand.New(rand.NewPCG(5, 6)), batch*784)
				n.run(in, batch)
				b.ReportAllocs()
				for b.Loop() {
					n.run(in, batch)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N*batch), "ms/img")
			})
		})
	}
}

// TestSeedNetProbabilities checks that the kernel-only seed network yields
// a probability distribution per image and the same answer with both
// kernel sets.
func TestSeedNetProbabilities(t *testing.T) {
	const batch = 3
	in := randSlice(rand.New(rand.NewPCG(5, 6)), batch*784)
	var ref []float32
	for _, set := range kernelSets() {
		restore := selectKernels(set)
		n := newSeedNet(batch)
		n.run(in, batch)
		for i := 0; i < batch; i++ {
			var sum float64
			for _, p := range n.logit[i*10 : (i+1)*10] {
				if !(p >= 0 && p <= 1) {
					t.Fatalf("%s: image %d probability %v outside [0, 1]", set, i, p)
				}
				sum += float64(p)
			}
			if sum < 0.999 || sum > 1.001 {
				t.Fatalf("%s: image %d probabilities sum to %v; want 1", set, i, sum)
			}
		}
		if ref == nil {
			ref = append([]float32(nil), n.logit...)
		} else {
			for j := range ref {
				if d := ref[j] - n.logit[j]; d > 1e-4 || d < -1e-4 {
					t.Fatalf("%s: probability %d = %v; other kernels gave %v", set, j, n.logit[j], ref[j])
				}
			}
		}
		restore()
	}
}
