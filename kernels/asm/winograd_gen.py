#!/usr/bin/env python3
# Generates the Winograd transforms' assembly and the F(3x3, 3x3) Go twins.
# Run: python3 kernels/asm/winograd_gen.py && gofmt -w kernels/winograd5.go
# Writes kernels/asm/winograd_amd64.s (F(2x2, 3x3) input, output and filter
# transforms; their Go twins in winograd.go are written by hand in the same
# operation order), kernels/asm/winograd5_amd64.s and kernels/winograd5.go
# (F(3x3, 3x3), both from the same term lists). A development tool: the
# build does not run it.
import os, struct
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# ---- F(2x2, 3x3) input and output transforms
L = []
def e(s): L.append("\t" + s)
def lab(s): L.append(s + ":")

L.append("//go:build !purego\n\n#include \"textflag.h\"\n")
L.append("""// WinoInAVX512: per tile, 16 channel runs d (4x4, row-major, pointers at
// pin) become v[e*lde + ldv*tile + ch] = (B^T d B)[e]; 16 channels per
// step, the last step masked. Same operation order as winoInputGo.
// (Generated code.)

// func WinoInAVX512(pin **float32, nt, c int, v *float32, lde, ldv int)
TEXT ·WinoInAVX512(SB), NOSPLIT, $0-48""")
e("MOVQ pin+0(FP), SI")
e("MOVQ nt+8(FP), CX")
e("MOVQ c+16(FP), DX")
e("MOVQ v+24(FP), DI")
e("MOVQ lde+32(FP), R8")
e("SHLQ $2, R8")
e("MOVQ ldv+40(FP), R9")
e("SHLQ $2, R9")
e("LEAQ (R8)(R8*2), R11")
e("TESTQ CX, CX")
e("JZ inDone")
lab("inTile")
e("XORQ BX, BX")          # byte offset
e("MOVQ DX, R13")         # channels left
lab("inChunk")
e("MOVQ $0xffff, R14")
e("CMPQ R13, $16")
e("JGE inFull")
e("MOVQ $1, R14")
e("MOVQ R13, CX_SAVE".replace("CX_SAVE", "R15"))  # placeholder, fixed below
L.pop()
# compute mask = (1<<R13)-1 using SHLXQ? use loop-free: BZHI not guaranteed; use shift with CL
e("MOVQ CX, R15")
e("MOVQ R13, CX")
e("SHLQ CX, R14")
e("DECQ R14")
e("MOVQ R15, CX")
lab("inFull")
e("KMOVW R14, K1")
for t in range(16):
    e("MOVQ %d(SI), AX" % (8*t))
    e("VMOVUPS (AX)(BX*1), K1, Z%d" % t)
# columns: T[a][b] in Z16+a*4+b
for b in range(4):
    d0, d1, d2, d3 = b, 4+b, 8+b, 12+b
    e("VSUBPS Z%d, Z%d, Z%d" % (d2, d0, 16+b))      # d0 - d2
    e("VADDPS Z%d, Z%d, Z%d" % (d2, d1, 20+b))      # d1 + d2
    e("VSUBPS Z%d, Z%d, Z%d" % (d1, d2, 24+b))      # d2 - d1
    e("VSUBPS Z%d, Z%d, Z%d" % (d3, d1, 28+b))      # d1 - d3
for r in range(4):
    t0, t1, t2, t3 = 16+r*4, 17+r*4, 18+r*4, 19+r*4
    e("VSUBPS Z%d, Z%d, Z%d" % (t2, t0, r*4+0))
    e("VADDPS Z%d, Z%d, Z%d" % (t2, t1, r*4+1))
    e("VSUBPS Z%d, Z%d, Z%d" % (t1, t2, r*4+2))
    e("VSUBPS Z%d, Z%d, Z%d" % (t3, t1, r*4+3))
e("LEAQ (DI)(BX*1), R10")
for q in range(4):
    e("VMOVUPS Z%d, K1, (R10)" % (q*4+0))
    e("VMOVUPS Z%d, K1, (R10)(R8*1)" % (q*4+1))
    e("VMOVUPS Z%d, K1, (R10)(R8*2)" % (q*4+2))
    e("VMOVUPS Z%d, K1, (R10)(R11*1)" % (q*4+3))
    if q < 3:
        e("LEAQ (R10)(R8*4), R10")
e("ADDQ $64, BX")
e("SUBQ $16, R13")
e("JG inChunk")
e("ADDQ $128, SI")
e("ADDQ R9, DI")
e("DECQ CX")
e("JNZ inTile")
lab("inDone")
e("VZEROUPPER")
e("RET")

