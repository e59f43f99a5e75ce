//go:build amd64 && !purego

#include "textflag.h"

// func dot4AVX2(blocks int, x, b *float32, ldb int, out *[4]float32)
//
// out[r] = sum_{j < 8*blocks} x[j] * b[r*ldb+j] for r = 0..3 (ldb in
// elements). Two accumulators per row hide the FMA latency.
TEXT ·dot4AVX2(SB), NOSPLIT, $0-40
	MOVQ blocks+0(FP), CX
	MOVQ x+8(FP), SI
	MOVQ b+16(FP), R10
	MOVQ ldb+24(FP), R8
	SHLQ $2, R8
	LEAQ (R10)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ AX, AX
	MOVQ CX, R9
	SHRQ $1, R9
	ANDQ $1, CX
	TESTQ R9, R9
	JE   dottail

dotloop2:
	VMOVUPS (SI)(AX*1), Y8
	VMOVUPS 32(SI)(AX*1), Y9
	VFMADD231PS (R10)(AX*1), Y8, Y0
	VFMADD231PS 32(R10)(AX*1), Y9, Y4
	VFMADD231PS (R11)(AX*1), Y8, Y1
	VFMADD231PS 32(R11)(AX*1), Y9, Y5
	VFMADD231PS (R12)(AX*1), Y8, Y2
	VFMADD231PS 32(R12)(AX*1), Y9, Y6
	VFMADD231PS (R13)(AX*1), Y8, Y3
	VFMADD231PS 32(R13)(AX*1), Y9, Y7
	ADDQ $64, AX
	DECQ R9
	JNE  dotloop2

dottail:
	TESTQ CX, CX
	JE    dotsum
	VMOVUPS (SI)(AX*1), Y8
	VFMADD231PS (R10)(AX*1), Y8, Y0
	VFMADD231PS (R11)(AX*1), Y8, Y1
	VFMADD231PS (R12)(AX*1), Y8, Y2
	VFMADD231PS (R13)(AX*1), Y8, Y3

dotsum:
	MOVQ out+32(FP), DI
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	// Reduce each of Y0..Y3 to one float and store out[0..3].
	VHADDPS Y1, Y0, Y0
	VHADDPS Y3, Y2, Y2
	VHADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVUPS X0, (DI)
	VZEROUPPER
	RET

// func axpy4AVX2(blocks int, coef *[4]float32, b *float32, ldb int, y *float32)
//
// y[j] += sum_r coef[r] * b[r*ldb+j] for j < 8*blocks and r = 0..3 (ldb in
// elements).
TEXT ·axpy4AVX2(SB), NOSPLIT, $0-40
	MOVQ blocks+0(FP), CX
	MOVQ coef+8(FP), SI
	MOVQ b+16(FP), R10
	MOVQ ldb+24(FP), R8
	MOVQ y+32(FP), DI
	SHLQ $2, R8
	LEAQ (R10)(R8*1), R11
	LEAQ (R11)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	VBROADCASTSS (SI), Y0
	VBROADCASTSS 4(SI), Y1
	VBROADCASTSS 8(SI), Y2
	VBROADCASTSS 12(SI), Y3
	XORQ AX, AX
	TESTQ CX, CX
	JE   axpydone

axpyloop:
	VMOVUPS (DI)(AX*1), Y4
	VMULPS (R11)(AX*1), Y1, Y5
	VFMADD231PS (R10)(AX*1), Y0, Y4
	VFMADD231PS (R12)(AX*1), Y2, Y5
	VFMADD231PS (R13)(AX*1), Y3, Y4
	VADDPS Y5, Y4, Y4
	VMOVUPS Y4, (DI)(AX*1)
	ADDQ $32, AX
	DECQ CX
	JNE  axpyloop

axpydone:
	VZEROUPPER
	RET
