//go:build !purego

#include "textflag.h"

// func AddRowsAVX512(dst, src *float32, rows, n, ldd, lds int)
//
// dst[i*ldd+j] += src[i*lds+j] for i < rows, j < n: 16 lanes at a time, the
// last n%16 under a mask (nothing outside the rows is read or written).
// Needs AVX-512F.
TEXT ·AddRowsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+24(FP), DX
	MOVQ ldd+32(FP), R8
	MOVQ lds+40(FP), R9
	SHLQ $2, R8
	SHLQ $2, R9
	MOVQ DX, CX
	ANDQ $15, CX
	MOVL $1, AX
	SHLL CX, AX
	DECL AX
	KMOVW AX, K1
	MOVQ rows+16(FP), CX
	TESTQ CX, CX
	JLE done
	TESTQ DX, DX
	JLE done

row:
	MOVQ DI, R10
	MOVQ SI, R11
	MOVQ DX, R12

full:
	CMPQ R12, $16
	JLT tail
	VMOVUPS (R11), Z0
	VADDPS (R10), Z0, Z0
	VMOVUPS Z0, (R10)
	ADDQ $64, R10
	ADDQ $64, R11
	SUBQ $16, R12
	JMP full

tail:
	TESTQ R12, R12
	JZ next
	VMOVUPS.Z (R11), K1, Z0
	VMOVUPS.Z (R10), K1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (R10)

next:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ CX
	JNZ row

done:
	VZEROUPPER
	RET
