//go:build !purego

package kernels

import "remedy/kernels/asm"

var tapTab = asm.TapTable()

// tap9Fn returns the 3x3 tap transpose of the active path, or nil.
func tap9Fn() func(dst *float32, ldd, dk int, src *float32, sk, blocks, n int, tab *int32) {
	if cur.name == "avx512" {
		return asm.TapT9AVX512
	}
	return nil
}

// tapAdd9Fn returns the 3x3 tap permute-and-add of the active path, or nil.
func tapAdd9Fn() func(dst, src *float32, lds, blocks int, tab *int32) {
	if cur.name == "avx512" {
		return asm.TapAdd9AVX512
	}
	return nil
}
