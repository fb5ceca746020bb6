// Package kmeans clusters row-major float32 matrices with k-means (k-means++
// seeding and Lloyd iterations, as scikit-learn's KMeans), scores clusterings
// with the exact silhouette coefficient, and picks k by the silhouette.
//
// Distances go through the GEMM kernel (||x||^2 - 2 x.c + ||c||^2) on data
// centred in float64 first, which keeps float32 cancellation small; reported
// inertias are recomputed exactly in float64. Results depend only on the
// inputs and the seed, not on the thread count.
package kmeans

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"remedy/kernels"
)

// Options configures Fit and Select. Zero values mean the defaults.
type Options struct {
	NInit   int     // restarts, the lowest inertia wins (default 10)
	MaxIter int     // Lloyd iterations per restart (default 300)
	Tol     float64 // centre-shift tolerance relative to the mean feature variance (default 1e-4; negative means 0)
	Seed    uint64  // every restart's random stream derives from it
	Threads int     // goroutines (< 1: GOMAXPROCS); results do not depend on it
}

func (o Options) withDefaults() Options {
	if o.NInit <= 0 {
		o.NInit = 10
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 300
	}
	if o.Tol == 0 {
		o.Tol = 1e-4
	} else if o.Tol < 0 {
		o.Tol = 0
	}
	if o.Threads < 1 {
		o.Threads = runtime.GOMAXPROCS(0)
	}
	return o
}

// Result is one clustering.
type Result struct {
	K       int
	Labels  []int32   // n cluster indices in [0, K)
	Centers []float32 // K x d, row-major
	Inertia float64   // sum of squared distances to the assigned centre, in float64
	Iter    int       // Lloyd iterations of the winning restart
}

// prepared is the input checked, centred and with row norms.
type prepared struct {
	n, d   int
	x      []float32 // original data
	xc     []float32 // centred data times scale
	scale  float64   // power of two
	mean   []float64
	norms  []float32 // ||xc_i||^2
	tolAbs float64   // tolerance in squared-distance units (without the user factor)
	same   bool      // all rows identical

	once sync.Once
	x64  []float64 // centred data in float64, made on first use
}

func (p *prepared) float64Data() []float64 {
	p.once.Do(func() {
		p.x64 = make([]float64, len(p.xc))
		for i, v := range p.xc {
			p.x64[i] = float64(v)
		}
	})
	return p.x64
}

// ErrEmpty is returned for an input with no rows or no columns.
var ErrEmpty = errors.New("kmeans: empty input")

func prepare(x []float32, n, d int) (*prepared, error) {
	if n <= 0 || d <= 0 {
		return nil, fmt.Errorf("%w (n=%d, d=%d)", ErrEmpty, n, d)
	}
	if len(x) != n*d {
		return nil, fmt.Errorf("kmeans: data has %d values, want n*d = %d*%d = %d", len(x), n, d, n*d)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("kmeans: non-finite value %v at row %d, column %d", v, i/d, i%d)
		}
	}
	p := &prepared{n: n, d: d, x: x, mean: make([]float64, d)}
	for i := 0; i < n; i++ {
		row := x[i*d : i*d+d]
		for j, v := range row {
			p.mean[j] += float64(v)
		}
	}
	for j := range p.mean {
		p.mean[j] /= float64(n)
	}
	// Scale by a power of two (exact) so the largest centred value is in
	// [0.5, 1): float32 squares then neither overflow (|x| > 1e19) nor
	// underflow (|x| < 1e-19). Labels and silhouettes do not change.
	var maxAbs float64
	for i := 0; i < n; i++ {
		for j, v := range x[i*d : i*d+d] {
			maxAbs = max(maxAbs, math.Abs(float64(v)-p.mean[j]))
		}
	}
	p.scale = 1
	if maxAbs > 0 {
		_, e := math.Frexp(maxAbs)
		p.scale = math.Ldexp(1, -e)
	}
	var varSum float64
	p.xc = make([]float32, n*d)
	p.norms = make([]float32, n)
	p.same = true
	for i := 0; i < n; i++ {
		row := x[i*d : i*d+d]
		var s float64
		for j, v := range row {
			c := (float64(v) - p.mean[j]) * p.scale
			p.xc[i*d+j] = float32(c)
			s += c * c
			if v != x[j] {
				p.same = false
			}
		}
		p.norms[i] = float32(s)
		varSum += s
	}
	p.tolAbs = varSum / float64(n) / float64(d)
	return p, nil
}

