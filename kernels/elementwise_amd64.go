//go:build !purego

package kernels

import "remedy/kernels/asm"

// The AVX2 element-wise kernels run on the avx2 and avx512 paths (both imply
// AVX2); REMEDY_KERNELS=generic keeps the pure-Go loops, their twins.
func elemSIMD() bool { return cur.name == "avx2" || cur.name == "avx512" }

// Each returns how many leading elements it handled (a multiple of 8).

func reluSIMD(dst, x []float32) int {
	n := len(x) &^ 7
	if n > 0 {
		asm.ReluAVX2(&dst[0], &x[0], n)
	}
	return n
}

func reluBackwardSIMD(dx, dy, y []float32) int {
	n := len(dx) &^ 7
	if n > 0 {
		asm.ReluBackwardAVX2(&dx[0], &dy[0], &y[0], n)
	}
	return n
}

func addSIMD(dst, a, b []float32) int {
	n := len(dst) &^ 7
	if n > 0 {
		asm.AddAVX2(&dst[0], &a[0], &b[0], n)
	}
	return n
}

func scaleSIMD(dst []float32, alpha float32, x []float32) int {
	n := len(dst) &^ 7
	if n > 0 {
		asm.ScaleAVX2(&dst[0], &x[0], alpha, n)
	}
	return n
}

// maxPoolRowSIMD pools the first len(yr)&^7 windows of a row (see
// maxPoolRowGo), groups holding a NaN through the Go twin, and returns how
// many it did.
func maxPoolRowSIMD(xp []float32, row0, w int, yr []float32, ar []int32) int {
	n := len(yr) &^ 7
	r0 := xp[row0 : row0+2*n]
	r1 := xp[row0+w : row0+w+2*n]
	ar = ar[:n]
	for j := 0; j < n; {
		j += asm.MaxPoolPairsAVX2(&r0[2*j], &r1[2*j], &yr[j], &ar[j], n-j, int32(row0+2*j), int32(w))
		if j < n { // this group holds a NaN
			maxPoolRowGo(xp, row0+2*j, w, yr[j:j+8], ar[j:j+8])
			j += 8
		}
	}
	return n
}

// poolReluBackRowSIMD is one output row of MaxPool2x2ReluBackward in
// AVX-512 (r0, r1 the row pair, 2*len(dy) floats each), reporting whether
// it did.
func poolReluBackRowSIMD(dy, y []float32, arg []int32, r0, r1 []float32, base, w int32) bool {
	if cur.name != "avx512" {
		return false
	}
	n := len(dy)
	if n == 0 {
		return true
	}
	_, _, _ = y[n-1], arg[n-1], r0[2*n-1]
	_ = r1[2*n-1]
	asm.MaxPoolReluBackRowAVX512(&dy[0], &y[0], &arg[0], &r0[0], &r1[0], n, base, w)
	return true
}

// poolReluBackPlanesSIMD is MaxPool2x2ReluBackward in AVX-512 for planes
// of even height and width (one call for all rows), reporting whether it
// did.
func poolReluBackPlanesSIMD(planes, oh, ow int, dy, y []float32, arg []int32, dx []float32) bool {
	if cur.name != "avx512" {
		return false
	}
	n := planes * oh * ow
	if n == 0 {
		return true
	}
	_, _, _ = dy[n-1], y[n-1], arg[n-1]
	_ = dx[4*n-1]
	asm.MaxPoolReluBackPlanesAVX512(&dy[0], &y[0], &arg[0], &dx[0], planes*oh, oh, ow, 2*ow)
	return true
}

// poolReluBackNHWCSIMD is one window of MaxPool2x2NHWCReluBackward in
// AVX-512 (r0, r1: the window's two row pairs, 2*len(dy) floats each),
// reporting whether it did.
func poolReluBackNHWCSIMD(dy, y []float32, arg []int32, r0, r1 []float32, p00, wc int32) bool {
	if cur.name != "avx512" {
		return false
	}
	c := len(dy)
	if c == 0 {
		return true
	}
	_, _, _ = y[c-1], arg[c-1], r0[2*c-1]
	_ = r1[2*c-1]
	asm.MaxPoolReluBackNHWCAVX512(&dy[0], &y[0], &arg[0], &r0[0], &r1[0], c, p00, wc)
	return true
}

// maxPoolPlanesSIMD pools whole planes with AVX-512 (masked tails, NaN
// handled in-register) and reports whether it did; the caller has checked
// that planes, h/2 and w/2 are positive and the slices long enough.
func maxPoolPlanesSIMD(planes, h, w int, x, y []float32, arg []int32) bool {
	if cur.name != "avx512" {
		return false
	}
	asm.MaxPoolPlanesAVX512(&x[0], &y[0], &arg[0], planes, h, w)
	return true
}

// sumSquaresSIMD adds x[j]^2 to acc[j%32] (len(x) a multiple of 32) with
// AVX-512 or AVX2, reporting whether it did.
func sumSquaresSIMD(x []float32, acc *[sqLanes]float64) bool {
	switch cur.name {
	case "avx512":
		asm.SumSquaresAVX512(&x[0], len(x), &acc[0])
	case "avx2":
		asm.SumSquaresAVX2(&x[0], len(x), &acc[0])
	default:
		return false
	}
	return true
}
