package main

// F(2x2, 3x3): 4x4 input tiles, 2x2 output blocks. Its transforms have only
// 0, ±1 and ±1/2 entries, so they are written out by hand, in exactly the
// operation order of the Go twins in winograd.go (also written by hand):
//
//	B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//	A^T = [1 1 1 0; 0 1 -1 -1]

// f2Asm is kernels/asm/winograd_amd64.s.
func f2Asm() string {
	var l lines
	asmHeader(&l)
	f2In(&l)
	f2Out(&l)
	f2Filter(&l)
	return l.text()
}

// storeRow4 stores Z(base)..Z(base+3) to four runs lde bytes apart from
// R10 (R11 = 3*lde).
func storeRow4(l *lines, base int) {
	l.op("VMOVUPS Z%d, K1, (R10)", base)
	l.op("VMOVUPS Z%d, K1, (R10)(R8*1)", base+1)
	l.op("VMOVUPS Z%d, K1, (R10)(R8*2)", base+2)
	l.op("VMOVUPS Z%d, K1, (R10)(R11*1)", base+3)
}

// loadRow4 is the load counterpart of storeRow4.
func loadRow4(l *lines, base int) {
	l.op("VMOVUPS (R10), K1, Z%d", base)
	l.op("VMOVUPS (R10)(R8*1), K1, Z%d", base+1)
	l.op("VMOVUPS (R10)(R8*2), K1, Z%d", base+2)
	l.op("VMOVUPS (R10)(R11*1), K1, Z%d", base+3)
}

func f2In(l *lines) {
	l.raw(`// WinoInAVX512: per tile, 16 channel runs d (4x4, row-major, pointers at
// pin) become v[e*lde + ldv*tile + ch] = (B^T d B)[e]; 16 channels per
// step, the last step masked. Same operation order as winoInputGo.
// (Generated code.)

// func WinoInAVX512(pin **float32, nt, c int, v *float32, lde, ldv int)
TEXT ·WinoInAVX512(SB), NOSPLIT, $0-48`)
	l.op("MOVQ pin+0(FP), SI")
	l.op("MOVQ nt+8(FP), CX")
	l.op("MOVQ c+16(FP), DX")
	l.op("MOVQ v+24(FP), DI")
	l.op("MOVQ lde+32(FP), R8")
	l.op("SHLQ $2, R8")
	l.op("MOVQ ldv+40(FP), R9")
	l.op("SHLQ $2, R9")
	l.op("LEAQ (R8)(R8*2), R11")
	l.op("TESTQ CX, CX")
	l.op("JZ inDone")
	l.label("inTile")
	l.op("XORQ BX, BX")  // byte offset into the channel runs
	l.op("MOVQ DX, R13") // channels left
	l.label("inChunk")
	channelMask(l, "in")
	for t := 0; t < 16; t++ {
		l.op("MOVQ %d(SI), AX", 8*t)
		l.op("VMOVUPS (AX)(BX*1), K1, Z%d", t)
	}
	// B^T d, column b: T[a][b] in Z(16+4a+b).
	for b := 0; b < 4; b++ {
		d0, d1, d2, d3 := b, 4+b, 8+b, 12+b
		l.op("VSUBPS Z%d, Z%d, Z%d", d2, d0, 16+b) // d0 - d2
		l.op("VADDPS Z%d, Z%d, Z%d", d2, d1, 20+b) // d1 + d2
		l.op("VSUBPS Z%d, Z%d, Z%d", d1, d2, 24+b) // d2 - d1
		l.op("VSUBPS Z%d, Z%d, Z%d", d3, d1, 28+b) // d1 - d3
	}
	// (B^T d) B, row r, back into Z(4r)..Z(4r+3).
	for r := 0; r < 4; r++ {
		t0, t1, t2, t3 := 16+4*r, 17+4*r, 18+4*r, 19+4*r
		l.op("VSUBPS Z%d, Z%d, Z%d", t2, t0, 4*r)
		l.op("VADDPS Z%d, Z%d, Z%d", t2, t1, 4*r+1)
		l.op("VSUBPS Z%d, Z%d, Z%d", t1, t2, 4*r+2)
		l.op("VSUBPS Z%d, Z%d, Z%d", t3, t1, 4*r+3)
	}
	l.op("LEAQ (DI)(BX*1), R10")
	for q := 0; q < 4; q++ {
		storeRow4(l, 4*q)
		if q < 3 {
			l.op("LEAQ (R10)(R8*4), R10")
		}
	}
	l.op("ADDQ $64, BX")
	l.op("SUBQ $16, R13")
	l.op("JG inChunk")
	l.op("ADDQ $128, SI")
	l.op("ADDQ R9, DI")
	l.op("DECQ CX")
	l.op("JNZ inTile")
	l.label("inDone")
	l.op("VZEROUPPER")
	l.op("RET")
}

