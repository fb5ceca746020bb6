//go:build !purego

#include "textflag.h"

// Register use:
//   R0 kc, R1 &A~, R2 &B~, R3 &C (row pointer), R4 ldc in bytes
//   V0, V1   A~ column p: rows 0-3 and 4-7
//   V2-V4    B~ row p: columns 0-3, 4-7, 8-11
//   V8-V31   accumulators: row i, columns 4j..4j+3 live in V(8+3i+j)
//
// Go's assembler (as of Go 1.26) has no FMLA-by-element nor vector FADD, so
// both are emitted as WORDs. Encodings (ARMv8-A ARM, single precision, Q=1):
//
//   FMLA Vd.4S, Vn.4S, Vm.S[x]  0 1 0 01111 1 0 L M Rm:4 0001 H 0 Rn Rd
//                               = 0x4f801000 | L<<21 | M<<20 | Rm<<16 | H<<11 | Rn<<5 | Rd
//                               with x = H:L and the register Vm = M:Rm.
//   FADD Vd.4S, Vn.4S, Vm.4S    0 1 0 01110 0 0 1 Rm 110101 Rn Rd
//                               = 0x4e20d400 | Rm<<16 | Rn<<5 | Rd
//
// Checked against Go's own test data, where "FMLA V30.2S, V2.2S, V28.S[2]"
// (Q=0) is 0x0f9c185e and "FADD V21.2D, V10.2D, V21.2D" (sz=1) is 0x4e75d555,
// and by the tests in kernels/micro_arm64_test.go run under qemu-aarch64.

// FMLAE: V(d) += V(n) * V(m).S[x]
#define FMLAE(d, n, m, x) WORD $(0x4f801000 | ((x)&1)<<21 | ((m)/16)<<20 | ((m)&15)<<16 | ((x)/2)<<11 | (n)<<5 | (d))

// FADDV: V(d) = V(n) + V(m)
#define FADDV(d, n, m) WORD $(0x4e20d400 | (m)<<16 | (n)<<5 | (d))

// ROWFMA: row i of the tile, whose A~ element is V(m).S[x], accumulates
// B~ row p into V(acc), V(acc+1), V(acc+2).
#define ROWFMA(acc, m, x) \
	FMLAE(acc, 2, m, x); \
	FMLAE(acc+1, 3, m, x); \
	FMLAE(acc+2, 4, m, x)

// STEP: one rank-1 update, p -> p+1.
#define STEP \
	VLD1.P	32(R1), [V0.S4, V1.S4]; \
	VLD1.P	48(R2), [V2.S4, V3.S4, V4.S4]; \
	ROWFMA(8, 0, 0); \
	ROWFMA(11, 0, 1); \
	ROWFMA(14, 0, 2); \
	ROWFMA(17, 0, 3); \
	ROWFMA(20, 1, 0); \
	ROWFMA(23, 1, 1); \
	ROWFMA(26, 1, 2); \
	ROWFMA(29, 1, 3)

// CROW: C row += V(acc), V(acc+1), V(acc+2); advance to the next row.
#define CROW(acc) \
	VLD1	(R3), [V0.S4, V1.S4, V2.S4]; \
	FADDV(0, 0, acc); \
	FADDV(1, 1, acc+1); \
	FADDV(2, 2, acc+2); \
	VST1	[V0.S4, V1.S4, V2.S4], (R3); \
	ADD	R4, R3, R3

// func MicroNEON8x12(kc int, a, b, c *float32, ldc int)
TEXT ·MicroNEON8x12(SB), NOSPLIT|NOFRAME, $0-40
	MOVD	kc+0(FP), R0
	MOVD	a+8(FP), R1
	MOVD	b+16(FP), R2
	MOVD	c+24(FP), R3
	MOVD	ldc+32(FP), R4
	LSL	$2, R4, R4
	// kc <= 0: C stays bit-for-bit as it was (adding +0 would turn -0 into +0).
	CMP	$0, R0
	BLE	done

	VEOR	V8.B16, V8.B16, V8.B16
	VEOR	V9.B16, V9.B16, V9.B16
	VEOR	V10.B16, V10.B16, V10.B16
	VEOR	V11.B16, V11.B16, V11.B16
	VEOR	V12.B16, V12.B16, V12.B16
	VEOR	V13.B16, V13.B16, V13.B16
	VEOR	V14.B16, V14.B16, V14.B16
	VEOR	V15.B16, V15.B16, V15.B16
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	VEOR	V18.B16, V18.B16, V18.B16
	VEOR	V19.B16, V19.B16, V19.B16
	VEOR	V20.B16, V20.B16, V20.B16
	VEOR	V21.B16, V21.B16, V21.B16
	VEOR	V22.B16, V22.B16, V22.B16
	VEOR	V23.B16, V23.B16, V23.B16
	VEOR	V24.B16, V24.B16, V24.B16
	VEOR	V25.B16, V25.B16, V25.B16
	VEOR	V26.B16, V26.B16, V26.B16
	VEOR	V27.B16, V27.B16, V27.B16
	VEOR	V28.B16, V28.B16, V28.B16
	VEOR	V29.B16, V29.B16, V29.B16
	VEOR	V30.B16, V30.B16, V30.B16
	VEOR	V31.B16, V31.B16, V31.B16

	// Four steps per iteration while at least four remain, then one at a time.
	CMP	$4, R0
	BLT	tail

loop4:
	STEP
	STEP
	STEP
	STEP
	SUB	$4, R0, R0
	CMP	$4, R0
	BGE	loop4
	CBZ	R0, store

tail:
	STEP
	SUBS	$1, R0, R0
	BNE	tail

store:
	CROW(8)
	CROW(11)
	CROW(14)
	CROW(17)
	CROW(20)
	CROW(23)
	CROW(26)
	CROW(29)

done:
	RET
