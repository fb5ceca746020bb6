//go:build !purego

package asm

// Element-wise AVX2 kernels. Each processes the first n&^7 elements (whole
// 8-float vectors); the caller finishes the tail. Need AVX2.

// ReluAVX2 sets dst[i] = max(x[i], 0), NaN kept, -0 -> +0.
//
//go:noescape
func ReluAVX2(dst, x *float32, n int)

// ReluBackwardAVX2 sets dx[i] = dy[i] if y[i] > 0 (ordered), else 0.
//
//go:noescape
func ReluBackwardAVX2(dx, dy, y *float32, n int)

// AddAVX2 sets dst[i] = a[i] + b[i].
//
//go:noescape
func AddAVX2(dst, a, b *float32, n int)

// ScaleAVX2 sets dst[i] = alpha * x[i].
//
//go:noescape
func ScaleAVX2(dst, x *float32, alpha float32, n int)

// MaxPoolPairsAVX2 pools 2x2 windows along one output row: window j covers
// r0[2j], r0[2j+1], r1[2j], r1[2j+1]; it writes the maximum (first maximum in
// that order on ties) to y[j] and base+2j+{0, 1, w, w+1} to arg[j]. It works
// in groups of 8 windows, n a multiple of 8, and stops before the first group
// holding a NaN, returning the number of windows done. Needs AVX2.
//
//go:noescape
func MaxPoolPairsAVX2(r0, r1, y *float32, arg *int32, n int, base, w int32) int

// MaxPoolPlanesAVX512 pools planes of h x w (h, w >= 2) into h/2 x w/2 as
// kernels.MaxPool2x2 (first maximum in window order, first NaN wins, the
// winner's own bits stored, its in-plane index in arg). Needs AVX-512F.
//
//go:noescape
func MaxPoolPlanesAVX512(x, y *float32, arg *int32, planes, h, w int)

// SumSquaresAVX512 and SumSquaresAVX2 add float64(x[j])^2 to acc[j%32] for
// j < n (a positive multiple of 32): acc is 32 float64 lanes, read and
// written back. Multiply then add, each rounded, as the Go twin.
//
//go:noescape
func SumSquaresAVX512(x *float32, n int, acc *float64)

//go:noescape
func SumSquaresAVX2(x *float32, n int, acc *float64)