func f2Out(l *lines) {
	l.raw(`
// WinoOutAVX512: per tile, M[e] at m + e*lde + ldm*tile (16 channel runs)
// becomes the 2x2 output block A^T M A (+ bias when non-nil) stored to the
// four runs at pout (row-major). Same operation order as winoOutputGo.
// (Generated code.)

// func WinoOutAVX512(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32)
TEXT ·WinoOutAVX512(SB), NOSPLIT, $0-56`)
	l.op("MOVQ m+0(FP), SI")
	l.op("MOVQ lde+8(FP), R8")
	l.op("SHLQ $2, R8")
	l.op("MOVQ ldm+16(FP), R9")
	l.op("SHLQ $2, R9")
	l.op("MOVQ nt+24(FP), CX")
	l.op("MOVQ c+32(FP), DX")
	l.op("MOVQ pout+40(FP), DI")
	l.op("MOVQ bias+48(FP), R12")
	l.op("LEAQ (R8)(R8*2), R11")
	l.op("TESTQ CX, CX")
	l.op("JZ outDone")
	l.label("outTile")
	l.op("XORQ BX, BX")
	l.op("MOVQ DX, R13")
	l.label("outChunk")
	channelMask(l, "out")
	l.op("LEAQ (SI)(BX*1), R10")
	for q := 0; q < 4; q++ {
		loadRow4(l, 4*q)
		if q < 3 {
			l.op("LEAQ (R10)(R8*4), R10")
		}
	}
	// M A, row r: s[0][r] in Z(16+r), s[1][r] in Z(20+r).
	for r := 0; r < 4; r++ {
		m0, m1, m2, m3 := 4*r, 4*r+1, 4*r+2, 4*r+3
		l.op("VADDPS Z%d, Z%d, Z%d", m1, m0, 16+r)   // m0 + m1
		l.op("VADDPS Z%d, Z%d, Z%d", m2, 16+r, 16+r) // + m2
		l.op("VSUBPS Z%d, Z%d, Z%d", m2, m1, 20+r)   // m1 - m2
		l.op("VSUBPS Z%d, Z%d, Z%d", m3, 20+r, 20+r) // - m3
	}
	// A^T (M A): y[b] (row 0) in Z(24+b), y[2+b] (row 1) in Z(26+b).
	for b := 0; b < 2; b++ {
		s := 16 + 4*b
		l.op("VADDPS Z%d, Z%d, Z%d", s+1, s, 24+b)
		l.op("VADDPS Z%d, Z%d, Z%d", s+2, 24+b, 24+b)
		l.op("VSUBPS Z%d, Z%d, Z%d", s+2, s+1, 26+b)
		l.op("VSUBPS Z%d, Z%d, Z%d", s+3, 26+b, 26+b)
	}
	l.op("TESTQ R12, R12")
	l.op("JZ outNoBias")
	l.op("VMOVUPS (R12)(BX*1), K1, Z28")
	for q := 0; q < 4; q++ {
		l.op("VADDPS Z28, Z%d, Z%d", 24+q, 24+q)
	}
	l.label("outNoBias")
	for q := 0; q < 4; q++ {
		l.op("MOVQ %d(DI), AX", 8*q)
		l.op("VMOVUPS Z%d, K1, (AX)(BX*1)", 24+q)
	}
	l.op("ADDQ $64, BX")
	l.op("SUBQ $16, R13")
	l.op("JG outChunk")
	l.op("ADDQ R9, SI")
	l.op("ADDQ $32, DI")
	l.op("DECQ CX")
	l.op("JNZ outTile")
	l.label("outDone")
	l.op("VZEROUPPER")
	l.op("RET")
}