L.append("""
// WinoOutAVX512: per tile, M[e] at m + e*lde + ldm*tile (16 channel runs)
// becomes the 2x2 output block A^T M A (+ bias when non-nil) stored to the
// four runs at pout (row-major). Same operation order as winoOutputGo.
// (Generated code.)

// func WinoOutAVX512(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32)
TEXT ·WinoOutAVX512(SB), NOSPLIT, $0-56""")
e("MOVQ m+0(FP), SI")
e("MOVQ lde+8(FP), R8")
e("SHLQ $2, R8")
e("MOVQ ldm+16(FP), R9")
e("SHLQ $2, R9")
e("MOVQ nt+24(FP), CX")
e("MOVQ c+32(FP), DX")
e("MOVQ pout+40(FP), DI")
e("MOVQ bias+48(FP), R12")
e("LEAQ (R8)(R8*2), R11")
e("TESTQ CX, CX")
e("JZ outDone")
lab("outTile")
e("XORQ BX, BX")
e("MOVQ DX, R13")
lab("outChunk")
e("MOVQ $0xffff, R14")
e("CMPQ R13, $16")
e("JGE outFull")
e("MOVQ $1, R14")
e("MOVQ CX, R15")
e("MOVQ R13, CX")
e("SHLQ CX, R14")
e("DECQ R14")
e("MOVQ R15, CX")
lab("outFull")
e("KMOVW R14, K1")
e("LEAQ (SI)(BX*1), R10")
for q in range(4):
    e("VMOVUPS (R10), K1, Z%d" % (q*4+0))
    e("VMOVUPS (R10)(R8*1), K1, Z%d" % (q*4+1))
    e("VMOVUPS (R10)(R8*2), K1, Z%d" % (q*4+2))
    e("VMOVUPS (R10)(R11*1), K1, Z%d" % (q*4+3))
    if q < 3:
        e("LEAQ (R10)(R8*4), R10")
# s[0][r] in Z16+r, s[1][r] in Z20+r
for r in range(4):
    m0, m1, m2, m3 = r*4, r*4+1, r*4+2, r*4+3
    e("VADDPS Z%d, Z%d, Z%d" % (m1, m0, 16+r))   # m0 + m1
    e("VADDPS Z%d, Z%d, Z%d" % (m2, 16+r, 16+r)) # + m2
    e("VSUBPS Z%d, Z%d, Z%d" % (m2, m1, 20+r))   # m1 - m2
    e("VSUBPS Z%d, Z%d, Z%d" % (m3, 20+r, 20+r)) # - m3
# y[b] (row 0 col b) in Z24+b, y[2+b] in Z26+b
for b in range(2):
    s = 16 + 4*b
    e("VADDPS Z%d, Z%d, Z%d" % (s+1, s, 24+b))
    e("VADDPS Z%d, Z%d, Z%d" % (s+2, 24+b, 24+b))
    e("VSUBPS Z%d, Z%d, Z%d" % (s+2, s+1, 26+b))
    e("VSUBPS Z%d, Z%d, Z%d" % (s+3, 26+b, 26+b))
e("TESTQ R12, R12")
e("JZ outNoBias")
e("VMOVUPS (R12)(BX*1), K1, Z28")
for q in range(4):
    e("VADDPS Z28, Z%d, Z%d" % (24+q, 24+q))
lab("outNoBias")
for q in range(4):
    e("MOVQ %d(DI), AX" % (8*q))
    e("VMOVUPS Z%d, K1, (AX)(BX*1)" % (24+q))
e("ADDQ $64, BX")
e("SUBQ $16, R13")
e("JG outChunk")
e("ADDQ R9, SI")
e("ADDQ $32, DI")
e("DECQ CX")
e("JNZ outTile")
lab("outDone")
e("VZEROUPPER")
e("RET")
f2_in_out = "\n".join(L)

# ---- F(2x2, 3x3) filter transform
L = []
def e(s): L.append("\t" + s)
def lab(s): L.append(s + ":")
L.append("""
// WinoFilterAVX512: the filter transform U = G g G^T, 16 filters (columns)
// per step: filter tap t (row-major 3x3) of column j is src[t*ldg+j] (ldg
// may be negative), and U[e] of column j goes to dst[e*lde + (j/32)*ldp +
// j%32] (the micro-kernel's 32-column panels); the last step is masked.
// Same operation order as winoFilter. (Generated code.)

// func WinoFilterAVX512(src *float32, ldg, n int, dst *float32, lde, ldp int)
TEXT ·WinoFilterAVX512(SB), NOSPLIT, $0-48""")
e("MOVQ src+0(FP), SI")
e("MOVQ ldg+8(FP), R9")
e("SHLQ $2, R9")
e("MOVQ n+16(FP), R13")
e("MOVQ dst+24(FP), DI")
e("MOVQ lde+32(FP), R8")
e("SHLQ $2, R8")
e("MOVQ ldp+40(FP), R12")
e("SHLQ $2, R12")
e("LEAQ (R8)(R8*2), R11")
e("MOVL $0x3f000000, AX")
e("VPBROADCASTD AX, Z31")
e("XORQ R15, R15")      # 0 or 64: half of the panel
e("TESTQ R13, R13")
e("JLE fDone")
lab("fChunk")
e("MOVQ $0xffff, R14")
e("CMPQ R13, $16")
e("JGE fFull")
e("MOVQ $1, R14")
e("MOVQ R13, CX")
e("SHLQ CX, R14")
e("DECQ R14")
lab("fFull")
e("KMOVW R14, K1")
e("MOVQ SI, R10")
for t in range(9):
    e("VMOVUPS.Z (R10), K1, Z%d" % t)
    if t < 8:
        e("ADDQ R9, R10")
