package kernels

// Packed layout. op(A) (m x k) is cut into blocks of kcBlock columns; each
// block is a run of mr-row panels, and a panel stores its mr values of one
// column together (column after column), zero-padded to mr rows. op(B)
// (k x n) is cut the same way into kcBlock-row blocks of nr-column panels
// storing nr values of one row together. Element (i, p) of a packed A whose
// row count is padded to mPad lives at
//
//	mPad*pc + (i/mr)*mr*kc + (p-pc)*mr + i%mr,  pc = p - p%kcBlock, kc = min(kcBlock, k-pc)
//
// so the micro-kernel reads both operands sequentially.

// packA packs rows ic..ic+mc and columns pc..pc+kc of op(A) into dst.
func packA(dst []float32, trans bool, a []float32, lda, ic, mc, pc, kc int) {
	for ir := 0; ir < mc; ir += mr {
		mt := min(mr, mc-ir)
		panel := dst[ir*kc : ir*kc+mr*kc]
		i0 := ic + ir
		if trans {
			// op(A)[i][p] = a[p*lda+i]: the mt values of a step are contiguous.
			for p := 0; p < kc; p++ {
				src := a[(pc+p)*lda+i0 : (pc+p)*lda+i0+mt]
				d := panel[p*mr : p*mr+mr]
				copy(d, src)
				clear(d[mt:])
			}
			continue
		}
		if mt == mr {
			// Equal-length reslices let the compiler drop the bounds
			// checks inside the loop.
			r0 := a[i0*lda+pc : i0*lda+pc+kc]
			r1 := a[(i0+1)*lda+pc:][:len(r0)]
			r2 := a[(i0+2)*lda+pc:][:len(r0)]
			r3 := a[(i0+3)*lda+pc:][:len(r0)]
			r4 := a[(i0+4)*lda+pc:][:len(r0)]
			r5 := a[(i0+5)*lda+pc:][:len(r0)]
			d := panel[:mr*len(r0)]
			for p := range r0 {
				q := d[p*mr : p*mr+mr : p*mr+mr]
				q[0], q[1], q[2], q[3], q[4], q[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
			continue
		}
		// A last, partial panel: row by row, then zero the padding rows.
		for i := 0; i < mt; i++ {
			row := a[(i0+i)*lda+pc:][:kc]
			for p, v := range row {
				panel[p*mr+i] = v
			}
		}
		for p := 0; p < kc; p++ {
			clear(panel[p*mr+mt : p*mr+mr])
		}
	}
}

// packB packs rows pc..pc+kc and columns jc..jc+nc of op(B) into dst.
func packB(dst []float32, trans bool, b []float32, ldb, pc, kc, jc, nc int) {
	for jr := 0; jr < nc; jr += nr {
		nt := min(nr, nc-jr)
		panel := dst[jr*kc : jr*kc+nr*kc]
		j0 := jc + jr
		if !trans {
			// op(B)[p][j] = b[p*ldb+j]: the nt values of a step are contiguous.
			if nt == nr {
				if useAVX2 {
					_ = b[(pc+kc-1)*ldb+j0+nr-1]
					packRows16AVX2(kc, &b[pc*ldb+j0], ldb, &panel[0])
					continue
				}
				for p := 0; p < kc; p++ {
					*(*[nr]float32)(panel[p*nr:]) = *(*[nr]float32)(b[(pc+p)*ldb+j0:])
				}
				continue
			}
			for p := 0; p < kc; p++ {
				src := b[(pc+p)*ldb+j0 : (pc+p)*ldb+j0+nt]
				d := panel[p*nr : p*nr+nr]
				copy(d, src)
				clear(d[nt:])
			}
			continue
		}
		for j := 0; j < nt; j++ {
			src := b[(j0+j)*ldb+pc : (j0+j)*ldb+pc+kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
		if nt < nr {
			for p := 0; p < kc; p++ {
				clear(panel[p*nr+nt : p*nr+nr])
			}
		}
	}
}

// PackedA is the left operand op(A) of a GEMM rearranged once for the
// micro-kernel, typically a layer's constant weights (convolution weights
// as Cout x Cin*KH*KW). Use it with SgemmPackedA. It is read-only after
// PackA and safe for concurrent use.
type PackedA struct {
	m, k int
	data []float32
}

// PackA packs op(A), an m x k matrix stored row-major with stride lda
// (transposed when transA). It allocates the packed copy; A is not retained.
// It panics on the same programming errors as Sgemm.
func PackA(transA bool, m, k int, a []float32, lda int) *PackedA {
	checkMatrix("A", transA, m, k, a, lda)
	mPad := roundUp(m, mr)
	p := &PackedA{m: m, k: k, data: make([]float32, mPad*k)}
	for pc := 0; pc < k; pc += kcBlock {
		kc := min(kcBlock, k-pc)
		packA(p.data[mPad*pc:], transA, a, lda, 0, m, pc, kc)
	}
	return p
}

// Rows returns m, the number of rows of op(A).
func (p *PackedA) Rows() int { return p.m }

// Cols returns k, the number of columns of op(A).
func (p *PackedA) Cols() int { return p.k }

// PackedB is the right operand op(B) of a GEMM rearranged once for the
// micro-kernel, typically a dense layer's constant weights. Use it with
// SgemmPackedB. It is read-only after PackB and safe for concurrent use.
type PackedB struct {
	k, n int
	data []float32
}

// PackB packs op(B), a k x n matrix stored row-major with stride ldb
// (transposed when transB). It allocates the packed copy; B is not retained.
// It panics on the same programming errors as Sgemm.
func PackB(transB bool, k, n int, b []float32, ldb int) *PackedB {
	checkMatrix("B", transB, k, n, b, ldb)
	nPad := roundUp(n, nr)
	p := &PackedB{k: k, n: n, data: make([]float32, nPad*k)}
	for pc := 0; pc < k; pc += kcBlock {
		kc := min(kcBlock, k-pc)
		packB(p.data[nPad*pc:], transB, b, ldb, pc, kc, 0, n)
	}
	return p
}

// Rows returns k, the number of rows of op(B).
func (p *PackedB) Rows() int { return p.k }

// Cols returns n, the number of columns of op(B).
func (p *PackedB) Cols() int { return p.n }

// SgemmPackedA computes C = alpha*A*op(B) + beta*C where A is packed
// (m x k); op(B) is k x n. Semantics otherwise as Sgemm.
func SgemmPackedA(a *PackedA, transB bool, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmPackedA(nil, a, transB, n, alpha, b, ldb, beta, c, ldc)
}

func sgemmPackedA(ws *packBuffers, a *PackedA, transB bool, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	m, k := a.m, a.k
	checkMatrix("B", transB, k, n, b, ldb)
	checkMatrix("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	if ws == nil {
		ws = getPackBuffers()
		defer putPackBuffers(ws)
	}
	gemmBlocked(operand{packed: a.data}, operand{trans: transB, data: b, ld: ldb},
		m, n, k, alpha, beta, c, ldc, ws)
}

// SgemmPackedB computes C = alpha*op(A)*B + beta*C where B is packed
// (k x n); op(A) is m x k. Semantics otherwise as Sgemm.
func SgemmPackedB(transA bool, m int, alpha float32, a []float32, lda int, b *PackedB, beta float32, c []float32, ldc int) {
	sgemmPackedB(nil, transA, m, alpha, a, lda, b, beta, c, ldc)
}

func sgemmPackedB(ws *packBuffers, transA bool, m int, alpha float32, a []float32, lda int, b *PackedB, beta float32, c []float32, ldc int) {
	k, n := b.k, b.n
	checkMatrix("A", transA, m, k, a, lda)
	checkMatrix("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMatrix(m, n, beta, c, ldc)
		return
	}
	if ws == nil {
		ws = getPackBuffers()
		defer putPackBuffers(ws)
	}
	gemmBlocked(operand{trans: transA, data: a, ld: lda}, operand{packed: b.data},
		m, n, k, alpha, beta, c, ldc, ws)
}
