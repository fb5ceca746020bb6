//go:build !purego

package asm

// AddRowsAVX512 sets dst[i*ldd+j] += src[i*lds+j] for i < rows, j < n.
// Needs AVX-512F.
//
//go:noescape
func AddRowsAVX512(dst, src *float32, rows, n, ldd, lds int)

// ConvDirect16AVX512 computes one row segment of a direct convolution:
// out[kk*ldo+p] = bias[kk] + sum_t w[t*16+kk]*in[offs[t]+p] for p < n <= 16,
// kk < kn <= 16, taps summed in order with FMAs. Needs AVX-512F.
//
//go:noescape
func ConvDirect16AVX512(out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, n, kn int, bias *float32)

// WgradDirect16AVX512 adds, lane by lane, one filter tap's weight-gradient
// products for 16 output channels: part[kk*16+l] += sum over i < rows and
// 16-wide segments j0 < ow of dy[kk*ldy+i*ldr+j0+l]*x[i*wp+j0+l], input
// lanes j0+l >= ow read as zero; dy rows are read whole up to ow rounded up
// to 16 (the caller pads them). Needs AVX-512F.
//
//go:noescape
func WgradDirect16AVX512(part *float32, dy *float32, ldy, ldr int, x *float32, rows, ow, wp int)

// Sum64AVX512 returns the float64 sum of x[0 : 32*blocks] in a fixed lane
// order (see the assembly). Needs AVX-512F.
//
//go:noescape
func Sum64AVX512(x *float32, blocks int) float64
