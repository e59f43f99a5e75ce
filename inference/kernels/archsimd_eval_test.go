//go:build goexperiment.simd && amd64 && !purego

package kernels

// This file keeps the evaluation of Go 1.26's experimental simd/archsimd
// against the assembly micro-kernel reproducible. It builds only with
// GOEXPERIMENT=simd:
//
//	GOEXPERIMENT=simd go test -run Archsimd -bench 'MicroKernel' ./inference/kernels/
//
// See doc.go for the conclusion.

import (
	"simd/archsimd"
	"testing"
)

// kernel6x16Archsimd is the 6x16 micro-kernel written with archsimd, same
// packed operands as kernel6x16AVX2, storing C = A*B.
func kernel6x16Archsimd(kc int, a, b, c []float32, ldc int) {
	var c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51 archsimd.Float32x8
	a = a[:mr*kc]
	b = b[:nr*kc]
	for p := 0; p < kc; p++ {
		bp := (*[nr]float32)(b[p*nr:])
		ap := (*[mr]float32)(a[p*mr:])
		b0 := archsimd.LoadFloat32x8((*[8]float32)(bp[0:8]))
		b1 := archsimd.LoadFloat32x8((*[8]float32)(bp[8:16]))
		x := archsimd.BroadcastFloat32x8(ap[0])
		c00, c01 = b0.MulAdd(x, c00), b1.MulAdd(x, c01)
		x = archsimd.BroadcastFloat32x8(ap[1])
		c10, c11 = b0.MulAdd(x, c10), b1.MulAdd(x, c11)
		x = archsimd.BroadcastFloat32x8(ap[2])
		c20, c21 = b0.MulAdd(x, c20), b1.MulAdd(x, c21)
		x = archsimd.BroadcastFloat32x8(ap[3])
		c30, c31 = b0.MulAdd(x, c30), b1.MulAdd(x, c31)
		x = archsimd.BroadcastFloat32x8(ap[4])
		c40, c41 = b0.MulAdd(x, c40), b1.MulAdd(x, c41)
		x = archsimd.BroadcastFloat32x8(ap[5])
		c50, c51 = b0.MulAdd(x, c50), b1.MulAdd(x, c51)
	}
	rows := [mr][2]archsimd.Float32x8{{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}}
	for i, r := range rows {
		r[0].Store((*[8]float32)(c[i*ldc : i*ldc+8]))
		r[1].Store((*[8]float32)(c[i*ldc+8 : i*ldc+16]))
	}
}

func microKernelOperands() (a, b []float32) {
	a, b = make([]float32, mr*kcBlock), make([]float32, nr*kcBlock)
	for i := range a {
		a[i] = float32(i%7) * 0.125
	}
	for i := range b {
		b[i] = float32(i%5) * 0.25
	}
	return a, b
}

func TestArchsimdKernelMatchesAssembly(t *testing.T) {
	if !haveAVX2 {
		t.Skip("CPU without AVX2+FMA")
	}
	a, b := microKernelOperands()
	want, got := make([]float32, mr*nr), make([]float32, mr*nr)
	kernel6x16AVX2(kcBlock, &a[0], &b[0], &want[0], nr, 0, 1, 0, 1)
	kernel6x16Archsimd(kcBlock, a, b, got, nr)
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("archsimd C[%d] = %v; assembly %v", i, got[i], want[i])
		}
	}
}

func BenchmarkMicroKernel(b *testing.B) {
	if !haveAVX2 {
		b.Skip("CPU without AVX2+FMA")
	}
	a, bm := microKernelOperands()
	c := make([]float32, mr*nr)
	flops := 2 * mr * nr * kcBlock
	b.Run("asm", func(b *testing.B) {
		for b.Loop() {
			kernel6x16AVX2(kcBlock, &a[0], &bm[0], &c[0], nr, 0, 1, 0, 1)
		}
		b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	b.Run("archsimd", func(b *testing.B) {
		for b.Loop() {
			kernel6x16Archsimd(kcBlock, a, bm, c, nr)
		}
		b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}
