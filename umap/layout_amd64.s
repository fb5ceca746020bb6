//go:build !purego

#include "textflag.h"

// Offsets into layoutConsts (checked by TestLayoutConstsOffsets).
#define C_TE 0
#define C_TM 2048
#define C_SLOPE 4104
#define C_A 6152
#define C_ATTR 6160
#define C_REP 6168
#define C_ONE 6176
#define C_EPS 6184
#define C_INV 6192
#define C_ALPHA2 6200
#define C_ALPHA 6204
#define C_FOUR 6208
#define C_MFOUR 6212
#define C_PUSH 6216

// HSUM16 leaves the sum of the 16 lanes of Z3 in X3 (lane 0): halves,
// quarters, pairs, as hsum16. Clobbers Y4.
#define HSUM16 \
	VEXTRACTF64X4 $1, Z3, Y4 \
	VADDPS        Y4, Y3, Y3 \
	VEXTRACTF128  $1, Y3, X4 \
	VADDPS        X4, X3, X3 \
	VMOVHLPS      X3, X3, X4 \
	VADDPS        X4, X3, X3 \
	VMOVSHDUP     X3, X4     \
	VADDSS        X4, X3, X3

// POW sets X6 = d2^b for the float32 in X3 (layoutConsts.pow). X5 must be
// zero. Clobbers AX, BX, CX.
#define POW \
	VMOVD      X3, AX                       \
	MOVL       AX, BX                       \
	SHRL       $23, BX                      \
	ANDL       $0xff, BX                    \
	MOVL       AX, CX                       \
	SHRL       $15, CX                      \
	ANDL       $0xff, CX                    \
	ANDL       $0x7fff, AX                  \
	VCVTSI2SDL AX, X5, X6                   \
	VMULSD     C_INV(R10), X6, X6           \
	VMULSD     C_SLOPE(R10)(CX*8), X6, X6   \
	VADDSD     C_TM(R10)(CX*8), X6, X6      \
	VMULSD     C_TE(R10)(BX*8), X6, X6

// func edgeAVX512(cur *float32, snap *float32, k int, negs *int32, nneg int, c *layoutConsts)
TEXT ·edgeAVX512(SB), NOSPLIT, $0-48
	MOVQ cur+0(FP), DI
	MOVQ snap+8(FP), SI
	MOVQ k+16(FP), DX
	MOVQ negs+24(FP), R8
	MOVQ nneg+32(FP), R9
	MOVQ c+40(FP), R10

	VXORPS        X5, X5, X5
	VBROADCASTSS  C_FOUR(R10), Z12
	VBROADCASTSS  C_MFOUR(R10), Z13
	VMOVUPS       (DI), Z0
	VMOVAPS       Z0, Z14              // c0: every pair is computed at the start position

	// attraction towards row k
	SHLQ    $6, DX
	VMOVUPS (SI)(DX*1), Z1
	VSUBPS  Z1, Z14, Z2
	VMULPS  Z2, Z2, Z3
	HSUM16
	VXORPS   X9, X9, X9
	VUCOMISS X5, X3
	JLS      attract

	POW
	VMULSD    C_A(R10), X6, X7
	VADDSD    C_ONE(R10), X7, X7
	VCVTSS2SD X3, X5, X8
	VMULSD    X7, X8, X8
	VMULSD    C_ATTR(R10), X6, X9
	VDIVSD    X8, X9, X9
	VCVTSD2SS X9, X5, X9

attract:
	VBROADCASTSS X9, Z9
	VMULPS       Z9, Z2, Z10
	VMINPS       Z10, Z12, Z10
	VMAXPS       Z10, Z13, Z10
	VBROADCASTSS C_ALPHA2(R10), Z11
	VMULPS       Z11, Z10, Z10
	VADDPS       Z10, Z0, Z0

	TESTQ R9, R9
	JEQ   done
	VBROADCASTSS C_ALPHA(R10), Z11

negloop:
	MOVLQSX (R8), DX
	ADDQ    $4, R8
	SHLQ    $6, DX
	VMOVUPS (SI)(DX*1), Z1
	VSUBPS  Z1, Z14, Z2
	VMULPS  Z2, Z2, Z3
	HSUM16
	VUCOMISS X5, X3
	JLS      coincident

	POW
	VMULSD    C_A(R10), X6, X7
	VADDSD    C_ONE(R10), X7, X7
	VCVTSS2SD X3, X5, X8
	VADDSD    C_EPS(R10), X8, X8
	VMULSD    X7, X8, X8
	VMOVSD    C_REP(R10), X9
	VDIVSD    X8, X9, X9
	VCVTSD2SS X9, X5, X9

	VBROADCASTSS X9, Z9
	VMULPS       Z9, Z2, Z10
	VMINPS       Z10, Z12, Z10
	VMAXPS       Z10, Z13, Z10
	VMULPS       Z11, Z10, Z10
	VADDPS       Z10, Z0, Z0
	DECQ         R9
	JNE          negloop
	JMP          done

coincident:
	VADDPS C_PUSH(R10), Z0, Z0
	DECQ   R9
	JNE    negloop

done:
	VMOVUPS Z0, (DI)
	VZEROUPPER
	RET
