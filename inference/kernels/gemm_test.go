package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// gemmRef is the naive triple loop in float64. It also returns, per
// element of C, the sum of |alpha*a*b| + |beta*c| that bounds the rounding
// error of any float32 evaluation order.
func gemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) (want, scale []float64) {
	want = make([]float64, m*n)
	scale = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var sum, mag float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				sum += float64(av) * float64(bv)
				mag += math.Abs(float64(av) * float64(bv))
			}
			w := float64(alpha) * sum
			s := math.Abs(float64(alpha)) * mag
			if beta != 0 {
				w += float64(beta) * float64(c[i*ldc+j])
				s += math.Abs(float64(beta) * float64(c[i*ldc+j]))
			}
			want[i*n+j] = w
			scale[i*n+j] = s
		}
	}
	return want, scale
}

// randMatrix returns rows x cols values with row stride ld, the padding
// between rows filled with a sentinel that must never be read into C.
func randMatrix(r *rand.Rand, rows, cols, ld int) []float32 {
	if rows == 0 || cols == 0 {
		return make([]float32, 0)
	}
	x := make([]float32, (rows-1)*ld+cols)
	for i := range x {
		if i%ld >= cols {
			x[i] = float32(math.NaN())
			continue
		}
		x[i] = r.Float32()*2 - 1
	}
	return x
}

// kernelSets are the kernel selections this CPU can run, best first.
func kernelSets() []string {
	var sets []string
	if haveAVX2 {
		sets = append(sets, "avx2")
	}
	if haveSSE {
		sets = append(sets, "sse")
	}
	return append(sets, "go")
}

// selectKernels switches the package to one kernel set and returns a
// function restoring the previous selection. "sse" is the GEMM SSE
// micro-kernel with the pure-Go versions of everything else, as on a CPU
// without AVX2.
func selectKernels(set string) (restore func()) {
	saved, savedSSE := useAVX2, useSSE
	useAVX2 = set == "avx2"
	useSSE = set == "sse"
	return func() { useAVX2, useSSE = saved, savedSSE }
}

// withKernels runs f once per available kernel set (AVX2, SSE, pure Go).
func withKernels(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, set := range kernelSets() {
		restore := selectKernels(set)
		t.Run(set, f)
		restore()
	}
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	padA, padB     int // extra stride beyond the stored row length
	padC           int
	alpha, beta    float32
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,pad=%d/%d/%d,alpha=%g,beta=%g",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.padA, tc.padB, tc.padC, tc.alpha, tc.beta)
}

func gemmCases() []gemmCase {
	shapes := [][3]int{
		{0, 0, 0}, {0, 5, 3}, {4, 0, 3}, {3, 4, 0}, {1, 1, 1}, {1, 17, 9}, {1, 37, 300},
		{2, 3, 4}, {5, 15, 7}, {6, 16, 1}, {6, 16, 8}, {7, 17, 33}, {12, 32, 256}, {13, 33, 257},
		{32, 576, 25}, {64, 64, 800}, {73, 1030, 19}, {100, 20, 600}, {3, 2000, 5}, {150, 40, 3},
	}
	var cases []gemmCase
	for si, s := range shapes {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				cases = append(cases, gemmCase{transA: tA, transB: tB, m: s[0], n: s[1], k: s[2],
					padA: si % 3, padB: (si + 1) % 4, padC: si % 2,
					alpha: []float32{1, -0.75, 2}[si%3], beta: []float32{0, 1, 0.5, -2}[(si+btoi(tA)+2*btoi(tB))%4]})
			}
		}
	}
	return cases
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// storedShape returns the stored rows and columns of op(X) = rows x cols.
func storedShape(trans bool, rows, cols int) (int, int) {
	if trans {
		return cols, rows
	}
	return rows, cols
}

