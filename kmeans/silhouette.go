package kmeans

import (
	"fmt"
	"math"
	"runtime"

	"remedy/kernels"
)

// Silhouette returns the mean silhouette coefficient (euclidean distances,
// every point, as sklearn.metrics.silhouette_score): for point i with mean
// distance a to the rest of its cluster and b to the nearest other cluster,
// s = (b-a)/max(a,b), and 0 for points alone in their cluster. Labels must lie
// in [0, k) and use between 2 and n-1 distinct values. Distances are computed
// tile by tile; no n x n matrix is held.
func Silhouette(x []float32, n, d int, labels []int32, k int) (float64, error) {
	p, err := prepare(x, n, d)
	if err != nil {
		return 0, err
	}
	if err := checkLabels(labels, n, k); err != nil {
		return 0, err
	}
	return silhouetteMulti(p, [][]int32{labels}, []int{k}, runtime.GOMAXPROCS(0))[0], nil
}

func checkLabels(labels []int32, n, k int) error {
	if k < 2 {
		return fmt.Errorf("kmeans: silhouette needs k >= 2, got %d", k)
	}
	if len(labels) != n {
		return fmt.Errorf("kmeans: %d labels for %d points", len(labels), n)
	}
	seen := make([]bool, k)
	distinct := 0
	for i, l := range labels {
		if l < 0 || int(l) >= k {
			return fmt.Errorf("kmeans: label %d of point %d is outside [0, %d)", l, i, k)
		}
		if !seen[l] {
			seen[l] = true
			distinct++
		}
	}
	if distinct < 2 || distinct > n-1 {
		return fmt.Errorf("kmeans: silhouette needs 2 to n-1 = %d distinct labels, got %d", n-1, distinct)
	}
	return nil
}

const silRows = 64 // rows per tile

// silTileCols is the tile width: at most 1024, and small enough that one
// tile's GEMM (64 x cols x d) stays below the kernels' threshold for
// splitting a GEMM across threads (2^18 multiply-adds), since the tiles
// already run in parallel.
func silTileCols(d int) int {
	c := (1 << 18) / (silRows * d)
	return min(1024, max(64, c/64*64))
}

// silhouetteMulti scores several labellings of the same points in one pass
// over the distance tiles (the distances do not depend on the labels). For
// each labelling the columns of every tile are pre-sorted by label, so the
// per-cluster sums are runs of gathered loads instead of scattered adds.
// A labelling with fewer than 2 distinct labels scores NaN.
func silhouetteMulti(p *prepared, labs [][]int32, ks []int, threads int) []float64 {
	n, d := p.n, p.d
	nm := len(labs)
	silCols := silTileCols(d)
	nJ := (n + silCols - 1) / silCols
	perm := make([][]int32, nm)  // per labelling: local column indices, each tile sorted by label
	seg := make([][]int32, nm)   // per labelling: nJ x (k+1) run offsets
	sizes := make([][]int64, nm) // cluster sizes
	for m, lab := range labs {
		k := ks[m]
		perm[m] = make([]int32, n)
		seg[m] = make([]int32, nJ*(k+1))
		sizes[m] = make([]int64, k)
		for _, l := range lab {
			sizes[m][l]++
		}
		for J := 0; J < nJ; J++ {
			j0, j1 := J*silCols, min((J+1)*silCols, n)
			s := seg[m][J*(k+1) : (J+1)*(k+1)]
			for j := j0; j < j1; j++ {
				s[lab[j]+1]++
			}
			for c := 1; c <= k; c++ {
				s[c] += s[c-1]
			}
			pos := make([]int32, k)
			copy(pos, s[:k])
			for j := j0; j < j1; j++ {
				l := lab[j]
				perm[m][j0+int(pos[l])] = int32(j - j0)
				pos[l]++
			}
		}
	}
	sv := make([][]float64, nm)
	for m := range sv {
		sv[m] = make([]float64, n)
	}
	nI := (n + silRows - 1) / silRows
	bufs := make(chan *silBuf, threads)
	for t := 0; t < threads; t++ {
		b := &silBuf{g: make([]float32, silRows*silCols), s: make([][]float64, nm)}
		for m := range b.s {
			b.s[m] = make([]float64, silRows*ks[m])
		}
		bufs <- b
	}
	parallelFor(nI, threads, func(I int) {
		b := <-bufs
		defer func() { bufs <- b }()
		i0, i1 := I*silRows, min((I+1)*silRows, n)
		mb := i1 - i0
		for m := range b.s {
			clear(b.s[m])
		}
		for J := 0; J < nJ; J++ {
			j0, j1 := J*silCols, min((J+1)*silCols, n)
			nb := j1 - j0
			g := b.g[:mb*nb]
			kernels.Sgemm(false, true, mb, nb, d, 1, p.xc[i0*d:], d, p.xc[j0*d:], d, 0, g, nb)
			for i := 0; i < mb; i++ {
				ni := p.norms[i0+i]
				row := g[i*nb : i*nb+nb]
				nj := p.norms[j0:j1]
				for j, v := range row {
					row[j] = float32(math.Sqrt(float64(max(ni+nj[j]-2*v, 0))))
				}
				if gi := i0 + i; gi >= j0 && gi < j1 {
					row[gi-j0] = 0
				}
			}
			for m := 0; m < nm; m++ {
				k := ks[m]
				s := seg[m][J*(k+1) : (J+1)*(k+1)]
				pm := perm[m][j0:j1]
				acc := b.s[m]
				i := 0
				for ; i+2 <= mb; i += 2 {
					r0 := g[i*nb : i*nb+nb]
					r1 := g[(i+1)*nb : (i+1)*nb+nb]
					a0 := acc[i*k : i*k+k]
					a1 := acc[(i+1)*k : (i+1)*k+k]
					for c := 0; c < k; c++ {
						v0, v1 := runSum2(r0, r1, pm[s[c]:s[c+1]])
						a0[c] += v0
						a1[c] += v1
					}
				}
				for ; i < mb; i++ {
					row := g[i*nb : i*nb+nb]
					a := acc[i*k : i*k+k]
					for c := 0; c < k; c++ {
						a[c] += runSum(row, pm[s[c]:s[c+1]])
					}
				}
			}
		}
		for m := 0; m < nm; m++ {
			k := ks[m]
			for i := 0; i < mb; i++ {
				sv[m][i0+i] = silValue(b.s[m][i*k:i*k+k], sizes[m], labs[m][i0+i])
			}
		}
	})
	out := make([]float64, nm)
	for m := range out {
		distinct := 0
		for _, c := range sizes[m] {
			if c > 0 {
				distinct++
			}
		}
		if distinct < 2 || distinct > n-1 {
			out[m] = math.NaN()
			continue
		}
		var s float64
		for _, v := range sv[m] {
			s += v
		}
		out[m] = s / float64(n)
	}
	return out
}