# Q[1][j] in Z10+j, Q[2][j] in Z13+j; Q[0][j] = Zj, Q[3][j] = Z6+j
for j in range(3):
    g0, g1, g2 = j, 3+j, 6+j
    e("VADDPS Z%d, Z%d, Z%d" % (g1, g0, 10+j))
    e("VADDPS Z%d, Z%d, Z%d" % (g2, 10+j, 10+j))
    e("VMULPS Z31, Z%d, Z%d" % (10+j, 10+j))
    e("VSUBPS Z%d, Z%d, Z%d" % (g1, g0, 13+j))
    e("VADDPS Z%d, Z%d, Z%d" % (g2, 13+j, 13+j))
    e("VMULPS Z31, Z%d, Z%d" % (13+j, 13+j))
rows = [(0,1,2), (10,11,12), (13,14,15), (6,7,8)]
e("LEAQ (DI)(R15*1), R10")
for i, (q0, q1, q2) in enumerate(rows):
    e("VADDPS Z%d, Z%d, Z16" % (q1, q0))
    e("VADDPS Z%d, Z16, Z16" % q2)
    e("VMULPS Z31, Z16, Z16")
    e("VSUBPS Z%d, Z%d, Z17" % (q1, q0))
    e("VADDPS Z%d, Z17, Z17" % q2)
    e("VMULPS Z31, Z17, Z17")
    e("VMOVUPS Z%d, K1, (R10)" % q0)
    e("VMOVUPS Z16, K1, (R10)(R8*1)")
    e("VMOVUPS Z17, K1, (R10)(R8*2)")
    e("VMOVUPS Z%d, K1, (R10)(R11*1)" % q2)
    if i < 3:
        e("LEAQ (R10)(R8*4), R10")
e("ADDQ $64, SI")
e("XORQ $64, R15")
e("JNZ fSame")
e("ADDQ R12, DI")
lab("fSame")
e("SUBQ $16, R13")
e("JG fChunk")
lab("fDone")
e("VZEROUPPER")
e("RET")
f2_filter = "\n".join(L)

# ---- F(3x3, 3x3) (points 0, 1, -1, 2, infinity): assembly and Go twins
from fractions import Fraction as F
AT = [[1,1,1,1,0],[0,1,-1,2,0],[0,1,1,4,1]]
G  = [[F(1,2),0,0],[F(1,2),F(1,2),F(1,2)],[F(1,6),F(-1,6),F(1,6)],[F(1,6),F(1,3),F(2,3)],[0,0,1]]
BT = [[2,-1,-2,1,0],[0,2,1,-1,0],[0,-2,3,-1,0],[0,-1,0,1,0],[0,2,-1,-2,1]]
AT=[[F(x) for x in r] for r in AT]; G=[[F(x) for x in r] for r in G]; BT=[[F(x) for x in r] for r in BT]

def f32bits(fr):
    # round-to-nearest float32 of an exact fraction (via double is exact enough for these)
    return struct.unpack('<I', struct.pack('<f', float(fr)))[0]
consts = {}
def cidx(fr):
    b = f32bits(fr)
    if b not in consts: consts[b] = len(consts)
    return consts[b]

def terms(row):
    t = [(c, i) for i, c in enumerate(row) if c != 0]
    for k, (c, i) in enumerate(t):
        if c == 1:
            return [t[k]] + t[:k] + t[k+1:]
    return t

def go_expr(row, names):
    t = terms(row); s = ""
    for k, (c, i) in enumerate(t):
        x = names[i]
        if k == 0:
            s = x if c == 1 else "float32(%s*%s)" % (gconst(c), x)
            continue
        if c == 1: s = "%s + %s" % (s, x) if k == 1 else "(%s) + %s" % (s, x)
        elif c == -1: s = "%s - %s" % (s, x) if k == 1 else "(%s) - %s" % (s, x)
        else: s = ("%s + float32(%s*%s)" if k == 1 else "(%s) + float32(%s*%s)") % (s, gconst(c), x)
    return s
def gconst(c):
    cidx(c)
    if c.denominator == 1: return "%d" % c.numerator
    return "(%d.0 / %d)" % (c.numerator, c.denominator)

A = []
def a(s): A.append("\t" + s)
def asm_expr(row, regs, dst, tmp):
    t = terms(row)
    for k, (c, i) in enumerate(t):
        x = regs[i]
        if k == 0:
            if c == 1: a("VMOVAPS Z%d, Z%d" % (x, dst))
            else: a("VMULPS.BCST wino5c<>+%d(SB), Z%d, Z%d" % (4*cidx(c), x, dst))
            continue
        if c == 1: a("VADDPS Z%d, Z%d, Z%d" % (x, dst, dst))
        elif c == -1: a("VSUBPS Z%d, Z%d, Z%d" % (x, dst, dst))
        else:
            a("VMULPS.BCST wino5c<>+%d(SB), Z%d, Z%d" % (4*cidx(c), x, tmp))
            a("VADDPS Z%d, Z%d, Z%d" % (tmp, dst, dst))