// checkGemm runs one product through call and compares it with gemmRef.
func checkGemm(t *testing.T, tc gemmCase, seed uint64, call func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int)) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	ar, ac := storedShape(tc.transA, tc.m, tc.k)
	br, bc := storedShape(tc.transB, tc.k, tc.n)
	lda, ldb, ldc := max(ac, 1)+tc.padA, max(bc, 1)+tc.padB, max(tc.n, 1)+tc.padC
	a := randMatrix(r, ar, ac, lda)
	b := randMatrix(r, br, bc, ldb)
	c := randMatrix(r, tc.m, tc.n, ldc)
	if tc.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN()) // must be overwritten, not read
		}
	}
	want, scale := gemmRef(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
	got := append([]float32(nil), c...)
	call(a, lda, b, ldb, got, ldc)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			g, w := float64(got[i*ldc+j]), want[i*tc.n+j]
			// float32 rounding: at most ~k ulps of the magnitude sum.
			tol := 1e-6 + 4e-7*float64(tc.k+2)*scale[i*tc.n+j]
			if math.IsNaN(g) || math.Abs(g-w) > tol {
				t.Fatalf("%v: C[%d][%d] = %v; want %v (tol %g)", tc, i, j, g, w, tol)
			}
		}
		for j := tc.n; j < ldc && i*ldc+j < len(c); j++ {
			if !sameBits(got[i*ldc+j], c[i*ldc+j]) {
				t.Fatalf("%v: padding C[%d][%d] changed to %v", tc, i, j, got[i*ldc+j])
			}
		}
	}
}

func sameBits(x, y float32) bool {
	return math.Float32bits(x) == math.Float32bits(y) || (x != x && y != y)
}

func TestSgemm(t *testing.T) {
	ws := NewWorkspace()
	withKernels(t, func(t *testing.T) {
		for ci, tc := range gemmCases() {
			checkGemm(t, tc, uint64(ci), func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
				Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
			})
			checkGemm(t, tc, uint64(ci), func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
				ws.Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
			})
		}
	})
}

func TestSgemmPacked(t *testing.T) {
	var ws Workspace
	withKernels(t, func(t *testing.T) {
		for ci, tc := range gemmCases() {
			checkGemm(t, tc, uint64(ci), func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
				pa := PackA(tc.transA, tc.m, tc.k, a, lda)
				if pa.Rows() != tc.m || pa.Cols() != tc.k {
					t.Fatalf("%v: PackA is %d x %d", tc, pa.Rows(), pa.Cols())
				}
				SgemmPackedA(pa, tc.transB, tc.n, tc.alpha, b, ldb, tc.beta, c, ldc)
			})
			checkGemm(t, tc, uint64(ci), func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
				ws.SgemmPackedA(PackA(tc.transA, tc.m, tc.k, a, lda), tc.transB, tc.n, tc.alpha, b, ldb, tc.beta, c, ldc)
			})
			checkGemm(t, tc, uint64(ci), func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
				ws.SgemmPackedB(tc.transA, tc.m, tc.alpha, a, lda, PackB(tc.transB, tc.k, tc.n, b, ldb), tc.beta, c, ldc)
			})
			checkGemm(t, tc, uint64(ci), func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
				pb := PackB(tc.transB, tc.k, tc.n, b, ldb)
				if pb.Rows() != tc.k || pb.Cols() != tc.n {
					t.Fatalf("%v: PackB is %d x %d", tc, pb.Rows(), pb.Cols())
				}
				SgemmPackedB(tc.transA, tc.m, tc.alpha, a, lda, pb, tc.beta, c, ldc)
			})
		}
	})
}

func TestSgemmAlphaZeroSkipsInputs(t *testing.T) {
	nan := float32(math.NaN())
	a := []float32{nan, nan, nan, nan}
	c := []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 2, 0, a, 2, a, 2, 3, c, 2)
	want := []float32{3, 6, 9, 12}
	for i := range c {
		if c[i] != want[i] {
			t.Fatalf("Sgemm(alpha=0) C = %v; want %v", c, want)
		}
	}
}

