//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernels. It is set once from the CPU
// features; tests switch it off to exercise the pure-Go kernels.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// haveAVX2 reports whether the assembly kernels can run on this CPU.
var haveAVX2 = useAVX2

// useSSE selects the SSE GEMM micro-kernel when AVX2 is off; every amd64
// CPU has SSE2. Tests switch it off to exercise the pure-Go kernel.
var useSSE = true

// haveSSE reports whether the SSE micro-kernel can run on this build.
const haveSSE = true

//go:noescape
func kernel6x16SSE(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32)

//go:noescape
func kernel6x16AVX2(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32, panels int)

//go:noescape
func dot4AVX2(blocks int, x, b *float32, ldb int, out *[4]float32)

//go:noescape
func axpy4AVX2(blocks int, coef *[4]float32, b *float32, ldb int, y *float32)

//go:noescape
func reluBiasAVX2(blocks int, bias float32, x *float32)

//go:noescape
func gatherPanelAVX2(kc int, src *float32, rowOff *int32, base, mask *[16]int32, dst *float32)

//go:noescape
func runPanelAVX2(kc int, src *float32, rowOff *int32, d *panelRuns, dst *float32)

//go:noescape
func maxPool2x2AVX2(rows, outW int, in *float32, inW int, out *float32)

//go:noescape
func reluAVX2(blocks int, src, dst *float32)

//go:noescape
func packRows16AVX2(rows int, src *float32, ld int, dst *float32)

//go:noescape
func kernel2x16AVX2(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32)

//go:noescape
func kernel4x16AVX2(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32)
