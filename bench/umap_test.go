package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"remedy/data/npy"
	"remedy/kernels"
	"remedy/umap"
)

// umapData returns the peer's n x 512 mixture and labels from peers-out/data
// (../shared/peers/data.py --dump peers-out/data) when present; otherwise the
// same generator re-implemented in Go (8 centres in a 32-d latent space, sep
// 0.8, random 32 -> d map, noise 0.5: same shape and law, different draws),
// with ok = false.
func umapData(tb testing.TB, n, d int) (x []float32, labels []int, ok bool) {
	dir := umapRepoRoot()
	if dir != "" {
		base := filepath.Join(dir, "peers-out", "data")
		a, err1 := npy.ReadFile(filepath.Join(base, fmt.Sprintf("x_%d_%d.npy", n, d)))
		l, err2 := npy.ReadFile(filepath.Join(base, fmt.Sprintf("labels_%d_%d.npy", n, d)))
		if err1 == nil && err2 == nil {
			xf, err := a.Float32()
			li, err3 := l.Int64s()
			if err == nil && err3 == nil && len(xf) == n*d && len(li) == n {
				labels = make([]int, n)
				for i, v := range li {
					labels[i] = int(v)
				}
				return xf, labels, true
			}
		}
	}
	const k, latent, sep, noise = 8, 32, 0.8, 0.5
	r := rand.New(rand.NewPCG(0, uint64(n)))
	centres := make([]float64, k*latent)
	for i := range centres {
		centres[i] = r.NormFloat64() * sep
	}
	w := make([]float64, latent*d)
	for i := range w {
		w[i] = r.NormFloat64() / math.Sqrt(latent)
	}
	x = make([]float32, n*d)
	labels = make([]int, n)
	z := make([]float64, latent)
	for i := 0; i < n; i++ {
		labels[i] = r.IntN(k)
		for t := range z {
			z[t] = centres[labels[i]*latent+t] + r.NormFloat64()
		}
		for c := 0; c < d; c++ {
			var s float64
			for t := range z {
				s += z[t] * w[t*d+c]
			}
			x[i*d+c] = float32(s + noise*r.NormFloat64())
		}
	}
	return x, labels, false
}

func umapRepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// umapTrustworthiness is sklearn.manifold.trustworthiness (euclidean): the
// original-space ranks come from blockwise SGEMM distances, the embedding
// neighbours by brute force.
func umapTrustworthiness(x []float32, d int, y []float32, dy, n, k int) float64 {
	sq := func(v []float32, dd int) []float32 {
		s := make([]float32, n)
		for i := 0; i < n; i++ {
			for _, a := range v[i*dd : (i+1)*dd] {
				s[i] += a * a
			}
		}
		return s
	}
	sx, sy := sq(x, d), sq(y, dy)
	const bm = 64
	dx := make([]float32, bm*n)
	dyb := make([]float32, bm*n)
	var total float64
	type pr struct {
		j int
		v float32
	}
	ord := make([]pr, n)
	for r0 := 0; r0 < n; r0 += bm {
		m := min(bm, n-r0)
		kernels.Sgemm(false, true, m, n, d, -2, x[r0*d:], d, x, d, 0, dx, n)
		kernels.Sgemm(false, true, m, n, dy, -2, y[r0*dy:], dy, y, dy, 0, dyb, n)
		for a := 0; a < m; a++ {
			i := r0 + a
			rx, ry := dx[a*n:(a+1)*n], dyb[a*n:(a+1)*n]
			for j := 0; j < n; j++ {
				rx[j] += sx[i] + sx[j]
				ry[j] += sy[i] + sy[j]
			}
			rx[i], ry[i] = -1, -1
			for j := range ord {
				ord[j] = pr{j, ry[j]}
			}
			sort.Slice(ord, func(p, q int) bool {
				if ord[p].v != ord[q].v {
					return ord[p].v < ord[q].v
				}
				return ord[p].j < ord[q].j
			})
			for _, p := range ord[1 : k+1] {
				// rank of p.j among i's original-space neighbours (1 = nearest)
				v := rx[p.j]
				rank := 0
				for j, u := range rx {
					if j != i && (u < v || (u == v && j < p.j)) {
						rank++
					}
				}
				rank++
				if rank > k {
					total += float64(rank - k)
				}
			}
		}
	}
	fn, fk := float64(n), float64(k)
	return 1 - 2/(fn*fk*(2*fn-3*fk-1))*total
}