def mask_prologue(lbl, cnt="R13"):
    a("MOVQ $0xffff, R14")
    a("CMPQ %s, $16" % cnt)
    a("JGE %sFull" % lbl)
    a("MOVQ $1, R14")
    a("MOVQ CX, R15")
    a("MOVQ %s, CX" % cnt)
    a("SHLQ CX, R14")
    a("DECQ R14")
    a("MOVQ R15, CX")
    A.append(lbl + "Full:")
    a("KMOVW R14, K1")

# ---------------- input transform: v[e] = (BT d BT^T)[e], e = i*5+j
A.append("""
// Wino5InAVX512 is the F(3x3, 3x3) input transform (5x5 patches, 25
// pointers per tile; see WinoInAVX512). (Generated code.)

// func Wino5InAVX512(pin **float32, nt, c int, v *float32, lde, ldv int)
TEXT ·Wino5InAVX512(SB), NOSPLIT, $0-48""")
a("MOVQ pin+0(FP), SI"); a("MOVQ nt+8(FP), CX"); a("MOVQ c+16(FP), DX"); a("MOVQ v+24(FP), DI")
a("MOVQ lde+32(FP), R8"); a("SHLQ $2, R8"); a("MOVQ ldv+40(FP), R9"); a("SHLQ $2, R9")
a("TESTQ CX, CX"); a("JZ in5Done")
A.append("in5Tile:")
a("XORQ BX, BX"); a("MOVQ DX, R13")
A.append("in5Chunk:")
mask_prologue("in5")
# pass 1 over columns b: T[i][b] (reg i*5+b) = sum_a BT[i][a] d[a][b]
for b in range(5):
    for r in range(5):
        a("MOVQ %d(SI), AX" % (8*(r*5+b)))
        a("VMOVUPS (AX)(BX*1), K1, Z%d" % (25+r))
    for i in range(5):
        asm_expr(BT[i], [25+r for r in range(5)], i*5+b, 30)
# pass 2 over rows i: out[i][j] = sum_b BT[j][b] T[i][b]
a("LEAQ (DI)(BX*1), R10")
for i in range(5):
    for j in range(5):
        asm_expr(BT[j], [i*5+b for b in range(5)], 25, 30)
        a("VMOVUPS Z25, K1, (R10)")
        a("ADDQ R8, R10")
a("ADDQ $64, BX"); a("SUBQ $16, R13"); a("JG in5Chunk")
a("ADDQ $200, SI"); a("ADDQ R9, DI"); a("DECQ CX"); a("JNZ in5Tile")
A.append("in5Done:"); a("VZEROUPPER"); a("RET")

# ---------------- output transform: y = AT M AT^T (+ bias)
A.append("""
// Wino5OutAVX512 is the F(3x3, 3x3) output transform (25 elements in, 3x3
// block out, 9 pointers per tile; see WinoOutAVX512). (Generated code.)

// func Wino5OutAVX512(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32)
TEXT ·Wino5OutAVX512(SB), NOSPLIT, $0-56""")
a("MOVQ m+0(FP), SI"); a("MOVQ lde+8(FP), R8"); a("SHLQ $2, R8"); a("MOVQ ldm+16(FP), R9"); a("SHLQ $2, R9")
a("MOVQ nt+24(FP), CX"); a("MOVQ c+32(FP), DX"); a("MOVQ pout+40(FP), DI"); a("MOVQ bias+48(FP), R12")
a("TESTQ CX, CX"); a("JZ out5Done")
A.append("out5Tile:")
a("XORQ BX, BX"); a("MOVQ DX, R13")
A.append("out5Chunk:")
mask_prologue("out5")
a("LEAQ (SI)(BX*1), R10")
# pass 1 over rows a: S[a][j] (reg 5+a*3+j) = sum_b AT[j][b] M[a][b]
for r in range(5):
    for b in range(5):
        a("VMOVUPS (R10), K1, Z%d" % b)
        a("ADDQ R8, R10")
    for j in range(3):
        asm_expr(AT[j], [0,1,2,3,4], 5+r*3+j, 30)
a("TESTQ R12, R12"); a("JZ out5NoBias")
a("VMOVUPS (R12)(BX*1), K1, Z21")
A.append("out5NoBias:")
for i in range(3):
    for j in range(3):
        asm_expr(AT[i], [5+r*3+j for r in range(5)], 20, 30)
        a("TESTQ R12, R12"); a("JZ out5S%d%d" % (i, j))
        a("VADDPS Z21, Z20, Z20")
        A.append("out5S%d%d:" % (i, j))
        a("MOVQ %d(DI), AX" % (8*(i*3+j)))
        a("VMOVUPS Z20, K1, (AX)(BX*1)")
a("ADDQ $64, BX"); a("SUBQ $16, R13"); a("JG out5Chunk")
a("ADDQ R9, SI"); a("ADDQ $72, DI"); a("DECQ CX"); a("JNZ out5Tile")
A.append("out5Done:"); a("VZEROUPPER"); a("RET")

