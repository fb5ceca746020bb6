//go:build !purego

package asm

// WinoInAVX512 is the Winograd F(2x2, 3x3) input transform: for tile
// i < nt and element e < 16, v[e*lde+i*ldv+ch] = (B^T d B)[e] over
// channels ch < c, where d's 16 runs (4x4, row-major) start at
// pin[i*16 .. i*16+15]. Needs AVX-512F.
//
//go:noescape
func WinoInAVX512(pin **float32, nt, c int, v *float32, lde, ldv int)

// WinoOutAVX512 is the output transform: for tile i < nt, the 2x2 block
// A^T M A (+ bias[ch] when bias is non-nil) over channels ch < c, with
// M[e] at m[e*lde+i*ldm+ch], is stored to the runs pout[i*4 .. i*4+3]
// (row-major). Needs AVX-512F.
//
//go:noescape
func WinoOutAVX512(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32)

// WinoFilterAVX512 is the filter transform U = G g G^T for n filters g:
// tap t of filter j is src[t*ldg+j] (ldg may be negative), U[e] of filter j
// is stored to dst[e*lde+(j/32)*ldp+j%32]. Needs AVX-512F.
//
//go:noescape
func WinoFilterAVX512(src *float32, ldg, n int, dst *float32, lde, ldp int)

// Wino5InAVX512 is the F(3x3, 3x3) input transform: as WinoInAVX512 with
// 5x5 patches (25 pointers per tile) and 25 elements. Needs AVX-512F.
//
//go:noescape
func Wino5InAVX512(pin **float32, nt, c int, v *float32, lde, ldv int)

// Wino5OutAVX512 is the F(3x3, 3x3) output transform: as WinoOutAVX512
// with 25 elements in and a 3x3 block (9 pointers per tile) out.
// Needs AVX-512F.
//
//go:noescape
func Wino5OutAVX512(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32)

// Wino5FilterAVX512 is the F(3x3, 3x3) filter transform: as
// WinoFilterAVX512 with 25 elements. Needs AVX-512F.
//
//go:noescape
func Wino5FilterAVX512(src *float32, ldg, n int, dst *float32, lde, ldp int)

// Wino6InAVX512 is the F(4x4, 3x3) input transform: as WinoInAVX512 with
// 6x6 patches (36 pointers per tile) and 36 elements. Needs AVX-512F.
//
//go:noescape
func Wino6InAVX512(pin **float32, nt, c int, v *float32, lde, ldv int)

// Wino6OutAVX512 is the F(4x4, 3x3) output transform: as WinoOutAVX512
// with 36 elements in and a 4x4 block (16 pointers per tile) out.
// Needs AVX-512F.
//
//go:noescape
func Wino6OutAVX512(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32)

// Wino6FilterAVX512 is the F(4x4, 3x3) filter transform: as
// WinoFilterAVX512 with 36 elements. Needs AVX-512F.
//
//go:noescape
func Wino6FilterAVX512(src *float32, ldg, n int, dst *float32, lde, ldp int)
