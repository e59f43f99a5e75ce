//go:build amd64 && !purego

#include "textflag.h"

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