func TestSgemmPanicsOnShortSlices(t *testing.T) {
	tests := []struct {
		name string
		call func()
	}{
		{"short A", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"short C", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		}},
		{"small ldb", func() {
			Sgemm(false, false, 2, 3, 2, 1, make([]float32, 4), 2, make([]float32, 6), 2, 0, make([]float32, 6), 3)
		}},
		{"negative m", func() { Sgemm(false, false, -1, 2, 2, 1, nil, 2, make([]float32, 4), 2, 0, nil, 2) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Sgemm with %s did not panic", tt.name)
				}
			}()
			tt.call()
		})
	}
}

// FuzzSgemm compares the selected kernels with the float64 reference on
// random shapes, transposes, strides and scalars.
func FuzzSgemm(f *testing.F) {
	f.Add(uint64(1), uint8(7), uint8(17), uint16(33), uint8(0), uint8(1))
	f.Add(uint64(2), uint8(64), uint8(64), uint16(800), uint8(3), uint8(2))
	f.Add(uint64(3), uint8(1), uint8(200), uint16(300), uint8(2), uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, m, n uint8, k uint16, flags, pads uint8) {
		tc := gemmCase{
			transA: flags&1 != 0, transB: flags&2 != 0,
			m: int(m), n: int(n), k: int(k % 600),
			padA: int(pads & 3), padB: int(pads >> 2 & 3), padC: int(pads >> 4 & 3),
			alpha: []float32{1, -0.5, 3}[flags>>2%3], beta: []float32{0, 1, 0.25, -1}[flags>>4%4],
		}
		for _, set := range kernelSets() {
			restore := selectKernels(set)
			checkGemm(t, tc, seed, func(a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
				Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
			})
			restore()
		}
	})
}

// TestNoAllocsAcrossGC checks the steady-state promise: after one warm-up
// call, GEMMs and convolutions allocate nothing, even when garbage
// collections run between calls.
func TestNoAllocsAcrossGC(t *testing.T) {
	a, b, c := benchMatrices(64, 64, 800)
	s := ConvShape{InC: 1, InH: 28, InW: 28, OutC: 8, KH: 5, KW: 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2}
	r := rand.New(rand.NewPCG(1, 1))
	pw, err := PackConvWeights(s, randSlice(r, s.OutC*s.K()))
	if err != nil {
		t.Fatal(err)
	}
	src, dst, scratch := randSlice(r, s.InH*s.InW), make([]float32, s.OutC*s.OutH()*s.OutW()), make([]float32, s.ColSize())
	ws := NewWorkspace()
	run := func() {
		Sgemm(false, true, 64, 64, 800, 1, a, 800, b, 800, 0, c, 64)
		Sgemm(false, false, 1, 64, 800, 1, a, 800, b, 64, 0, c, 64)
		Conv2D(s, pw, nil, ActReLU, src, dst, scratch)
		ws.Sgemm(false, true, 64, 64, 800, 1, a, 800, b, 800, 0, c, 64)
		ws.Conv2D(s, pw, nil, ActReLU, src, dst, scratch)
	}
	for _, set := range kernelSets() {
		restore := selectKernels(set)
		run()
		if n := testing.AllocsPerRun(5, func() { runtime.GC(); run() }); n != 0 {
			t.Errorf("%s: %v allocations per run after warm-up; want 0", set, n)
		}
		restore()
	}
}

// TestSgemmConcurrent runs GEMMs and convolutions from several goroutines
// at once, through the shared free list and through private workspaces,
// and checks every result against a serial run (run with -race).
func TestSgemmConcurrent(t *testing.T) {
	const m, n, k = 37, 70, 300
	a, b, _ := benchMatrices(m, n, k)
	want := make([]float32, m*n)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	errs := make(chan string, 8)
	for g := 0; g < 4; g++ {
		go func() {
			ws := NewWorkspace()
			c := make([]float32, m*n)
			for i := 0; i < 20; i++ {
				if i%2 == 0 {
					Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				} else {
					ws.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				}
				for j := range c {
					if c[j] != want[j] {
						errs <- fmt.Sprintf("goroutine %d, run %d: C[%d] = %v; want %v", g, i, j, c[j], want[j])
						return
					}
				}
			}
			errs <- ""
		}()
	}
	for g := 0; g < 4; g++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}