func checkK(p *prepared, k int) error {
	if k < 1 {
		return fmt.Errorf("kmeans: k = %d, need at least 1", k)
	}
	if k > p.n {
		return fmt.Errorf("kmeans: k = %d is larger than the number of points (%d)", k, p.n)
	}
	if k > 1 && p.same {
		return fmt.Errorf("kmeans: all %d points are identical, cannot form %d clusters", p.n, k)
	}
	return nil
}

// Fit runs k-means with opt.NInit restarts and returns the one with the lowest
// inertia (the earliest restart on ties).
func Fit(x []float32, n, d, k int, opt Options) (*Result, error) {
	opt = opt.withDefaults()
	p, err := prepare(x, n, d)
	if err != nil {
		return nil, err
	}
	if err := checkK(p, k); err != nil {
		return nil, err
	}
	res := fitMany(p, []int{k}, opt)
	return res[0], nil
}

// fitMany fits every k in ks (all restarts of all ks as parallel tasks) and
// returns the best restart per k.
func fitMany(p *prepared, ks []int, opt Options) []*Result {
	type task struct{ ki, r int }
	var tasks []task
	for ki := range ks {
		for r := 0; r < opt.NInit; r++ {
			tasks = append(tasks, task{ki, r})
		}
	}
	// Keep only the best restart per k as tasks finish (lowest inertia,
	// then lowest restart index, so the choice does not depend on timing).
	best := make([]*Result, len(ks))
	bestR := make([]int, len(ks))
	var mu sync.Mutex
	// Row-chunk parallelism inside a restart only when restarts can't fill
	// the threads; chunk partial sums are reduced in a fixed order, so the
	// split does not change the result.
	inner := 1
	if len(tasks) < opt.Threads {
		inner = opt.Threads / len(tasks)
	}
	workers := opt.Threads / inner
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				t := int(next.Add(1)) - 1
				if t >= len(tasks) {
					return
				}
				tk := tasks[t]
				res := runRestart(p, ks[tk.ki], tk.r, opt, inner)
				mu.Lock()
				if b := best[tk.ki]; b == nil || res.Inertia < b.Inertia || (res.Inertia == b.Inertia && tk.r < bestR[tk.ki]) {
					best[tk.ki], bestR[tk.ki] = res, tk.r
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return best
}

// restartRNG derives restart r's stream from the seed. It does not depend on
// k, so a restart of Select for a given k is the same as Fit's.
func restartRNG(seed uint64, r int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, splitmix(uint64(r)+0x6b6d65616e73)))
}

func splitmix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

const rowBlock = 256 // rows per GEMM call in the assignment step

// maxKeep bounds the k x n seeding distances kept for the first assignment.
const maxKeep = 1 << 24

// workspace holds one restart's buffers.
type workspace struct {
	k, nChunks int
	centers    []float32 // k x d, centred coordinates
	cnorm      []float32
	sums       []float64 // nChunks x k x d partial sums
	counts     []int64   // nChunks x k
	gram       [][]float32
	dist2      []float32 // per point: squared distance to its centre (approximate)
	labels     []int32
}

