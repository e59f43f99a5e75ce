//go:build !amd64 || purego

package kernels

// useAVX2 is always false off amd64 (or with the purego build tag): the
// pure-Go kernels run.
var useAVX2 = false

// haveAVX2 reports whether the assembly kernels can run on this build.
var haveAVX2 = false

// useSSE is always false off amd64 (or with the purego build tag).
var useSSE = false

// haveSSE reports whether the SSE micro-kernel can run on this build.
const haveSSE = false

func kernel6x16SSE(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32) {
	panic("kernels: SSE kernel called on a build without it")
}

func kernel6x16AVX2(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32, panels int) {
	panic("kernels: AVX2 kernel called on a build without it")
}

func dot4AVX2(blocks int, x, b *float32, ldb int, out *[4]float32) {
	panic("kernels: AVX2 kernel called on a build without it")
}

func axpy4AVX2(blocks int, coef *[4]float32, b *float32, ldb int, y *float32) {
	panic("kernels: AVX2 kernel called on a build without it")
}

func reluBiasAVX2(blocks int, bias float32, x *float32) {
	panic("kernels: AVX2 kernel called on a build without it")
}

func gatherPanelAVX2(kc int, src *float32, rowOff *int32, base, mask *[16]int32, dst *float32) {
	panic("kernels: AVX2 kernel called on a build without it")
}

func runPanelAVX2(kc int, src *float32, rowOff *int32, d *panelRuns, dst *float32) {
	panic("kernels: AVX2 kernel called on a build without it")
}

func maxPool2x2AVX2(rows, outW int, in *float32, inW int, out *float32) {
	panic("kernels: AVX2 kernel called on a build without it")
}

func reluAVX2(blocks int, src, dst *float32) {
	panic("kernels: AVX2 kernel called on a build without it")
}

func packRows16AVX2(rows int, src *float32, ld int, dst *float32) {
	panic("kernels: AVX2 kernel called on a build without it")
}

func kernel2x16AVX2(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32) {
	panic("kernels: AVX2 kernel called on a build without it")
}

func kernel4x16AVX2(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32) {
	panic("kernels: AVX2 kernel called on a build without it")
}
