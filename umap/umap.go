// Package umap implements UMAP (McInnes, Healy & Melville 2018) as umap-learn
// defines it, on plain row-major float32 matrices: k-nearest neighbours
// (exact through the SGEMM kernel, or NN-descent from a random-projection
// forest), the fuzzy simplicial set, spectral initialisation, the a/b curve
// fit and the negative-sampling SGD layout. Same seed and same input give
// the same output for any thread count.
package umap

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"remedy/kernels"
)

// Options mirror umap-learn's parameters (same names and meanings); the zero
// value of a field selects umap-learn's default, shown in brackets.
type Options struct {
	NNeighbors         int     // size of the local neighbourhood, self included [15]
	MinDist            float64 // minimum distance between embedded points [0.1]; set MinDistSet to use 0
	MinDistSet         bool    // true: use MinDist even if it is 0
	Spread             float64 // scale of embedded points [1.0]
	NComponents        int     // output dimension [2]
	NEpochs            int     // SGD epochs [0 = 500 for n <= 10000, else 200]
	Metric             string  // "euclidean" or "cosine" ["euclidean"]
	RandomState        int64   // seed of every random stream
	Threads            int     // goroutines [0 = kernels.Threads()]
	LearningRate       float64 // initial SGD step [1.0]
	NegativeSampleRate int     // negative samples per positive sample [5]
	LocalConnectivity  float64 // neighbours assumed connected [1.0]
	SetOpMixRatio      float64 // 1 = fuzzy union, 0 = intersection [1.0]; see SetOpMixRatioSet
	SetOpMixRatioSet   bool    // true: use SetOpMixRatio even if it is 0
	RepulsionStrength  float64 // gamma, weight of negative samples [1.0]
	Init               string  // "spectral" or "random" ["spectral"]
	KNNMethod          string  // "auto" (see AutoKNNMethod), "exact", "nndescent"
	Progress           io.Writer
}

// Defaults returns opt with zero fields replaced by umap-learn's defaults
// (the epoch count depends on n).
func (opt Options) Defaults(n int) Options {
	if opt.NNeighbors == 0 {
		opt.NNeighbors = 15
	}
	if opt.MinDist == 0 && !opt.MinDistSet {
		opt.MinDist = 0.1
	}
	if opt.Spread == 0 {
		opt.Spread = 1
	}
	if opt.NComponents == 0 {
		opt.NComponents = 2
	}
	if opt.NEpochs == 0 {
		opt.NEpochs = 500
		if n > 10000 {
			opt.NEpochs = 200
		}
	}
	if opt.Metric == "" {
		opt.Metric = Euclidean
	}
	if opt.Threads <= 0 {
		opt.Threads = kernels.Threads()
	}
	if opt.LearningRate == 0 {
		opt.LearningRate = 1
	}
	if opt.NegativeSampleRate == 0 {
		opt.NegativeSampleRate = 5
	}
	if opt.LocalConnectivity == 0 {
		opt.LocalConnectivity = 1
	}
	if opt.SetOpMixRatio == 0 && !opt.SetOpMixRatioSet {
		opt.SetOpMixRatio = 1
	}
	if opt.RepulsionStrength == 0 {
		opt.RepulsionStrength = 1
	}
	if opt.Init == "" {
		opt.Init = "spectral"
	}
	if opt.KNNMethod == "" {
		opt.KNNMethod = "auto"
	}
	return opt
}

