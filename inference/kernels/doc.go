// Package kernels holds the engine's compute kernels: single-precision
// matrix multiplication and convolution, with SIMD assembly selected by CPU
// feature at start-up and a pure-Go fallback that gives the same results.
//
// Kernels work on plain row-major []float32 slices, never allocate in steady
// state (callers pass scratch space) and are single-threaded; the engine
// decides how to split work across goroutines.
package kernels
