//go:build !purego

package kernels

import "remedy/kernels/asm"

// winoInputFn returns the path's assembly input transform, or nil.
func winoInputFn() func(pin **float32, nt, c int, v *float32, lde, ldv int) {
	if cur.name == "avx512" {
		return asm.WinoInAVX512
	}
	return nil
}

// winoOutputFn returns the path's assembly output transform, or nil.
func winoOutputFn() func(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32) {
	if cur.name == "avx512" {
		return asm.WinoOutAVX512
	}
	return nil
}

// winoFilterFn returns the path's assembly filter transform, or nil.
func winoFilterFn() func(g *float32, ldg, n int, dst *float32, lde, ldp int) {
	if cur.name == "avx512" {
		return asm.WinoFilterAVX512
	}
	return nil
}

// wino5InputFn returns the path's assembly F(3x3) input transform, or nil.
func wino5InputFn() func(pin **float32, nt, c int, v *float32, lde, ldv int) {
	if cur.name == "avx512" {
		return asm.Wino5InAVX512
	}
	return nil
}

// wino5OutputFn returns the path's assembly F(3x3) output transform, or nil.
func wino5OutputFn() func(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32) {
	if cur.name == "avx512" {
		return asm.Wino5OutAVX512
	}
	return nil
}

// wino5FilterFn returns the path's assembly F(3x3) filter transform, or nil.
func wino5FilterFn() func(g *float32, ldg, n int, dst *float32, lde, ldp int) {
	if cur.name == "avx512" {
		return asm.Wino5FilterAVX512
	}
	return nil
}

// wino6InputFn returns the path's assembly F(4x4) input transform, or nil.
func wino6InputFn() func(pin **float32, nt, c int, v *float32, lde, ldv int) {
	if cur.name == "avx512" {
		return asm.Wino6InAVX512
	}
	return nil
}

// wino6OutputFn returns the path's assembly F(4x4) output transform, or nil.
func wino6OutputFn() func(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32) {
	if cur.name == "avx512" {
		return asm.Wino6OutAVX512
	}
	return nil
}

// wino6FilterFn returns the path's assembly F(4x4) filter transform, or nil.
func wino6FilterFn() func(g *float32, ldg, n int, dst *float32, lde, ldp int) {
	if cur.name == "avx512" {
		return asm.Wino6FilterAVX512
	}
	return nil
}