# ---------------- filter transform: U = G g G^T, 16 filters per step
A.append("""
// Wino5FilterAVX512 is the F(3x3, 3x3) filter transform (25 elements; see
// WinoFilterAVX512). (Generated code.)

// func Wino5FilterAVX512(src *float32, ldg, n int, dst *float32, lde, ldp int)
TEXT ·Wino5FilterAVX512(SB), NOSPLIT, $0-48""")
a("MOVQ src+0(FP), SI"); a("MOVQ ldg+8(FP), R9"); a("SHLQ $2, R9"); a("MOVQ n+16(FP), R13")
a("MOVQ dst+24(FP), DI"); a("MOVQ lde+32(FP), R8"); a("SHLQ $2, R8"); a("MOVQ ldp+40(FP), R12"); a("SHLQ $2, R12")
a("XORQ R15, R15")
a("TESTQ R13, R13"); a("JLE f5Done")
A.append("f5Chunk:")
a("MOVQ $0xffff, R14"); a("CMPQ R13, $16"); a("JGE f5Full"); a("MOVQ $1, R14"); a("MOVQ R13, CX"); a("SHLQ CX, R14"); a("DECQ R14")
A.append("f5Full:")
a("KMOVW R14, K1")
# load all 9 taps g[r][q] into Z0..Z8
a("MOVQ SI, R10")
for t in range(9):
    a("VMOVUPS.Z (R10), K1, Z%d" % t)
    if t < 8: a("ADDQ R9, R10")
# pass 1 over columns q: Q[i][q] (reg 9+i*3+q) = sum_r G[i][r] g[r][q]
for q in range(3):
    for i in range(5):
        asm_expr(G[i], [r*3+q for r in range(3)], 9+i*3+q, 30)
a("LEAQ (DI)(R15*1), R10")
for i in range(5):
    for j in range(5):
        asm_expr(G[j], [9+i*3+q for q in range(3)], 24, 30)
        a("VMOVUPS Z24, K1, (R10)")
        a("ADDQ R8, R10")
a("ADDQ $64, SI")
a("XORQ $64, R15"); a("JNZ f5Same"); a("ADDQ R12, DI")
A.append("f5Same:")
a("SUBQ $16, R13"); a("JG f5Chunk")
A.append("f5Done:"); a("VZEROUPPER"); a("RET")

# ---------------- Go twins
Gs = []
def g(s): Gs.append(s)
g("""// Code generated by kernels/asm/winograd_gen.py from the F(3x3, 3x3)
// matrices (points 0, 1, -1, 2, infinity); asm/winograd5_amd64.s comes from
// the same term lists, so the two agree bit for bit. DO NOT EDIT.

package kernels

import "unsafe"

// Transform matrices of F(3x3, 3x3), for the record:
//
//	B^T = [2 -1 -2 1 0; 0 2 1 -1 0; 0 -2 3 -1 0; 0 -1 0 1 0; 0 2 -1 -2 1]
//	G   = [1/2 0 0; 1/2 1/2 1/2; 1/6 -1/6 1/6; 1/6 1/3 2/3; 0 0 1]
//	A^T = [1 1 1 1 0; 0 1 -1 2 0; 0 1 1 4 1]

// wino5InputGo is the pure-Go twin of Wino5InAVX512.
func wino5InputGo(pin []*float32, nt, c int, v []float32, lde, ldv int) {
	var d [25][]float32
	for i := 0; i < nt; i++ {
		for k := range d {
			d[k] = unsafe.Slice(pin[i*25+k], c)
		}
		o := v[i*ldv:]
		for ch := 0; ch < c; ch++ {""")
for b in range(5):
    names = ["d[%d][ch]" % (r*5+b) for r in range(5)]
    for i in range(5):
        g("\t\t\tt%d%d := %s" % (i, b, go_expr(BT[i], names)))
for i in range(5):
    for j in range(5):
        g("\t\t\to[%d*lde+ch] = %s" % (i*5+j, go_expr(BT[j], ["t%d%d" % (i, b) for b in range(5)])))
g("""		}
	}
}

// wino5OutputGo is the pure-Go twin of Wino5OutAVX512.
func wino5OutputGo(m []float32, lde, ldm, nt, c int, pout []*float32, bias *float32) {
	var bs []float32
	if bias != nil {
		bs = unsafe.Slice(bias, c)
	}
	var y [9][]float32
	for i := 0; i < nt; i++ {
		for k := range y {
			y[k] = unsafe.Slice(pout[i*9+k], c)
		}
		mi := m[i*ldm:]
		for ch := 0; ch < c; ch++ {""")
for r in range(5):
    names = ["mi[%d*lde+ch]" % (r*5+b) for b in range(5)]
    for j in range(3):
        g("\t\t\ts%d%d := %s" % (r, j, go_expr(AT[j], names)))
for i in range(3):
    for j in range(3):
        g("\t\t\ty%d%d := %s" % (i, j, go_expr(AT[i], ["s%d%d" % (r, j) for r in range(5)])))
g("\t\t\tif bs != nil {")
for i in range(3):
    for j in range(3):
        g("\t\t\t\ty%d%d += bs[ch]" % (i, j))
