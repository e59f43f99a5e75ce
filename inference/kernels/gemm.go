package kernels

import (
	"fmt"
	"sync"
)

// Block sizes of the packed GEMM (Goto/BLIS loop order). The micro-kernel
// computes an mr x nr tile of C from an mr-row panel of A and an nr-column
// panel of B, each kc deep. kc*nr floats of B (16 KiB) stay in L1, an
// mcBlock x kc block of A (72 KiB) in L2, and a kc x ncBlock block of B
// (1 MiB) in L2/L3.
const (
	mr      = 6
	nr      = 16
	kcBlock = 256
	mcBlock = 72 // multiple of mr
	ncBlock = 1024
)

// packBuffers is the scratch space of one Sgemm call (1.1 MiB).
type packBuffers struct {
	a [mcBlock * kcBlock]float32
	b [kcBlock * ncBlock]float32
}

// packFree keeps the packBuffers of finished calls for the next ones. It
// only grows, to the largest number of concurrent calls seen, so a warm
// program never allocates here; a sync.Pool would drop the buffers at every
// garbage collection and reallocate 1.1 MiB afterwards.
var packFree struct {
	sync.Mutex
	list []*packBuffers
}

// getPackBuffers returns scratch for one GEMM call; give it back with
// putPackBuffers.
func getPackBuffers() *packBuffers {
	packFree.Lock()
	defer packFree.Unlock()
	if n := len(packFree.list); n > 0 {
		b := packFree.list[n-1]
		packFree.list = packFree.list[:n-1]
		return b
	}
	return new(packBuffers)
}

func putPackBuffers(b *packBuffers) {
	packFree.Lock()
	packFree.list = append(packFree.list, b)
	packFree.Unlock()
}

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices,
// where op(X) is X or its transpose. op(A) is m x k, op(B) is k x n and C is
// m x n; lda, ldb and ldc are the row strides of A, B and C as stored.
// When beta is 0, C is overwritten without being read (NaNs in C do not
// propagate). When k is 0 or alpha is 0, A and B are not read and C becomes
// beta*C.
//
// Sgemm panics if a dimension is negative, a stride is smaller than the row
// it strides over, or a slice is too short for the shape: these are
// programming errors of the caller, like an index out of range.
//
// It uses an AVX2+FMA micro-kernel when the CPU has both and a pure-Go one
// otherwise; results agree to float32 rounding. It does not allocate in
// steady state and is safe for concurrent use.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(nil, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemm is Sgemm with the packing scratch from ws, or from the free list
// when ws is nil.
func sgemm(ws *packBuffers, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkMatrix("A", transA, m, k, a, lda)
	checkMatrix("B", transB, k, n, b, ldb)
	checkMatrix("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	if m == 1 {
		gemv(transB, n, k, alpha, a, lda, transA, b, ldb, beta, c)
		return
	}
	if ws == nil {
		ws = getPackBuffers()
		defer putPackBuffers(ws)
	}
	gemmBlocked(operand{trans: transA, data: a, ld: lda}, operand{trans: transB, data: b, ld: ldb},
		m, n, k, alpha, beta, c, ldc, ws)
}

// operand is one input matrix of a GEMM: either plain (data, ld, trans) or
// already packed (packed != nil).
type operand struct {
	trans  bool
	data   []float32
	ld     int
	packed []float32 // whole matrix in panel layout, see PackA / PackB
}

