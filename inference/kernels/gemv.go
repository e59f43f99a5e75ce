package kernels

// gemv computes the one-row product c[0:n] = alpha*x*op(B) + beta*c[0:n]
// without packing: at batch 1 a dense layer's weights are read once, so
// packing them would double the memory traffic. x is row 0 of op(A), read
// from a with stride 1 (not transA) or lda (transA). k and n are positive.
func gemv(transB bool, n, k int, alpha float32, a []float32, lda int, transA bool, b []float32, ldb int, beta float32, c []float32) {
	x := a[:k]
	if transA && lda != 1 {
		// op(A) is one row spread over a column: gather it in chunks.
		var chunk [kcBlock]float32
		scaleVector(beta, c[:n])
		for p0 := 0; p0 < k; p0 += kcBlock {
			kc := min(kcBlock, k-p0)
			for p := 0; p < kc; p++ {
				chunk[p] = a[(p0+p)*lda]
			}
			if transB {
				gemvT(n, kc, alpha, chunk[:kc], b[p0:], ldb, 1, c)
			} else {
				gemvN(n, kc, alpha, chunk[:kc], b[p0*ldb:], ldb, c)
			}
		}
		return
	}
	if transB {
		gemvT(n, k, alpha, x, b, ldb, beta, c)
		return
	}
	scaleVector(beta, c[:n])
	gemvN(n, k, alpha, x, b, ldb, c)
}

// gemvN adds alpha * x[0:k] * B[0:k][0:n] to y[0:n] (B row-major, stride ldb).
func gemvN(n, k int, alpha float32, x, b []float32, ldb int, y []float32) {
	y = y[:n]
	p := 0
	if useAVX2 && n >= 8 {
		blocks := n / 8
		for ; p+4 <= k; p += 4 {
			_ = b[(p+3)*ldb+n-1]
			coef := [4]float32{alpha * x[p], alpha * x[p+1], alpha * x[p+2], alpha * x[p+3]}
			axpy4AVX2(blocks, &coef, &b[p*ldb], ldb, &y[0])
			for j := blocks * 8; j < n; j++ {
				y[j] += coef[0]*b[p*ldb+j] + coef[1]*b[(p+1)*ldb+j] + coef[2]*b[(p+2)*ldb+j] + coef[3]*b[(p+3)*ldb+j]
			}
		}
	}
	for ; p < k; p++ {
		s := alpha * x[p]
		row := b[p*ldb : p*ldb+n]
		for j, v := range row {
			y[j] += s * v
		}
	}
}

// gemvT sets y[j] = alpha * dot(x[0:k], B[j][0:k]) + beta*y[j] for j < n
// (B row-major with stride ldb, i.e. op(B) = B^T). beta 0 overwrites y.
func gemvT(n, k int, alpha float32, x, b []float32, ldb int, beta float32, y []float32) {
	y = y[:n]
	x = x[:k]
	j := 0
	if useAVX2 && k >= 8 {
		blocks := k / 8
		for ; j+4 <= n; j += 4 {
			_ = b[(j+3)*ldb+k-1]
			var out [4]float32
			dot4AVX2(blocks, &x[0], &b[j*ldb], ldb, &out)
			for r := 0; r < 4; r++ {
				s := out[r]
				row := b[(j+r)*ldb : (j+r)*ldb+k]
				for p := blocks * 8; p < k; p++ {
					s += x[p] * row[p]
				}
				y[j+r] = combine(alpha*s, beta, y[j+r])
			}
		}
	}
	for ; j < n; j++ {
		row := b[j*ldb : j*ldb+k]
		var s float32
		for p, v := range row {
			s += x[p] * v
		}
		y[j] = combine(alpha*s, beta, y[j])
	}
}

// combine returns v + beta*old, or v when beta is 0 (old is not read, so a
// NaN there does not propagate).
func combine(v, beta, old float32) float32 {
	if beta == 0 {
		return v
	}
	return v + beta*old
}

// scaleVector sets y = beta*y, writing zeros when beta is 0.
func scaleVector(beta float32, y []float32) {
	switch beta {
	case 0:
		clear(y)
	case 1:
	default:
		for i := range y {
			y[i] *= beta
		}
	}
}
