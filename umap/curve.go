package umap

import (
	"fmt"
	"math"
)

// FindAB fits a and b of the low-dimensional similarity 1/(1 + a d^(2b)) to
// the target curve (1 for d < minDist, exp(-(d - minDist)/spread) beyond) on
// 300 points in [0, 3*spread], by Levenberg-Marquardt least squares from
// (1, 1), as umap-learn's find_ab_params does with scipy's curve_fit.
func FindAB(spread, minDist float64) (a, b float64, err error) {
	if !(spread > 0) || math.IsInf(spread, 0) {
		return 0, 0, fmt.Errorf("umap: spread must be positive and finite, got %v", spread)
	}
	if !(minDist >= 0) || minDist > spread {
		return 0, 0, fmt.Errorf("umap: min_dist must be in [0, spread=%v], got %v", spread, minDist)
	}
	const np = 300
	xs := make([]float64, np)
	ys := make([]float64, np)
	for i := range xs {
		xs[i] = 3 * spread * float64(i) / float64(np-1)
		if xs[i] < minDist {
			ys[i] = 1
		} else {
			ys[i] = math.Exp(-(xs[i] - minDist) / spread)
		}
	}
	// residuals r_i = f(x_i; a, b) - y_i and their Jacobian
	eval := func(a, b float64, jac bool) (ss float64, jtj [2][2]float64, jtr [2]float64) {
		for i, x := range xs {
			var p, lx float64 // p = x^(2b)
			if x > 0 {
				lx = math.Log(x)
				p = math.Exp(2 * b * lx)
			}
			den := 1 + a*p
			f := 1 / den
			r := f - ys[i]
			ss += r * r
			if jac {
				ga := -p / (den * den)
				gb := -a * p * 2 * lx / (den * den)
				jtj[0][0] += ga * ga
				jtj[0][1] += ga * gb
				jtj[1][1] += gb * gb
				jtr[0] += ga * r
				jtr[1] += gb * r
			}
		}
		jtj[1][0] = jtj[0][1]
		return
	}
	a, b = 1, 1
	lambda := 1e-3
	ss, jtj, jtr := eval(a, b, true)
	for it := 0; it < 2000; it++ {
		// Marquardt scaling: damp the diagonal proportionally
		m00 := jtj[0][0] * (1 + lambda)
		m11 := jtj[1][1] * (1 + lambda)
		m01 := jtj[0][1]
		det := m00*m11 - m01*m01
		if det == 0 || math.IsNaN(det) {
			lambda *= 10
			if lambda > 1e12 {
				break
			}
			continue
		}
		da := -(m11*jtr[0] - m01*jtr[1]) / det
		db := -(-m01*jtr[0] + m00*jtr[1]) / det
		na, nb := a+da, b+db
		nss, _, _ := eval(na, nb, false)
		if nss < ss && !math.IsNaN(nss) {
			conv := math.Abs(da) <= 1e-12*(math.Abs(a)+1e-12) && math.Abs(db) <= 1e-12*(math.Abs(b)+1e-12) ||
				(ss-nss) <= 1e-15*ss
			a, b = na, nb
			ss, jtj, jtr = eval(a, b, true)
			lambda = math.Max(lambda/10, 1e-15)
			if conv {
				break
			}
		} else {
			lambda *= 10
			if lambda > 1e12 {
				break
			}
		}
	}
	if math.IsNaN(a) || math.IsNaN(b) || a <= 0 || b <= 0 {
		return 0, 0, fmt.Errorf("umap: curve fit for spread=%v min_dist=%v failed (a=%v, b=%v)", spread, minDist, a, b)
	}
	return a, b, nil
}
