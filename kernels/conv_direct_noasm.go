//go:build purego || !amd64

package kernels

// flatKernels: no assembly flat direct convolution on this build.
func flatKernels() (k8x3, k3x8 flatFunc, wg flatWgradFunc, cp copyRowsFunc) {
	return nil, nil, nil, nil
}
