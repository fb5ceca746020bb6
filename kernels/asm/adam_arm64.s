//go:build !purego

#include "textflag.h"

// Fused Adam update for NEON (see remedy/kernels.AdamUpdate and the amd64
// version): 4 floats per iteration, each operation a separately rounded
// vector op in the Go twin's order. Go's assembler has no vector FMUL,
// FADD, FSUB, FDIV or FSQRT, so they are WORDs (ARMv8-A ARM, .4S, Q=1,
// sz=0), checked bit for bit against the Go twin by kernels/adam_test.go
// under qemu-aarch64:
//
//   FADD  Vd.4S, Vn.4S, Vm.4S   0x4e20d400 | Rm<<16 | Rn<<5 | Rd
//   FSUB  Vd.4S, Vn.4S, Vm.4S   0x4ea0d400 | Rm<<16 | Rn<<5 | Rd
//   FMUL  Vd.4S, Vn.4S, Vm.4S   0x6e20dc00 | Rm<<16 | Rn<<5 | Rd
//   FDIV  Vd.4S, Vn.4S, Vm.4S   0x6e20fc00 | Rm<<16 | Rn<<5 | Rd
//   FSQRT Vd.4S, Vn.4S          0x6ea1f800 | Rn<<5 | Rd

#define FADDV(d, n, m) WORD $(0x4e20d400 | (m)<<16 | (n)<<5 | (d))
#define FSUBV(d, n, m) WORD $(0x4ea0d400 | (m)<<16 | (n)<<5 | (d))
#define FMULV(d, n, m) WORD $(0x6e20dc00 | (m)<<16 | (n)<<5 | (d))
#define FDIVV(d, n, m) WORD $(0x6e20fc00 | (m)<<16 | (n)<<5 | (d))
#define FSQRTV(d, n) WORD $(0x6ea1f800 | (n)<<5 | (d))

// func AdamNEON(w, grad, m, v *float32, n int, coef *float32)
TEXT ·AdamNEON(SB), NOSPLIT|NOFRAME, $0-48
	MOVD	w+0(FP), R0
	MOVD	grad+8(FP), R1
	MOVD	m+16(FP), R2
	MOVD	v+24(FP), R3
	MOVD	n+32(FP), R4
	MOVD	coef+40(FP), R5
	MOVWU	16(R5), R6 // wd bits
	VLD1R.P	4(R5), [V8.S4]  // b1
	VLD1R.P	4(R5), [V9.S4]  // b2
	VLD1R.P	4(R5), [V10.S4] // c1 = 1-b1
	VLD1R.P	4(R5), [V11.S4] // c2 = 1-b2
	VLD1R.P	4(R5), [V12.S4] // wd
	VLD1R.P	4(R5), [V13.S4] // eps
	VLD1R.P	4(R5), [V14.S4] // 1/sqrt(bc2)
	VLD1R	(R5), [V15.S4]  // lr/bc1
	LSR	$2, R4, R4
	CBZ	R4, done
	// wd == +-0 skips the decay term, as the Go twin's wd != 0
	ANDW	$0x7fffffff, R6, R6
	CBZW	R6, nowd

wdloop:
	VLD1	(R0), [V0.S4]
	VLD1.P	16(R1), [V1.S4]
	FMULV(2, 12, 0) // wd*w
	FADDV(1, 1, 2) // g' = g + wd*w
	VLD1	(R2), [V2.S4]
	VLD1	(R3), [V4.S4]
	FMULV(2, 8, 2) // b1*m
	FMULV(3, 10, 1) // c1*g'
	FADDV(2, 2, 3) // m
	FMULV(3, 11, 1) // c2*g'
	FMULV(3, 3, 1) // (c2*g')*g'
	FMULV(4, 9, 4) // b2*v
	FADDV(4, 4, 3) // v
	VST1.P	[V2.S4], 16(R2)
	VST1.P	[V4.S4], 16(R3)
	FSQRTV(4, 4)
	FMULV(4, 4, 14) // sqrt(v)*ibc
	FADDV(4, 4, 13) // denom
	FMULV(2, 15, 2) // step*m
	FDIVV(2, 2, 4) // (step*m)/denom
	FSUBV(0, 0, 2) // w - update
	VST1.P	[V0.S4], 16(R0)
	SUBS	$1, R4, R4
	BNE	wdloop
	B	done

nowd:
	VLD1	(R0), [V0.S4]
	VLD1.P	16(R1), [V1.S4]
	VLD1	(R2), [V2.S4]
	VLD1	(R3), [V4.S4]
	FMULV(2, 8, 2) // b1*m
	FMULV(3, 10, 1) // c1*g'
	FADDV(2, 2, 3) // m
	FMULV(3, 11, 1) // c2*g'
	FMULV(3, 3, 1) // (c2*g')*g'
	FMULV(4, 9, 4) // b2*v
	FADDV(4, 4, 3) // v
	VST1.P	[V2.S4], 16(R2)
	VST1.P	[V4.S4], 16(R3)
	FSQRTV(4, 4)
	FMULV(4, 4, 14) // sqrt(v)*ibc
	FADDV(4, 4, 13) // denom
	FMULV(2, 15, 2) // step*m
	FDIVV(2, 2, 4) // (step*m)/denom
	FSUBV(0, 0, 2) // w - update
	VST1.P	[V0.S4], 16(R0)
	SUBS	$1, R4, R4
	BNE	nowd

done:
	RET
