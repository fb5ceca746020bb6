package umap

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"remedy/data/npy"
)

// peerMixture loads ../shared/peers/data.py's n x 512 mixture from
// peers-out/data under the repository root, or skips.
func peerMixture(tb testing.TB, n int) []float32 {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		p := filepath.Dir(dir)
		if p == dir {
			tb.Skip("repository root not found")
		}
		dir = p
	}
	a, err := npy.ReadFile(filepath.Join(dir, "peers-out", "data", fmt.Sprintf("x_%d_512.npy", n)))
	if err != nil {
		tb.Skipf("peer data: %v", err)
	}
	x, err := a.Float32()
	if err != nil || len(x) != n*512 {
		tb.Skipf("peer data: %v", err)
	}
	return x
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkStages times each stage of a fit on the peer's mixture
// (REMEDY_UMAP_N, default 20000) in wall and CPU seconds.
func BenchmarkStages(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("REMEDY_UMAP_N")); err == nil {
		n = v
	}
	const d, k, dim = 512, 15, 10
	x := peerMixture(b, n)
	threads := 2
	if v, err := strconv.Atoi(os.Getenv("REMEDY_UMAP_THREADS")); err == nil {
		threads = v
	}
	opt := Options{NNeighbors: k, NComponents: dim, Threads: threads}.Defaults(n)
	for it := 0; it < b.N; it++ {
		w0, c0 := time.Now(), cpuSeconds()
		lap := func(name string) {
			b.Logf("%-10s wall %6.2fs cpu %6.2fs", name, time.Since(w0).Seconds(), cpuSeconds()-c0)
			w0, c0 = time.Now(), cpuSeconds()
		}
		idx, dist, err := KNN(x, n, d, k, Euclidean, AutoKNNMethod(n), 0, threads)
		if err != nil {
			b.Fatal(err)
		}
		lap("knn")
		g, _ := FuzzySimplicialSet(idx, dist, n, k, 1, 1)
		g = PruneGraph(g, opt.NEpochs)
		lap("graph")
		vecs, _ := InitLayout(x, d, g, dim, Euclidean, 0, threads)
		lap("init")
		emb := make([]float32, n*dim)
		for i, v := range vecs {
			emb[i] = float32(v)
		}
		scaleColumns(emb, n, dim)
		a, bb, _ := FindAB(1, 0.1)
		OptimizeLayout(emb, n, dim, g, LayoutParams{A: a, B: bb, NEpochs: opt.NEpochs, LearningRate: 1,
			NegativeSampleRate: 5, RepulsionStrength: 1, Threads: threads})
		lap("layout")
	}
}

// BenchmarkLayoutPaths times 20 epochs of the layout on one thread on the
// peer's mixture (REMEDY_UMAP_N, default 20000), through the general path
// (any dimension, the original scalar loop) and the 16-lane path
// OptimizeLayout takes for up to 16 dimensions; it reports the best of 5
// alternating runs of each, which is what a busy machine lets through.
func BenchmarkLayoutPaths(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("REMEDY_UMAP_N")); err == nil {
		n = v
	}
	const d, k, dim = 512, 15, 10
	x := peerMixture(b, n)
	opt := Options{NNeighbors: k, NComponents: dim, Threads: 2}.Defaults(n)
	idx, dist, err := KNN(x, n, d, k, Euclidean, AutoKNNMethod(n), 0, 2)
	if err != nil {
		b.Fatal(err)
	}
	g, _ := FuzzySimplicialSet(idx, dist, n, k, 1, 1)
	g = PruneGraph(g, opt.NEpochs)
	vecs, _ := InitLayout(x, d, g, dim, Euclidean, 0, 2)
	emb0 := make([]float32, n*dim)
	for i, v := range vecs {
		emb0[i] = float32(v)
	}
	scaleColumns(emb0, n, dim)
	a, bb, _ := FindAB(1, 0.1)
	lp := LayoutParams{A: a, B: bb, NEpochs: 20, LearningRate: 1, NegativeSampleRate: 5, RepulsionStrength: 1, Threads: 1}
	paths := []struct {
		name string
		fn   func([]float32)
	}{
		{"general", func(e []float32) { optimizeLayoutWide(e, n, dim, g, lp) }},
		{"16-lane", func(e []float32) { OptimizeLayout(e, n, dim, g, lp) }},
	}
	best := make([]float64, len(paths))
	for i := range best {
		best[i] = math.Inf(1)
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		for rep := 0; rep < 5; rep++ {
			for p, path := range paths {
				emb := append([]float32(nil), emb0...)
				w0 := time.Now()
				path.fn(emb)
				best[p] = min(best[p], time.Since(w0).Seconds())
			}
		}
	}
	for p, path := range paths {
		b.ReportMetric(best[p], path.name+"-s")
	}
	b.ReportMetric(best[1]/best[0], "ratio")
}
