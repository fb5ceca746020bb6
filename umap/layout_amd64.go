//go:build !purego

package umap

import "remedy/kernels"

// edgeAVX512 is edgeGo in AVX-512 assembly: cur points at 16 floats, snap
// at rows of 16, negs at nneg row indices. Needs AVX-512F.
//
//go:noescape
func edgeAVX512(cur *float32, snap *float32, k int, negs *int32, nneg int, c *layoutConsts)

// useAVX512 reports whether the AVX-512 routines may run: the kernels
// picked their AVX-512 path (so REMEDY_KERNELS=generic also selects the Go twin).
func useAVX512() bool { return kernels.Path() == "avx512" }

// dot64AVX512 returns sum x[i]*y[i] over n > 0 float64s. Needs AVX-512F.
//
//go:noescape
func dot64AVX512(x, y *float64, n int) float64

// axpy64AVX512 sets y[i] += a*x[i] for n > 0 float64s. Needs AVX-512F.
//
//go:noescape
func axpy64AVX512(a float64, x, y *float64, n int)