// umapKMeansARI runs k-means (k-means++ seeding, Lloyd, best of nInit by
// inertia) on y and returns the adjusted Rand index against labels.
func umapKMeansARI(y []float32, n, d, k, nInit int, labels []int) float64 {
	r := rand.New(rand.NewPCG(1, 2))
	best := math.Inf(1)
	var bestLab []int
	for run := 0; run < nInit; run++ {
		cent := make([]float64, k*d)
		sqd := func(i, c int) float64 {
			var s float64
			for t := 0; t < d; t++ {
				e := float64(y[i*d+t]) - cent[c*d+t]
				s += e * e
			}
			return s
		}
		p := r.IntN(n)
		for t := 0; t < d; t++ {
			cent[t] = float64(y[p*d+t])
		}
		dmin := make([]float64, n)
		for i := range dmin {
			dmin[i] = math.Inf(1)
		}
		for c := 1; c < k; c++ {
			var tot float64
			for i := 0; i < n; i++ {
				dmin[i] = math.Min(dmin[i], sqd(i, c-1))
				tot += dmin[i]
			}
			u := r.Float64() * tot
			p = n - 1
			for i := 0; i < n; i++ {
				if u -= dmin[i]; u <= 0 {
					p = i
					break
				}
			}
			for t := 0; t < d; t++ {
				cent[c*d+t] = float64(y[p*d+t])
			}
		}
		lab := make([]int, n)
		var inertia float64
		for it := 0; it < 300; it++ {
			inertia = 0
			changed := it == 0
			for i := 0; i < n; i++ {
				bi, bv := 0, math.Inf(1)
				for c := 0; c < k; c++ {
					if s := sqd(i, c); s < bv {
						bi, bv = c, s
					}
				}
				if lab[i] != bi {
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
					cent[lab[i]*d+t] += float64(y[i*d+t])
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
	c2 := func(v float64) float64 { return v * (v - 1) / 2 }
	type key struct{ a, b int }
	tab := map[key]float64{}
	ra, rb := map[int]float64{}, map[int]float64{}
	for i := range labels {
		tab[key{labels[i], bestLab[i]}]++
		ra[labels[i]]++
		rb[bestLab[i]]++
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
	exp := sa * sb / c2(float64(n))
	return (sij - exp) / ((sa+sb)/2 - exp)
}

// BenchmarkUMAP embeds the peer's n x 512 mixture to 10-d with umap-learn's
// settings (n_neighbors 15, min_dist 0.1, euclidean, seed 0, default epochs)
// and reports seconds per fit plus, for n <= 5000, trustworthiness (k = 10)
// and the k-means (k = 8) ARI against the mixture labels.
// REMEDY_UMAP_SIZES (e.g. "5000") limits the sizes; REMEDY_UMAP_THREADS sets
// the thread count (output is identical for any count).
func BenchmarkUMAP(b *testing.B) {
	sizes := []int{2000, 5000, 20000}
	if s := os.Getenv("REMEDY_UMAP_SIZES"); s != "" {
		sizes = nil
		var v int
		for _, f := range filepathSplitList(s) {
			if _, err := fmt.Sscan(f, &v); err == nil {
				sizes = append(sizes, v)
			}
		}
	}
	for _, n := range sizes {
		const d = 512
		b.Run(fmt.Sprintf("n=%d/d=%d", n, d), func(b *testing.B) {
			x, labels, fromPeer := umapData(b, n, d)
			if !fromPeer {
				b.Logf("peers-out/data/x_%d_%d.npy not found: using a Go-generated mixture of the same shape", n, d)
			}
			// REMEDY_UMAP_THREADS sets the worker count (default kernels.Threads())
			opt := umap.Options{NNeighbors: 15, MinDist: 0.1, NComponents: 10, RandomState: 0, Threads: kernels.Threads()}
			if v, err := strconv.Atoi(os.Getenv("REMEDY_UMAP_THREADS")); err == nil && v > 0 {
				opt.Threads = v
			}
			var y []float32
			var st umap.Stats
			b.ResetTimer()
			cpu0 := umapProcCPU()
			start := time.Now()
			for it := 0; it < b.N; it++ {
				var err error
				y, st, err = umap.FitTransformStats(x, n, d, opt)
				if err != nil {
					b.Fatal(err)
				}
			}
			sec := time.Since(start).Seconds() / float64(b.N)
			b.StopTimer()
			b.ReportMetric(sec, "s")
			if cpu0 >= 0 {
				// CPU seconds of the process: on a shared machine, wall time alone misleads
				b.ReportMetric((umapProcCPU()-cpu0)/float64(b.N), "cpu-s")
			}
			b.Logf("n=%d: knn %s %.2fs, graph %.2fs (%d edges), init %s %.2fs, layout %.2fs (%d epochs), threads %d",
				n, st.KNNMethod, st.KNNTime.Seconds(), st.GraphTime.Seconds(), st.Edges, st.Init, st.InitTime.Seconds(),
				st.LayoutTime.Seconds(), st.NEpochs, opt.Threads)
			if n <= 5000 {
				b.ReportMetric(umapTrustworthiness(x, d, y, 10, n, 10), "trustworthiness")
			}
			b.ReportMetric(umapKMeansARI(y, n, 10, 8, 10, labels), "ARI")
		})
	}
}

func filepathSplitList(s string) []string {
	var out []string
	cur := ""
	for _, c := range s {
		if c == ',' || c == ' ' {
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
			continue
		}
		cur += string(c)
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// umapProcCPU returns user+system CPU seconds of this process from
// /proc/self/stat (Linux), or -1 where that is unavailable.
func umapProcCPU() float64 {
	raw, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return -1
	}
	s := string(raw)
	// fields after the command name, which is in parentheses
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return -1
	}
	var ut, st float64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}
