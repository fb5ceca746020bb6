//go:build !purego

#include "textflag.h"

// func MaxPoolReluBackRowAVX512(dy, y *float32, arg *int32, r0, r1 *float32, n int, base, w int32)
// 16 windows per step: v = dy where y > 0 (else +0), plus 0 (-0 to +0);
// a = arg - base - 2j; the four window positions get v where a is 0, 1,
// w, w+1 and +0 elsewhere; positions 0 and 1 (w and w+1) are interleaved
// with VPERMT2PS into 32 consecutive floats of r0 (r1). Tails are masked.
TEXT ·MaxPoolReluBackRowAVX512(SB), NOSPLIT, $0-56
	MOVQ dy+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ arg+16(FP), DX
	MOVQ r0+24(FP), R8
	MOVQ r1+32(FP), R9
	MOVQ n+40(FP), R11
	MOVL base+48(FP), AX
	MOVL w+52(FP), BX
	VPXORD Z24, Z24, Z24
	MOVD AX, X0
	VPBROADCASTD X0, Z29
	VPADDD pbramp<>(SB), Z29, Z29 // base + 2j for the step's 16 windows
	MOVD BX, X0
	VPBROADCASTD X0, Z27 // w
	INCL BX
	MOVD BX, X0
	VPBROADCASTD X0, Z26 // w + 1
	MOVL $1, AX
	MOVD AX, X0
	VPBROADCASTD X0, Z25 // 1
	MOVL $32, AX
	MOVD AX, X0
	VPBROADCASTD X0, Z28 // 2 * 16
	VMOVDQU32 pbidx<>+0(SB), Z23
	VMOVDQU32 pbidx<>+64(SB), Z22
	TESTQ R11, R11
	JLE pbDone

pbLoop:
	// K1: windows of this step; K6, K7: the two 16-float halves of each
	// output row
	MOVQ R11, CX
	CMPQ CX, $16
	JLE pbCount
	MOVQ $16, CX
pbCount:
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	SHLQ $1, CX
	MOVQ $0xffff, R10
	XORQ R12, R12
	CMPQ CX, $16
	JGE pbHi
	MOVQ $1, R10
	SHLQ CX, R10
	DECQ R10
	JMP pbMasks
pbHi:
	SUBQ $16, CX
	MOVQ $1, R12
	SHLQ CX, R12
	DECQ R12
pbMasks:
	KMOVW R10, K6
	KMOVW R12, K7

	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DI), K1, Z1
	VMOVDQU32.Z (DX), K1, Z2
	VCMPPS $0x1e, Z24, Z1, K1, K2 // y > 0 (false for NaN)
	VMOVAPS.Z Z0, K2, Z3
	VADDPS Z24, Z3, Z3
	VPSUBD Z29, Z2, Z4
	VPCMPEQD Z24, Z4, K1, K3
	VPCMPEQD Z25, Z4, K1, K4
	VMOVAPS.Z Z3, K3, Z5
	VMOVAPS.Z Z3, K4, Z6
	VMOVAPS Z5, Z9
	VPERMT2PS Z6, Z23, Z9
	VPERMT2PS Z6, Z22, Z5
	VMOVUPS Z9, K6, (R8)
	VMOVUPS Z5, K7, 64(R8)
	VPCMPEQD Z27, Z4, K1, K3
	VPCMPEQD Z26, Z4, K1, K4
	VMOVAPS.Z Z3, K3, Z5
	VMOVAPS.Z Z3, K4, Z6
	VMOVAPS Z5, Z9
	VPERMT2PS Z6, Z23, Z9
	VPERMT2PS Z6, Z22, Z5
	VMOVUPS Z9, K6, (R9)
	VMOVUPS Z5, K7, 64(R9)

	VPADDD Z28, Z29, Z29
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	ADDQ $128, R8
	ADDQ $128, R9
	SUBQ $16, R11
	JG pbLoop

pbDone:
	VZEROUPPER
	RET

DATA pbramp<>+0(SB)/4, $0
DATA pbramp<>+4(SB)/4, $2
DATA pbramp<>+8(SB)/4, $4
DATA pbramp<>+12(SB)/4, $6
DATA pbramp<>+16(SB)/4, $8
DATA pbramp<>+20(SB)/4, $10
DATA pbramp<>+24(SB)/4, $12
DATA pbramp<>+28(SB)/4, $14
DATA pbramp<>+32(SB)/4, $16
DATA pbramp<>+36(SB)/4, $18
DATA pbramp<>+40(SB)/4, $20
DATA pbramp<>+44(SB)/4, $22
DATA pbramp<>+48(SB)/4, $24
DATA pbramp<>+52(SB)/4, $26
DATA pbramp<>+56(SB)/4, $28
DATA pbramp<>+60(SB)/4, $30
GLOBL pbramp<>(SB), RODATA|NOPTR, $64

