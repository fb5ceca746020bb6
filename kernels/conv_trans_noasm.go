//go:build purego || !amd64

package kernels

// transBlock: no assembly transposes on this build (see conv_trans_amd64.go).
func transBlock() (func(dst, src *float32, ld, k, rows, w int, alpha float32), int) {
	return nil, 0
}

// addRowsFn: no assembly 2-D add on this build.
func addRowsFn() func(dst, src *float32, rows, n, ldd, lds int) { return nil }

// directKernel: no assembly direct convolution on this build.
func directKernel() func(out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, n, kn int, bias *float32) {
	return nil
}

// wgradKernel: no assembly direct weight gradient on this build.
func wgradKernel() func(part, dy *float32, ldy, ldr int, x *float32, rows, ow, wp int) {
	return nil
}

// directAKernel: no in-place-A micro-kernels on this build.
func directAKernel() aKernel { return aKernel{} }

// sumBlocksFn: no assembly block sum on this build.
func sumBlocksFn() func(x *float32, blocks int) float64 { return nil }

// transFewFn: no assembly transposes on this build.
func transFewFn() func(dst, src *float32, ld, k, rows, w int, alpha float32) { return nil }
