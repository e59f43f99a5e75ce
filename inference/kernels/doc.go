// Package kernels holds the engine's compute kernels: single-precision
// matrix multiplication (Sgemm, and variants with one operand packed once
// at model load), 2-D convolution in NCHW layout (Conv2D, Im2col,
// DepthwiseConv2D), pooling, bias with fused ReLU, and softmax.
//
// Kernels work on plain row-major []float32 slices, never allocate in steady
// state (callers pass scratch space; the GEMM's own packing buffers come
// from a free list that grows to the peak number of concurrent calls and,
// unlike a sync.Pool, survives garbage collection) and are single-threaded;
// the engine decides how to split
// work across goroutines. A slice too short for the shape it is given is a
// programming error and panics before any assembly runs.
//
// # SIMD
//
// The GEMM is the Goto/BLIS design: op(A) and op(B) are packed into panels
// of 6 rows and 16 columns, and a 6x16 micro-kernel keeps the tile of C in
// twelve YMM registers while it streams the panels with FMA. The micro-kernel
// and a few helpers (GEMV rows, bias+ReLU, the im2col panel builders) are
// Go assembly for amd64 with AVX2 and FMA, selected at start-up from
// golang.org/x/sys/cpu. On amd64 CPUs without AVX2 (Atom-class and older
// cores, common in industrial PCs) the GEMM uses an SSE2 6x16 micro-kernel,
// about ten times the pure-Go speed. Every assembly routine has a pure-Go
// twin with the same contract; it runs on other architectures and with the
// purego build tag, and the tests run every kernel set (AVX2, SSE, Go)
// against a float64 reference on the same machine.
//
// Why assembly rather than Go 1.26's experimental simd/archsimd: the same
// 6x16 kernel written with archsimd (archsimd_eval_test.go, built only with
// GOEXPERIMENT=simd) gives identical results but runs 4 to 8 times slower
// (9 vs 69 GFLOP/s on this machine's Xeon, on packed L1-resident operands):
// the compiler's register allocator spills and shuffles the twelve
// accumulators on every iteration, and the 4x16 variant with eight
// accumulators still only reaches about 17 GFLOP/s. archsimd also needs
// GOEXPERIMENT=simd on every build, vet and gopls run (CI, the Windows cross
// build, contributors' editors), its API may change in any release, and a
// program built with it cannot fall back at run time on a CPU without AVX2.
// The assembly builds with the stock toolchain for every target. Revisit when
// archsimd leaves the experiment and its code generation catches up.
//
// An AVX-512 12x16 micro-kernel (one ZMM row per accumulator, A broadcast
// from memory) was tried on the same CPU and measured slower than two
// AVX2 6x16 calls (70-80 vs 92 GFLOP/s, CPU time): this Xeon issues one
// 512-bit FMA per cycle, the same width as two 256-bit FMAs, and shop-floor
// PCs rarely have AVX-512 at all. It was not kept.
package kernels
