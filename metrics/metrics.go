// Package metrics scores embeddings and clusterings: trustworthiness (as
// sklearn.manifold.trustworthiness) and the adjusted Rand index (as
// sklearn.metrics.adjusted_rand_score).
package metrics

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"remedy/kernels"
)

// Label is any integer label type.
type Label interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// Contingency is the table of co-occurring labels of two labellings.
type Contingency struct {
	A, B  []int64   // distinct labels of each labelling, ascending
	Count [][]int64 // Count[i][j]: points with label A[i] in the first and B[j] in the second
	N     int64
}

// NewContingency counts label pairs. The labellings must have equal length.
func NewContingency[T Label](a, b []T) (*Contingency, error) {
	if len(a) != len(b) {
		return nil, fmt.Errorf("metrics: labellings have different lengths (%d and %d)", len(a), len(b))
	}
	ia, ua := index(a)
	ib, ub := index(b)
	c := &Contingency{A: ua, B: ub, N: int64(len(a)), Count: make([][]int64, len(ua))}
	for i := range c.Count {
		c.Count[i] = make([]int64, len(ub))
	}
	for i := range a {
		c.Count[ia[i]][ib[i]]++
	}
	return c, nil
}

// index maps labels to 0..u-1 in ascending label order.
func index[T Label](a []T) ([]int, []int64) {
	set := map[int64]int{}
	for _, v := range a {
		set[int64(v)] = 0
	}
	u := make([]int64, 0, len(set))
	for v := range set {
		u = append(u, v)
	}
	sort.Slice(u, func(i, j int) bool { return u[i] < u[j] })
	for i, v := range u {
		set[v] = i
	}
	idx := make([]int, len(a))
	for i, v := range a {
		idx[i] = set[int64(v)]
	}
	return idx, u
}

// AdjustedRand is the adjusted Rand index between two labellings (1 for the
// same partition, about 0 for independent ones), from the pair confusion
// matrix exactly as scikit-learn computes it.
func AdjustedRand[T, U Label](a []T, b []U) (float64, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("metrics: labellings have different lengths (%d and %d)", len(a), len(b))
	}
	if len(a) == 0 {
		return 0, fmt.Errorf("metrics: empty labellings")
	}
	a64 := make([]int64, len(a))
	for i, v := range a {
		a64[i] = int64(v)
	}
	b64 := make([]int64, len(b))
	for i, v := range b {
		b64[i] = int64(v)
	}
	c, err := NewContingency(a64, b64)
	if err != nil {
		return 0, err
	}
	n := float64(c.N)
	rows := make([]float64, len(c.A))
	cols := make([]float64, len(c.B))
	var sq float64
	for i, r := range c.Count {
		for j, v := range r {
			f := float64(v)
			sq += f * f
			rows[i] += f
			cols[j] += f
		}
	}
	var sumRows2, sumCols2 float64 // sum over cells of count * marginal
	for i, r := range c.Count {
		for j, v := range r {
			sumCols2 += float64(v) * cols[j]
			sumRows2 += float64(v) * rows[i]
		}
	}
	tp := sq - n
	fp := sumCols2 - sq
	fn := sumRows2 - sq
	tn := n*n - fp - fn - sq
	if fn == 0 && fp == 0 {
		return 1, nil
	}
	return 2 * (tp*tn - fn*fp) / ((tp+fn)*(fn+tn) + (tp+fp)*(fp+tn)), nil
}

