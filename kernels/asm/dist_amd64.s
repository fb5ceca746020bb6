//go:build !purego

#include "textflag.h"

// REDUCE16 leaves the sum of the 16 lanes of Z0 in X0. Clobbers Z1.
#define REDUCE16 \
	VEXTRACTF64X4 $1, Z0, Y1 \
	VADDPS        Y1, Y0, Y0 \
	VEXTRACTF128  $1, Y0, X1 \
	VADDPS        X1, X0, X0 \
	VMOVHLPS      X0, X0, X1 \
	VADDPS        X1, X0, X0 \
	VMOVSHDUP     X0, X1     \
	VADDSS        X1, X0, X0

// TAILMASK sets K1 to the low (CX & 15) lanes; jumps to label if none.
#define TAILMASK(label) \
	ANDQ  $15, CX \
	JZ    label   \
	MOVL  $1, AX  \
	SHLL  CX, AX  \
	DECL  AX      \
	KMOVW AX, K1

// func DotAVX512(x, y *float32, n int) float32
TEXT ·DotAVX512(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ   CX, BX
	SHRQ   $6, BX
	JZ     dot16

dot64:
	VMOVUPS     (SI), Z4
	VMOVUPS     64(SI), Z5
	VMOVUPS     128(SI), Z6
	VMOVUPS     192(SI), Z7
	VFMADD231PS (DI), Z4, Z0
	VFMADD231PS 64(DI), Z5, Z1
	VFMADD231PS 128(DI), Z6, Z2
	VFMADD231PS 192(DI), Z7, Z3
	ADDQ        $256, SI
	ADDQ        $256, DI
	DECQ        BX
	JNZ         dot64

dot16:
	MOVQ CX, BX
	ANDQ $63, BX
	SHRQ $4, BX
	JZ   dottail

dot16loop:
	VMOVUPS     (SI), Z4
	VFMADD231PS (DI), Z4, Z0
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        BX
	JNZ         dot16loop

dottail:
	TAILMASK(dotsum)
	VMOVUPS.Z   (SI), K1, Z4
	VMOVUPS.Z   (DI), K1, Z5
	VFMADD231PS Z5, Z4, Z1

dotsum:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	REDUCE16
	VZEROUPPER
	MOVSS  X0, ret+24(FP)
	RET

// func SqDistAVX512(x, y *float32, n int) float32
TEXT ·SqDistAVX512(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ   CX, BX
	SHRQ   $6, BX
	JZ     sq16

sq64:
	VMOVUPS     (SI), Z4
	VMOVUPS     64(SI), Z5
	VMOVUPS     128(SI), Z6
	VMOVUPS     192(SI), Z7
	VSUBPS      (DI), Z4, Z4
	VSUBPS      64(DI), Z5, Z5
	VSUBPS      128(DI), Z6, Z6
	VSUBPS      192(DI), Z7, Z7
	VFMADD231PS Z4, Z4, Z0
	VFMADD231PS Z5, Z5, Z1
	VFMADD231PS Z6, Z6, Z2
	VFMADD231PS Z7, Z7, Z3
	ADDQ        $256, SI
	ADDQ        $256, DI
	DECQ        BX
	JNZ         sq64

sq16:
	MOVQ CX, BX
	ANDQ $63, BX
	SHRQ $4, BX
	JZ   sqtail

sq16loop:
	VMOVUPS     (SI), Z4
	VSUBPS      (DI), Z4, Z4
	VFMADD231PS Z4, Z4, Z0
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        BX
	JNZ         sq16loop

sqtail:
	TAILMASK(sqsum)
	VMOVUPS.Z   (SI), K1, Z4
	VMOVUPS.Z   (DI), K1, Z5
	VSUBPS      Z5, Z4, Z4
	VFMADD231PS Z4, Z4, Z1

sqsum:
	VADDPS Z1, Z0, Z0
	VADDPS Z3, Z2, Z2
	VADDPS Z2, Z0, Z0
	REDUCE16
	VZEROUPPER
	MOVSS  X0, ret+24(FP)
	RET

// FMA4 accumulates the products of row a with the four B rows
// (Z16..Z19) into c0..c3.
#define FMA4(a, c0, c1, c2, c3) \
	VFMADD231PS Z16, a, c0 \
	VFMADD231PS Z17, a, c1 \
	VFMADD231PS Z18, a, c2 \
	VFMADD231PS Z19, a, c3

// FOLD4 adds the four 16-lane sums c0..c3 into the four floats at off(DX).
// Clobbers Z24..Z27.
#define FOLD4(c0, c1, c2, c3, y0, y1, y2, y3, x0, x1, off) \
	VEXTRACTF64X4 $1, c0, Y24 \
	VEXTRACTF64X4 $1, c1, Y25 \
	VEXTRACTF64X4 $1, c2, Y26 \
	VEXTRACTF64X4 $1, c3, Y27 \
	VADDPS        Z24, c0, c0 \
	VADDPS        Z25, c1, c1 \
	VADDPS        Z26, c2, c2 \
	VADDPS        Z27, c3, c3 \
	VHADDPS       y1, y0, y0  \
	VHADDPS       y3, y2, y2  \
	VHADDPS       y2, y0, y0  \
	VEXTRACTF128  $1, y0, x1  \
	VADDPS        x1, x0, x0  \
	VMOVUPS       x0, off(DX)

// func DotTile4x4AVX512(a, b *[4]*float32, n int, out *[16]float32)
TEXT ·DotTile4x4AVX512(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), AX
	MOVQ b+8(FP), BX
	MOVQ n+16(FP), CX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	MOVQ 24(AX), R11
	MOVQ 0(BX), R12
	MOVQ 8(BX), R13
	MOVQ 16(BX), SI
	MOVQ 24(BX), DI
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	VXORPS Z8, Z8, Z8
	VXORPS Z9, Z9, Z9
	VXORPS Z10, Z10, Z10
	VXORPS Z11, Z11, Z11
	VXORPS Z12, Z12, Z12
	VXORPS Z13, Z13, Z13
	VXORPS Z14, Z14, Z14
	VXORPS Z15, Z15, Z15
	XORQ   DX, DX
	MOVQ   CX, BX
	SHRQ   $4, BX
	JZ     tiletail

tileloop:
	VMOVUPS (R12)(DX*1), Z16
	VMOVUPS (R13)(DX*1), Z17
	VMOVUPS (SI)(DX*1), Z18
	VMOVUPS (DI)(DX*1), Z19
	VMOVUPS (R8)(DX*1), Z20
	VMOVUPS (R9)(DX*1), Z21
	VMOVUPS (R10)(DX*1), Z22
	VMOVUPS (R11)(DX*1), Z23
	FMA4(Z20, Z0, Z1, Z2, Z3)
	FMA4(Z21, Z4, Z5, Z6, Z7)
	FMA4(Z22, Z8, Z9, Z10, Z11)
	FMA4(Z23, Z12, Z13, Z14, Z15)
	ADDQ    $64, DX
	DECQ    BX
	JNZ     tileloop

tiletail:
	TAILMASK(tilesum)
	VMOVUPS.Z (R12)(DX*1), K1, Z16
	VMOVUPS.Z (R13)(DX*1), K1, Z17
	VMOVUPS.Z (SI)(DX*1), K1, Z18
	VMOVUPS.Z (DI)(DX*1), K1, Z19
	VMOVUPS.Z (R8)(DX*1), K1, Z20
	VMOVUPS.Z (R9)(DX*1), K1, Z21
	VMOVUPS.Z (R10)(DX*1), K1, Z22
	VMOVUPS.Z (R11)(DX*1), K1, Z23
	FMA4(Z20, Z0, Z1, Z2, Z3)
	FMA4(Z21, Z4, Z5, Z6, Z7)
	FMA4(Z22, Z8, Z9, Z10, Z11)
	FMA4(Z23, Z12, Z13, Z14, Z15)

tilesum:
	MOVQ out+24(FP), DX
	FOLD4(Z0, Z1, Z2, Z3, Y0, Y1, Y2, Y3, X0, X1, 0)
	FOLD4(Z4, Z5, Z6, Z7, Y4, Y5, Y6, Y7, X4, X5, 16)
	FOLD4(Z8, Z9, Z10, Z11, Y8, Y9, Y10, Y11, X8, X9, 32)
	FOLD4(Z12, Z13, Z14, Z15, Y12, Y13, Y14, Y15, X12, X13, 48)
	VZEROUPPER
	RET