// VPERMT2PS indexes: output i takes window i/2 of the first table (even i)
// or of the second (odd i, +16); the second half starts at window 8
DATA pbidx<>+0(SB)/4, $0
DATA pbidx<>+4(SB)/4, $16
DATA pbidx<>+8(SB)/4, $1
DATA pbidx<>+12(SB)/4, $17
DATA pbidx<>+16(SB)/4, $2
DATA pbidx<>+20(SB)/4, $18
DATA pbidx<>+24(SB)/4, $3
DATA pbidx<>+28(SB)/4, $19
DATA pbidx<>+32(SB)/4, $4
DATA pbidx<>+36(SB)/4, $20
DATA pbidx<>+40(SB)/4, $5
DATA pbidx<>+44(SB)/4, $21
DATA pbidx<>+48(SB)/4, $6
DATA pbidx<>+52(SB)/4, $22
DATA pbidx<>+56(SB)/4, $7
DATA pbidx<>+60(SB)/4, $23
DATA pbidx<>+64(SB)/4, $8
DATA pbidx<>+68(SB)/4, $24
DATA pbidx<>+72(SB)/4, $9
DATA pbidx<>+76(SB)/4, $25
DATA pbidx<>+80(SB)/4, $10
DATA pbidx<>+84(SB)/4, $26
DATA pbidx<>+88(SB)/4, $11
DATA pbidx<>+92(SB)/4, $27
DATA pbidx<>+96(SB)/4, $12
DATA pbidx<>+100(SB)/4, $28
DATA pbidx<>+104(SB)/4, $13
DATA pbidx<>+108(SB)/4, $29
DATA pbidx<>+112(SB)/4, $14
DATA pbidx<>+116(SB)/4, $30
DATA pbidx<>+120(SB)/4, $15
DATA pbidx<>+124(SB)/4, $31
GLOBL pbidx<>(SB), RODATA|NOPTR, $128

// func MaxPoolReluBackNHWCAVX512(dy, y *float32, arg *int32, r00, r10 *float32, c int, p00, wc int32)
// One 2x2 window of kernels.MaxPool2x2NHWCReluBackward over c channels,
// 16 at a time: v as in MaxPoolReluBackRowAVX512, a = arg - p00 - ch; the
// four positions r00, r00+c, r10, r10+c (floats) get v where a is 0, c,
// wc, wc+c and +0 elsewhere.
TEXT ·MaxPoolReluBackNHWCAVX512(SB), NOSPLIT, $0-56
	MOVQ dy+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ arg+16(FP), DX
	MOVQ r00+24(FP), R8
	MOVQ r10+32(FP), R9
	MOVQ c+40(FP), R11
	MOVL p00+48(FP), AX
	MOVL wc+52(FP), BX
	LEAQ (R8)(R11*4), R13 // r01
	LEAQ (R9)(R11*4), R14 // r11
	VPXORD Z24, Z24, Z24
	MOVD AX, X0
	VPBROADCASTD X0, Z29
	VPADDD pbramp1<>(SB), Z29, Z29 // p00 + ch for the step's 16 channels
	MOVQ R11, AX
	MOVD AX, X0
	VPBROADCASTD X0, Z25 // c
	MOVD BX, X0
	VPBROADCASTD X0, Z27 // wc
	VPADDD Z25, Z27, Z26 // wc + c
	MOVL $16, AX
	MOVD AX, X0
	VPBROADCASTD X0, Z28
	TESTQ R11, R11
	JLE pnDone

pnLoop:
	MOVQ R11, CX
	CMPQ CX, $16
	JLE pnCount
	MOVQ $16, CX
pnCount:
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (DI), K1, Z1
	VMOVDQU32.Z (DX), K1, Z2
	VCMPPS $0x1e, Z24, Z1, K1, K2
	VMOVAPS.Z Z0, K2, Z3
	VADDPS Z24, Z3, Z3
	VPSUBD Z29, Z2, Z4
	VPCMPEQD Z24, Z4, K1, K3
	VMOVAPS.Z Z3, K3, Z5
	VMOVUPS Z5, K1, (R8)
	VPCMPEQD Z25, Z4, K1, K3
	VMOVAPS.Z Z3, K3, Z5
	VMOVUPS Z5, K1, (R13)
	VPCMPEQD Z27, Z4, K1, K3
	VMOVAPS.Z Z3, K3, Z5
	VMOVUPS Z5, K1, (R9)
	VPCMPEQD Z26, Z4, K1, K3
	VMOVAPS.Z Z3, K3, Z5
	VMOVUPS Z5, K1, (R14)
	VPADDD Z28, Z29, Z29
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	ADDQ $64, R8
	ADDQ $64, R9
	ADDQ $64, R13
	ADDQ $64, R14
	SUBQ $16, R11
	JG pnLoop

pnDone:
	VZEROUPPER
	RET

