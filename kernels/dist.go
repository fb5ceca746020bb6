package kernels

import "fmt"

// Distance primitives on float32 rows, for neighbour searches (UMAP's
// random-projection trees and NN-descent) where rows are picked by index
// and a GEMM would first have to gather them. On the avx512 path they run
// in AVX-512 assembly; elsewhere Dot (and so DotRows) uses the path's vector
// dot if it has one, SqDist plain Go. The summation order differs between
// paths (results agree to rounding), but on one path the result depends on
// the operands only.

// Dot returns sum x[i]*y[i]; y must be at least as long as x.
func Dot(x, y []float32) float32 {
	y = y[:len(x)]
	if len(x) == 0 {
		return 0
	}
	if distSIMD() {
		return dotSIMD(x, y)
	}
	if cur.dot != nil { // the path's own vector dot (AVX2, NEON)
		return cur.dot(x, y)
	}
	return dotGo(x, y)
}

// SqDist returns sum (x[i]-y[i])^2; y must be at least as long as x.
func SqDist(x, y []float32) float32 {
	y = y[:len(x)]
	if len(x) > 0 && distSIMD() {
		return sqDistSIMD(x, y)
	}
	return sqDistGo(x, y)
}

// DotRows sets out[a*ldo+b] = Dot(row ia[a], row ib[b]) for the row-major
// matrix x with d columns. It panics, naming the problem, on an index out
// of range or an out too short.
func DotRows(x []float32, d int, ia, ib []int32, out []float32, ldo int) {
	na, nb := len(ia), len(ib)
	if na == 0 || nb == 0 {
		return
	}
	if d <= 0 || ldo < nb || len(out) < (na-1)*ldo+nb {
		panic(fmt.Sprintf("kernels: DotRows with d = %d, %d x %d outputs, ldo = %d, len(out) = %d", d, na, nb, ldo, len(out)))
	}
	rows := len(x) / d
	for _, idx := range [2][]int32{ia, ib} {
		for _, i := range idx {
			if i < 0 || int(i) >= rows {
				panic(fmt.Sprintf("kernels: DotRows row index %d out of range [0, %d)", i, rows))
			}
		}
	}
	if distSIMD() {
		dotRowsSIMD(x, d, ia, ib, out, ldo)
		return
	}
	for a, i := range ia {
		xi := x[int(i)*d : int(i)*d+d]
		o := out[a*ldo : a*ldo+nb]
		for b, j := range ib {
			o[b] = Dot(xi, x[int(j)*d:int(j)*d+d])
		}
	}
}

func sqDistGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		e0, e1, e2, e3 := x[i]-y[i], x[i+1]-y[i+1], x[i+2]-y[i+2], x[i+3]-y[i+3]
		s0 += e0 * e0
		s1 += e1 * e1
		s2 += e2 * e2
		s3 += e3 * e3
	}
	for ; i < len(x); i++ {
		e := x[i] - y[i]
		s0 += e * e
	}
	return (s0 + s1) + (s2 + s3)
}