func f2Filter(l *lines) {
	l.raw(`
// WinoFilterAVX512: the filter transform U = G g G^T, 16 filters (columns)
// per step: filter tap t (row-major 3x3) of column j is src[t*ldg+j] (ldg
// may be negative), and U[e] of column j goes to dst[e*lde + (j/32)*ldp +
// j%32] (the micro-kernel's 32-column panels); the last step is masked.
// Same operation order as winoFilter. (Generated code.)

// func WinoFilterAVX512(src *float32, ldg, n int, dst *float32, lde, ldp int)
TEXT ·WinoFilterAVX512(SB), NOSPLIT, $0-48`)
	l.op("MOVQ src+0(FP), SI")
	l.op("MOVQ ldg+8(FP), R9")
	l.op("SHLQ $2, R9")
	l.op("MOVQ n+16(FP), R13")
	l.op("MOVQ dst+24(FP), DI")
	l.op("MOVQ lde+32(FP), R8")
	l.op("SHLQ $2, R8")
	l.op("MOVQ ldp+40(FP), R12")
	l.op("SHLQ $2, R12")
	l.op("LEAQ (R8)(R8*2), R11")
	l.op("MOVL $0x3f000000, AX") // 0.5
	l.op("VPBROADCASTD AX, Z31")
	l.op("XORQ R15, R15") // 0 or 64: which half of the 32-column panel
	l.op("TESTQ R13, R13")
	l.op("JLE fDone")
	l.label("fChunk")
	filterMask(l, "f")
	l.op("MOVQ SI, R10")
	for t := 0; t < 9; t++ {
		l.op("VMOVUPS.Z (R10), K1, Z%d", t)
		if t < 8 {
			l.op("ADDQ R9, R10")
		}
	}
	// G g, column j: Q[1][j] in Z(10+j), Q[2][j] in Z(13+j); rows 0 and
	// 3 of G copy g's rows, so Q[0][j] = Zj and Q[3][j] = Z(6+j).
	for j := 0; j < 3; j++ {
		g0, g1, g2 := j, 3+j, 6+j
		l.op("VADDPS Z%d, Z%d, Z%d", g1, g0, 10+j)
		l.op("VADDPS Z%d, Z%d, Z%d", g2, 10+j, 10+j)
		l.op("VMULPS Z31, Z%d, Z%d", 10+j, 10+j)
		l.op("VSUBPS Z%d, Z%d, Z%d", g1, g0, 13+j)
		l.op("VADDPS Z%d, Z%d, Z%d", g2, 13+j, 13+j)
		l.op("VMULPS Z31, Z%d, Z%d", 13+j, 13+j)
	}
	// (G g) G^T, row by row; columns 1 and 2 go through Z16 and Z17.
	rows := [4][3]int{{0, 1, 2}, {10, 11, 12}, {13, 14, 15}, {6, 7, 8}}
	l.op("LEAQ (DI)(R15*1), R10")
	for i, q := range rows {
		l.op("VADDPS Z%d, Z%d, Z16", q[1], q[0])
		l.op("VADDPS Z%d, Z16, Z16", q[2])
		l.op("VMULPS Z31, Z16, Z16")
		l.op("VSUBPS Z%d, Z%d, Z17", q[1], q[0])
		l.op("VADDPS Z%d, Z17, Z17", q[2])
		l.op("VMULPS Z31, Z17, Z17")
		l.op("VMOVUPS Z%d, K1, (R10)", q[0])
		l.op("VMOVUPS Z16, K1, (R10)(R8*1)")
		l.op("VMOVUPS Z17, K1, (R10)(R8*2)")
		l.op("VMOVUPS Z%d, K1, (R10)(R11*1)", q[2])
		if i < 3 {
			l.op("LEAQ (R10)(R8*4), R10")
		}
	}
	l.op("ADDQ $64, SI")
	l.op("XORQ $64, R15")
	l.op("JNZ fSame")
	l.op("ADDQ R12, DI") // both halves done: next panel
	l.label("fSame")
	l.op("SUBQ $16, R13")
	l.op("JG fChunk")
	l.label("fDone")
	l.op("VZEROUPPER")
	l.op("RET")
}
