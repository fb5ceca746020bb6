//go:build !purego

package asm

// TapT9AVX512 sets dst[f*dk+t*ldd+i] = src[f*sk+i*9+t] for f < n, t < 9
// and i < 16*blocks: for each of n filters, blocks of 16 channels' 3x3
// taps rearranged from [channel][tap] to [tap][channel]. Each block is 9
// contiguous loads, two rounds of stride-3 de-interleaving by two-source
// permutes (9 = 3*3), and 9 stores. tab is the index table TapTable
// builds. Needs AVX-512F. Pure moves: every bit is kept.
//
//go:noescape
func TapT9AVX512(dst *float32, ldd, dk int, src *float32, sk, blocks, n int, tab *int32)

// TapAdd9AVX512 sets dst[i*9+t] = dst[i*9+t] + src[t*lds+i] for t < 9 and
// i < 16*blocks (the inverse rearrangement of TapT9AVX512 fused with the
// accumulation; the sum has dst's element as the first operand). Needs
// AVX-512F.
//
//go:noescape
func TapAdd9AVX512(dst, src *float32, lds, blocks int, tab *int32)

// TapTable returns the permute indices and masks of TapT9AVX512 and
// TapAdd9AVX512 (198 int32s; byte offsets as in taps_amd64.s).
//
// De-interleaving three vectors x = a|b|c (48 floats) by 3 gives
// d_j[i] = x[3i+j]: lanes with 3i+j < 32 come from a two-source permute of
// a, b and the rest from a masked permute of c. Interleaving inverts it:
// out_q[i] = d_{m%3}[m/3] with m = 16q+i.
func TapTable() []int32 {
	t := make([]int32, 198)
	for j := 0; j < 3; j++ {
		var m int32
		for i := 0; i < 16; i++ {
			if x := 3*i + j; x < 32 {
				t[j*16+i] = int32(x)
			} else {
				t[48+j*16+i] = int32(x - 32)
				m |= 1 << i
			}
		}
		t[192+j] = m
	}
	for q := 0; q < 3; q++ {
		var m int32
		for i := 0; i < 16; i++ {
			x := 16*q + i
			if b, n := x%3, x/3; b < 2 {
				t[96+q*16+i] = int32(16*b + n)
			} else {
				t[144+q*16+i] = int32(n)
				m |= 1 << i
			}
		}
		t[195+q] = m
	}
	return t
}
