package umap

import (
	"math"
	"sort"

	"remedy/kernels"
)

// sqDist is the squared euclidean distance of two equal-length rows.
func sqDist(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		e0 := a[i] - b[i]
		e1 := a[i+1] - b[i+1]
		e2 := a[i+2] - b[i+2]
		e3 := a[i+3] - b[i+3]
		s0 += e0 * e0
		s1 += e1 * e1
		s2 += e2 * e2
		s3 += e3 * e3
	}
	for ; i < len(a); i++ {
		e := a[i] - b[i]
		s0 += e * e
	}
	return (s0 + s1) + (s2 + s3)
}

// rpTree is one random-projection tree: perm lists the points leaf by leaf,
// leaves[l]..leaves[l+1] is leaf l, leafOf[i] is the leaf holding point i.
type rpTree struct {
	perm   []int32
	leaves []int32
	leafOf []int32
}

// buildRPTree splits the points recursively by the hyperplane equidistant
// from two random members of the node until nodes hold at most leafSize
// points; a split that leaves one side empty becomes a random halving.
func buildRPTree(xs []float32, n, d, leafSize int, seed uint64, tree int) rpTree {
	r := newRNG(seed, 0x7265, uint64(tree))
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	side := make([]bool, n)
	normal := make([]float32, d)
	type span struct{ lo, hi int }
	stack := []span{{0, n}}
	var leafSpans []span
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		m := s.hi - s.lo
		if m <= leafSize {
			leafSpans = append(leafSpans, s)
			continue
		}
		pts := perm[s.lo:s.hi]
		ia := r.intn(m)
		ib := r.intn(m - 1)
		if ib >= ia {
			ib++
		}
		pa, pb := xs[int(pts[ia])*d:int(pts[ia]+1)*d], xs[int(pts[ib])*d:int(pts[ib]+1)*d]
		var off float64
		for t := 0; t < d; t++ {
			normal[t] = pa[t] - pb[t]
			off -= float64(normal[t]) * 0.5 * (float64(pa[t]) + float64(pb[t]))
		}
		nl := 0
		for q, p := range pts {
			row := xs[int(p)*d : int(p+1)*d]
			mg := float64(kernels.Dot(row, normal)) + off
			left := mg > 0
			if mg == 0 {
				left = r.next()&1 == 0
			}
			side[q] = left
			if left {
				nl++
			}
		}
		if nl == 0 || nl == m {
			for q := range pts {
				side[q] = r.next()&1 == 0
			}
		}
		// stable partition: left side first
		tmp := make([]int32, 0, m)
		for q, p := range pts {
			if side[q] {
				tmp = append(tmp, p)
			}
		}
		nl = len(tmp)
		for q, p := range pts {
			if !side[q] {
				tmp = append(tmp, p)
			}
		}
		copy(pts, tmp)
		if nl == 0 || nl == m { // random halving failed (tiny node): cut in the middle
			nl = m / 2
		}
		stack = append(stack, span{s.lo + nl, s.hi}, span{s.lo, s.lo + nl})
	}
	t := rpTree{perm: perm, leaves: make([]int32, 0, len(leafSpans)+1), leafOf: make([]int32, n)}
	sort.Slice(leafSpans, func(a, b int) bool { return leafSpans[a].lo < leafSpans[b].lo })
	for l, s := range leafSpans {
		t.leaves = append(t.leaves, int32(s.lo))
		for _, p := range perm[s.lo:s.hi] {
			t.leafOf[p] = int32(l)
		}
	}
	t.leaves = append(t.leaves, int32(n))
	return t
}

// NNDescentOptions tunes the approximate search; zero values pick
// umap-learn's defaults.
type NNDescentOptions struct {
	NTrees        int     // random-projection trees: min(64, 5 + round(sqrt(n)/20))
	LeafSize      int     // max(10, k)
	NIters        int     // max(5, round(log2 n))
	MaxCandidates int     // candidates sampled per point and iteration: 30 (umap-learn asks pynndescent for 60; on the 5000 x 512 mixture 30 gives recall 0.981 instead of 0.985 in 60% of the time)
	Delta         float64 // stop when fewer than delta*k*n heap updates: 0.001
}

