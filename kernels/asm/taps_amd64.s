//go:build !purego

#include "textflag.h"

// Table (TapTable) byte offsets: de-interleave two-source indices 0, 64,
// 128 and masked-source indices 192, 256, 320; interleave two-source
// indices 384, 448, 512 and masked-source indices 576, 640, 704; masks at
// 768, 772, 776 (de-interleave) and 780, 784, 788 (interleave).

// DI3 de-interleaves a|b|c by 3 into d0, d1, d2 (indices Z18-Z23, masks
// K1-K3).
#define DI3(a, b, c, d0, d1, d2) \
	VMOVAPS   Z18, d0          \
	VPERMI2PS b, a, d0         \
	VPERMPS   c, Z21, K1, d0   \
	VMOVAPS   Z19, d1          \
	VPERMI2PS b, a, d1         \
	VPERMPS   c, Z22, K2, d1   \
	VMOVAPS   Z20, d2          \
	VPERMI2PS b, a, d2         \
	VPERMPS   c, Z23, K3, d2

// IL3 interleaves d0, d1, d2 by 3 into a|b|c (indices Z18-Z23, masks K4-K6).
#define IL3(d0, d1, d2, a, b, c) \
	VMOVAPS   Z18, a           \
	VPERMI2PS d1, d0, a        \
	VPERMPS   d2, Z21, K4, a   \
	VMOVAPS   Z19, b           \
	VPERMI2PS d1, d0, b        \
	VPERMPS   d2, Z22, K5, b   \
	VMOVAPS   Z20, c           \
	VPERMI2PS d1, d0, c        \
	VPERMPS   d2, Z23, K6, c

// func TapT9AVX512(dst *float32, ldd, dk int, src *float32, sk, blocks, n int, tab *int32)
//
// For each of n filters (dst += dk, src += sk floats): blocks of 16
// channels. Block: Z0-Z8 = 144 source floats f (f[9i+t] = channel i, tap
// t). Round 1 de-interleaves each third (Z0-2, Z3-5, Z6-8) by 3:
// s_j = f[3m+j]; round 2 de-interleaves each s_j by 3:
// o_{3a+j}[i] = s_j[3i+a] = f[9i+3a+j]. s_j's thirds live in
// Z(9+3j)..Z(11+3j); o_t ends in Z(t). DI: row 0, R10: row 3, R11: row 6,
// R8 = ldd*4; BX, DX: the filter's dst and src; R12, R13: dk*4, sk*4.
TEXT ·TapT9AVX512(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), BX
	MOVQ ldd+8(FP), R8
	SHLQ $2, R8
	MOVQ dk+16(FP), R12
	SHLQ $2, R12
	MOVQ src+24(FP), DX
	MOVQ sk+32(FP), R13
	SHLQ $2, R13
	MOVQ n+48(FP), R14
	MOVQ tab+56(FP), AX
	VMOVUPS 0(AX), Z18
	VMOVUPS 64(AX), Z19
	VMOVUPS 128(AX), Z20
	VMOVUPS 192(AX), Z21
	VMOVUPS 256(AX), Z22
	VMOVUPS 320(AX), Z23
	KMOVW 768(AX), K1
	KMOVW 772(AX), K2
	KMOVW 776(AX), K3
	LEAQ (R8)(R8*2), R9
	MOVQ blocks+40(FP), CX
	TESTQ CX, CX
	JZ tdone
	TESTQ R14, R14
	JZ tdone

tfilter:
	MOVQ BX, DI
	MOVQ DX, SI
	LEAQ (DI)(R9*1), R10
	LEAQ (R10)(R9*1), R11
	MOVQ blocks+40(FP), CX