func runRestart(p *prepared, k, r int, opt Options, par int) *Result {
	n, d := p.n, p.d
	rng := restartRNG(opt.Seed, r)
	nChunks := (n + rowBlock - 1) / rowBlock
	if nChunks > 64 {
		nChunks = 64
	}
	w := &workspace{
		k: k, nChunks: nChunks,
		centers: make([]float32, k*d),
		cnorm:   make([]float32, k),
		sums:    make([]float64, nChunks*k*d),
		counts:  make([]int64, nChunks*k),
		dist2:   make([]float32, n),
		labels:  make([]int32, n),
	}
	tol := opt.Tol * p.tolAbs
	var iter int
	if d <= hamerlyMaxD {
		// the seeding's distances to the chosen centres are exact here and
		// give the first assignment for free (if they fit in memory)
		var keep []float64
		if int64(k)*int64(n) <= maxKeep {
			keep = make([]float64, k*n)
		}
		initPlusPlus(p, k, rng, w.centers, true, keep)
		iter = lloydHamerly(p, w, opt.MaxIter, tol, par, keep)
	} else {
		w.gram = make([][]float32, nChunks)
		for c := range w.gram {
			w.gram[c] = make([]float32, rowBlock*k)
		}
		initPlusPlus(p, k, rng, w.centers, false, nil)
		iter = lloydGemm(p, w, opt.MaxIter, tol, par)
	}
	res := &Result{K: k, Labels: w.labels, Iter: iter, Centers: make([]float32, k*d)}
	res.Inertia = inertia(p, w.centers, w.labels, k) / (p.scale * p.scale)
	for c := 0; c < k; c++ {
		for j := 0; j < d; j++ {
			res.Centers[c*d+j] = float32(float64(w.centers[c*d+j])/p.scale + p.mean[j])
		}
	}
	return res
}

// lloydGemm is plain Lloyd with all point-centre distances from one GEMM per
// row block; the stopping rules are scikit-learn's (labels unchanged, or
// total squared centre shift <= tol, then a final assignment).
func lloydGemm(p *prepared, w *workspace, maxIter int, tol float64, par int) int {
	old := make([]int32, p.n)
	newC := make([]float64, w.k*p.d)
	iter := 0
	strict := false
	for iter < maxIter {
		iter++
		mode := accDelta
		if iter == 1 {
			mode = accFull
		}
		assign(p, w, par, mode)
		shift := updateCenters(p, w, newC, nil)
		if iter > 1 && equalLabels(old, w.labels) {
			strict = true
			break
		}
		if shift <= tol {
			break
		}
		copy(old, w.labels)
	}
	if !strict {
		// labels must match the final centres
		assign(p, w, par, accNone)
	}
	return iter
}

