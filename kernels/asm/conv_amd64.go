//go:build !purego

package asm

// AddRowsAVX512 sets dst[i*ldd+j] += src[i*lds+j] for i < rows, j < n.
// Needs AVX-512F.
//
//go:noescape
func AddRowsAVX512(dst, src *float32, rows, n, ldd, lds int)