// NNDescent returns approximate k nearest neighbours (self first at distance
// 0) by nearest-neighbour descent started from a random-projection forest.
// Every phase is either per-point work on private state or a deterministic
// merge, so the result depends only on the seed (not on threads).
func NNDescent(x []float32, n, d, k int, metric string, seed int64, threads int, o NNDescentOptions) ([]int32, []float32, error) {
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
	kk := k - 1 // self is added at the end
	if o.NTrees <= 0 {
		o.NTrees = min(64, 5+int(math.Round(math.Sqrt(float64(n))/20)))
	}
	if o.LeafSize <= 0 {
		o.LeafSize = max(10, k)
	}
	if o.NIters <= 0 {
		o.NIters = max(5, int(math.Round(math.Log2(float64(n)))))
	}
	if o.MaxCandidates <= 0 {
		o.MaxCandidates = 30
	}
	if o.Delta <= 0 {
		o.Delta = 0.001
	}
	useed := uint64(seed)
	row := func(i int32) []float32 { return xs[int(i)*d : int(i+1)*d] }

	// heaps: max-heaps of the current kk best (squared distances), flag = new
	hI := make([]int32, n*kk)
	hD := make([]float32, n*kk)
	hF := make([]bool, n*kk)
	for t := range hD {
		hI[t] = -1
		hD[t] = float32(math.Inf(1))
	}
	push := func(i int, j int32, v float32) bool {
		ds := hD[i*kk : (i+1)*kk]
		if !(v < ds[0]) || int(j) == i {
			return false
		}
		is := hI[i*kk : (i+1)*kk]
		for _, q := range is {
			if q == j {
				return false
			}
		}
		heapReplace(is, ds, hF[i*kk:(i+1)*kk], j, v)
		return true
	}

	// 1. forest initialisation: each point scans its own leaf in every tree
	trees := make([]rpTree, o.NTrees)
	parallelTasks(threads, o.NTrees, func(_, t int) {
		trees[t] = buildRPTree(xs, n, d, o.LeafSize, useed, t)
	})
	sqn := make([]float32, n)
	for i := range sqn {
		var s float32
		for _, v := range row(int32(i)) {
			s += v * v
		}
		sqn[i] = s
	}
	// triDist fills g (nr x len(pts), row stride len(pts)) with the squared
	// distances of pts[a], a < nr, to pts[c] for c > a (entries with c <= a
	// are left unset or partly filled), through 4 x 4 dot-product tiles read
	// straight from xs: no gathered copy of the rows.
	triDist := func(g []float32, pts []int32, nr int) {
		m := len(pts)
		for a0 := 0; a0 < nr; a0 += 4 {
			a1 := min(a0+4, nr)
			kernels.DotRows(xs, d, pts[a0:a1], pts[a0:], g[a0*m+a0:], m)
			for a := a0; a < a1; a++ {
				sp := sqn[pts[a]]
				gr := g[a*m : (a+1)*m]
				for c := a + 1; c < m; c++ {
					gr[c] = max(sp+sqn[pts[c]]-2*gr[c], 0)
				}
			}
		}
	}
	type gramBuf struct{ g []float32 }
	bufs := make([]gramBuf, threads)
	// Trees in order; within a tree the leaves are disjoint, so each leaf's
	// members' heaps are touched by one worker only.
	for t := range trees {
		tr := &trees[t]
		parallelTasks(threads, len(tr.leaves)-1, func(w, l int) {
			pts := tr.perm[tr.leaves[l]:tr.leaves[l+1]]
			m := len(pts)
			bf := &bufs[w]
			if cap(bf.g) < m*m {
				bf.g = make([]float32, m*m)
			}
			g := bf.g[:m*m]
			triDist(g, pts, m)
			for r, p := range pts {
				for c := r + 1; c < m; c++ {
					q := pts[c]
					push(int(p), q, g[r*m+c])
					push(int(q), p, g[r*m+c])
				}
			}
		})
	}
	parallelRange(threads, n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := row(int32(i))
			// fill short heaps with random points
			r := newRNG(useed, 0x66696c6c, uint64(i))
			for tries := 0; hI[i*kk] < 0 && tries < 4*kk+16; tries++ {
				j := int32(r.intn(n))
				push(i, j, kernels.SqDist(xi, row(j)))
			}
			for j := int32(0); hI[i*kk] < 0 && int(j) < n; j++ {
				push(i, j, kernels.SqDist(xi, row(j)))
			}
		}
	})

	// 2. descent
	mc := o.MaxCandidates
	newC := make([]int32, n*mc)
	newP := make([]uint64, n*mc)
	oldC := make([]int32, n*mc)
	oldP := make([]uint64, n*mc)
	thr := make([]float32, n)
	type upd struct {
		p, q int32
		d    float32
	}
	updates := make([][]upd, threads)
	for w := range updates {
		// more than the first iteration proposes (about 2.7 n*kk in all on
		// the 20,000 x 512 mixture): no regrowth while the heaps fill
		updates[w] = make([]upd, 0, 3*n*kk/threads)
	}
	counts := make([]int, threads)
	pri := make([]uint64, n*kk)
	for it := 0; it < o.NIters; it++ {
		// candidate sets: forward and reverse neighbours, at most mc each,
		// chosen by a random priority per (i, j) pair,
		// hashKey(seed, it, i, j), computed once; each worker owns a range
		// of target points and scans every heap.
		itKey := hashKey(useed, uint64(it))
		parallelRange(threads, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				ki := splitmix(itKey ^ uint64(i))
				for s := i * kk; s < (i+1)*kk; s++ {
					pri[s] = splitmix(ki ^ uint64(hI[s]))
				}
			}
		})
		parallelRange(threads, n, func(_, lo, hi int) {
			for t := lo * mc; t < hi*mc; t++ {
				newC[t], oldC[t] = -1, -1
				newP[t], oldP[t] = math.MaxUint64, math.MaxUint64
			}
			for i := 0; i < n; i++ {
				for s := i * kk; s < (i+1)*kk; s++ {
					j := hI[s]
					if j < 0 {
						continue
					}
					pri := pri[s]
					c, p := oldC, oldP
					if hF[s] {
						c, p = newC, newP
					}
					if i >= lo && i < hi {
						candPush(c[i*mc:(i+1)*mc], p[i*mc:(i+1)*mc], j, pri)
					}
					if int(j) >= lo && int(j) < hi {
						candPush(c[int(j)*mc:int(j+1)*mc], p[int(j)*mc:int(j+1)*mc], int32(i), pri)
					}
				}
			}
		})
		parallelRange(threads, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				thr[i] = hD[i*kk]
				nc := newC[i*mc : (i+1)*mc]
				for s := i * kk; s < (i+1)*kk; s++ {
					if hF[s] {
						for _, c := range nc {
							if c == hI[s] {
								hF[s] = false
								break
							}
						}
					}
				}
			}
		})
		// local join: read-only on the heaps, proposals collected per worker;
		// distances of a point's candidates come from one SGEMM
		parallelRange(threads, n, func(w, lo, hi int) {
			u := updates[w][:0]
			var pts []int32
			for i := lo; i < hi; i++ {
				pts = pts[:0]
				for _, p := range newC[i*mc : (i+1)*mc] {
					if p >= 0 {
						pts = append(pts, p)
					}
				}
				nn := len(pts)
				if nn == 0 {
					continue
				}
				for _, p := range oldC[i*mc : (i+1)*mc] {
					if p >= 0 {
						pts = append(pts, p)
					}
				}
				m := len(pts)
				bf := &bufs[w]
				if cap(bf.g) < nn*m {
					bf.g = make([]float32, nn*m)
				}
				g := bf.g[:nn*m]
				triDist(g, pts, nn)
				for a := 0; a < nn; a++ {
					p := pts[a]
					for c := a + 1; c < m; c++ {
						q := pts[c]
						if q == p {
							continue
						}
						if v := g[a*m+c]; v < thr[p] || v < thr[q] {
							u = append(u, upd{p, q, v})
						}
					}
				}
			}
			updates[w] = u
		})
		// apply in worker order (= point order); each worker owns a range of heaps
		parallelRange(threads, n, func(w, lo, hi int) {
			c := 0
			for _, u := range updates {
				for _, e := range u {
					if int(e.p) >= lo && int(e.p) < hi && push(int(e.p), e.q, e.d) {
						c++
					}
					if int(e.q) >= lo && int(e.q) < hi && push(int(e.q), e.p, e.d) {
						c++
					}
				}
			}
			counts[w] = c
		})
		total := 0
		for w := range counts {
			total += counts[w]
			counts[w] = 0
		}
		if float64(total) <= o.Delta*float64(k)*float64(n) {
			break
		}
	}

	// 3. sorted output with self first
	idx := make([]int32, n*k)
	dist := make([]float32, n*k)
	parallelRange(threads, n, func(_, lo, hi int) {
		cand := make([]candidate, kk)
		for i := lo; i < hi; i++ {
			for t := 0; t < kk; t++ {
				j := hI[i*kk+t]
				cand[t] = candidate{j, exactDist(x, d, i, int(j), metric)}
			}
			sortCandidates(cand)
			idx[i*k], dist[i*k] = int32(i), 0
			for t, c := range cand {
				idx[i*k+1+t] = c.j
				dist[i*k+1+t] = float32(c.d)
			}
		}
	})
	return idx, dist, nil
}

