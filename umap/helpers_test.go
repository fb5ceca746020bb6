package umap

import (
	"math"
	"math/rand"
	"sort"
)

// blobs draws `c` Gaussian clusters of n/c points in d dimensions, centres
// N(0, sep^2) per coordinate, unit noise.
func blobs(n, d, c int, sep float64, seed int64) ([]float32, []int) {
	r := rand.New(rand.NewSource(seed))
	centres := make([]float64, c*d)
	for i := range centres {
		centres[i] = sep * r.NormFloat64()
	}
	x := make([]float32, n*d)
	lab := make([]int, n)
	for i := 0; i < n; i++ {
		lab[i] = i % c
		for t := 0; t < d; t++ {
			x[i*d+t] = float32(centres[lab[i]*d+t] + r.NormFloat64())
		}
	}
	return x, lab
}

func dist64(x []float32, d, i, j int) float64 {
	var s float64
	for t := 0; t < d; t++ {
		e := float64(x[i*d+t]) - float64(x[j*d+t])
		s += e * e
	}
	return math.Sqrt(s)
}

// trustworthiness as sklearn.manifold.trustworthiness (euclidean), brute force.
func trustworthiness(x []float32, d int, y []float32, dy, n, k int) float64 {
	var sum float64
	type pr struct {
		j int
		v float64
	}
	ord := make([]pr, n)
	rank := make([]int, n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			ord[j] = pr{j, dist64(x, d, i, j)}
		}
		ord[i].v = -1 // self first
		sort.Slice(ord, func(a, b int) bool {
			if ord[a].v != ord[b].v {
				return ord[a].v < ord[b].v
			}
			return ord[a].j < ord[b].j
		})
		for r, p := range ord {
			rank[p.j] = r // self has rank 0
		}
		inX := make(map[int]bool, k)
		for _, p := range ord[1 : k+1] {
			inX[p.j] = true
		}
		for j := 0; j < n; j++ {
			ord[j] = pr{j, dist64(y, dy, i, j)}
		}
		ord[i].v = -1
		sort.Slice(ord, func(a, b int) bool {
			if ord[a].v != ord[b].v {
				return ord[a].v < ord[b].v
			}
			return ord[a].j < ord[b].j
		})
		for _, p := range ord[1 : k+1] {
			if !inX[p.j] {
				sum += float64(rank[p.j] - k)
			}
		}
	}
	return 1 - 2/(float64(n)*float64(k)*(2*float64(n)-3*float64(k)-1))*sum
}

// kmeansLabels: plain Lloyd with k-means++ seeding, best of nInit by inertia.
func kmeansLabels(x []float32, n, d, k, nInit int, seed int64) []int {
	r := rand.New(rand.NewSource(seed))
	best := math.Inf(1)
	var bestLab []int
	for run := 0; run < nInit; run++ {
		cent := make([]float64, k*d)
		first := r.Intn(n)
		for t := 0; t < d; t++ {
			cent[t] = float64(x[first*d+t])
		}
		dmin := make([]float64, n)
		for i := range dmin {
			dmin[i] = math.Inf(1)
		}
		for c := 1; c < k; c++ {
			var tot float64
			for i := 0; i < n; i++ {
				var s float64
				for t := 0; t < d; t++ {
					e := float64(x[i*d+t]) - cent[(c-1)*d+t]
					s += e * e
				}
				dmin[i] = math.Min(dmin[i], s)
				tot += dmin[i]
			}
			u := r.Float64() * tot
			pick := n - 1
			for i := 0; i < n; i++ {
				u -= dmin[i]
				if u <= 0 {
					pick = i
					break
				}
			}
			for t := 0; t < d; t++ {
				cent[c*d+t] = float64(x[pick*d+t])
			}
		}
		lab := make([]int, n)
		var inertia float64
		for it := 0; it < 100; it++ {
			inertia = 0
			changed := false
			for i := 0; i < n; i++ {
				bi, bv := 0, math.Inf(1)
				for c := 0; c < k; c++ {
					var s float64
					for t := 0; t < d; t++ {
						e := float64(x[i*d+t]) - cent[c*d+t]
						s += e * e
					}
					if s < bv {
						bi, bv = c, s
					}
				}
				if lab[i] != bi || it == 0 {
					changed = true
				}
				lab[i] = bi
				inertia += bv
			}
			if !changed {
				break
			}
			cnt := make([]float64, k)
			for i := range cent {
				cent[i] = 0
			}
			for i := 0; i < n; i++ {
				cnt[lab[i]]++
				for t := 0; t < d; t++ {
					cent[lab[i]*d+t] += float64(x[i*d+t])
				}
			}
			for c := 0; c < k; c++ {
				for t := 0; t < d && cnt[c] > 0; t++ {
					cent[c*d+t] /= cnt[c]
				}
			}
		}
		if inertia < best {
			best, bestLab = inertia, lab
		}
	}
	return bestLab
}

// adjustedRand is the Hubert-Arabie adjusted Rand index.
func adjustedRand(a, b []int) float64 {
	c2 := func(v float64) float64 { return v * (v - 1) / 2 }
	type key struct{ x, y int }
	tab := map[key]float64{}
	ra, rb := map[int]float64{}, map[int]float64{}
	for i := range a {
		tab[key{a[i], b[i]}]++
		ra[a[i]]++
		rb[b[i]]++
	}
	var sij, sa, sb float64
	for _, v := range tab {
		sij += c2(v)
	}
	for _, v := range ra {
		sa += c2(v)
	}
	for _, v := range rb {
		sb += c2(v)
	}
	exp := sa * sb / c2(float64(len(a)))
	mx := (sa + sb) / 2
	if mx == exp {
		return 1
	}
	return (sij - exp) / (mx - exp)
}