func (opt Options) validate() error {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("umap: %s = %v, want %s", name, v, want)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case opt.NNeighbors < 2:
		return bad("n_neighbors", opt.NNeighbors, ">= 2")
	case !(opt.Spread > 0) || !finite(opt.Spread):
		return bad("spread", opt.Spread, "> 0")
	case !(opt.MinDist >= 0) || opt.MinDist > opt.Spread:
		return bad("min_dist", opt.MinDist, fmt.Sprintf("in [0, spread = %v]", opt.Spread))
	case opt.NComponents < 1:
		return bad("n_components", opt.NComponents, ">= 1")
	case opt.NEpochs < 1:
		return bad("n_epochs", opt.NEpochs, ">= 1 (0 = automatic)")
	case !(opt.LearningRate > 0) || !finite(opt.LearningRate):
		return bad("learning_rate", opt.LearningRate, "> 0")
	case opt.NegativeSampleRate < 0:
		return bad("negative_sample_rate", opt.NegativeSampleRate, ">= 0")
	case !(opt.LocalConnectivity >= 0) || !finite(opt.LocalConnectivity):
		return bad("local_connectivity", opt.LocalConnectivity, ">= 0")
	case !(opt.SetOpMixRatio >= 0 && opt.SetOpMixRatio <= 1):
		return bad("set_op_mix_ratio", opt.SetOpMixRatio, "in [0, 1]")
	case !(opt.RepulsionStrength >= 0) || !finite(opt.RepulsionStrength):
		return bad("repulsion_strength", opt.RepulsionStrength, ">= 0")
	case opt.Init != "spectral" && opt.Init != "random":
		return bad("init", opt.Init, `"spectral" or "random"`)
	}
	if _, err := checkMetric(opt.Metric); err != nil {
		return err
	}
	switch opt.KNNMethod {
	case "auto", "exact", "nndescent":
	default:
		return errUnknownKNN(opt.KNNMethod)
	}
	return nil
}

func errUnknownKNN(m string) error {
	return fmt.Errorf("umap: unknown k-NN method %q (want auto, exact or nndescent)", m)
}

// CheckData reports empty input, a length that does not match n x d, and the
// first NaN or Inf.
func CheckData(x []float32, n, d int) error {
	if n <= 0 || d <= 0 {
		return fmt.Errorf("umap: empty input (%d x %d)", n, d)
	}
	if len(x) != n*d {
		return fmt.Errorf("umap: data has %d values, want n*d = %d*%d = %d", len(x), n, d, n*d)
	}
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("umap: data[%d][%d] = %v (NaN and Inf are not allowed)", i/d, i%d, v)
		}
	}
	return nil
}

// FitTransform embeds the n x d row-major matrix x into n x NComponents.
//
// n_neighbors >= n is clamped to n - 1 (with a note on Progress), as
// umap-learn does with a warning: the neighbourhood then spans every other
// point, which is what the caller asked for as far as it is possible.
// At least 3 points are needed.
func FitTransform(x []float32, n, d int, opt Options) ([]float32, error) {
	emb, _, err := fit(x, n, d, opt)
	return emb, err
}

// Stats describe what a fit did (for progress reports and benchmarks).
type Stats struct {
	NNeighbors, NEpochs, Edges int
	KNNMethod, Init            string
	A, B                       float64
	KNNTime, GraphTime         time.Duration
	InitTime, LayoutTime       time.Duration
}

// FitTransformStats is FitTransform that also returns Stats.
func FitTransformStats(x []float32, n, d int, opt Options) ([]float32, Stats, error) {
	return fit(x, n, d, opt)
}