// gemmBlocked runs the packed five-loop GEMM. m, n, k are all positive.
func gemmBlocked(a, b operand, m, n, k int, alpha, beta float32, c []float32, ldc int, bufs *packBuffers) {
	mPad := roundUp(m, mr)
	nPad := roundUp(n, nr)
	for jc := 0; jc < n; jc += ncBlock {
		nc := min(ncBlock, n-jc)
		for pc := 0; pc < k; pc += kcBlock {
			kc := min(kcBlock, k-pc)
			var bBlock []float32
			if b.packed != nil {
				bBlock = b.packed[nPad*pc+jc*kc:]
			} else {
				packB(bufs.b[:], b.trans, b.data, b.ld, pc, kc, jc, nc)
				bBlock = bufs.b[:]
			}
			accumulate, betaBlock := beta != 0, beta
			if pc > 0 {
				accumulate, betaBlock = true, 1
			}
			for ic := 0; ic < m; ic += mcBlock {
				mc := min(mcBlock, m-ic)
				var aBlock []float32
				if a.packed != nil {
					aBlock = a.packed[mPad*pc+ic*kc:]
				} else {
					packA(bufs.a[:], a.trans, a.data, a.ld, ic, mc, pc, kc)
					aBlock = bufs.a[:]
				}
				macroKernel(mc, nc, kc, alpha, aBlock, bBlock, accumulate, betaBlock, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// macroKernel multiplies a packed mc x kc block of A by a packed kc x nc
// block of B into C, one column of mr x nr tiles at a time: with AVX2 the
// full tiles of a column take one assembly call and a last panel of 2 or 4
// rows a narrower kernel; other tiles that stick out of C are computed into
// a local tile and copied.
func macroKernel(mc, nc, kc int, alpha float32, a, b []float32, accumulate bool, beta float32, c []float32, ldc int) {
	for jr := 0; jr < nc; jr += nr {
		nt := min(nr, nc-jr)
		bPanel := b[jr*kc : jr*kc+nr*kc]
		ir := 0
		if useAVX2 && nt == nr && mc >= mr {
			// All full tiles of this column in one assembly call.
			full := mc / mr
			_ = a[full*mr*kc-1]
			_ = c[(full*mr-1)*ldc+jr+nr-1]
			acc := 0
			if accumulate {
				acc = 1
			}
			kernel6x16AVX2(kc, &a[0], &bPanel[0], &c[jr], ldc, acc, alpha, beta, full)
			ir = full * mr
		}
		for ; ir < mc; ir += mr {
			mt := min(mr, mc-ir)
			aPanel := a[ir*kc : ir*kc+mr*kc]
			if mt == mr && nt == nr {
				microKernel(kc, aPanel, bPanel, c[ir*ldc+jr:], ldc, accumulate, alpha, beta)
				continue
			}
			if useAVX2 && nt == nr && (mt == 2 || mt == 4) {
				// The last panel of A is partial: a narrower kernel writes
				// its rows straight to C instead of a padded tile.
				tile := c[ir*ldc+jr:]
				_ = tile[(mt-1)*ldc+nr-1]
				acc := 0
				if accumulate {
					acc = 1
				}
				if mt == 2 {
					kernel2x16AVX2(kc, &aPanel[0], &bPanel[0], &tile[0], ldc, acc, alpha, beta)
				} else {
					kernel4x16AVX2(kc, &aPanel[0], &bPanel[0], &tile[0], ldc, acc, alpha, beta)
				}
				continue
			}
			var tile [mr * nr]float32
			microKernel(kc, aPanel, bPanel, tile[:], nr, false, alpha, 0)
			for i := 0; i < mt; i++ {
				row := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+nt]
				src := tile[i*nr : i*nr+nt]
				if !accumulate {
					copy(row, src)
					continue
				}
				for j := range row {
					row[j] = src[j] + beta*row[j]
				}
			}
		}
	}
}

// microKernel computes one full mr x nr tile. c must hold mr rows of
// stride ldc starting at c[0]; a and b hold mr*kc and nr*kc floats.
func microKernel(kc int, a, b, c []float32, ldc int, accumulate bool, alpha, beta float32) {
	_ = c[(mr-1)*ldc+nr-1]
	_ = a[mr*kc-1]
	_ = b[nr*kc-1]
	if useAVX2 {
		acc := 0
		if accumulate {
			acc = 1
		}
		kernel6x16AVX2(kc, &a[0], &b[0], &c[0], ldc, acc, alpha, beta, 1)
		return
	}
	if useSSE {
		acc := 0
		if accumulate {
			acc = 1
		}
		kernel6x16SSE(kc, &a[0], &b[0], &c[0], ldc, acc, alpha, beta)
		return
	}
	kernel6x16Go(kc, a, b, c, ldc, accumulate, alpha, beta)
}

// kernel6x16Go is the portable micro-kernel, the same contract as
// kernel6x16AVX2.
func kernel6x16Go(kc int, a, b, c []float32, ldc int, accumulate bool, alpha, beta float32) {
	var acc [mr][nr]float32
	for p := 0; p < kc; p++ {
		bp := (*[nr]float32)(b[p*nr : p*nr+nr])
		ap := (*[mr]float32)(a[p*mr : p*mr+mr])
		for i := 0; i < mr; i++ {
			ai := ap[i]
			row := &acc[i]
			for j := 0; j < nr; j++ {
				row[j] += ai * bp[j]
			}
		}
	}
	for i := 0; i < mr; i++ {
		row := (*[nr]float32)(c[i*ldc : i*ldc+nr])
		if !accumulate {
			for j := 0; j < nr; j++ {
				row[j] = alpha * acc[i][j]
			}
			continue
		}
		for j := 0; j < nr; j++ {
			row[j] = alpha*acc[i][j] + beta*row[j]
		}
	}
}

// scaleMatrix sets C = beta*C, writing zeros without reading C when beta is 0.
func scaleMatrix(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// checkMatrix panics unless x can hold a rows x cols matrix (as op(X), so
// stored transposed when trans) with row stride ld.
func checkMatrix(name string, trans bool, rows, cols int, x []float32, ld int) {
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("kernels: negative dimension of %s: %d x %d", name, rows, cols))
	}
	if trans {
		rows, cols = cols, rows
	}
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("kernels: stride of %s is %d, below its row length %d", name, ld, cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*ld + cols; len(x) < need {
		panic(fmt.Sprintf("kernels: %s has %d elements, needs %d for %d x %d with stride %d", name, len(x), need, rows, cols, ld))
	}
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }
