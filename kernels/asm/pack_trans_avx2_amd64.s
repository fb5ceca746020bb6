//go:build !purego

#include "textflag.h"

// func PackTransAVX2(dst, src *float32, ld, k, rows, w int, alpha float32)
//
// dst[p*w+i] = alpha*src[i*ld+p] for p < k and i < 8, where rows i >= rows
// read as zero (and are never touched). Stores 8 floats per p, so for w < 8
// it writes up to 8-w floats past dst[k*w-1]. Works on 8x8 blocks: masked
// row loads, unpck ps/pd and VPERM2F128 transpose, 8 stores. Needs AVX2.
// Stores go in increasing p so each one's overrun is overwritten in turn.
// Registers: Y0-Y7 rows, Y8-Y11 temporaries, Y12 load mask, Y15 alpha;
// SI and R10 point at rows 0 and 4; DX = ld*4, R9 = 3*ld*4; BX = w*4;
// CX = columns left.
TEXT ·PackTransAVX2(SB), NOSPLIT, $0-52
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), DX
	SHLQ $2, DX
	MOVQ k+24(FP), CX
	MOVQ rows+32(FP), AX
	MOVQ w+40(FP), BX
	SHLQ $2, BX
	VBROADCASTSS alpha+48(FP), Y15
	LEAQ (DX)(DX*2), R9
	LEAQ (SI)(DX*4), R10
	VPCMPEQD Y12, Y12, Y12
	TESTQ CX, CX
	JZ done

chunk:
	CMPQ CX, $8
	JGE full
	// last chunk: load only CX columns
	MOVQ CX, X13
	VPBROADCASTD X13, Y13
	VMOVDQU iotaT<>+0(SB), Y14
	VPCMPGTD Y14, Y13, Y12

full:
	// two chunks ahead in every row (prefetches never fault)
	PREFETCHT0 64(SI)
	PREFETCHT0 64(SI)(DX*1)
	PREFETCHT0 64(SI)(DX*2)
	PREFETCHT0 64(SI)(R9*1)
	PREFETCHT0 64(R10)
	PREFETCHT0 64(R10)(DX*1)
	PREFETCHT0 64(R10)(DX*2)
	PREFETCHT0 64(R10)(R9*1)

	VMASKMOVPS (SI), Y12, Y0
	CMPQ AX, $1
	JLE zero1
	VMASKMOVPS (SI)(DX*1), Y12, Y1
	CMPQ AX, $2
	JLE zero2
	VMASKMOVPS (SI)(DX*2), Y12, Y2
	CMPQ AX, $3
	JLE zero3
	VMASKMOVPS (SI)(R9*1), Y12, Y3
	CMPQ AX, $4
	JLE zero4
	VMASKMOVPS (R10), Y12, Y4
	CMPQ AX, $5
	JLE zero5
	VMASKMOVPS (R10)(DX*1), Y12, Y5
	CMPQ AX, $6
	JLE zero6
	VMASKMOVPS (R10)(DX*2), Y12, Y6
	CMPQ AX, $7
	JLE zero7
	VMASKMOVPS (R10)(R9*1), Y12, Y7
	JMP loaded
zero1:
	VXORPS Y1, Y1, Y1
zero2:
	VXORPS Y2, Y2, Y2
zero3:
	VXORPS Y3, Y3, Y3
zero4:
	VXORPS Y4, Y4, Y4
zero5:
	VXORPS Y5, Y5, Y5
zero6:
	VXORPS Y6, Y6, Y6
zero7:
	VXORPS Y7, Y7, Y7

