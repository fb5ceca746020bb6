//go:build !purego

package asm

// DotAVX512 returns sum x[i]*y[i] over n > 0 elements. Needs AVX-512F.
//
//go:noescape
func DotAVX512(x, y *float32, n int) float32

// SqDistAVX512 returns sum (x[i]-y[i])^2 over n > 0 elements. Needs AVX-512F.
//
//go:noescape
func SqDistAVX512(x, y *float32, n int) float32

// DotTile4x4AVX512 sets out[4*i+j] = sum_t a[i][t]*b[j][t] over n > 0
// elements. Needs AVX-512F.
//
//go:noescape
func DotTile4x4AVX512(a, b *[4]*float32, n int, out *[16]float32)