func fit(x []float32, n, d int, opt Options) ([]float32, Stats, error) {
	var st Stats
	if err := CheckData(x, n, d); err != nil {
		return nil, st, err
	}
	if n < 3 {
		return nil, st, fmt.Errorf("umap: need at least 3 points, got %d", n)
	}
	opt = opt.Defaults(n)
	if err := opt.validate(); err != nil {
		return nil, st, err
	}
	logf := func(format string, a ...any) {
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, format+"\n", a...)
		}
	}
	k := opt.NNeighbors
	if k >= n {
		logf("umap: n_neighbors = %d >= n = %d; using %d", k, n, n-1)
		k = n - 1
	}
	st.NNeighbors, st.NEpochs = k, opt.NEpochs
	a, b, err := FindAB(opt.Spread, opt.MinDist)
	if err != nil {
		return nil, st, err
	}
	st.A, st.B = a, b

	t0 := time.Now()
	method := opt.KNNMethod
	if method == "auto" {
		method = AutoKNNMethod(n)
	}
	st.KNNMethod = method
	idx, dist, err := KNN(x, n, d, k, opt.Metric, method, opt.RandomState, opt.Threads)
	if err != nil {
		return nil, st, err
	}
	st.KNNTime = time.Since(t0)
	logf("umap: %s k-NN (k=%d) in %v", method, k, st.KNNTime)

	t0 = time.Now()
	g, err := FuzzySimplicialSet(idx, dist, n, k, opt.LocalConnectivity, opt.SetOpMixRatio)
	if err != nil {
		return nil, st, err
	}
	g = PruneGraph(g, opt.NEpochs)
	st.Edges = g.NNZ()
	st.GraphTime = time.Since(t0)
	logf("umap: fuzzy graph with %d directed edges in %v", g.NNZ(), st.GraphTime)

	t0 = time.Now()
	dim := opt.NComponents
	emb := make([]float32, n*dim)
	st.Init = opt.Init
	if opt.Init == "spectral" {
		vecs, ok := InitLayout(x, d, g, dim, opt.Metric, opt.RandomState, opt.Threads)
		if _, nc := ConnectedComponents(g); nc > 1 {
			st.Init = fmt.Sprintf("spectral (%d components)", nc)
		}
		if !ok {
			logf("umap: spectral initialisation failed; using a random initialisation")
			st.Init = "random (spectral failed)"
		} else {
			var mx float64
			for _, v := range vecs {
				mx = math.Max(mx, math.Abs(v))
			}
			r := newRNG(uint64(opt.RandomState), 0x6e6f697365)
			for i, v := range vecs {
				emb[i] = float32(v*10/mx) + float32(1e-4*r.norm())
			}
		}
	}
	if st.Init == "random" || st.Init == "random (spectral failed)" {
		r := newRNG(uint64(opt.RandomState), 0x72616e64)
		for i := range emb {
			emb[i] = float32(-10 + 20*r.float64())
		}
	}
	scaleColumns(emb, n, dim)
	st.InitTime = time.Since(t0)
	logf("umap: %s initialisation in %v", st.Init, st.InitTime)

	t0 = time.Now()
	OptimizeLayout(emb, n, dim, g, LayoutParams{
		A: a, B: b, NEpochs: opt.NEpochs, LearningRate: opt.LearningRate,
		NegativeSampleRate: opt.NegativeSampleRate, RepulsionStrength: opt.RepulsionStrength,
		Seed: opt.RandomState, Threads: opt.Threads,
	})
	st.LayoutTime = time.Since(t0)
	logf("umap: %d epochs of SGD in %v", opt.NEpochs, st.LayoutTime)
	for _, v := range emb {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, st, errors.New("umap: layout diverged (non-finite coordinates)")
		}
	}
	return emb, st, nil
}

// PruneGraph drops the edges whose weight is below max/nEpochs (they would
// be sampled less than once), as umap-learn does before the layout.
func PruneGraph(g *Graph, nEpochs int) *Graph {
	var mx float32
	for _, v := range g.Data {
		mx = max(mx, v)
	}
	cut := mx / float32(nEpochs)
	out := &Graph{N: g.N, Indptr: make([]int, g.N+1)}
	for i := 0; i < g.N; i++ {
		for p := g.Indptr[i]; p < g.Indptr[i+1]; p++ {
			if g.Data[p] >= cut {
				out.Indices = append(out.Indices, g.Indices[p])
				out.Data = append(out.Data, g.Data[p])
			}
		}
		out.Indptr[i+1] = len(out.Indices)
	}
	return out
}

// scaleColumns maps every column linearly onto [0, 10].
func scaleColumns(emb []float32, n, dim int) {
	for c := 0; c < dim; c++ {
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for i := 0; i < n; i++ {
			lo = min(lo, emb[i*dim+c])
			hi = max(hi, emb[i*dim+c])
		}
		s := float32(0)
		if hi > lo {
			s = 10 / (hi - lo)
		}
		for i := 0; i < n; i++ {
			emb[i*dim+c] = (emb[i*dim+c] - lo) * s
		}
	}
}
