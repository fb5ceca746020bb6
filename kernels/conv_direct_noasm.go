//go:build purego || !amd64

package kernels

// flatKernels: no assembly flat direct convolution on this build.
func flatKernels() (k8x3, k3x8 flatFunc, wg flatWgradFunc, cp copyRowsFunc) {
	return nil, nil, nil, nil
}

// maskedKernels: no assembly masked direct convolution on this build.
func maskedKernels() (m8x3, m3x7, m8x1 mconvFunc, wg mwgradFunc) { return nil, nil, nil, nil }

// prefetchFns: no prefetches on this build.
func prefetchFns() (rd, wr func(p *float32, lines int)) { return nil, nil }