loaded:
	// rows 4g..4g+3 -> u(g,c) in Y(4g+c): 128-bit lane l holds column 4l+c
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPD Y10, Y8, Y0
	VUNPCKHPD Y10, Y8, Y1
	VUNPCKLPD Y11, Y9, Y2
	VUNPCKHPD Y11, Y9, Y3
	VUNPCKLPS Y5, Y4, Y8
	VUNPCKHPS Y5, Y4, Y9
	VUNPCKLPS Y7, Y6, Y10
	VUNPCKHPS Y7, Y6, Y11
	VUNPCKLPD Y10, Y8, Y4
	VUNPCKHPD Y10, Y8, Y5
	VUNPCKLPD Y11, Y9, Y6
	VUNPCKHPD Y11, Y9, Y7
	CMPQ CX, $8
	JLT partial
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VMULPS Y15, Y8, Y8
	VMULPS Y15, Y9, Y9
	VMULPS Y15, Y10, Y10
	VMULPS Y15, Y11, Y11
	MOVQ $0, R13
	IMULQ BX, R13
	VMOVUPS Y8, (DI)(R13*1)
	MOVQ $1, R13
	IMULQ BX, R13
	VMOVUPS Y9, (DI)(R13*1)
	MOVQ $2, R13
	IMULQ BX, R13
	VMOVUPS Y10, (DI)(R13*1)
	MOVQ $3, R13
	IMULQ BX, R13
	VMOVUPS Y11, (DI)(R13*1)
	VPERM2F128 $0x31, Y4, Y0, Y8
	VPERM2F128 $0x31, Y5, Y1, Y9
	VPERM2F128 $0x31, Y6, Y2, Y10
	VPERM2F128 $0x31, Y7, Y3, Y11
	VMULPS Y15, Y8, Y8
	VMULPS Y15, Y9, Y9
	VMULPS Y15, Y10, Y10
	VMULPS Y15, Y11, Y11
	MOVQ $4, R13
	IMULQ BX, R13
	VMOVUPS Y8, (DI)(R13*1)
	MOVQ $5, R13
	IMULQ BX, R13
	VMOVUPS Y9, (DI)(R13*1)
	MOVQ $6, R13
	IMULQ BX, R13
	VMOVUPS Y10, (DI)(R13*1)
	MOVQ $7, R13
	IMULQ BX, R13
	VMOVUPS Y11, (DI)(R13*1)
	LEAQ (DI)(BX*8), DI
	ADDQ $32, SI
	ADDQ $32, R10
	SUBQ $8, CX
	JNZ chunk
	JMP done

partial:
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VMULPS Y15, Y8, Y8
	VMULPS Y15, Y9, Y9
	VMULPS Y15, Y10, Y10
	VMULPS Y15, Y11, Y11
	CMPQ CX, $0
	JLE skip0
	MOVQ $0, R13
	IMULQ BX, R13
	VMOVUPS Y8, (DI)(R13*1)
skip0:
	CMPQ CX, $1
	JLE skip1
	MOVQ $1, R13
	IMULQ BX, R13
	VMOVUPS Y9, (DI)(R13*1)
skip1:
	CMPQ CX, $2
	JLE skip2
	MOVQ $2, R13
	IMULQ BX, R13
	VMOVUPS Y10, (DI)(R13*1)
skip2:
	CMPQ CX, $3
	JLE skip3
	MOVQ $3, R13
	IMULQ BX, R13
	VMOVUPS Y11, (DI)(R13*1)
skip3:
	VPERM2F128 $0x31, Y4, Y0, Y8
	VPERM2F128 $0x31, Y5, Y1, Y9
	VPERM2F128 $0x31, Y6, Y2, Y10
	VPERM2F128 $0x31, Y7, Y3, Y11
	VMULPS Y15, Y8, Y8
	VMULPS Y15, Y9, Y9
	VMULPS Y15, Y10, Y10
	VMULPS Y15, Y11, Y11
	CMPQ CX, $4
	JLE skip4
	MOVQ $4, R13
	IMULQ BX, R13
	VMOVUPS Y8, (DI)(R13*1)
skip4:
	CMPQ CX, $5
	JLE skip5
	MOVQ $5, R13
	IMULQ BX, R13
	VMOVUPS Y9, (DI)(R13*1)
skip5:
	CMPQ CX, $6
	JLE skip6
	MOVQ $6, R13
	IMULQ BX, R13
	VMOVUPS Y10, (DI)(R13*1)
skip6:
	CMPQ CX, $7
	JLE skip7
	MOVQ $7, R13
	IMULQ BX, R13
	VMOVUPS Y11, (DI)(R13*1)
skip7:

done:
	VZEROUPPER
	RET

DATA iotaT<>+0(SB)/4, $0
DATA iotaT<>+4(SB)/4, $1
DATA iotaT<>+8(SB)/4, $2
DATA iotaT<>+12(SB)/4, $3
DATA iotaT<>+16(SB)/4, $4
DATA iotaT<>+20(SB)/4, $5
DATA iotaT<>+24(SB)/4, $6
DATA iotaT<>+28(SB)/4, $7
GLOBL iotaT<>(SB), RODATA|NOPTR, $32
