package kernels

// Workspace is the packing scratch (about 1.1 MiB) of GEMM and convolution
// calls made by one goroutine at a time. Its methods are the package
// functions of the same names with the scratch taken from the workspace
// rather than from the shared free list, so an owner that keeps one per
// goroutine (an engine plan, say) never contends on a lock or allocates,
// whatever the scheduler does. A Workspace must not be used by two
// goroutines at once; the zero value is ready to use.
type Workspace struct {
	bufs packBuffers
}

// NewWorkspace returns a Workspace.
func NewWorkspace() *Workspace { return new(Workspace) }

// Sgemm is the package-level Sgemm using w's scratch.
func (w *Workspace) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(&w.bufs, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmPackedA is the package-level SgemmPackedA using w's scratch.
func (w *Workspace) SgemmPackedA(a *PackedA, transB bool, n int, alpha float32, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmPackedA(&w.bufs, a, transB, n, alpha, b, ldb, beta, c, ldc)
}

// SgemmPackedB is the package-level SgemmPackedB using w's scratch.
func (w *Workspace) SgemmPackedB(transA bool, m int, alpha float32, a []float32, lda int, b *PackedB, beta float32, c []float32, ldc int) {
	sgemmPackedB(&w.bufs, transA, m, alpha, a, lda, b, beta, c, ldc)
}

// Conv2D is the package-level Conv2D using w's scratch.
func (w *Workspace) Conv2D(s ConvShape, pw *PackedA, bias []float32, act Activation, src, dst, scratch []float32) {
	conv2D(&w.bufs, s, pw, bias, act, src, dst, scratch)
}