type silBuf struct {
	g []float32
	s [][]float64
}

// runSum adds row[idx[t]] over a run, four accumulators to break the chain.
// (float32 accumulators measured no faster: the gathers bound it.)
func runSum(row []float32, idx []int32) float64 {
	var s0, s1, s2, s3 float64
	t := 0
	for ; t+4 <= len(idx); t += 4 {
		s0 += float64(row[idx[t]])
		s1 += float64(row[idx[t+1]])
		s2 += float64(row[idx[t+2]])
		s3 += float64(row[idx[t+3]])
	}
	for ; t < len(idx); t++ {
		s0 += float64(row[idx[t]])
	}
	return (s0 + s1) + (s2 + s3)
}

// runSum2 is runSum over two rows sharing the run's indices (each index
// loaded once for both).
func runSum2(r0, r1 []float32, idx []int32) (float64, float64) {
	r1 = r1[:len(r0)]
	var a0, a1, b0, b1 float64
	t := 0
	for ; t+2 <= len(idx); t += 2 {
		j, k := idx[t], idx[t+1]
		a0 += float64(r0[j])
		b0 += float64(r1[j])
		a1 += float64(r0[k])
		b1 += float64(r1[k])
	}
	if t < len(idx) {
		j := idx[t]
		a0 += float64(r0[j])
		b0 += float64(r1[j])
	}
	return a0 + a1, b0 + b1
}

func silValue(sums []float64, sizes []int64, l int32) float64 {
	if sizes[l] <= 1 {
		return 0
	}
	a := sums[l] / float64(sizes[l]-1)
	b := math.Inf(1)
	for c, sz := range sizes {
		if int32(c) == l || sz == 0 {
			continue
		}
		b = min(b, sums[c]/float64(sz))
	}
	den := max(a, b)
	if den == 0 || math.IsInf(b, 1) {
		return 0
	}
	return (b - a) / den
}

// Selection is the outcome of Select.
type Selection struct {
	BestK       int
	Ks          []int
	Silhouettes []float64 // per k (NaN if the clustering had fewer than 2 non-empty clusters)
	Inertias    []float64
	Results     []*Result
}

// Select fits k-means for every k in [kmin, kmax] and picks the k with the
// highest silhouette (the larger k on ties). Each k's fit is the same as
// Fit(x, n, d, k, opt) would return.
func Select(x []float32, n, d, kmin, kmax int, opt Options) (*Selection, error) {
	opt = opt.withDefaults()
	p, err := prepare(x, n, d)
	if err != nil {
		return nil, err
	}
	if kmin < 2 {
		return nil, fmt.Errorf("kmeans: silhouette selection needs kmin >= 2, got %d", kmin)
	}
	if kmax < kmin {
		return nil, fmt.Errorf("kmeans: empty k range %d..%d", kmin, kmax)
	}
	if kmax > n-1 {
		return nil, fmt.Errorf("kmeans: kmax = %d, but the silhouette needs k <= n-1 = %d", kmax, n-1)
	}
	if err := checkK(p, kmax); err != nil {
		return nil, err
	}
	sel := &Selection{}
	for k := kmin; k <= kmax; k++ {
		sel.Ks = append(sel.Ks, k)
	}
	sel.Results = fitMany(p, sel.Ks, opt)
	labs := make([][]int32, len(sel.Ks))
	for i, r := range sel.Results {
		labs[i] = r.Labels
		sel.Inertias = append(sel.Inertias, r.Inertia)
	}
	sel.Silhouettes = silhouetteMulti(p, labs, sel.Ks, opt.Threads)
	best := math.Inf(-1)
	for i, s := range sel.Silhouettes {
		if s >= best { // NaN never compares true
			best, sel.BestK = s, sel.Ks[i]
		}
	}
	if sel.BestK == 0 {
		return nil, fmt.Errorf("kmeans: no k in %d..%d gave 2 or more non-empty clusters", kmin, kmax)
	}
	return sel, nil
}
