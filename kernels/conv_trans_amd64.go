//go:build !purego

package kernels

import "remedy/kernels/asm"

// transBlock returns the in-register transposing routine of the active path
// and its block height: it sets dst[p*w+i] = src[i*ld+p] for p < k and i
// below the block height, storing exactly that many lanes per p when w is at
// least the block height. nil on the generic path.
func transBlock() (func(dst, src *float32, ld, k, rows, w int, alpha float32), int) {
	switch cur.name {
	case "avx512":
		return asm.PackTransAVX512, 16
	case "avx2":
		return asm.PackTransAVX2, 8
	}
	return nil, 0
}

// addRowsFn returns the path's strided 2-D add (dst[i*ldd+j] += src[i*lds+j])
// or nil for the pure-Go loop.
func addRowsFn() func(dst, src *float32, rows, n, ldd, lds int) {
	if cur.name == "avx512" {
		return asm.AddRowsAVX512
	}
	return nil
}

// directKernel returns the assembly direct-convolution row kernel, or nil.
func directKernel() func(out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, n, kn int, bias *float32) {
	if cur.name == "avx512" {
		return asm.ConvDirect16AVX512
	}
	return nil
}

// wgradKernel returns the assembly direct weight-gradient kernel, or nil.
func wgradKernel() func(part, dy *float32, ldy, ldr int, x *float32, rows, ow, wp int) {
	if cur.name == "avx512" {
		return asm.WgradDirect16AVX512
	}
	return nil
}

// directAKernel returns the path's in-place-A micro-kernels (see
// sgemmDirectA); the zero value where there are none.
func directAKernel() aKernel {
	if cur.name == "avx512" && cur.gemm.mr == 12 && cur.gemm.nr == 32 {
		return aKernel{fn: asm.Sgemm12x32AVX512A, set: asm.Sgemm12x32AVX512ASet}
	}
	return aKernel{}
}

// sumBlocksFn returns the path's float64 block sum (sum64Blocks), or nil.
func sumBlocksFn() func(x *float32, blocks int) float64 {
	if cur.name == "avx512" {
		return asm.Sum64AVX512
	}
	return nil
}

// transFewFn returns a transpose of up to 16 source rows whose stores are
// masked to the destination width (so a row stride below 16 is fine), or
// nil: AVX-512 only.
func transFewFn() func(dst, src *float32, ld, k, rows, w int, alpha float32) {
	if cur.name == "avx512" {
		return asm.PackTransAVX512
	}
	return nil
}