// Trustworthiness measures how well an embedding y (n x dy) keeps the local
// structure of x (n x dx): 1 - 2/(n k (2n - 3k - 1)) * sum over each point's
// k nearest neighbours in y of max(0, r - k), where r is that neighbour's
// rank by distance in x. Euclidean distances; k must be < n/2 (as
// scikit-learn). Distances go through the GEMM kernel on centred data, tile
// by tile, so no n x n matrix is held.
func Trustworthiness(x []float32, n, dx int, y []float32, dy int, k int) (float64, error) {
	if n <= 0 || dx <= 0 || dy <= 0 {
		return 0, fmt.Errorf("metrics: empty input (n=%d, dx=%d, dy=%d)", n, dx, dy)
	}
	if len(x) != n*dx {
		return 0, fmt.Errorf("metrics: x has %d values, want %d x %d", len(x), n, dx)
	}
	if len(y) != n*dy {
		return 0, fmt.Errorf("metrics: y has %d values, want %d x %d", len(y), n, dy)
	}
	if k < 1 || float64(k) >= float64(n)/2 {
		return 0, fmt.Errorf("metrics: n_neighbors = %d must be in [1, n/2) = [1, %g)", k, float64(n)/2)
	}
	xs, err := newSpace(x, n, dx, "x")
	if err != nil {
		return 0, err
	}
	ys, err := newSpace(y, n, dy, "y")
	if err != nil {
		return 0, err
	}
	const rows = 64
	nb := (n + rows - 1) / rows
	pen := make([]float64, nb)
	threads := runtime.GOMAXPROCS(0)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dX := make([]float32, rows*n)
			dY := make([]float32, rows*n)
			tmp := make([]float32, n)
			nbr := make([]int, 0, k)
			for {
				b := int(next.Add(1)) - 1
				if b >= nb {
					return
				}
				i0, i1 := b*rows, min((b+1)*rows, n)
				xs.sqDists(i0, i1, dX)
				ys.sqDists(i0, i1, dY)
				var p float64
				for i := i0; i < i1; i++ {
					rx := dX[(i-i0)*n : (i-i0)*n+n]
					ry := dY[(i-i0)*n : (i-i0)*n+n]
					nbr = kNearest(ry, i, k, nbr[:0])
					// tau: the k-th smallest distance in x; neighbours closer
					// than it have rank <= k and cost nothing.
					copy(tmp, rx)
					tmp[i] = float32(math.Inf(1))
					tau := kth(tmp, k-1)
					for _, j := range nbr {
						dj := rx[j]
						if dj < tau {
							continue
						}
						r := 1
						for l, v := range rx {
							if l != i && (v < dj || (v == dj && l < j)) {
								r++
							}
						}
						if r > k {
							p += float64(r - k)
						}
					}
				}
				pen[b] = p
			}
		}()
	}
	wg.Wait()
	var t float64
	for _, p := range pen {
		t += p
	}
	fn, fk := float64(n), float64(k)
	return 1 - t*(2/(fn*fk*(2*fn-3*fk-1))), nil
}

type space struct {
	n, d  int
	c     []float32
	norms []float32
}

func newSpace(x []float32, n, d int, name string) (*space, error) {
	mean := make([]float64, d)
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("metrics: non-finite value in %s at row %d, column %d", name, i/d, i%d)
		}
		mean[i%d] += float64(v)
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	// a power-of-two scale (exact; ranks do not change) keeps float32
	// squares from overflowing or underflowing
	var maxAbs float64
	for i, v := range x {
		maxAbs = max(maxAbs, math.Abs(float64(v)-mean[i%d]))
	}
	scale := 1.0
	if maxAbs > 0 {
		_, e := math.Frexp(maxAbs)
		scale = math.Ldexp(1, -e)
	}
	s := &space{n: n, d: d, c: make([]float32, n*d), norms: make([]float32, n)}
	for i := 0; i < n; i++ {
		var q float64
		for j := 0; j < d; j++ {
			v := (float64(x[i*d+j]) - mean[j]) * scale
			s.c[i*d+j] = float32(v)
			q += v * v
		}
		s.norms[i] = float32(q)
	}
	return s, nil
}

// sqDists fills out[(i-i0)*n + j] with the squared distance of rows i and j.
func (s *space) sqDists(i0, i1 int, out []float32) {
	n, d := s.n, s.d
	m := i1 - i0
	kernels.Sgemm(false, true, m, n, d, 1, s.c[i0*d:], d, s.c, d, 0, out, n)
	for i := 0; i < m; i++ {
		row := out[i*n : i*n+n]
		ni := s.norms[i0+i]
		for j, v := range row {
			row[j] = max(ni+s.norms[j]-2*v, 0)
		}
		row[i0+i] = 0
	}
}

// kNearest returns the k indices (other than self) with the smallest d,
// ties to the lower index, in order of distance.
func kNearest(d []float32, self, k int, out []int) []int {
	for j, v := range d {
		if j == self {
			continue
		}
		if len(out) == k {
			last := out[k-1]
			if v > d[last] || (v == d[last] && j > last) {
				continue
			}
			out = out[:k-1]
		}
		// insert keeping order
		pos := len(out)
		out = append(out, j)
		for pos > 0 && (d[out[pos-1]] > v || (d[out[pos-1]] == v && out[pos-1] > j)) {
			out[pos] = out[pos-1]
			pos--
		}
		out[pos] = j
	}
	return out
}

// kth returns the k-th smallest (0-based) value of a, reordering a.
func kth(a []float32, k int) float32 {
	lo, hi := 0, len(a)-1
	for lo < hi {
		p := a[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}
