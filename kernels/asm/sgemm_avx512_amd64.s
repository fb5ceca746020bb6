//go:build !purego

#include "textflag.h"

// Sgemm12x32AVX512: C[12x32] += A~*B~ (layout: see kernels/dispatch.go).
// Z0..Z23 hold the tile (row i in Z(2i), Z(2i+1)), Z24/Z25 one row of B~,
// Z26/Z27 alternate as the broadcast of A~[p][i]. Per k step: 2 loads of B~,
// 12 broadcasts, 24 FMAs; k is unrolled by 4, and each unrolled step
// prefetches the three lines of A~ it will need two steps later.
// With kc >= 36 the C tile is prefetched twice: towards L2 (PREFETCHT1) on
// entry, and into L1 32 k steps before the end. When a row of C is a multiple
// of 4 KiB (n = 1024, 2048) its 24 lines share two L1 sets, so lines fetched
// on entry were mostly evicted by the A~/B~ stream before the store
// (measured, one thread, calls alternating with the entry-only version:
// n = 1024 +2-3%, n = 2048 +5%, n = 256 and 512 unchanged).

#define ROW512(ao, t, acc0, acc1) VBROADCASTSS ao(SI), t; VFMADD231PS Z24, t, acc0; VFMADD231PS Z25, t, acc1

#define STEP512(ao, bo) \
	VMOVUPS bo(DI), Z24; \
	VMOVUPS bo+64(DI), Z25; \
	ROW512(ao+0, Z26, Z0, Z1); \
	ROW512(ao+4, Z27, Z2, Z3); \
	ROW512(ao+8, Z26, Z4, Z5); \
	ROW512(ao+12, Z27, Z6, Z7); \
	ROW512(ao+16, Z26, Z8, Z9); \
	ROW512(ao+20, Z27, Z10, Z11); \
	ROW512(ao+24, Z26, Z12, Z13); \
	ROW512(ao+28, Z27, Z14, Z15); \
	ROW512(ao+32, Z26, Z16, Z17); \
	ROW512(ao+36, Z27, Z18, Z19); \
	ROW512(ao+40, Z26, Z20, Z21); \
	ROW512(ao+44, Z27, Z22, Z23)

// ITER512 is four k steps with the A~ prefetches.
#define ITER512 \
	PREFETCHT0 384(SI); \
	STEP512(0, 0); \
	PREFETCHT0 448(SI); \
	STEP512(48, 128); \
	PREFETCHT0 512(SI); \
	STEP512(96, 256); \
	STEP512(144, 384); \
	ADDQ $192, SI; \
	ADDQ $512, DI

// PREFC512(op, lbl) applies the prefetch op to the 24 lines of the C tile at DX
// (row stride R8), looping at lbl (one label per use); clobbers R9, R10.
#define PREFC512(op, lbl) \
	MOVQ DX, R9; \
	MOVQ $12, R10; \
lbl: \
	op (R9); \
	op 64(R9); \
	ADDQ R8, R9; \
	DECQ R10; \
	JNZ lbl

// func Sgemm12x32AVX512(kc int, a, b, c *float32, ldc int)
TEXT ·Sgemm12x32AVX512(SB), NOSPLIT, $0-40
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

	MOVQ CX, BX
	SHRQ $2, BX
	// Short k (kc < 36): C straight into L1, as it is needed soon.
	// Otherwise towards L2 now, and into L1 32 k steps before the end.
	CMPQ BX, $8
	JBE near512
	PREFC512(PREFETCHT1, prefc512)
	SUBQ $8, BX

loop512:
	ITER512
	DECQ BX
	JNZ loop512
	MOVQ $8, BX

near512:
	PREFC512(PREFETCHT0, prefl512)
	TESTQ BX, BX
	JZ tail512

loopn512:
	ITER512
	DECQ BX
	JNZ loopn512

tail512:
	ANDQ $3, CX
	JZ store512

