//go:build !purego

package kernels

import (
	"unsafe"

	"remedy/kernels/asm"

	"github.com/klauspost/cpuid/v2"
)

func init() {
	fma := cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3)
	addImpl(impl{name: "avx2", available: fma,
		gemm: microKernel{mr: 6, nr: 16, fn: asm.Sgemm6x16AVX2, set: asm.Sgemm6x16AVX2Set},
		dot:  dotAVX2, axpy: axpyAVX2,
		packCopy: asm.PackCopyAVX2, packGather: packTransAVX2, packMaxW: 16})
	// The 12x32 kernel and the packing need only AVX512F; the skinny path stays on AVX2.
	addImpl(impl{name: "avx512", available: fma && cpuid.CPU.Supports(cpuid.AVX512F),
		gemm: microKernel{mr: 12, nr: 32, fn: asm.Sgemm12x32AVX512, set: asm.Sgemm12x32AVX512Set},
		dot:  dotAVX2, axpy: axpyAVX2,
		packCopy: asm.PackCopyAVX512, packGather: packTransAVX512, packMaxW: 32})
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

// packTransAVX512 is the packGather of the avx512 path: 16-row blocks
// transposed in registers (far faster than VGATHERDPS on Zen), the gather
// routine only for the odd panel wider than 16 lanes with at most 16 rows.
func packTransAVX512(dst, src *float32, ld, k, n, w int, alpha float32) {
	if w <= 16 {
		asm.PackTransAVX512(dst, src, ld, k, n, w, alpha)
		return
	}
	if n <= 16 {
		asm.PackGatherAVX512(dst, src, ld, k, n, w, alpha)
		return
	}
	asm.PackTransAVX512(dst, src, ld, k, 16, w, alpha)
	asm.PackTransAVX512((*float32)(unsafe.Add(unsafe.Pointer(dst), 64)),
		(*float32)(unsafe.Add(unsafe.Pointer(src), 16*ld*4)), ld, k, n-16, w, alpha)
}

// packTransAVX2 is packTransAVX512's AVX2 twin, on 8-row blocks.
func packTransAVX2(dst, src *float32, ld, k, n, w int, alpha float32) {
	if w <= 8 {
		asm.PackTransAVX2(dst, src, ld, k, n, w, alpha)
		return
	}
	if n <= 8 || w < 16 {
		// The second half's 8-float stores would run into the next row.
		asm.PackGatherAVX2(dst, src, ld, k, n, w, alpha)
		return
	}
	asm.PackTransAVX2(dst, src, ld, k, 8, w, alpha)
	asm.PackTransAVX2((*float32)(unsafe.Add(unsafe.Pointer(dst), 32)),
		(*float32)(unsafe.Add(unsafe.Pointer(src), 8*ld*4)), ld, k, n-8, w, alpha)
}
