package kmeans

import "math"

// hamerlyMaxD is the largest dimension for which Lloyd runs with Hamerly's
// bounds. In low dimensions most points keep their centre after a few
// iterations and the bounds skip them, while the GEMM has too little work per
// call to be efficient (k and d of ~10); above it the GEMM path wins.
var hamerlyMaxD = 32

// lloydHamerly computes the same iterations as lloydGemm (the same labels
// as Lloyd, up to floating-point ties) but skips points whose upper bound on
// the distance to their centre is below a lower bound on the distance to any
// other centre (Hamerly, "Making k-means even faster", 2010). Distances are
// exact float64 sums over the centred float32 data.
//
// init, if not nil, holds the k x n squared distances from the seeding, used
// for the first assignment instead of recomputing them.
func lloydHamerly(p *prepared, w *workspace, maxIter int, tol float64, par int, init []float64) int {
	n, d, k := p.n, p.d, w.k
	upper := make([]float64, n)
	lower := make([]float64, n)
	half := make([]float64, k) // half the distance to the nearest other centre
	move := make([]float64, k)
	cOld := make([]float32, k*d)
	newC := make([]float64, k*d)
	changed := make([]int, w.nChunks)
	per := (n + w.nChunks - 1) / w.nChunks
	xs := p.float64Data()
	cs := make([]float64, k*d) // centres in float64, refreshed each iteration
	refresh := func() {
		for i, v := range w.centers {
			cs[i] = float64(v)
		}
	}
	refresh()

	// step assigns every point of chunk ch; first marks the initial pass
	// (no bounds yet). With acc, the chunk's sums and counts follow the
	// labels: built on the first pass, then updated only for points that
	// change cluster, so points the bounds skip cost nothing.
	step := func(ch int, first, acc bool) {
		lo, hi := ch*per, min((ch+1)*per, n)
		sums := w.sums[ch*k*d : (ch+1)*k*d]
		counts := w.counts[ch*k : (ch+1)*k]
		if first && acc {
			clear(sums)
			clear(counts)
		}
		nc := 0
		for i := lo; i < hi; i++ {
			a := w.labels[i]
			x := xs[i*d : i*d+d]
			if !first {
				z := max(lower[i], half[a])
				if upper[i] <= z {
					continue
				}
				upper[i] = math.Sqrt(sqDist64(x, cs[int(a)*d:int(a)*d+d]))
				if upper[i] <= z {
					continue
				}
			}
			b1, b2 := math.Inf(1), math.Inf(1)
			best := int32(0)
			consider := func(c int, v float64) {
				if v < b1 {
					b2, b1, best = b1, v, int32(c)
				} else if v < b2 {
					b2 = v
				}
			}
			switch {
			case first && init != nil:
				for c := 0; c < k; c++ {
					consider(c, init[c*n+i])
				}
			default:
				c := 0
				for ; c+4 <= k; c += 4 {
					v0, v1, v2, v3 := sqDist4(x, cs[c*d:(c+4)*d])
					consider(c, v0)
					consider(c+1, v1)
					consider(c+2, v2)
					consider(c+3, v3)
				}
				for ; c < k; c++ {
					consider(c, sqDist64(x, cs[c*d:c*d+d]))
				}
			}
			w.labels[i] = best
			upper[i] = math.Sqrt(b1)
			lower[i] = math.Sqrt(b2)
			switch {
			case first:
				if acc {
					counts[best]++
					s := sums[int(best)*d : int(best)*d+d]
					for j, v := range x {
						s[j] += v
					}
				}
			case best != a:
				nc++
				if acc {
					counts[a]--
					counts[best]++
					so := sums[int(a)*d : int(a)*d+d]
					sn := sums[int(best)*d : int(best)*d+d]
					for j, v := range x {
						so[j] -= v
						sn[j] += v
					}
				}
			}
		}
		changed[ch] = nc
	}
	fillDist2 := func() {
		for i := 0; i < n; i++ {
			a := int(w.labels[i])
			w.dist2[i] = float32(sqDist64(xs[i*d:i*d+d], cs[a*d:a*d+d]))
		}
	}

	iter := 0
	strict := false
	for iter < maxIter {
		iter++
		first := iter == 1
		if !first {
			halfDistances(w.centers, k, d, half)
		}
		parallelFor(w.nChunks, par, func(ch int) { step(ch, first, true) })
		copy(cOld, w.centers)
		shift := updateCenters(p, w, newC, fillDist2)
		refresh()
		// centres moved: loosen the bounds by how far
		m1, m2, r := 0.0, 0.0, -1
		for c := 0; c < k; c++ {
			move[c] = math.Sqrt(sqDist(cOld[c*d:c*d+d], w.centers[c*d:c*d+d]))
			if move[c] > m1 {
				m2, m1, r = m1, move[c], c
			} else if move[c] > m2 {
				m2 = move[c]
			}
		}
		for i := 0; i < n; i++ {
			a := int(w.labels[i])
			upper[i] += move[a]
			if a == r {
				lower[i] -= m2
			} else {
				lower[i] -= m1
			}
		}
		total := 0
		for _, c := range changed {
			total += c
		}
		if !first && total == 0 {
			strict = true
			break
		}
		if shift <= tol {
			break
		}
	}
	if !strict {
		// labels must match the final centres
		halfDistances(w.centers, k, d, half)
		parallelFor(w.nChunks, par, func(ch int) { step(ch, false, false) })
	}
	return iter
}

// halfDistances sets half[c] to half the distance from centre c to the
// nearest other centre (+Inf when k = 1).
func halfDistances(centers []float32, k, d int, half []float64) {
	for c := range half {
		half[c] = math.Inf(1)
	}
	for a := 0; a < k; a++ {
		for b := a + 1; b < k; b++ {
			v := 0.5 * math.Sqrt(sqDist(centers[a*d:a*d+d], centers[b*d:b*d+d]))
			half[a] = min(half[a], v)
			half[b] = min(half[b], v)
		}
	}
}

func sqDist64(x, c []float64) float64 {
	c = c[:len(x)]
	var s0, s1 float64
	j := 0
	for ; j+2 <= len(x); j += 2 {
		t0 := x[j] - c[j]
		t1 := x[j+1] - c[j+1]
		s0 += t0 * t0
		s1 += t1 * t1
	}
	if j < len(x) {
		t := x[j] - c[j]
		s0 += t * t
	}
	return s0 + s1
}

// sqDist4 returns the squared distances from x to the four consecutive
// centres in c (4 x len(x)), four independent sums at once.
func sqDist4(x, c []float64) (s0, s1, s2, s3 float64) {
	d := len(x)
	c0, c1, c2, c3 := c[:d], c[d:2*d], c[2*d:3*d], c[3*d:4*d]
	for j, v := range x {
		t0, t1, t2, t3 := v-c0[j], v-c1[j], v-c2[j], v-c3[j]
		s0 += t0 * t0
		s1 += t1 * t1
		s2 += t2 * t2
		s3 += t3 * t3
	}
	return
}

func sqDist(x, c []float32) float64 {
	c = c[:len(x)]
	var s float64
	for j, v := range x {
		t := float64(v) - float64(c[j])
		s += t * t
	}
	return s
}
