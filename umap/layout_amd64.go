//go:build !purego

package umap

import "remedy/kernels"

// edgeAVX512 is edgeGo in AVX-512 assembly: cur points at 16 floats, snap
// at rows of 16, negs at nneg row indices. Needs AVX-512F.
//
//go:noescape
func edgeAVX512(cur *float32, snap *float32, k int, negs *int32, nneg int, c *layoutConsts)

// edgeAsm reports whether edgeAVX512 may run: the kernels picked their
// AVX-512 path (so REMEDY_KERNELS=generic also selects the Go twin).
func edgeAsm() bool { return kernels.Path() == "avx512" }
