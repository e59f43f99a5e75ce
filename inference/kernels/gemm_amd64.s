//go:build amd64 && !purego

#include "textflag.h"

// func kernel6x16AVX2(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32)
//
// Multiplies a packed 6 x k panel of A (6 floats per step of k) by a packed
// k x 16 panel of B (16 floats per step of k) and writes the 6 x 16 result to
// C with row stride ldc (in elements): C = alpha*AB when accumulate == 0 (C is
// not read), C = alpha*AB + beta*C otherwise. Accumulators are Y4..Y15 (two
// YMM registers per row), B is loaded into Y0/Y1 and A broadcast into Y2/Y3.
TEXT ·kernel6x16AVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	MOVQ CX, R9
	SHRQ $2, R9
	ANDQ $3, CX
	TESTQ R9, R9
	JE   tail

loop4:
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VBROADCASTSS 0(SI), Y2
	VBROADCASTSS 4(SI), Y3
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VFMADD231PS Y0, Y3, Y6
	VFMADD231PS Y1, Y3, Y7
	VBROADCASTSS 8(SI), Y2
	VBROADCASTSS 12(SI), Y3
	VFMADD231PS Y0, Y2, Y8
	VFMADD231PS Y1, Y2, Y9
	VFMADD231PS Y0, Y3, Y10
	VFMADD231PS Y1, Y3, Y11
	VBROADCASTSS 16(SI), Y2
	VBROADCASTSS 20(SI), Y3
	VFMADD231PS Y0, Y2, Y12
	VFMADD231PS Y1, Y2, Y13
	VFMADD231PS Y0, Y3, Y14
	VFMADD231PS Y1, Y3, Y15
	VMOVUPS 64(DI), Y0
	VMOVUPS 96(DI), Y1
	VBROADCASTSS 24(SI), Y2
	VBROADCASTSS 28(SI), Y3
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VFMADD231PS Y0, Y3, Y6
	VFMADD231PS Y1, Y3, Y7
	VBROADCASTSS 32(SI), Y2
	VBROADCASTSS 36(SI), Y3
	VFMADD231PS Y0, Y2, Y8
	VFMADD231PS Y1, Y2, Y9
	VFMADD231PS Y0, Y3, Y10
	VFMADD231PS Y1, Y3, Y11
	VBROADCASTSS 40(SI), Y2
	VBROADCASTSS 44(SI), Y3
	VFMADD231PS Y0, Y2, Y12
	VFMADD231PS Y1, Y2, Y13
	VFMADD231PS Y0, Y3, Y14
	VFMADD231PS Y1, Y3, Y15
	VMOVUPS 128(DI), Y0
	VMOVUPS 160(DI), Y1
	VBROADCASTSS 48(SI), Y2
	VBROADCASTSS 52(SI), Y3
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VFMADD231PS Y0, Y3, Y6
	VFMADD231PS Y1, Y3, Y7
	VBROADCASTSS 56(SI), Y2
	VBROADCASTSS 60(SI), Y3
	VFMADD231PS Y0, Y2, Y8
	VFMADD231PS Y1, Y2, Y9
	VFMADD231PS Y0, Y3, Y10
	VFMADD231PS Y1, Y3, Y11
	VBROADCASTSS 64(SI), Y2
	VBROADCASTSS 68(SI), Y3
	VFMADD231PS Y0, Y2, Y12
	VFMADD231PS Y1, Y2, Y13
	VFMADD231PS Y0, Y3, Y14
	VFMADD231PS Y1, Y3, Y15
	VMOVUPS 192(DI), Y0
	VMOVUPS 224(DI), Y1
	VBROADCASTSS 72(SI), Y2
	VBROADCASTSS 76(SI), Y3
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VFMADD231PS Y0, Y3, Y6
	VFMADD231PS Y1, Y3, Y7
	VBROADCASTSS 80(SI), Y2
	VBROADCASTSS 84(SI), Y3
	VFMADD231PS Y0, Y2, Y8
	VFMADD231PS Y1, Y2, Y9
	VFMADD231PS Y0, Y3, Y10
	VFMADD231PS Y1, Y3, Y11
	VBROADCASTSS 88(SI), Y2
	VBROADCASTSS 92(SI), Y3
	VFMADD231PS Y0, Y2, Y12
	VFMADD231PS Y1, Y2, Y13
	VFMADD231PS Y0, Y3, Y14
	VFMADD231PS Y1, Y3, Y15
	ADDQ $96, SI
	ADDQ $256, DI
	DECQ R9
	JNE  loop4

tail:
	TESTQ CX, CX
	JE    done