func equalLabels(a, b []int32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Accumulation modes of assign.
const (
	accNone  = iota // labels only
	accFull         // rebuild the chunk sums and counts from all points
	accDelta        // update them for the points that change cluster only
)

// assign labels every point with its nearest centre (lowest index on ties)
// and keeps the per-chunk sums and counts as mode says.
func assign(p *prepared, w *workspace, par int, mode int) {
	n, d, k := p.n, p.d, w.k
	for c := 0; c < k; c++ {
		var s float64
		for j := 0; j < d; j++ {
			v := float64(w.centers[c*d+j])
			s += v * v
		}
		w.cnorm[c] = float32(s)
	}
	per := (n + w.nChunks - 1) / w.nChunks
	doChunk := func(ch int) {
		lo, hi := ch*per, min((ch+1)*per, n)
		sums := w.sums[ch*k*d : (ch+1)*k*d]
		counts := w.counts[ch*k : (ch+1)*k]
		if mode == accFull {
			clear(sums)
			clear(counts)
		}
		g := w.gram[ch]
		for b := lo; b < hi; b += rowBlock {
			m := min(rowBlock, hi-b)
			// centres x points (k x m): with few centres this orientation
			// gives the kernel wide rows (measured 2-3x faster at k = 8)
			kernels.Sgemm(false, true, k, m, d, 1, w.centers, d, p.xc[b*d:], d, 0, g, m)
			for i := 0; i < m; i++ {
				best, bv := 0, w.cnorm[0]-2*g[i]
				for c := 1; c < k; c++ {
					if v := w.cnorm[c] - 2*g[c*m+i]; v < bv {
						best, bv = c, v
					}
				}
				row := b + i
				old := int(w.labels[row])
				w.labels[row] = int32(best)
				w.dist2[row] = max(p.norms[row]+bv, 0)
				x := p.xc[row*d : row*d+d]
				switch {
				case mode == accFull:
					counts[best]++
					s := sums[best*d : best*d+d]
					for j, v := range x {
						s[j] += float64(v)
					}
				case mode == accDelta && old != best:
					counts[old]--
					counts[best]++
					so, sn := sums[old*d:old*d+d], sums[best*d:best*d+d]
					for j, v := range x {
						so[j] -= float64(v)
						sn[j] += float64(v)
					}
				}
			}
		}
	}
	parallelFor(w.nChunks, par, doChunk)
}

// updateCenters reduces the chunk sums in order, relocates empty clusters to
// the points farthest from their centres (as scikit-learn), stores the new
// centres and returns the total squared centre shift.
// needDist2, if not nil, fills w.dist2 (only called when a cluster is empty).
func updateCenters(p *prepared, w *workspace, newC []float64, needDist2 func()) float64 {
	d, k := p.d, w.k
	clear(newC)
	cnt := make([]int64, k)
	for ch := 0; ch < w.nChunks; ch++ {
		for i, v := range w.sums[ch*k*d : (ch+1)*k*d] {
			newC[i] += v
		}
		for c := 0; c < k; c++ {
			cnt[c] += w.counts[ch*k+c]
		}
	}
	var empty []int
	for c := 0; c < k; c++ {
		if cnt[c] == 0 {
			empty = append(empty, c)
		}
	}
	if len(empty) > 0 {
		if needDist2 != nil {
			needDist2()
		}
		far := make([]int, p.n)
		for i := range far {
			far[i] = i
		}
		sort.SliceStable(far, func(a, b int) bool { return w.dist2[far[a]] > w.dist2[far[b]] })
		for e, c := range empty {
			i := far[e]
			old := int(w.labels[i])
			for j := 0; j < d; j++ {
				v := float64(p.xc[i*d+j])
				newC[old*d+j] -= v
				newC[c*d+j] = v
			}
			cnt[old]--
			cnt[c] = 1
		}
	}
	var shift float64
	for c := 0; c < k; c++ {
		if cnt[c] == 0 {
			continue // cannot happen unless points ran out; keep the old centre
		}
		inv := 1 / float64(cnt[c])
		for j := 0; j < d; j++ {
			v := float32(newC[c*d+j] * inv)
			diff := float64(v) - float64(w.centers[c*d+j])
			shift += diff * diff
			w.centers[c*d+j] = v
		}
	}
	return shift
}

// inertia is the exact float64 sum of squared distances to assigned centres.
func inertia(p *prepared, centers []float32, labels []int32, k int) float64 {
	d := p.d
	var s float64
	for i, l := range labels {
		c := centers[int(l)*d : int(l)*d+d]
		for j, v := range p.xc[i*d : i*d+d] {
			diff := float64(v) - float64(c[j])
			s += diff * diff
		}
	}
	return s
}

// initPlusPlus is greedy k-means++: each new centre is the best (lowest
// potential) of 2 + floor(ln k) candidates drawn proportionally to D^2.
// If keep is not nil (k x n), row c receives the squared distances from
// centre c to every point.
func initPlusPlus(p *prepared, k int, rng *rand.Rand, centers []float32, direct bool, keep []float64) {
	n, d := p.n, p.d
	trials := 2 + int(math.Log(float64(k)))
	closest := make([]float64, n)
	cum := make([]float64, n)
	cand := make([]int, trials)
	candD := make([]float64, trials*n)
	var candX, g []float32
	distsTo := func(idx []int, out []float64) {
		if direct {
			directDists(p, idx, out)
			return
		}
		if candX == nil {
			candX = make([]float32, trials*d)
			g = make([]float32, trials*n)
		}
		gemmDists(p, idx, candX, g, out)
	}

	first := rng.IntN(n)
	copy(centers[:d], p.xc[first*d:first*d+d])
	distsTo([]int{first}, candD[:n])
	candD[first] = 0
	copy(closest, candD[:n])
	if keep != nil {
		copy(keep[:n], candD[:n])
	}
	for c := 1; c < k; c++ {
		var run float64
		for i, v := range closest {
			run += v
			cum[i] = run
		}
		for t := range cand {
			r := rng.Float64() * run
			j := sort.SearchFloat64s(cum, r) // first i with cum[i] >= r
			for j < n-1 && closest[j] == 0 {
				j++ // only when r == 0: never pick a point at zero potential
			}
			cand[t] = min(j, n-1)
		}
		distsTo(cand, candD)
		bestT, bestPot := -1, math.Inf(1)
		for t := range cand {
			row := candD[t*n : t*n+n]
			row[cand[t]] = 0
			var s float64
			for i, v := range row {
				s += min(v, closest[i])
			}
			if s < bestPot {
				bestT, bestPot = t, s
			}
		}
		row := candD[bestT*n : bestT*n+n]
		for i, v := range row {
			closest[i] = min(v, closest[i])
		}
		if keep != nil {
			copy(keep[c*n:c*n+n], row)
		}
		copy(centers[c*d:c*d+d], p.xc[cand[bestT]*d:cand[bestT]*d+d])
	}
}

// gemmDists fills out[t*n+i] with the squared distance between candidate
// point idx[t] and every point i, through one GEMM.
func gemmDists(p *prepared, idx []int, candX []float32, g []float32, out []float64) {
	n, d := p.n, p.d
	m := len(idx)
	for t, i := range idx {
		copy(candX[t*d:t*d+d], p.xc[i*d:i*d+d])
	}
	kernels.Sgemm(false, true, m, n, d, 1, candX, d, p.xc, d, 0, g, n)
	for t, ci := range idx {
		cn := p.norms[ci]
		for i := 0; i < n; i++ {
			v := cn + p.norms[i] - 2*g[t*n+i]
			out[t*n+i] = float64(max(v, 0))
		}
	}
}

// directDists is gemmDists by exact float64 differences (small d), four
// points at a time so four independent sums hide the add latency.
func directDists(p *prepared, idx []int, out []float64) {
	n, d := p.n, p.d
	xs := p.float64Data()
	for t, ci := range idx {
		c := xs[ci*d : ci*d+d]
		row := out[t*n : t*n+n]
		i := 0
		for ; i+4 <= n; i += 4 {
			x0 := xs[i*d : i*d+d][:len(c)]
			x1 := xs[(i+1)*d : (i+1)*d+d][:len(c)]
			x2 := xs[(i+2)*d : (i+2)*d+d][:len(c)]
			x3 := xs[(i+3)*d : (i+3)*d+d][:len(c)]
			var s0, s1, s2, s3 float64
			for j, cv := range c {
				t0, t1, t2, t3 := x0[j]-cv, x1[j]-cv, x2[j]-cv, x3[j]-cv
				s0 += t0 * t0
				s1 += t1 * t1
				s2 += t2 * t2
				s3 += t3 * t3
			}
			row[i], row[i+1], row[i+2], row[i+3] = s0, s1, s2, s3
		}
		for ; i < n; i++ {
			row[i] = sqDist64(xs[i*d:i*d+d], c)
		}
	}
}

// parallelFor runs f(0..n-1) on up to par goroutines.
func parallelFor(n, par int, f func(i int)) {
	if par <= 1 || n <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(par, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}
