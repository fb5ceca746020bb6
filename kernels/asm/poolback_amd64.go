//go:build !purego

package asm

// MaxPoolReluBackRowAVX512 is one output row of kernels.MaxPool2x2ReluBackward:
// for windows j < n, v = dy[j] if y[j] > 0 else +0 (plus 0, so -0 becomes
// +0), a = arg[j] - base - 2j; r0[2j], r0[2j+1], r1[2j], r1[2j+1] get v
// where a is 0, 1, w, w+1 respectively and +0 elsewhere. Needs AVX-512F.
//
//go:noescape
func MaxPoolReluBackRowAVX512(dy, y *float32, arg *int32, r0, r1 *float32, n int, base, w int32)

// MaxPoolReluBackNHWCAVX512 is one 2x2 window of
// kernels.MaxPool2x2NHWCReluBackward over c channels: for ch < c, v as in
// MaxPoolReluBackRowAVX512 and a = arg[ch] - p00 - ch; r00[ch], r00[c+ch],
// r10[ch], r10[c+ch] get v where a is 0, c, wc, wc+c respectively and +0
// elsewhere. Needs AVX-512F.
//
//go:noescape
func MaxPoolReluBackNHWCAVX512(dy, y *float32, arg *int32, r00, r10 *float32, c int, p00, wc int32)

// MaxPoolReluBackPlanesAVX512 is MaxPoolReluBackRowAVX512 over rows output
// rows of planes whose input height and width are even (h = 2*oh, w =
// 2*ow): row R reads dy, y, arg at R*ow, writes dx rows R*2w and R*2w+w,
// with base 2w*(R mod oh). Needs AVX-512F.
//
//go:noescape
func MaxPoolReluBackPlanesAVX512(dy, y *float32, arg *int32, dx *float32, rows, oh, ow, w int)
