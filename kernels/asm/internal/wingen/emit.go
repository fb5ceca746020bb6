package main

import (
	"fmt"
	"math"
	"math/big"
	"strings"
)

// lines collects one output file, a line at a time.
type lines []string

// op appends an indented instruction.
func (l *lines) op(format string, args ...any) {
	*l = append(*l, "\t"+fmt.Sprintf(format, args...))
}

// label appends an assembly label.
func (l *lines) label(name string) { *l = append(*l, name+":") }

// raw appends text as is (it may hold several lines).
func (l *lines) raw(s string) { *l = append(*l, s) }

func (l lines) text() string { return strings.Join(l, "\n") + "\n" }

// rat parses a matrix written as rows of space-separated fractions ("1/6"),
// kept exact so each constant is rounded to float32 only once, at the end.
func rat(rows ...string) [][]*big.Rat {
	m := make([][]*big.Rat, len(rows))
	for i, row := range rows {
		for _, f := range strings.Fields(row) {
			r, ok := new(big.Rat).SetString(f)
			if !ok {
				panic("wingen: bad fraction " + f)
			}
			m[i] = append(m[i], r)
		}
	}
	return m
}

// term is one nonzero coefficient c of a matrix row, at column i.
type term struct {
	c *big.Rat
	i int
}

var one, minusOne = big.NewRat(1, 1), big.NewRat(-1, 1)

func isOne(c *big.Rat) bool      { return c.Cmp(one) == 0 }
func isMinusOne(c *big.Rat) bool { return c.Cmp(minusOne) == 0 }

// terms lists a row's nonzero coefficients in column order, except that the
// first coefficient equal to 1 goes first: the sum then starts with a plain
// copy instead of a multiplication. The assembly and the Go twins both sum
// in this order, which is what makes them agree bit for bit.
func terms(row []*big.Rat) []term {
	var t []term
	for i, c := range row {
		if c.Sign() != 0 {
			t = append(t, term{c, i})
		}
	}
	for k := range t {
		if isOne(t[k].c) {
			first := t[k]
			copy(t[1:k+1], t[:k])
			t[0] = first
			break
		}
	}
	return t
}

// consts is a float32 constant table in first-use order (the assembly's
// DATA block); equal float32 values share one slot.
type consts struct {
	bits  []uint32
	index map[uint32]int
}

// f32bits rounds an exact fraction to float32 via the nearest float64 (how
// the tables were first made). For every constant used here this equals
// the direct rounding the Go compiler applies to the twins' constants
// (TestConstRounding), which keeps the assembly and Go bit-identical.
func f32bits(c *big.Rat) uint32 {
	f, _ := c.Float64()
	return math.Float32bits(float32(f))
}

// slot returns c's index in the table, adding it when new.
func (t *consts) slot(c *big.Rat) int {
	b := f32bits(c)
	if t.index == nil {
		t.index = map[uint32]int{}
	}
	k, ok := t.index[b]
	if !ok {
		k = len(t.bits)
		t.index[b] = k
		t.bits = append(t.bits, b)
	}
	return k
}

// dataLines writes the table as the assembly DATA/GLOBL block named sym.
func (t *consts) dataLines(l *lines, sym string) {
	for k, b := range t.bits {
		l.raw(fmt.Sprintf("DATA %s+%d(SB)/4, $0x%08x", sym, 4*k, b))
	}
	l.raw(fmt.Sprintf("GLOBL %s(SB), RODATA|NOPTR, $%d", sym, 4*len(t.bits)))
}

// goConst spells c as an exact Go constant expression; the compiler rounds
// it to float32 when multiplying a float32, like the broadcast constant of
// the assembly's VMULPS.
func (t *consts) goConst(c *big.Rat) string {
	t.slot(c)
	if c.IsInt() {
		return c.Num().String()
	}
	return fmt.Sprintf("(%s.0 / %s)", c.Num(), c.Denom())
}

// goExpr is the Go expression for sum_i row[i]*names[i], summed left to
// right in terms order with one rounding per product and per addition.
func (t *consts) goExpr(row []*big.Rat, names []string) string {
	s := ""
	for k, tm := range terms(row) {
		x := names[tm.i]
		if k == 0 {
			if isOne(tm.c) {
				s = x
			} else {
				s = fmt.Sprintf("float32(%s*%s)", t.goConst(tm.c), x)
			}
			continue
		}
		if k > 1 {
			s = "(" + s + ")"
		}
		switch {
		case isOne(tm.c):
			s = fmt.Sprintf("%s + %s", s, x)
		case isMinusOne(tm.c):
			s = fmt.Sprintf("%s - %s", s, x)
		default:
			s = fmt.Sprintf("%s + float32(%s*%s)", s, t.goConst(tm.c), x)
		}
	}
	return s
}

// asmExpr emits Z(dst) = sum_i row[i]*Z(regs[i]) in the same order as
// goExpr; Z(tmp) holds the scaled terms, constants come from table sym.
func (t *consts) asmExpr(l *lines, sym string, row []*big.Rat, regs []int, dst, tmp int) {
	for k, tm := range terms(row) {
		x := regs[tm.i]
		if k == 0 {
			if isOne(tm.c) {
				l.op("VMOVAPS Z%d, Z%d", x, dst)
			} else {
				l.op("VMULPS.BCST %s+%d(SB), Z%d, Z%d", sym, 4*t.slot(tm.c), x, dst)
			}
			continue
		}
		switch {
		case isOne(tm.c):
			l.op("VADDPS Z%d, Z%d, Z%d", x, dst, dst)
		case isMinusOne(tm.c):
			l.op("VSUBPS Z%d, Z%d, Z%d", x, dst, dst)
		default:
			l.op("VMULPS.BCST %s+%d(SB), Z%d, Z%d", sym, 4*t.slot(tm.c), x, tmp)
			l.op("VADDPS Z%d, Z%d, Z%d", tmp, dst, dst)
		}
	}
}

// channelMask sets K1 to the lanes of the next 16-channel step: all 16, or
// the low R13 when fewer are left. CX is saved in R15 around the shift.
func channelMask(l *lines, lbl string) {
	l.op("MOVQ $0xffff, R14")
	l.op("CMPQ R13, $16")
	l.op("JGE %sFull", lbl)
	l.op("MOVQ $1, R14")
	l.op("MOVQ CX, R15")
	l.op("MOVQ R13, CX")
	l.op("SHLQ CX, R14")
	l.op("DECQ R14")
	l.op("MOVQ R15, CX")
	l.label(lbl + "Full")
	l.op("KMOVW R14, K1")
}

// filterMask is channelMask for the filter transforms, whose CX is free
// (R15 holds the panel half there).
func filterMask(l *lines, lbl string) {
	l.op("MOVQ $0xffff, R14")
	l.op("CMPQ R13, $16")
	l.op("JGE %sFull", lbl)
	l.op("MOVQ $1, R14")
	l.op("MOVQ R13, CX")
	l.op("SHLQ CX, R14")
	l.op("DECQ R14")
	l.label(lbl + "Full")
	l.op("KMOVW R14, K1")
}

// asmHeader opens an amd64 assembly file of the kernels/asm package.
func asmHeader(l *lines) {
	l.raw("//go:build !purego")
	l.raw("")
	l.raw(`#include "textflag.h"`)
	l.raw("")
}
