//go:build !purego

package asm

// AdamAVX2 and AdamAVX512 apply one fused Adam step (remedy/kernels.AdamUpdate)
// to the first n elements of w, m and v, reading the gradient grad; n must be a multiple of
// 8 (AVX2) or 16 (AVX-512). coef points at 8 float32s: b1, b2, 1-b1, 1-b2,
// weight decay, eps, 1/sqrt(1-b2^t), lr/(1-b1^t). Each operation is
// rounded separately (no FMA), matching the Go twin bit for bit.
//
//go:noescape
func AdamAVX2(w, grad, m, v *float32, n int, coef *float32)

//go:noescape
func AdamAVX512(w, grad, m, v *float32, n int, coef *float32)