tloop:
	VMOVUPS 0(SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VMOVUPS 256(SI), Z4
	VMOVUPS 320(SI), Z5
	VMOVUPS 384(SI), Z6
	VMOVUPS 448(SI), Z7
	VMOVUPS 512(SI), Z8
	DI3(Z0, Z1, Z2, Z9, Z12, Z15)
	DI3(Z3, Z4, Z5, Z10, Z13, Z16)
	DI3(Z6, Z7, Z8, Z11, Z14, Z17)
	DI3(Z9, Z10, Z11, Z0, Z3, Z6)
	DI3(Z12, Z13, Z14, Z1, Z4, Z7)
	DI3(Z15, Z16, Z17, Z2, Z5, Z8)
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, (DI)(R8*1)
	VMOVUPS Z2, (DI)(R8*2)
	VMOVUPS Z3, (R10)
	VMOVUPS Z4, (R10)(R8*1)
	VMOVUPS Z5, (R10)(R8*2)
	VMOVUPS Z6, (R11)
	VMOVUPS Z7, (R11)(R8*1)
	VMOVUPS Z8, (R11)(R8*2)
	ADDQ $576, SI
	ADDQ $64, DI
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ CX
	JNZ tloop
	ADDQ R12, BX
	ADDQ R13, DX
	DECQ R14
	JNZ tfilter

tdone:
	VZEROUPPER
	RET

// func TapAdd9AVX512(dst, src *float32, lds, blocks int, tab *int32)
//
// The rounds of TapT9AVX512 inverted: Z(t) = source row t (16 filters),
// interleaved into s_j (Z9-Z17 as there), then into the 144 floats of
// [filter][tap] order in Z0-Z8, added to dst (dst first) and stored. SI:
// row 0, R10: row 3, R11: row 6, R8 = lds*4.
TEXT ·TapAdd9AVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), R8
	SHLQ $2, R8
	MOVQ blocks+24(FP), CX
	MOVQ tab+32(FP), AX
	VMOVUPS 384(AX), Z18
	VMOVUPS 448(AX), Z19
	VMOVUPS 512(AX), Z20
	VMOVUPS 576(AX), Z21
	VMOVUPS 640(AX), Z22
	VMOVUPS 704(AX), Z23
	KMOVW 780(AX), K4
	KMOVW 784(AX), K5
	KMOVW 788(AX), K6
	LEAQ (R8)(R8*2), R9
	LEAQ (SI)(R9*1), R10
	LEAQ (R10)(R9*1), R11
	TESTQ CX, CX
	JZ adone

aloop:
	VMOVUPS (SI), Z0
	VMOVUPS (SI)(R8*1), Z1
	VMOVUPS (SI)(R8*2), Z2
	VMOVUPS (R10), Z3
	VMOVUPS (R10)(R8*1), Z4
	VMOVUPS (R10)(R8*2), Z5
	VMOVUPS (R11), Z6
	VMOVUPS (R11)(R8*1), Z7
	VMOVUPS (R11)(R8*2), Z8
	IL3(Z0, Z3, Z6, Z9, Z10, Z11)
	IL3(Z1, Z4, Z7, Z12, Z13, Z14)
	IL3(Z2, Z5, Z8, Z15, Z16, Z17)
	IL3(Z9, Z12, Z15, Z0, Z1, Z2)
	IL3(Z10, Z13, Z16, Z3, Z4, Z5)
	IL3(Z11, Z14, Z17, Z6, Z7, Z8)
	VMOVUPS 0(DI), Z24
	VMOVUPS 64(DI), Z25
	VMOVUPS 128(DI), Z26
	VADDPS  Z0, Z24, Z24
	VADDPS  Z1, Z25, Z25
	VADDPS  Z2, Z26, Z26
	VMOVUPS Z24, 0(DI)
	VMOVUPS Z25, 64(DI)
	VMOVUPS Z26, 128(DI)
	VMOVUPS 192(DI), Z27
	VMOVUPS 256(DI), Z28
	VMOVUPS 320(DI), Z29
	VADDPS  Z3, Z27, Z27
	VADDPS  Z4, Z28, Z28
	VADDPS  Z5, Z29, Z29
	VMOVUPS Z27, 192(DI)
	VMOVUPS Z28, 256(DI)
	VMOVUPS Z29, 320(DI)
	VMOVUPS 384(DI), Z24
	VMOVUPS 448(DI), Z25
	VMOVUPS 512(DI), Z26
	VADDPS  Z6, Z24, Z24
	VADDPS  Z7, Z25, Z25
	VADDPS  Z8, Z26, Z26
	VMOVUPS Z24, 384(DI)
	VMOVUPS Z25, 448(DI)
	VMOVUPS Z26, 512(DI)
	ADDQ $576, DI
	ADDQ $64, SI
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ CX
	JNZ aloop

adone:
	VZEROUPPER
	RET
