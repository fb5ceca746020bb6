package umap

import (
	"fmt"
	"math"
	"sort"

	"remedy/kernels"
)

// Metric names accepted by this package.
const (
	Euclidean = "euclidean"
	Cosine    = "cosine"
)

func checkMetric(m string) (string, error) {
	switch m {
	case "", Euclidean, "l2":
		return Euclidean, nil
	case Cosine:
		return Cosine, nil
	}
	return "", fmt.Errorf("umap: unknown metric %q (want %q or %q)", m, Euclidean, Cosine)
}

// searchSpace returns the vectors the neighbour search runs on: x itself for
// euclidean, unit-normalised rows for cosine (where |u-v|^2 = 2(1-cos) keeps
// the order of the cosine distance).
func searchSpace(x []float32, n, d int, metric string) ([]float32, error) {
	if metric != Cosine {
		return x, nil
	}
	xs := make([]float32, n*d)
	for i := 0; i < n; i++ {
		var s float64
		row := x[i*d : (i+1)*d]
		for _, v := range row {
			s += float64(v) * float64(v)
		}
		if s == 0 {
			return nil, fmt.Errorf("umap: cosine metric: row %d is all zeros (cosine distance undefined)", i)
		}
		inv := 1 / math.Sqrt(s)
		for j, v := range row {
			xs[i*d+j] = float32(float64(v) * inv)
		}
	}
	return xs, nil
}

// exactDist is the distance used to finalise neighbour lists.
func exactDist(x []float32, d, i, j int, metric string) float64 {
	a, b := x[i*d:(i+1)*d], x[j*d:(j+1)*d]
	if metric == Cosine {
		var dot, na, nb float64
		for t := range a {
			u, v := float64(a[t]), float64(b[t])
			dot += u * v
			na += u * u
			nb += v * v
		}
		return 1 - dot/math.Sqrt(na*nb)
	}
	// float32 differences are exact enough here (relative error ~1e-7,
	// unlike the GEMM norm expansion, which cancels)
	return math.Sqrt(float64(kernels.SqDist(a, b)))
}

// ExactKNN returns the k nearest neighbours of every row of x (n x d,
// row-major) by brute force: squared distances come blockwise from the SGEMM
// kernel, the best k-1+margin candidates per row are kept, and those are
// re-ranked with float64 distances. Row i of the n x k outputs starts with i
// itself at distance 0, as in umap-learn. Distances are euclidean or
// 1 - cosine similarity.
func ExactKNN(x []float32, n, d, k int, metric string, threads int) ([]int32, []float32, error) {
	metric, err := checkMetric(metric)
	if err != nil {
		return nil, nil, err
	}
	if err := checkKNNArgs(x, n, d, k); err != nil {
		return nil, nil, err
	}
	threads = defaultThreads(threads)
	xs, err := searchSpace(x, n, d, metric)
	if err != nil {
		return nil, nil, err
	}
	sq := make([]float32, n)
	for i := 0; i < n; i++ {
		var s float32
		for _, v := range xs[i*d : (i+1)*d] {
			s += v * v
		}
		sq[i] = s
	}
	kk := k - 1
	kc := kk + 8 // float32 GEMM distances can swap near ties; re-rank a margin in float64
	if kc > n-1 {
		kc = n - 1
	}
	const bm, bn = 64, 2048
	idx := make([]int32, n*k)
	dist := make([]float32, n*k)
	nblk := (n + bm - 1) / bm
	type scratch struct {
		c    []float32
		hIdx []int32
		hD   []float32
		cand []candidate
	}
	scr := make([]*scratch, threads)
	parallelTasks(threads, nblk, func(w, b int) {
		s := scr[w]
		if s == nil {
			s = &scratch{c: make([]float32, bm*bn), hIdx: make([]int32, bm*kc), hD: make([]float32, bm*kc)}
			scr[w] = s
		}
		r0 := b * bm
		r1 := min(r0+bm, n)
		m := r1 - r0
		for t := range s.hD[:m*kc] {
			s.hD[t] = float32(math.Inf(1))
			s.hIdx[t] = -1
		}
		for c0 := 0; c0 < n; c0 += bn {
			c1 := min(c0+bn, n)
			nc := c1 - c0
			kernels.Sgemm(false, true, m, nc, d, -2, xs[r0*d:], d, xs[c0*d:], d, 0, s.c, nc)
			for i := 0; i < m; i++ {
				gi := r0 + i
				hI, hD := s.hIdx[i*kc:(i+1)*kc], s.hD[i*kc:(i+1)*kc]
				row := s.c[i*nc : (i+1)*nc]
				sqi := sq[gi]
				for j := 0; j < nc; j++ {
					dv := sqi + sq[c0+j] + row[j]
					if dv < hD[0] && c0+j != gi {
						heapReplace(hI, hD, nil, int32(c0+j), dv)
					}
				}
			}
		}
		for i := 0; i < m; i++ {
			gi := r0 + i
			s.cand = s.cand[:0]
			for _, j := range s.hIdx[i*kc : (i+1)*kc] {
				if j >= 0 {
					s.cand = append(s.cand, candidate{j, exactDist(x, d, gi, int(j), metric)})
				}
			}
			sortCandidates(s.cand)
			idx[gi*k], dist[gi*k] = int32(gi), 0
			for t := 0; t < kk; t++ {
				idx[gi*k+1+t] = s.cand[t].j
				dist[gi*k+1+t] = float32(s.cand[t].d)
			}
		}
	})
	return idx, dist, nil
}

type candidate struct {
	j int32
	d float64
}

func sortCandidates(c []candidate) {
	sort.Slice(c, func(a, b int) bool {
		if c[a].d != c[b].d {
			return c[a].d < c[b].d
		}
		return c[a].j < c[b].j
	})
}

func checkKNNArgs(x []float32, n, d, k int) error {
	if n <= 0 || d <= 0 {
		return fmt.Errorf("umap: empty input (%d x %d)", n, d)
	}
	if len(x) != n*d {
		return fmt.Errorf("umap: data has %d values, want n*d = %d*%d = %d", len(x), n, d, n*d)
	}
	if k < 2 || k > n {
		return fmt.Errorf("umap: k = %d neighbours (self included) needs 2 <= k <= n = %d", k, n)
	}
	return nil
}

// heapReplace puts (j, v) at the root of the max-heap (hI, hD[, hF]) in place
// of the current maximum and restores the heap order. The caller has checked
// v < hD[0].
func heapReplace(hI []int32, hD []float32, hF []bool, j int32, v float32) {
	n := len(hD)
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && (hD[r] > hD[l] || (hD[r] == hD[l] && hI[r] > hI[l])) {
			c = r
		}
		if hD[c] < v || (hD[c] == v && hI[c] <= j) {
			break
		}
		hI[i], hD[i] = hI[c], hD[c]
		if hF != nil {
			hF[i] = hF[c]
		}
		i = c
	}
	hI[i], hD[i] = j, v
	if hF != nil {
		hF[i] = true
	}
}
