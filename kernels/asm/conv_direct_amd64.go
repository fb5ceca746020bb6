//go:build !purego

package asm

// FlatConv8x3AVX512 computes an 8-channel x 48-position tile of a direct
// convolution over flattened padded planes: for kk < 8 and p < 48,
// out[kk*ldo+p] = bias[kk] + sum over t < taps, in order, of
// w[t*8+kk] * in[offs[t]+p]. No masks: all 48 positions are read and
// written. Needs AVX-512F.
//
//go:noescape
func FlatConv8x3AVX512(out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, bias *float32)

// FlatConv3x8AVX512 is FlatConv8x3AVX512 for 3 channels x 128 positions:
// out[kk*ldo+p] = bias[kk] + sum_t w[t*3+kk] * in[offs[t]+p], kk < 3,
// p < 128. Needs AVX-512F.
//
//go:noescape
func FlatConv3x8AVX512(out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, bias *float32)

// FlatWgrad8x3AVX512 adds, lane by lane, the weight-gradient products of 8
// output channels and 3 taps over nimg images of nv 16-float vectors:
// part[(kk*3+tt)*16+l] += sum over images m (in order) and vectors v (in
// order) of dy[m*dyImg+kk*ldy+v*16+l] * x[m*xImg+offs[tt]+v*16+l]. No
// masks. Needs AVX-512F.
//
//go:noescape
func FlatWgrad8x3AVX512(part *float32, dy *float32, ldy int, x *float32, offs *int32, nv, nimg, dyImg, xImg int)

// CopyRowsAVX512 sets dst[i*ldd+j] = src[i*lds+j] for i < rows, j < n: 16
// lanes at a time, the last n%16 under a mask (nothing outside the rows is
// read or written). Needs AVX-512F.
//
//go:noescape
func CopyRowsAVX512(dst, src *float32, rows, n, ldd, lds int)

// MConv8x3AVX512 computes an 8-channel x 48-position tile of a direct
// convolution reading the input planes in place: for kk < 8, v < 3, l < 16,
// with p = v*16+l,
//
//	out[kk*ldo+p] = bias[kk] + sum over rs < nrs, then c < nc (in order) of
//	                w[(rs*nc+c)*8+kk] * (in[c*ldc+rsoff[rs]+p] if bit l of
//	                masks[rs*ldm+v] is set, else 0),
//
// stored only in the lanes set in smask[v]. Masked-off lanes are neither
// read nor written. Needs AVX-512F.
//
//go:noescape
func MConv8x3AVX512(out *float32, ldo int, in *float32, ldc, nc int, rsoff *int32, nrs int, masks *uint16, ldm int, w *float32, bias *float32, smask *uint16)

// MConv3x7AVX512 is MConv8x3AVX512 for 3 channels x 112 positions (v < 7,
// weights w[(rs*nc+c)*3+kk]). Needs AVX-512F.
//
//go:noescape
func MConv3x7AVX512(out *float32, ldo int, in *float32, ldc, nc int, rsoff *int32, nrs int, masks *uint16, ldm int, w *float32, bias *float32, smask *uint16)

// MConv8x1AVX512 is MConv8x3AVX512 for 8 channels x 16 positions (v = 0),
// for the last vectors of a plane. Needs AVX-512F.
//
//go:noescape
func MConv8x1AVX512(out *float32, ldo int, in *float32, ldc, nc int, rsoff *int32, nrs int, masks *uint16, ldm int, w *float32, bias *float32, smask *uint16)

// MWgrad8x3AVX512 is FlatWgrad8x3AVX512 with masks instead of padding: for
// vector v, x lanes of tap tt load only where bit l of masks[v*4+tt] is set
// and dy lanes only where masks[v*4+3] is (zero elsewhere); every image uses
// the same masks. Needs AVX-512F.
//
//go:noescape
func MWgrad8x3AVX512(part *float32, dy *float32, ldy int, x *float32, offs *int32, masks *uint16, nv, nimg, dyImg, xImg int)

// PrefetchRead prefetches lines 64-byte lines from p on into the caches
// (PREFETCHT0); a hint only, it never faults.
//
//go:noescape
func PrefetchRead(p *float32, lines int)

// PrefetchWrite is PrefetchRead with intent to write (PREFETCHW, present on
// every AVX-512 CPU): the lines arrive owned, so later stores do not wait.
//
//go:noescape
func PrefetchWrite(p *float32, lines int)
