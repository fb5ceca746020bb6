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

// PackCopyAVX512 sets dst[p*w+j] = alpha*src[p*ld+j] for p < k, j < cols,
// and 0 for cols <= j < w (w <= 32). Needs AVX-512F.
//
//go:noescape
func PackCopyAVX512(dst, src *float32, ld, k, cols, w int, alpha float32)

// PackGatherAVX512 sets dst[p*w+i] = alpha*src[i*ld+p] for p < k, i < rows,
// and 0 for rows <= i < w (w <= 32). Needs AVX-512F.
//
//go:noescape
func PackGatherAVX512(dst, src *float32, ld, k, rows, w int, alpha float32)

// PackCopyAVX2 is PackCopyAVX512 for w <= 16 with AVX2; it may write up to 7
// floats past dst[k*w-1].
//
//go:noescape
func PackCopyAVX2(dst, src *float32, ld, k, cols, w int, alpha float32)

// PackGatherAVX2 is PackGatherAVX512 for w <= 16 with AVX2; it may write up
// to 7 floats past dst[k*w-1].
//
//go:noescape
func PackGatherAVX2(dst, src *float32, ld, k, rows, w int, alpha float32)

// PackTransAVX512 sets dst[p*w+i] = alpha*src[i*ld+p] for p < k and i < 16,
// reading rows i < rows only (the others count as zero) and writing
// min(w, 16) floats per p. Needs AVX-512F.
//
//go:noescape
func PackTransAVX512(dst, src *float32, ld, k, rows, w int, alpha float32)

// PackTransAVX2 sets dst[p*w+i] = alpha*src[i*ld+p] for p < k and i < 8,
// reading rows i < rows only (the others count as zero); it stores 8 floats
// per p, so it may write up to 8-w floats past dst[k*w-1]. Needs AVX2.
//
//go:noescape
func PackTransAVX2(dst, src *float32, ld, k, rows, w int, alpha float32)

// Sgemm12x32AVX512Set computes C[12x32] = A~*B~ without reading C.
//
//go:noescape
func Sgemm12x32AVX512Set(kc int, a, b, c *float32, ldc int)

// Sgemm6x16AVX2Set computes C[6x16] = A~*B~ without reading C.
//
//go:noescape
func Sgemm6x16AVX2Set(kc int, a, b, c *float32, ldc int)

// Sgemm12x32AVX512A computes C[12x32] += A*B~ with A read in place: row i,
// column p at a[i*lda+p] (no packed panel). Needs AVX-512F.
//
//go:noescape
func Sgemm12x32AVX512A(kc int, a *float32, lda int, b, c *float32, ldc int)

// Sgemm12x32AVX512ASet computes C[12x32] = A*B~ like Sgemm12x32AVX512A
// without reading C.
//
//go:noescape
func Sgemm12x32AVX512ASet(kc int, a *float32, lda int, b, c *float32, ldc int)
