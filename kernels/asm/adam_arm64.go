//go:build !purego

package asm

// AdamNEON applies one fused Adam step (remedy/kernels.AdamUpdate) to the
// first n elements (a multiple of 4) of w, m and v, reading the gradient
// grad; coef as for AdamAVX2. Each operation is rounded separately (no
// FMA), matching the Go twin bit for bit.
//
//go:noescape
func AdamNEON(w, grad, m, v *float32, n int, coef *float32)
