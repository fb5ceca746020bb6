//go:build !purego

package asm

// Sgemm12x32AVX512 computes C[12x32] += A~*B~ for packed panels (the
// micro-kernel contract of remedy/kernels). Needs AVX-512F.
//
//go:noescape
func Sgemm12x32AVX512(kc int, a, b, c *float32, ldc int)

// Sgemm6x16AVX2 computes C[6x16] += A~*B~. Needs AVX2 and FMA3.
//
//go:noescape
func Sgemm6x16AVX2(kc int, a, b, c *float32, ldc int)

// SdotAVX2 returns sum x[i]*y[i] over n elements. Needs AVX2 and FMA3.
//
//go:noescape
func SdotAVX2(x, y *float32, n int) float32

// SaxpyAVX2 sets y[i] = fma(alpha, x[i], y[i]) for n elements. Needs AVX2 and FMA3.
//
//go:noescape
func SaxpyAVX2(alpha float32, x, y *float32, n int)
