//go:build !purego

#include "textflag.h"

// Packing routines for the GEMM driver. Each fills k rows of w floats at dst
// (dst[p*w+j]) from a source block, scaled by alpha, zero-padding lanes
// cols/rows..w-1:
//   PackCopy*:   dst[p*w+j] = alpha*src[p*ld+j], j < cols   (contiguous runs)
//   PackGather*: dst[p*w+i] = alpha*src[i*ld+p], i < rows   (a transpose)
// Masked loads never touch memory outside the block. The AVX-512 routines
// store exactly w floats per row; the AVX2 ones store whole 8-float vectors
// and so may write up to 7 floats past dst[k*w-1] (the driver leaves room).

DATA iota<>+0(SB)/4, $0
DATA iota<>+4(SB)/4, $1
DATA iota<>+8(SB)/4, $2
DATA iota<>+12(SB)/4, $3
DATA iota<>+16(SB)/4, $4
DATA iota<>+20(SB)/4, $5
DATA iota<>+24(SB)/4, $6
DATA iota<>+28(SB)/4, $7
DATA iota<>+32(SB)/4, $8
DATA iota<>+36(SB)/4, $9
DATA iota<>+40(SB)/4, $10
DATA iota<>+44(SB)/4, $11
DATA iota<>+48(SB)/4, $12
DATA iota<>+52(SB)/4, $13
DATA iota<>+56(SB)/4, $14
DATA iota<>+60(SB)/4, $15
DATA iota<>+64(SB)/4, $16
DATA iota<>+68(SB)/4, $17
DATA iota<>+72(SB)/4, $18
DATA iota<>+76(SB)/4, $19
DATA iota<>+80(SB)/4, $20
DATA iota<>+84(SB)/4, $21
DATA iota<>+88(SB)/4, $22
DATA iota<>+92(SB)/4, $23
DATA iota<>+96(SB)/4, $24
DATA iota<>+100(SB)/4, $25
DATA iota<>+104(SB)/4, $26
DATA iota<>+108(SB)/4, $27
DATA iota<>+112(SB)/4, $28
DATA iota<>+116(SB)/4, $29
DATA iota<>+120(SB)/4, $30
DATA iota<>+124(SB)/4, $31
GLOBL iota<>(SB), RODATA|NOPTR, $128

// LANEMASK sets mask register km to the lanes [0, clamp(x-base, 0, 16)).
// Clobbers CX, R12, R13.
#define LANEMASK(x, base, km) \
	MOVQ x, CX; \
	SUBQ $base, CX; \
	XORQ R12, R12; \
	CMPQ CX, R12; \
	CMOVQLT R12, CX; \
	MOVQ $16, R12; \
	CMPQ CX, R12; \
	CMOVQGT R12, CX; \
	MOVL $1, R13; \
	SHLL CX, R13; \
	DECL R13; \
	KMOVW R13, km

// func PackCopyAVX512(dst, src *float32, ld, k, cols, w int, alpha float32)
// Needs AVX-512F; w <= 32.
TEXT ·PackCopyAVX512(SB), NOSPLIT, $0-52
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ k+24(FP), R11
	MOVQ cols+32(FP), AX
	MOVQ w+40(FP), BX
	VBROADCASTSS alpha+48(FP), Z31
	LEAQ (R8*4), R9 // prefetch distance: 4 rows (rows are often a page apart)
	LANEMASK(AX, 0, K1)
	LANEMASK(AX, 16, K2)
	LANEMASK(BX, 0, K3)
	LANEMASK(BX, 16, K4)
	MOVQ BX, R10
	SHLQ $2, R10
	TESTQ R11, R11
	JZ copy512done
	CMPQ BX, $16
	JGT copy512two

copy512one:
	PREFETCHT0 (SI)(R9*1)
	VMOVUPS.Z (SI), K1, Z0
	VMULPS Z31, Z0, Z0
	VMOVUPS Z0, K3, (DI)
	ADDQ R8, SI
	ADDQ R10, DI
	DECQ R11
	JNZ copy512one
	JMP copy512done

copy512two:
	PREFETCHT0 (SI)(R9*1)
	PREFETCHT0 64(SI)(R9*1)
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMULPS Z31, Z0, Z0
	VMULPS Z31, Z1, Z1
	VMOVUPS Z0, K3, (DI)
	VMOVUPS Z1, K4, 64(DI)
	ADDQ R8, SI
	ADDQ R10, DI
	DECQ R11
	JNZ copy512two

copy512done:
	VZEROUPPER
	RET