// candPush keeps the len(c) lowest-priority distinct candidates.
func candPush(c []int32, p []uint64, j int32, pri uint64) {
	if pri >= p[0] {
		return
	}
	for _, q := range c {
		if q == j {
			return
		}
	}
	// sift down from the root of the max-heap on priority
	n := len(p)
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		ch := l
		if r := l + 1; r < n && p[r] > p[l] {
			ch = r
		}
		if p[ch] <= pri {
			break
		}
		c[i], p[i] = c[ch], p[ch]
		i = ch
	}
	c[i], p[i] = j, pri
}

// AutoKNNMethod is the search "auto" picks for n points: exact below 4096
// points, as umap-learn; with a SIMD GEMM kernel also up to 8192 points,
// because there the blocked exact search costs less than NN-descent (measured
// at 5000 x 512: about half the time) and is exact.
func AutoKNNMethod(n int) string {
	if n < 4096 || (n <= 8192 && kernels.Path() != "generic") {
		return "exact"
	}
	return "nndescent"
}

// KNN runs ExactKNN or NNDescent; method "auto" (or "") uses AutoKNNMethod.
func KNN(x []float32, n, d, k int, metric, method string, seed int64, threads int) ([]int32, []float32, error) {
	if method == "" || method == "auto" {
		method = AutoKNNMethod(n)
	}
	switch method {
	case "exact":
		return ExactKNN(x, n, d, k, metric, threads)
	case "nndescent":
		return NNDescent(x, n, d, k, metric, seed, threads, NNDescentOptions{})
	}
	return nil, nil, errUnknownKNN(method)
}