loop1:
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VBROADCASTSS 0(SI), Y2
	VBROADCASTSS 4(SI), Y3
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VFMADD231PS Y0, Y3, Y6
	VFMADD231PS Y1, Y3, Y7
	VBROADCASTSS 8(SI), Y2
	VBROADCASTSS 12(SI), Y3
	VFMADD231PS Y0, Y2, Y8
	VFMADD231PS Y1, Y2, Y9
	VFMADD231PS Y0, Y3, Y10
	VFMADD231PS Y1, Y3, Y11
	VBROADCASTSS 16(SI), Y2
	VBROADCASTSS 20(SI), Y3
	VFMADD231PS Y0, Y2, Y12
	VFMADD231PS Y1, Y2, Y13
	VFMADD231PS Y0, Y3, Y14
	VFMADD231PS Y1, Y3, Y15
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNE  loop1

done:
	VBROADCASTSS alpha+48(FP), Y0
	VMULPS Y0, Y4, Y4
	VMULPS Y0, Y5, Y5
	VMULPS Y0, Y6, Y6
	VMULPS Y0, Y7, Y7
	VMULPS Y0, Y8, Y8
	VMULPS Y0, Y9, Y9
	VMULPS Y0, Y10, Y10
	VMULPS Y0, Y11, Y11
	VMULPS Y0, Y12, Y12
	VMULPS Y0, Y13, Y13
	VMULPS Y0, Y14, Y14
	VMULPS Y0, Y15, Y15
	MOVQ accumulate+40(FP), AX
	TESTQ AX, AX
	JNE  accum

	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y12, (DX)
	VMOVUPS Y13, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y14, (DX)
	VMOVUPS Y15, 32(DX)
	VZEROUPPER
	RET

accum:
	VBROADCASTSS beta+52(FP), Y1
	VFMADD231PS (DX), Y1, Y4
	VFMADD231PS 32(DX), Y1, Y5
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ R8, DX
	VFMADD231PS (DX), Y1, Y6
	VFMADD231PS 32(DX), Y1, Y7
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ R8, DX
	VFMADD231PS (DX), Y1, Y8
	VFMADD231PS 32(DX), Y1, Y9
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ R8, DX
	VFMADD231PS (DX), Y1, Y10
	VFMADD231PS 32(DX), Y1, Y11
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	ADDQ R8, DX
	VFMADD231PS (DX), Y1, Y12
	VFMADD231PS 32(DX), Y1, Y13
	VMOVUPS Y12, (DX)
	VMOVUPS Y13, 32(DX)
	ADDQ R8, DX
	VFMADD231PS (DX), Y1, Y14
	VFMADD231PS 32(DX), Y1, Y15
	VMOVUPS Y14, (DX)
	VMOVUPS Y15, 32(DX)
	VZEROUPPER
	RET

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

// func reluBiasAVX2(blocks int, bias float32, x *float32)
//
// x[j] = max(x[j]+bias, 0) for j < 8*blocks. The operand order of VMAXPS
// returns x when it is NaN, as the Go loop does.
TEXT ·reluBiasAVX2(SB), NOSPLIT, $0-24
	MOVQ blocks+0(FP), CX
	VBROADCASTSS bias+8(FP), Y1
	MOVQ x+16(FP), DI
	VXORPS Y0, Y0, Y0
	TESTQ CX, CX
	JE   reludone

reluloop:
	VADDPS (DI), Y1, Y2
	VMAXPS Y2, Y0, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, DI
	DECQ CX
	JNE  reluloop

reludone:
	VZEROUPPER
	RET