DATA pbramp1<>+0(SB)/4, $0
DATA pbramp1<>+4(SB)/4, $1
DATA pbramp1<>+8(SB)/4, $2
DATA pbramp1<>+12(SB)/4, $3
DATA pbramp1<>+16(SB)/4, $4
DATA pbramp1<>+20(SB)/4, $5
DATA pbramp1<>+24(SB)/4, $6
DATA pbramp1<>+28(SB)/4, $7
DATA pbramp1<>+32(SB)/4, $8
DATA pbramp1<>+36(SB)/4, $9
DATA pbramp1<>+40(SB)/4, $10
DATA pbramp1<>+44(SB)/4, $11
DATA pbramp1<>+48(SB)/4, $12
DATA pbramp1<>+52(SB)/4, $13
DATA pbramp1<>+56(SB)/4, $14
DATA pbramp1<>+60(SB)/4, $15
GLOBL pbramp1<>(SB), RODATA|NOPTR, $64

// func MaxPoolReluBackPlanesAVX512(dy, y *float32, arg *int32, dx *float32, rows, oh, ow, w int)
// MaxPoolReluBackRowAVX512 over rows output rows of planes with an even
// input height and width (h = 2*oh, w = 2*ow): row R's inputs at R*ow,
// its dx row pair at R*2w and R*2w+w, base 2w*(R mod oh).
TEXT ·MaxPoolReluBackPlanesAVX512(SB), NOSPLIT, $0-64
	MOVQ dy+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ arg+16(FP), DX
	MOVQ dx+24(FP), R8
	MOVQ rows+32(FP), R15
	MOVQ oh+40(FP), R14
	MOVQ ow+48(FP), R13
	MOVQ w+56(FP), BX
	LEAQ (R8)(BX*4), R9
	VPXORD Z24, Z24, Z24
	MOVQ BX, AX
	MOVD AX, X0
	VPBROADCASTD X0, Z27 // w
	INCQ AX
	MOVD AX, X0
	VPBROADCASTD X0, Z26 // w + 1
	MOVL $1, AX
	MOVD AX, X0
	VPBROADCASTD X0, Z25 // 1
	MOVL $32, AX
	MOVD AX, X0
	VPBROADCASTD X0, Z28 // 2 * 16
	VMOVDQU32 pbidx<>+0(SB), Z23
	VMOVDQU32 pbidx<>+64(SB), Z22
	TESTQ R15, R15
	JLE ppDone
	TESTQ R13, R13
	JLE ppDone

ppRow:
	// base = 2w * (row within the plane) = 2w * (oh - R14)
	MOVQ oh+40(FP), AX
	SUBQ R14, AX
	IMULQ BX, AX
	SHLQ $1, AX
	MOVD AX, X0
	VPBROADCASTD X0, Z29
	VPADDD pbramp<>(SB), Z29, Z29
	XORQ R11, R11

ppStep:
	MOVQ R13, CX
	SUBQ R11, CX
	CMPQ CX, $16
	JLE ppCount
	MOVQ $16, CX
ppCount:
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	SHLQ $1, CX
	MOVQ $0xffff, R10
	XORQ R12, R12
	CMPQ CX, $16
	JGE ppHi
	MOVQ $1, R10
	SHLQ CX, R10
	DECQ R10
	JMP ppMasks
ppHi:
	SUBQ $16, CX
	MOVQ $1, R12
	SHLQ CX, R12
	DECQ R12
ppMasks:
	KMOVW R10, K6
	KMOVW R12, K7

	VMOVUPS.Z (SI)(R11*4), K1, Z0
	VMOVUPS.Z (DI)(R11*4), K1, Z1
	VMOVDQU32.Z (DX)(R11*4), K1, Z2
	VCMPPS $0x1e, Z24, Z1, K1, K2
	VMOVAPS.Z Z0, K2, Z3
	VADDPS Z24, Z3, Z3
	VPSUBD Z29, Z2, Z4
	VPCMPEQD Z24, Z4, K1, K3
	VPCMPEQD Z25, Z4, K1, K4
	VMOVAPS.Z Z3, K3, Z5
	VMOVAPS.Z Z3, K4, Z6
	VMOVAPS Z5, Z9
	VPERMT2PS Z6, Z23, Z9
	VPERMT2PS Z6, Z22, Z5
	VMOVUPS Z9, K6, (R8)(R11*8)
	VMOVUPS Z5, K7, 64(R8)(R11*8)
	VPCMPEQD Z27, Z4, K1, K3
	VPCMPEQD Z26, Z4, K1, K4
	VMOVAPS.Z Z3, K3, Z5
	VMOVAPS.Z Z3, K4, Z6
	VMOVAPS Z5, Z9
	VPERMT2PS Z6, Z23, Z9
	VPERMT2PS Z6, Z22, Z5
	VMOVUPS Z9, K6, (R9)(R11*8)
	VMOVUPS Z5, K7, 64(R9)(R11*8)

	VPADDD Z28, Z29, Z29
	ADDQ $16, R11
	CMPQ R11, R13
	JLT ppStep

	LEAQ (SI)(R13*4), SI
	LEAQ (DI)(R13*4), DI
	LEAQ (DX)(R13*4), DX
	LEAQ (R8)(BX*8), R8
	LEAQ (R8)(BX*4), R9
	DECQ R14
	JNZ ppNext
	MOVQ oh+40(FP), R14
ppNext:
	DECQ R15
	JNZ ppRow

ppDone:
	VZEROUPPER
	RET
