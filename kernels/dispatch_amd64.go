//go:build !purego

package kernels

import (
	"remedy/kernels/asm"

	"github.com/klauspost/cpuid/v2"
)

func init() {
	fma := cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3)
	addImpl(impl{name: "avx2", available: fma,
		gemm: microKernel{mr: 6, nr: 16, fn: asm.Sgemm6x16AVX2},
		dot:  dotAVX2, axpy: axpyAVX2})
	// AVX512F is all the 12x32 kernel uses; the skinny path stays on AVX2.
	addImpl(impl{name: "avx512", available: fma && cpuid.CPU.Supports(cpuid.AVX512F),
		gemm: microKernel{mr: 12, nr: 32, fn: asm.Sgemm12x32AVX512},
		dot:  dotAVX2, axpy: axpyAVX2})
}

func dotAVX2(x, y []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	_ = y[len(x)-1]
	return asm.SdotAVX2(&x[0], &y[0], len(x))
}

func axpyAVX2(alpha float32, x, y []float32) {
	if len(x) == 0 {
		return
	}
	_ = y[len(x)-1]
	asm.SaxpyAVX2(alpha, &x[0], &y[0], len(x))
}