// func gatherPanelAVX2(kc int, src *float32, rowOff *int32, base, mask *[16]int32, dst *float32)
//
// For p < kc and lane < 16: dst[p*16+lane] = src[rowOff[p]+base[lane]] where
// mask[lane] is -1, and 0 where it is 0. This builds one packed nr-column
// panel of an im2col matrix with two VGATHERDPS per row.
TEXT ·gatherPanelAVX2(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ rowOff+16(FP), BX
	MOVQ base+24(FP), AX
	MOVQ mask+32(FP), DX
	MOVQ dst+40(FP), DI
	VMOVDQU (AX), Y14
	VMOVDQU 32(AX), Y15
	VMOVDQU (DX), Y12
	VMOVDQU 32(DX), Y13
	TESTQ CX, CX
	JE   gatherdone

gatherloop:
	VPBROADCASTD (BX), Y8
	VPADDD Y14, Y8, Y4
	VPADDD Y15, Y8, Y5
	VMOVDQA Y12, Y2
	VMOVDQA Y13, Y3
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VGATHERDPS Y2, (SI)(Y4*4), Y0
	VGATHERDPS Y3, (SI)(Y5*4), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ $4, BX
	ADDQ $64, DI
	DECQ CX
	JNE  gatherloop

gatherdone:
	VZEROUPPER
	RET

// func runPanelAVX2(kc int, src *float32, rowOff *int32, d *panelRuns, dst *float32)
//
// Builds one packed 16-column panel of an im2col matrix when each 8-lane
// half of the panel is at most two contiguous runs of the input (stride-1
// convolution with an output row of 8 or more): for row p, half h loads 8
// floats at src+rowOff[p]+d.offA[h] and 8 at src+rowOff[p]+d.offB[h], takes
// lanes from the second where d.maskB is set, and zeroes lanes where
// d.valid is clear. Two loads and a blend per half instead of a gather.
TEXT ·runPanelAVX2(SB), NOSPLIT, $0-40
	MOVQ kc+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ rowOff+16(FP), BX
	MOVQ d+24(FP), AX
	MOVQ dst+32(FP), DI
	MOVLQSX 0(AX), R8
	MOVLQSX 4(AX), R9
	MOVLQSX 8(AX), R10
	MOVLQSX 12(AX), R11
	VMOVDQU 16(AX), Y12
	VMOVDQU 48(AX), Y13
	VMOVDQU 80(AX), Y14
	VMOVDQU 112(AX), Y15
	TESTQ CX, CX
	JE   rundone

runloop:
	MOVLQSX (BX), DX
	LEAQ (SI)(DX*4), DX
	VMOVUPS (DX)(R8*4), Y0
	VMOVUPS (DX)(R9*4), Y1
	VBLENDVPS Y12, Y1, Y0, Y0
	VANDPS Y14, Y0, Y0
	VMOVUPS (DX)(R10*4), Y2
	VMOVUPS (DX)(R11*4), Y3
	VBLENDVPS Y13, Y3, Y2, Y2
	VANDPS Y15, Y2, Y2
	VMOVUPS Y0, (DI)
	VMOVUPS Y2, 32(DI)
	ADDQ $4, BX
	ADDQ $64, DI
	DECQ CX
	JNE  runloop

rundone:
	VZEROUPPER
	RET

// MAXNAN sets dst = max(a, b) lane-wise, NaN if either lane is NaN (VMAXPS
// alone returns its second source when either is NaN; the blend puts a's
// NaN back). tmp is clobbered.
#define MAXNAN(a, b, dst, tmp) \
	VMAXPS b, a, dst \
	VCMPPS $3, a, a, tmp \
	VBLENDVPS tmp, a, dst, dst

// func maxPool2x2AVX2(rows, outW int, in *float32, inW int, out *float32)
//
// A 2x2, stride-2 max pool of rows output rows: out[y*outW+x] = max of
// in[(2y+dy)*inW + 2x+dx] for dy, dx in {0, 1}. 8 outputs per YMM step, then
// a 4-wide XMM step, then single outputs.
TEXT ·maxPool2x2AVX2(SB), NOSPLIT, $0-40
	MOVQ rows+0(FP), R8
	MOVQ outW+8(FP), R9
	MOVQ in+16(FP), R10
	MOVQ inW+24(FP), R11
	MOVQ out+32(FP), DI
	SHLQ $2, R11
	TESTQ R8, R8
	JE   pooldone

poolrow:
	MOVQ R10, SI
	LEAQ (R10)(R11*1), DX
	MOVQ R9, CX
	CMPQ CX, $8
	JL   pool4

poolloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (DX), Y2
	VMOVUPS 32(DX), Y3
	MAXNAN(Y0, Y2, Y4, Y8)
	MAXNAN(Y1, Y3, Y5, Y8)
	VSHUFPS $0x88, Y5, Y4, Y6
	VSHUFPS $0xDD, Y5, Y4, Y7
	MAXNAN(Y6, Y7, Y0, Y8)
	VPERMPD $0xD8, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $32, DI
	SUBQ $8, CX
	CMPQ CX, $8
	JGE  poolloop

pool4:
	CMPQ CX, $4
	JL   pool1
	VMOVUPS (SI), X0
	VMOVUPS 16(SI), X1
	VMOVUPS (DX), X2
	VMOVUPS 16(DX), X3
	MAXNAN(X0, X2, X4, X8)
	MAXNAN(X1, X3, X5, X8)
	VSHUFPS $0x88, X5, X4, X6
	VSHUFPS $0xDD, X5, X4, X7
	MAXNAN(X6, X7, X0, X8)
	VMOVUPS X0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $16, DI
	SUBQ $4, CX

pool1:
	TESTQ CX, CX
	JE   poolnext
	VMOVSS (SI), X0
	VMOVSS 4(SI), X1
	VMOVSS (DX), X2
	VMOVSS 4(DX), X3
	MAXNAN(X0, X1, X4, X8)
	MAXNAN(X2, X3, X5, X8)
	MAXNAN(X4, X5, X6, X8)
	VMOVSS X6, (DI)
	ADDQ $8, SI
	ADDQ $8, DX
	ADDQ $4, DI
	DECQ CX
	JMP  pool1

poolnext:
	LEAQ (R10)(R11*2), R10
	DECQ R8
	JNE  poolrow

pooldone:
	VZEROUPPER
	RET

// func reluAVX2(blocks int, src, dst *float32)
//
// dst[j] = max(src[j], 0) for j < 8*blocks, NaN kept (as reluBiasAVX2).
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ blocks+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ dst+16(FP), DI
	VXORPS Y0, Y0, Y0
	TESTQ CX, CX
	JE   relu2done

relu2loop:
	VMOVUPS (SI), Y1
	VMAXPS Y1, Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNE  relu2loop

relu2done:
	VZEROUPPER
	RET

// func packRows16AVX2(rows int, src *float32, ld int, dst *float32)
//
// Copies rows runs of 16 floats, src advancing by ld elements per run and
// dst by 16: one full panel of B packed from a row-major op(B).
TEXT ·packRows16AVX2(SB), NOSPLIT, $0-32
	MOVQ rows+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ dst+24(FP), DI
	SHLQ $2, R8
	TESTQ CX, CX
	JE   packdone

packloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ R8, SI
	ADDQ $64, DI
	DECQ CX
	JNE  packloop

packdone:
	VZEROUPPER
	RET

// func kernel2x16AVX2(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32)
//
// kernel6x16AVX2 for the first 2 rows of a 6-row A panel only (the last,
// partial panel of A), writing 2 rows of C.
TEXT ·kernel2x16AVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	TESTQ CX, CX
	JE   k2done

k2loop:
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VBROADCASTSS 0(SI), Y2
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VBROADCASTSS 4(SI), Y2
	VFMADD231PS Y0, Y2, Y6
	VFMADD231PS Y1, Y2, Y7
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNE  k2loop

k2done:
	VBROADCASTSS alpha+48(FP), Y0
	VMULPS Y0, Y4, Y4
	VMULPS Y0, Y5, Y5
	VMULPS Y0, Y6, Y6
	VMULPS Y0, Y7, Y7
	MOVQ accumulate+40(FP), AX
	TESTQ AX, AX
	JNE  k2accum
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET

k2accum:
	VBROADCASTSS beta+52(FP), Y1
	VFMADD231PS (DX), Y1, Y4
	VFMADD231PS 32(DX), Y1, Y5
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ R8, DX
	VFMADD231PS (DX), Y1, Y6
	VFMADD231PS 32(DX), Y1, Y7
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET

// func kernel4x16AVX2(k int, a, b, c *float32, ldc int, accumulate int, alpha, beta float32)
//
// kernel6x16AVX2 for the first 4 rows of a 6-row A panel only (the last,
// partial panel of A), writing 4 rows of C.
TEXT ·kernel4x16AVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	TESTQ CX, CX
	JE   k4done

k4loop:
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VBROADCASTSS 0(SI), Y2
	VFMADD231PS Y0, Y2, Y4
	VFMADD231PS Y1, Y2, Y5
	VBROADCASTSS 4(SI), Y2
	VFMADD231PS Y0, Y2, Y6
	VFMADD231PS Y1, Y2, Y7
	VBROADCASTSS 8(SI), Y2
	VFMADD231PS Y0, Y2, Y8
	VFMADD231PS Y1, Y2, Y9
	VBROADCASTSS 12(SI), Y2
	VFMADD231PS Y0, Y2, Y10
	VFMADD231PS Y1, Y2, Y11
	ADDQ $24, SI
	ADDQ $64, DI
	DECQ CX
	JNE  k4loop

k4done:
	VBROADCASTSS alpha+48(FP), Y0
	VMULPS Y0, Y4, Y4
	VMULPS Y0, Y5, Y5
	VMULPS Y0, Y6, Y6
	VMULPS Y0, Y7, Y7
	VMULPS Y0, Y8, Y8
	VMULPS Y0, Y9, Y9
	VMULPS Y0, Y10, Y10
	VMULPS Y0, Y11, Y11
	MOVQ accumulate+40(FP), AX
	TESTQ AX, AX
	JNE  k4accum
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	VZEROUPPER
	RET

k4accum:
	VBROADCASTSS beta+52(FP), Y1
	VFMADD231PS (DX), Y1, Y4
	VFMADD231PS 32(DX), Y1, Y5
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ R8, DX
	VFMADD231PS (DX), Y1, Y6
	VFMADD231PS 32(DX), Y1, Y7
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ R8, DX
	VFMADD231PS (DX), Y1, Y8
	VFMADD231PS 32(DX), Y1, Y9
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ R8, DX
	VFMADD231PS (DX), Y1, Y10
	VFMADD231PS 32(DX), Y1, Y11
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	VZEROUPPER
	RET