g("\t\t\t}")
for i in range(3):
    for j in range(3):
        g("\t\t\ty[%d][ch] = y%d%d" % (i*3+j, i, j))
g("""		}
	}
}

// wino5Filter sets u = G g G^T (row-major 5x5) for a row-major 3x3 g.
func wino5Filter(g *[9]float32, u *[25]float32) {""")
for q in range(3):
    names = ["g[%d]" % (r*3+q) for r in range(3)]
    for i in range(5):
        g("\tq%d%d := %s" % (i, q, go_expr(G[i], names)))
for i in range(5):
    for j in range(5):
        g("\tu[%d] = %s" % (i*5+j, go_expr(G[j], ["q%d%d" % (i, q) for q in range(3)])))
g("}")

# constants table
hdr = ["//go:build !purego", "", '#include "textflag.h"', ""]
for b, k in sorted(consts.items(), key=lambda kv: kv[1]):
    hdr.append("DATA wino5c<>+%d(SB)/4, $0x%08x" % (4*k, b))
hdr.append("GLOBL wino5c<>(SB), RODATA|NOPTR, $%d" % (4*len(consts)))
open(os.path.join(root, "kernels/asm/winograd5_amd64.s"), "w").write("\n".join(hdr + A) + "\n")
open(os.path.join(root, "kernels/winograd5.go"), "w").write("\n".join(Gs) + "\n")

open(os.path.join(root, "kernels/asm/winograd_amd64.s"), "w").write(f2_in_out + "\n" + f2_filter + "\n")

