//go:build !purego

#include "textflag.h"

// Element-wise AVX2 kernels: 32 floats per iteration, then 8 at a time; the
// Go caller handles the last n%8. Unaligned loads and stores throughout.

// func ReluAVX2(dst, x *float32, n int)
TEXT ·ReluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y15, Y15, Y15
	MOVQ CX, BX
	SHRQ $5, BX
	JZ relu8

relu32:
	// VMAXPS returns its second Intel source (here x) when either input is
	// NaN, so NaN passes through; adding +0 turns max(0, -0) = -0 into +0.
	VMAXPS (SI), Y15, Y0
	VMAXPS 32(SI), Y15, Y1
	VMAXPS 64(SI), Y15, Y2
	VMAXPS 96(SI), Y15, Y3
	VADDPS Y15, Y0, Y0
	VADDPS Y15, Y1, Y1
	VADDPS Y15, Y2, Y2
	VADDPS Y15, Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	DECQ BX
	JNZ relu32

relu8:
	ANDQ $31, CX
	SHRQ $3, CX
	JZ reludone

relu8loop:
	VMAXPS (SI), Y15, Y0
	VADDPS Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ relu8loop

reludone:
	VZEROUPPER
	RET

// func ReluBackwardAVX2(dx, dy, y *float32, n int)
TEXT ·ReluBackwardAVX2(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPS Y15, Y15, Y15
	MOVQ CX, BX
	SHRQ $5, BX
	JZ rb8

rb32:
	// mask = y > 0 (predicate 0x1E, GT_OQ: false for NaN)
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VMOVUPS 64(DX), Y2
	VMOVUPS 96(DX), Y3
	VCMPPS $0x1E, Y15, Y0, Y0
	VCMPPS $0x1E, Y15, Y1, Y1
	VCMPPS $0x1E, Y15, Y2, Y2
	VCMPPS $0x1E, Y15, Y3, Y3
	VANDPS (SI), Y0, Y0
	VANDPS 32(SI), Y1, Y1
	VANDPS 64(SI), Y2, Y2
	VANDPS 96(SI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, DX
	DECQ BX
	JNZ rb32

rb8:
	ANDQ $31, CX
	SHRQ $3, CX
	JZ rbdone

rb8loop:
	VMOVUPS (DX), Y0
	VCMPPS $0x1E, Y15, Y0, Y0
	VANDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ rb8loop

rbdone:
	VZEROUPPER
	RET

// func AddAVX2(dst, a, b *float32, n int)
TEXT ·AddAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ CX, BX
	SHRQ $5, BX
	JZ add8

add32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y1, Y1
	VADDPS 64(DX), Y2, Y2
	VADDPS 96(DX), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	ADDQ $128, DX
	DECQ BX
	JNZ add32

add8:
	ANDQ $31, CX
	SHRQ $3, CX
	JZ adddone

add8loop:
	VMOVUPS (SI), Y0
	VADDPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ add8loop

adddone:
	VZEROUPPER
	RET

// func ScaleAVX2(dst, x *float32, alpha float32, n int)
TEXT ·ScaleAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	VBROADCASTSS alpha+16(FP), Y15
	MOVQ n+24(FP), CX
	MOVQ CX, BX
	SHRQ $5, BX
	JZ sc8

sc32:
	VMULPS (SI), Y15, Y0
	VMULPS 32(SI), Y15, Y1
	VMULPS 64(SI), Y15, Y2
	VMULPS 96(SI), Y15, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	DECQ BX
	JNZ sc32

sc8:
	ANDQ $31, CX
	SHRQ $3, CX
	JZ scdone

sc8loop:
	VMULPS (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ sc8loop

scdone:
	VZEROUPPER
	RET

DATA poolramp<>+0(SB)/4, $0
DATA poolramp<>+4(SB)/4, $2
DATA poolramp<>+8(SB)/4, $4
DATA poolramp<>+12(SB)/4, $6
DATA poolramp<>+16(SB)/4, $8
DATA poolramp<>+20(SB)/4, $10
DATA poolramp<>+24(SB)/4, $12
DATA poolramp<>+28(SB)/4, $14
GLOBL poolramp<>(SB), RODATA|NOPTR, $32

DATA poolstep<>+0(SB)/4, $16
GLOBL poolstep<>(SB), RODATA|NOPTR, $4

// func MaxPoolPairsAVX2(r0, r1, y *float32, arg *int32, n int, base, w int32) int
TEXT ·MaxPoolPairsAVX2(SB), NOSPLIT, $0-56
	MOVQ r0+0(FP), SI
	MOVQ r1+8(FP), DX
	MOVQ y+16(FP), DI
	MOVQ arg+24(FP), R8
	MOVQ n+32(FP), CX
	MOVL base+40(FP), AX
	VMOVD AX, X10
	VPBROADCASTD X10, Y10
	VPADDD poolramp<>(SB), Y10, Y10 // flat index of each window's top-left
	VPBROADCASTD poolstep<>(SB), Y11
	MOVL w+44(FP), AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12
	XORQ R9, R9

poolloop:
	CMPQ R9, CX
	JGE pooldone
	// de-interleave 16 floats of each row into even (left) and odd (right)
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2
	VSHUFPS $0xDD, Y1, Y0, Y3
	VPERMPD $0xD8, Y2, Y2 // a
	VPERMPD $0xD8, Y3, Y3 // b
	VMOVUPS (DX), Y0
	VMOVUPS 32(DX), Y1
	VSHUFPS $0x88, Y1, Y0, Y4
	VSHUFPS $0xDD, Y1, Y0, Y5
	VPERMPD $0xD8, Y4, Y4 // c
	VPERMPD $0xD8, Y5, Y5 // d
	// any NaN in the group: leave it to the caller
	VCMPPS $0x03, Y3, Y2, Y6
	VCMPPS $0x03, Y5, Y4, Y7
	VORPS Y7, Y6, Y6
	VMOVMSKPS Y6, R10
	TESTL R10, R10
	JNZ pooldone
	// tournament with strict >: earlier element wins ties
	VCMPPS $0x1E, Y2, Y3, Y6   // b > a
	VBLENDVPS Y6, Y3, Y2, Y8   // v1 = b > a ? b : a
	VCMPPS $0x1E, Y4, Y5, Y7   // d > c
	VBLENDVPS Y7, Y5, Y4, Y9   // v2
	VPSRLD $31, Y6, Y6         // i1 = 0 or 1
	VPSRLD $31, Y7, Y7
	VPADDD Y12, Y7, Y7         // i2 = w or w+1
	VCMPPS $0x1E, Y8, Y9, Y13  // v2 > v1
	VBLENDVPS Y13, Y9, Y8, Y14 // winner value
	VBLENDVPS Y13, Y7, Y6, Y6  // winner offset in window
	VPADDD Y10, Y6, Y6
	VMOVUPS Y14, (DI)
	VMOVDQU Y6, (R8)
	VPADDD Y11, Y10, Y10
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $32, DI
	ADDQ $32, R8
	ADDQ $8, R9
	JMP poolloop

pooldone:
	MOVQ R9, ret+48(FP)
	VZEROUPPER
	RET

// AVX-512 whole-plane 2x2 max-pooling. Each output row is done in groups of
// 16 windows, the last group of a row with masked loads and stores, so rows
// of any width (14, 7 and 3 windows in BPVGG) stay in SIMD. (A backward
// twin built the same way was slower than clear-and-scatter: four masked
// stores per short row.)

DATA poolev16<>+0(SB)/4, $0
DATA poolev16<>+4(SB)/4, $2
DATA poolev16<>+8(SB)/4, $4
DATA poolev16<>+12(SB)/4, $6
DATA poolev16<>+16(SB)/4, $8
DATA poolev16<>+20(SB)/4, $10
DATA poolev16<>+24(SB)/4, $12
DATA poolev16<>+28(SB)/4, $14
DATA poolev16<>+32(SB)/4, $16
DATA poolev16<>+36(SB)/4, $18
DATA poolev16<>+40(SB)/4, $20
DATA poolev16<>+44(SB)/4, $22
DATA poolev16<>+48(SB)/4, $24
DATA poolev16<>+52(SB)/4, $26
DATA poolev16<>+56(SB)/4, $28
DATA poolev16<>+60(SB)/4, $30
GLOBL poolev16<>(SB), RODATA|NOPTR, $64

// POOLBEATS sets K to "b beats a": a is not NaN and !(a >= b), i.e. b > a,
// or b is the first NaN. Ties keep a (first maximum wins).
#define POOLBEATS(a, b, K) \
	VCMPPS $0x07, a, a, K \
	VCMPPS $0x19, b, a, K, K

// POOLFWD pools one group: rows at (AX) and (AX)(R14*1), input masks KLO and
// KHI (2k floats), output mask KOUT (k windows); Z25 holds the in-plane
// index of each window's top-left corner.
#define POOLFWD(KLO, KHI, KOUT) \
	VMOVUPS.Z (AX), KLO, Z0 \
	VMOVUPS.Z 64(AX), KHI, Z1 \
	VMOVUPS.Z (AX)(R14*1), KLO, Z2 \
	VMOVUPS.Z 64(AX)(R14*1), KHI, Z3 \
	VMOVDQA32 Z20, Z4 \
	VPERMI2PS Z1, Z0, Z4 \
	VMOVDQA32 Z21, Z5 \
	VPERMI2PS Z1, Z0, Z5 \
	VMOVDQA32 Z20, Z6 \
	VPERMI2PS Z3, Z2, Z6 \
	VMOVDQA32 Z21, Z7 \
	VPERMI2PS Z3, Z2, Z7 \
	POOLBEATS(Z4, Z5, K5) \
	POOLBEATS(Z6, Z7, K6) \
	VBLENDMPS Z5, Z4, K5, Z8 \
	VBLENDMPS Z7, Z6, K6, Z9 \
	VMOVDQA32 Z25, Z10 \
	VPADDD Z23, Z25, K5, Z10 \
	VPADDD Z22, Z25, Z11 \
	VPADDD Z23, Z11, K6, Z11 \
	POOLBEATS(Z8, Z9, K7) \
	VBLENDMPS Z9, Z8, K7, Z12 \
	VPBLENDMD Z11, Z10, K7, Z13 \
	VMOVUPS Z12, KOUT, (DI) \
	VMOVDQU32 Z13, KOUT, (R8)

// POOLSETUP loads the constants and loop registers: Z20 even indices (and
// the window ramp 0, 2, ..., 30), Z21 odd indices, Z22 w, Z23 1, Z29 32; R9 planes, R11 w, R12 oh,
// R13 ow, R14 row bytes, R10 bytes of the unused last row (odd h), K1 all
// ones.
#define POOLSETUP \
	MOVQ planes+24(FP), R9 \
	MOVQ h+32(FP), R10 \
	MOVQ w+40(FP), R11 \
	VMOVDQU32 poolev16<>(SB), Z20 \
	MOVL $1, AX \
	VPBROADCASTD AX, Z23 \
	VPADDD Z23, Z20, Z21 \
	VPBROADCASTD R11, Z22 \
	MOVQ R10, R12 \
	SHRQ $1, R12 \
	MOVQ R11, R13 \
	SHRQ $1, R13 \
	LEAQ (R11*4), R14 \
	ANDQ $1, R10 \
	IMULQ R14, R10 \
	KXNORW K1, K1, K1 \
	MOVL $32, AX \
	VPBROADCASTD AX, Z29

// POOLTAILMASKS sets K2 to k = CX < 16 window bits and K3/K4 to the low and
// high halves of 2k input bits.
#define POOLTAILMASKS \
	MOVL $1, R15 \
	SHLL CX, R15 \
	DECL R15 \
	KMOVW R15, K2 \
	SHLQ $1, CX \
	MOVQ $1, R15 \
	SHLQ CX, R15 \
	DECQ R15 \
	KMOVW R15, K3 \
	SHRQ $16, R15 \
	KMOVW R15, K4 \
	SHRQ $1, CX

// func MaxPoolPlanesAVX512(x, y *float32, arg *int32, planes, h, w int)
TEXT ·MaxPoolPlanesAVX512(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ arg+16(FP), R8
	POOLSETUP

mpplane:
	XORQ BX, BX // in-plane index of row 2i
	MOVQ R12, DX

mprow:
	MOVQ SI, AX
	MOVQ R13, CX
	VPBROADCASTD BX, Z25
	VPADDD Z20, Z25, Z25

mpgroup:
	CMPQ CX, $16
	JLT mptail
	POOLFWD(K1, K1, K1)
	ADDQ $128, AX
	ADDQ $64, DI
	ADDQ $64, R8
	VPADDD Z29, Z25, Z25
	SUBQ $16, CX
	JMP mpgroup

mptail:
	TESTQ CX, CX
	JZ mprowdone
	POOLTAILMASKS
	POOLFWD(K3, K4, K2)
	LEAQ (DI)(CX*4), DI
	LEAQ (R8)(CX*4), R8

mprowdone:
	LEAQ (SI)(R14*2), SI
	LEAQ (BX)(R11*2), BX
	DECQ DX
	JNZ mprow
	ADDQ R10, SI
	DECQ R9
	JNZ mpplane
	VZEROUPPER
	RET

// func SumSquaresAVX512(x *float32, n int, acc *float64)
TEXT ·SumSquaresAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ acc+16(FP), DI
	VMOVUPD (DI), Z0    // lanes 0-7
	VMOVUPD 64(DI), Z1  // 8-15
	VMOVUPD 128(DI), Z2 // 16-23
	VMOVUPD 192(DI), Z3 // 24-31
	SHRQ $5, CX

ssq512:
	VCVTPS2PD (SI), Z4
	VCVTPS2PD 32(SI), Z5
	VCVTPS2PD 64(SI), Z6
	VCVTPS2PD 96(SI), Z7
	VMULPD Z4, Z4, Z4
	VMULPD Z5, Z5, Z5
	VMULPD Z6, Z6, Z6
	VMULPD Z7, Z7, Z7
	VADDPD Z4, Z0, Z0
	VADDPD Z5, Z1, Z1
	VADDPD Z6, Z2, Z2
	VADDPD Z7, Z3, Z3
	ADDQ $128, SI
	DECQ CX
	JNZ ssq512
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VZEROUPPER
	RET

// func SumSquaresAVX2(x *float32, n int, acc *float64)
TEXT ·SumSquaresAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ acc+16(FP), DI
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
	VMOVUPD 128(DI), Y4
	VMOVUPD 160(DI), Y5
	VMOVUPD 192(DI), Y6
	VMOVUPD 224(DI), Y7
	SHRQ $5, CX

ssq256:
	VCVTPS2PD (SI), Y8
	VCVTPS2PD 16(SI), Y9
	VCVTPS2PD 32(SI), Y10
	VCVTPS2PD 48(SI), Y11
	VMULPD Y8, Y8, Y8
	VMULPD Y9, Y9, Y9
	VMULPD Y10, Y10, Y10
	VMULPD Y11, Y11, Y11
	VADDPD Y8, Y0, Y0
	VADDPD Y9, Y1, Y1
	VADDPD Y10, Y2, Y2
	VADDPD Y11, Y3, Y3
	VCVTPS2PD 64(SI), Y8
	VCVTPS2PD 80(SI), Y9
	VCVTPS2PD 96(SI), Y10
	VCVTPS2PD 112(SI), Y11
	VMULPD Y8, Y8, Y8
	VMULPD Y9, Y9, Y9
	VMULPD Y10, Y10, Y10
	VMULPD Y11, Y11, Y11
	VADDPD Y8, Y4, Y4
	VADDPD Y9, Y5, Y5
	VADDPD Y10, Y6, Y6
	VADDPD Y11, Y7, Y7
	ADDQ $128, SI
	DECQ CX
	JNZ ssq256
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VMOVUPD Y4, 128(DI)
	VMOVUPD Y5, 160(DI)
	VMOVUPD Y6, 192(DI)
	VMOVUPD Y7, 224(DI)
	VZEROUPPER
	RET