// func PackGatherAVX512(dst, src *float32, ld, k, rows, w int, alpha float32)
// Needs AVX-512F; w <= 32 and 32*ld < 2^31.
TEXT ·PackGatherAVX512(SB), NOSPLIT, $0-52
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ k+24(FP), R11
	MOVQ rows+32(FP), AX
	MOVQ w+40(FP), BX
	VBROADCASTSS alpha+48(FP), Z31
	VPBROADCASTD R8, Z6
	VPMULLD iota<>+0(SB), Z6, Z4
	VPMULLD iota<>+64(SB), Z6, Z5
	LANEMASK(AX, 0, K1)
	LANEMASK(AX, 16, K2)
	LANEMASK(BX, 0, K3)
	LANEMASK(BX, 16, K4)
	MOVQ BX, R10
	SHLQ $2, R10
	TESTQ R11, R11
	JZ gather512done
	CMPQ BX, $16
	JGT gather512two

gather512one:
	VPXORD Z0, Z0, Z0
	KMOVW K1, K5
	VGATHERDPS (SI)(Z4*4), K5, Z0
	VMULPS Z31, Z0, Z0
	VMOVUPS Z0, K3, (DI)
	ADDQ $4, SI
	ADDQ R10, DI
	DECQ R11
	JNZ gather512one
	JMP gather512done

gather512two:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	KMOVW K1, K5
	KMOVW K2, K6
	VGATHERDPS (SI)(Z4*4), K5, Z0
	VGATHERDPS (SI)(Z5*4), K6, Z1
	VMULPS Z31, Z0, Z0
	VMULPS Z31, Z1, Z1
	VMOVUPS Z0, K3, (DI)
	VMOVUPS Z1, K4, 64(DI)
	ADDQ $4, SI
	ADDQ R10, DI
	DECQ R11
	JNZ gather512two

gather512done:
	VZEROUPPER
	RET

// func PackCopyAVX2(dst, src *float32, ld, k, cols, w int, alpha float32)
// Needs AVX2; w <= 16.
TEXT ·PackCopyAVX2(SB), NOSPLIT, $0-52
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ k+24(FP), R11
	MOVQ cols+32(FP), AX
	MOVQ w+40(FP), BX
	VBROADCASTSS alpha+48(FP), Y15
	LEAQ (R8*4), R9
	MOVQ AX, X8
	VPBROADCASTD X8, Y8
	VMOVDQU iota<>+0(SB), Y9
	VPCMPGTD Y9, Y8, Y10
	VMOVDQU iota<>+32(SB), Y9
	VPCMPGTD Y9, Y8, Y11
	MOVQ BX, R10
	SHLQ $2, R10
	TESTQ R11, R11
	JZ copy256done
	CMPQ BX, $8
	JGT copy256two

copy256one:
	PREFETCHT0 (SI)(R9*1)
	VMASKMOVPS (SI), Y10, Y0
	VMULPS Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ R8, SI
	ADDQ R10, DI
	DECQ R11
	JNZ copy256one
	JMP copy256done

copy256two:
	PREFETCHT0 (SI)(R9*1)
	VMASKMOVPS (SI), Y10, Y0
	VMASKMOVPS 32(SI), Y11, Y1
	VMULPS Y15, Y0, Y0
	VMULPS Y15, Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ R8, SI
	ADDQ R10, DI
	DECQ R11
	JNZ copy256two

copy256done:
	VZEROUPPER
	RET

// func PackGatherAVX2(dst, src *float32, ld, k, rows, w int, alpha float32)
// Needs AVX2; w <= 16 and 16*ld < 2^31.
TEXT ·PackGatherAVX2(SB), NOSPLIT, $0-52
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	MOVQ k+24(FP), R11
	MOVQ rows+32(FP), AX
	MOVQ w+40(FP), BX
	VBROADCASTSS alpha+48(FP), Y15
	MOVQ R8, X6
	VPBROADCASTD X6, Y6
	VPMULLD iota<>+0(SB), Y6, Y4
	VPMULLD iota<>+32(SB), Y6, Y5
	MOVQ AX, X8
	VPBROADCASTD X8, Y8
	VMOVDQU iota<>+0(SB), Y9
	VPCMPGTD Y9, Y8, Y10
	VMOVDQU iota<>+32(SB), Y9
	VPCMPGTD Y9, Y8, Y11
	MOVQ BX, R10
	SHLQ $2, R10
	TESTQ R11, R11
	JZ gather256done
	CMPQ BX, $8
	JGT gather256two

gather256one:
	VXORPS Y0, Y0, Y0
	VMOVDQU Y10, Y2
	VGATHERDPS Y2, (SI)(Y4*4), Y0
	VMULPS Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $4, SI
	ADDQ R10, DI
	DECQ R11
	JNZ gather256one
	JMP gather256done

gather256two:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VMOVDQU Y10, Y2
	VMOVDQU Y11, Y3
	VGATHERDPS Y2, (SI)(Y4*4), Y0
	VGATHERDPS Y3, (SI)(Y5*4), Y1
	VMULPS Y15, Y0, Y0
	VMULPS Y15, Y1, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ $4, SI
	ADDQ R10, DI
	DECQ R11
	JNZ gather256two

gather256done:
	VZEROUPPER
	RET