loop512t:
	STEP512(0, 0)
	ADDQ $48, SI
	ADDQ $128, DI
	DECQ CX
	JNZ loop512t

store512:
	VADDPS (DX), Z0, Z0
	VMOVUPS Z0, (DX)
	VADDPS 64(DX), Z1, Z1
	VMOVUPS Z1, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z2, Z2
	VMOVUPS Z2, (DX)
	VADDPS 64(DX), Z3, Z3
	VMOVUPS Z3, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z4, Z4
	VMOVUPS Z4, (DX)
	VADDPS 64(DX), Z5, Z5
	VMOVUPS Z5, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z6, Z6
	VMOVUPS Z6, (DX)
	VADDPS 64(DX), Z7, Z7
	VMOVUPS Z7, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z8, Z8
	VMOVUPS Z8, (DX)
	VADDPS 64(DX), Z9, Z9
	VMOVUPS Z9, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z10, Z10
	VMOVUPS Z10, (DX)
	VADDPS 64(DX), Z11, Z11
	VMOVUPS Z11, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z12, Z12
	VMOVUPS Z12, (DX)
	VADDPS 64(DX), Z13, Z13
	VMOVUPS Z13, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z14, Z14
	VMOVUPS Z14, (DX)
	VADDPS 64(DX), Z15, Z15
	VMOVUPS Z15, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z16, Z16
	VMOVUPS Z16, (DX)
	VADDPS 64(DX), Z17, Z17
	VMOVUPS Z17, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z18, Z18
	VMOVUPS Z18, (DX)
	VADDPS 64(DX), Z19, Z19
	VMOVUPS Z19, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z20, Z20
	VMOVUPS Z20, (DX)
	VADDPS 64(DX), Z21, Z21
	VMOVUPS Z21, 64(DX)
	ADDQ R8, DX
	VADDPS (DX), Z22, Z22
	VMOVUPS Z22, (DX)
	VADDPS 64(DX), Z23, Z23
	VMOVUPS Z23, 64(DX)
	VZEROUPPER
	RET

// Sgemm12x32AVX512Set is Sgemm12x32AVX512 that overwrites C (C = A~*B~) and never reads it.
// func Sgemm12x32AVX512Set(kc int, a, b, c *float32, ldc int)
TEXT ·Sgemm12x32AVX512Set(SB), NOSPLIT, $0-40
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23

	MOVQ CX, BX
	SHRQ $2, BX
	// Short k (kc < 36): C straight into L1, as it is needed soon.
	// Otherwise towards L2 now, and into L1 32 k steps before the end.
	CMPQ BX, $8
	JBE near512s
	PREFC512(PREFETCHT1, prefc512s)
	SUBQ $8, BX

loop512s:
	ITER512
	DECQ BX
	JNZ loop512s
	MOVQ $8, BX

near512s:
	PREFC512(PREFETCHT0, prefl512s)
	TESTQ BX, BX
	JZ tail512s

loopn512s:
	ITER512
	DECQ BX
	JNZ loopn512s

tail512s:
	ANDQ $3, CX
	JZ store512s

loop512ts:
	STEP512(0, 0)
	ADDQ $48, SI
	ADDQ $128, DI
	DECQ CX
	JNZ loop512ts

store512s:
	VMOVUPS Z0, (DX)
	VMOVUPS Z1, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z2, (DX)
	VMOVUPS Z3, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z4, (DX)
	VMOVUPS Z5, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z6, (DX)
	VMOVUPS Z7, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z8, (DX)
	VMOVUPS Z9, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z10, (DX)
	VMOVUPS Z11, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z12, (DX)
	VMOVUPS Z13, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z14, (DX)
	VMOVUPS Z15, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z16, (DX)
	VMOVUPS Z17, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z18, (DX)
	VMOVUPS Z19, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z20, (DX)
	VMOVUPS Z21, 64(DX)
	ADDQ R8, DX
	VMOVUPS Z22, (DX)
	VMOVUPS Z23, 64(DX)
	VZEROUPPER
	RET
