//go:build !purego

#include "textflag.h"

// func dot64AVX512(x, y *float64, n int) float64
TEXT ·dot64AVX512(SB), NOSPLIT, $0-32
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPD Z0, Z0, Z0
	VXORPD Z1, Z1, Z1
	VXORPD Z2, Z2, Z2
	VXORPD Z3, Z3, Z3
	MOVQ   CX, BX
	SHRQ   $5, BX
	JZ     d8

d32:
	VMOVUPD     (SI), Z4
	VMOVUPD     64(SI), Z5
	VMOVUPD     128(SI), Z6
	VMOVUPD     192(SI), Z7
	VFMADD231PD (DI), Z4, Z0
	VFMADD231PD 64(DI), Z5, Z1
	VFMADD231PD 128(DI), Z6, Z2
	VFMADD231PD 192(DI), Z7, Z3
	ADDQ        $256, SI
	ADDQ        $256, DI
	DECQ        BX
	JNZ         d32

d8:
	MOVQ CX, BX
	ANDQ $31, BX
	SHRQ $3, BX
	JZ   dtail

d8loop:
	VMOVUPD     (SI), Z4
	VFMADD231PD (DI), Z4, Z0
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        BX
	JNZ         d8loop

dtail:
	ANDQ  $7, CX
	JZ    dsum
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K1
	VMOVUPD.Z   (SI), K1, Z4
	VMOVUPD.Z   (DI), K1, Z5
	VFMADD231PD Z5, Z4, Z1

dsum:
	VADDPD        Z1, Z0, Z0
	VADDPD        Z3, Z2, Z2
	VADDPD        Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPD        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPD        X1, X0, X0
	VUNPCKHPD     X0, X0, X1
	VADDSD        X1, X0, X0
	VZEROUPPER
	MOVSD         X0, ret+24(FP)
	RET

// func axpy64AVX512(a float64, x, y *float64, n int)  // y += a*x
TEXT ·axpy64AVX512(SB), NOSPLIT, $0-32
	VBROADCASTSD a+0(FP), Z0
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DI
	MOVQ         n+24(FP), CX
	MOVQ         CX, BX
	SHRQ         $5, BX
	JZ           a8

a32:
	VMOVUPD     (DI), Z4
	VMOVUPD     64(DI), Z5
	VMOVUPD     128(DI), Z6
	VMOVUPD     192(DI), Z7
	VFMADD231PD (SI), Z0, Z4
	VFMADD231PD 64(SI), Z0, Z5
	VFMADD231PD 128(SI), Z0, Z6
	VFMADD231PD 192(SI), Z0, Z7
	VMOVUPD     Z4, (DI)
	VMOVUPD     Z5, 64(DI)
	VMOVUPD     Z6, 128(DI)
	VMOVUPD     Z7, 192(DI)
	ADDQ        $256, SI
	ADDQ        $256, DI
	DECQ        BX
	JNZ         a32

a8:
	MOVQ CX, BX
	ANDQ $31, BX
	SHRQ $3, BX
	JZ   atail

a8loop:
	VMOVUPD     (DI), Z4
	VFMADD231PD (SI), Z0, Z4
	VMOVUPD     Z4, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        BX
	JNZ         a8loop

atail:
	ANDQ  $7, CX
	JZ    adone
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K1
	VMOVUPD.Z   (DI), K1, Z4
	VFMADD231PD (SI), Z0, K1, Z4
	VMOVUPD     Z4, K1, (DI)

adone:
	VZEROUPPER
	RET
