//go:build !purego

package kernels

import "remedy/kernels/asm"

// flatKernels returns the path's flat direct-convolution tiles (8 channels
// x 48 positions, 3 x 128), weight-gradient tile and row copy, nil where
// the path has none.
func flatKernels() (k8x3, k3x8 flatFunc, wg flatWgradFunc, cp copyRowsFunc) {
	if cur.name == "avx512" {
		return asm.FlatConv8x3AVX512, asm.FlatConv3x8AVX512, asm.FlatWgrad8x3AVX512, asm.CopyRowsAVX512
	}
	return nil, nil, nil, nil
}

// maskedKernels returns the path's masked direct-convolution tiles and
// weight-gradient tile, nil where the path has none.
func maskedKernels() (m8x3, m3x7, m8x1 mconvFunc, wg mwgradFunc) {
	if cur.name == "avx512" {
		return asm.MConv8x3AVX512, asm.MConv3x7AVX512, asm.MConv8x1AVX512, asm.MWgrad8x3AVX512
	}
	return nil, nil, nil, nil
}

// prefetchFns returns the path's cache prefetches (read, write), nil where
// there are none.
func prefetchFns() (rd, wr func(p *float32, lines int)) {
	if cur.name == "avx512" {
		return asm.PrefetchRead, asm.PrefetchWrite
	}
	return nil, nil
}
