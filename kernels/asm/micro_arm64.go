//go:build !purego

package asm

// MicroNEON8x12 computes C[8 x 12] += A~ * B~ with NEON: A~ is an 8 x kc
// panel packed column by column (a[p*8+i]), B~ a kc x 12 panel packed row by
// row (b[p*12+j]), C has row stride ldc float32 elements. kc <= 0 leaves C
// untouched. The sum over p is formed first and then added to C, in the same
// order as the pure-Go reference.
//
//go:noescape
func MicroNEON8x12(kc int, a, b, c *float32, ldc int)