# ---- F(4x4, 3x3) (points 0, 1, -1, 2, -2, infinity): assembly and Go twins.
# Six-wide patches: the input transform's first pass goes through a stack
# scratch (36 vectors do not fit the 32 registers next to its inputs).
def gen_f4():
    AT = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]]
    G = [[F(1,4),0,0],[F(1,6),F(1,6),F(1,6)],[F(1,6),F(-1,6),F(1,6)],[F(1,24),F(1,12),F(1,6)],[F(1,24),F(-1,12),F(1,6)],[0,0,1]]
    BT = [[4,0,-5,0,1,0],[0,4,4,-1,-1,0],[0,-4,4,1,-1,0],[0,-2,-1,2,1,0],[0,2,-1,-2,1,0],[0,4,0,-5,0,1]]
    AT=[[F(x) for x in r] for r in AT]; G=[[F(x) for x in r] for r in G]; BT=[[F(x) for x in r] for r in BT]
    cs = {}
    def ci(fr):
        b = f32bits(fr)
        if b not in cs: cs[b] = len(cs)
        return cs[b]
    def gc(c):
        ci(c)
        if c.denominator == 1: return "%d" % c.numerator
        return "(%d.0 / %d)" % (c.numerator, c.denominator)
    def gx(row, names):
        t = terms(row); s = ""
        for k, (c, i) in enumerate(t):
            x = names[i]
            if k == 0:
                s = x if c == 1 else "float32(%s*%s)" % (gc(c), x)
                continue
            if c == 1: s = "%s + %s" % (s, x) if k == 1 else "(%s) + %s" % (s, x)
            elif c == -1: s = "%s - %s" % (s, x) if k == 1 else "(%s) - %s" % (s, x)
            else: s = ("%s + float32(%s*%s)" if k == 1 else "(%s) + float32(%s*%s)") % (s, gc(c), x)
        return s
    A = []
    def a(s): A.append("\t" + s)
    def ax(row, regs, dst, tmp):
        t = terms(row)
        for k, (c, i) in enumerate(t):
            x = regs[i]
            if k == 0:
                if c == 1: a("VMOVAPS Z%d, Z%d" % (x, dst))
                else: a("VMULPS.BCST wino6c<>+%d(SB), Z%d, Z%d" % (4*ci(c), x, dst))
                continue
            if c == 1: a("VADDPS Z%d, Z%d, Z%d" % (x, dst, dst))
            elif c == -1: a("VSUBPS Z%d, Z%d, Z%d" % (x, dst, dst))
            else:
                a("VMULPS.BCST wino6c<>+%d(SB), Z%d, Z%d" % (4*ci(c), x, tmp))
                a("VADDPS Z%d, Z%d, Z%d" % (tmp, dst, dst))
    def mask(lbl):
        a("MOVQ $0xffff, R14"); a("CMPQ R13, $16"); a("JGE %sFull" % lbl); a("MOVQ $1, R14")
        a("MOVQ CX, R15"); a("MOVQ R13, CX"); a("SHLQ CX, R14"); a("DECQ R14"); a("MOVQ R15, CX")
        A.append(lbl + "Full:"); a("KMOVW R14, K1")
    n = 6
    # input
    A.append("""
// Wino6InAVX512 is the F(4x4, 3x3) input transform (6x6 patches, 36
// pointers per tile; see WinoInAVX512). (Generated code.)

// func Wino6InAVX512(pin **float32, nt, c int, v *float32, lde, ldv int)
TEXT ·Wino6InAVX512(SB), $2304-48""")
    a("MOVQ pin+0(FP), SI"); a("MOVQ nt+8(FP), CX"); a("MOVQ c+16(FP), DX"); a("MOVQ v+24(FP), DI")
    a("MOVQ lde+32(FP), R8"); a("SHLQ $2, R8"); a("MOVQ ldv+40(FP), R9"); a("SHLQ $2, R9")
    a("TESTQ CX, CX"); a("JZ in6Done")
    A.append("in6Tile:")
    a("XORQ BX, BX"); a("MOVQ DX, R13")
    A.append("in6Chunk:")
    mask("in6")
    for b in range(n):
        for r in range(n):
            a("MOVQ %d(SI), AX" % (8*(r*n+b)))
            a("VMOVUPS (AX)(BX*1), K1, Z%d" % r)
        for i in range(n):
            ax(BT[i], list(range(n)), 6+i, 30)
            a("VMOVUPS Z%d, t-%d(SP)" % (6+i, 2304-64*(i*n+b)))
    a("LEAQ (DI)(BX*1), R10")
    for i in range(n):
        for b in range(n):
            a("VMOVUPS t-%d(SP), Z%d" % (2304-64*(i*n+b), b))
        for j in range(n):
            ax(BT[j], list(range(n)), 6, 30)
            a("VMOVUPS Z6, K1, (R10)")
            a("ADDQ R8, R10")
    a("ADDQ $64, BX"); a("SUBQ $16, R13"); a("JG in6Chunk")
    a("ADDQ $%d, SI" % (8*n*n)); a("ADDQ R9, DI"); a("DECQ CX"); a("JNZ in6Tile")
    A.append("in6Done:"); a("VZEROUPPER"); a("RET")
    # output: S[r][j] in Z6 + r*4 + j (24 registers), loads Z0..Z5
    A.append("""
// Wino6OutAVX512 is the F(4x4, 3x3) output transform (36 elements in, 4x4
// block out, 16 pointers per tile; see WinoOutAVX512). (Generated code.)

// func Wino6OutAVX512(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32)
TEXT ·Wino6OutAVX512(SB), NOSPLIT, $0-56""")
    a("MOVQ m+0(FP), SI"); a("MOVQ lde+8(FP), R8"); a("SHLQ $2, R8"); a("MOVQ ldm+16(FP), R9"); a("SHLQ $2, R9")
    a("MOVQ nt+24(FP), CX"); a("MOVQ c+32(FP), DX"); a("MOVQ pout+40(FP), DI"); a("MOVQ bias+48(FP), R12")
    a("TESTQ CX, CX"); a("JZ out6Done")
    A.append("out6Tile:")
    a("XORQ BX, BX"); a("MOVQ DX, R13")
    A.append("out6Chunk:")
    mask("out6")
    a("LEAQ (SI)(BX*1), R10")
    for r in range(n):
        for b in range(n):
            a("VMOVUPS (R10), K1, Z%d" % b)
            a("ADDQ R8, R10")
        for j in range(4):
            ax(AT[j], list(range(n)), 6+r*4+j, 30)
    a("TESTQ R12, R12"); a("JZ out6NoBias")
    a("VMOVUPS (R12)(BX*1), K1, Z1")
    A.append("out6NoBias:")
    for i in range(4):
        for j in range(4):
            ax(AT[i], [6+r*4+j for r in range(n)], 0, 30)
            a("TESTQ R12, R12"); a("JZ out6S%d%d" % (i, j))
            a("VADDPS Z1, Z0, Z0")
            A.append("out6S%d%d:" % (i, j))
            a("MOVQ %d(DI), AX" % (8*(i*4+j)))
            a("VMOVUPS Z0, K1, (AX)(BX*1)")
    a("ADDQ $64, BX"); a("SUBQ $16, R13"); a("JG out6Chunk")
    a("ADDQ R9, SI"); a("ADDQ $128, DI"); a("DECQ CX"); a("JNZ out6Tile")
    A.append("out6Done:"); a("VZEROUPPER"); a("RET")
    # filter: g in Z0..Z8, Q[i][q] in Z9 + i*3 + q (18), out Z27
    A.append("""
// Wino6FilterAVX512 is the F(4x4, 3x3) filter transform (36 elements; see
// WinoFilterAVX512). (Generated code.)

// func Wino6FilterAVX512(src *float32, ldg, n int, dst *float32, lde, ldp int)
TEXT ·Wino6FilterAVX512(SB), NOSPLIT, $0-48""")
    a("MOVQ src+0(FP), SI"); a("MOVQ ldg+8(FP), R9"); a("SHLQ $2, R9"); a("MOVQ n+16(FP), R13")
    a("MOVQ dst+24(FP), DI"); a("MOVQ lde+32(FP), R8"); a("SHLQ $2, R8"); a("MOVQ ldp+40(FP), R12"); a("SHLQ $2, R12")
    a("XORQ R15, R15")
    a("TESTQ R13, R13"); a("JLE f6Done")
    A.append("f6Chunk:")
    a("MOVQ $0xffff, R14"); a("CMPQ R13, $16"); a("JGE f6Full"); a("MOVQ $1, R14"); a("MOVQ R13, CX"); a("SHLQ CX, R14"); a("DECQ R14")
    A.append("f6Full:")
    a("KMOVW R14, K1")
    a("MOVQ SI, R10")
    for t in range(9):
        a("VMOVUPS.Z (R10), K1, Z%d" % t)
        if t < 8: a("ADDQ R9, R10")
    for q in range(3):
        for i in range(n):
            ax(G[i], [r*3+q for r in range(3)], 9+i*3+q, 30)
    a("LEAQ (DI)(R15*1), R10")
    for i in range(n):
        for j in range(n):
            ax(G[j], [9+i*3+q for q in range(3)], 27, 30)
            a("VMOVUPS Z27, K1, (R10)")
            a("ADDQ R8, R10")
    a("ADDQ $64, SI")
    a("XORQ $64, R15"); a("JNZ f6Same"); a("ADDQ R12, DI")
    A.append("f6Same:")
    a("SUBQ $16, R13"); a("JG f6Chunk")
    A.append("f6Done:"); a("VZEROUPPER"); a("RET")
    # Go twins
    Gs = []
    g = Gs.append
    g("""// Code generated by kernels/asm/winograd_gen.py from the F(4x4, 3x3)
// matrices (points 0, 1, -1, 2, -2, infinity); asm/winograd6_amd64.s comes
// from the same term lists, so the two agree bit for bit. DO NOT EDIT.

package kernels

import "unsafe"

// Transform matrices of F(4x4, 3x3), for the record:
//
//	B^T = [4 0 -5 0 1 0; 0 4 4 -1 -1 0; 0 -4 4 1 -1 0;
//	       0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//	G   = [1/4 0 0; 1/6 1/6 1/6; 1/6 -1/6 1/6;
//	       1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//	A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]

// wino6InputGo is the pure-Go twin of Wino6InAVX512.
func wino6InputGo(pin []*float32, nt, c int, v []float32, lde, ldv int) {
	var d [36][]float32
	for i := 0; i < nt; i++ {
		for k := range d {
			d[k] = unsafe.Slice(pin[i*36+k], c)
		}
		o := v[i*ldv:]
		for ch := 0; ch < c; ch++ {""")
    for b in range(n):
        names = ["d[%d][ch]" % (r*n+b) for r in range(n)]
        for i in range(n):
            g("\t\t\tt%d%d := %s" % (i, b, gx(BT[i], names)))
    for i in range(n):
        for j in range(n):
            g("\t\t\to[%d*lde+ch] = %s" % (i*n+j, gx(BT[j], ["t%d%d" % (i, b) for b in range(n)])))
    g("""		}
	}
}

// wino6OutputGo is the pure-Go twin of Wino6OutAVX512.
func wino6OutputGo(m []float32, lde, ldm, nt, c int, pout []*float32, bias *float32) {
	var bs []float32
	if bias != nil {
		bs = unsafe.Slice(bias, c)
	}
	var y [16][]float32
	for i := 0; i < nt; i++ {
		for k := range y {
			y[k] = unsafe.Slice(pout[i*16+k], c)
		}
		mi := m[i*ldm:]
		for ch := 0; ch < c; ch++ {""")
    for r in range(n):
        names = ["mi[%d*lde+ch]" % (r*n+b) for b in range(n)]
        for j in range(4):
            g("\t\t\ts%d%d := %s" % (r, j, gx(AT[j], names)))
    for i in range(4):
        for j in range(4):
            g("\t\t\ty%d%d := %s" % (i, j, gx(AT[i], ["s%d%d" % (r, j) for r in range(n)])))
    g("\t\t\tif bs != nil {")
    for i in range(4):
        for j in range(4):
            g("\t\t\t\ty%d%d += bs[ch]" % (i, j))
    g("\t\t\t}")
    for i in range(4):
        for j in range(4):
            g("\t\t\ty[%d][ch] = y%d%d" % (i*4+j, i, j))
    g("""		}
	}
}

// wino6Filter sets u = G g G^T (row-major 6x6) for a row-major 3x3 g.
func wino6Filter(g *[9]float32, u *[36]float32) {""")
    for q in range(3):
        names = ["g[%d]" % (r*3+q) for r in range(3)]
        for i in range(n):
            g("\tq%d%d := %s" % (i, q, gx(G[i], names)))
    for i in range(n):
        for j in range(n):
            g("\tu[%d] = %s" % (i*n+j, gx(G[j], ["q%d%d" % (i, q) for q in range(3)])))
    g("}")
    hdr = ["//go:build !purego", "", '#include "textflag.h"', ""]
    for b, k in sorted(cs.items(), key=lambda kv: kv[1]):
        hdr.append("DATA wino6c<>+%d(SB)/4, $0x%08x" % (4*k, b))
    hdr.append("GLOBL wino6c<>(SB), RODATA|NOPTR, $%d" % (4*len(cs)))
    open(os.path.join(root, "kernels/asm/winograd6_amd64.s"), "w").write("\n".join(hdr + A) + "\n")
    open(os.path.join(root, "kernels/winograd6.go"), "w").write("\n".join(Gs) + "\n")

gen_f4()
