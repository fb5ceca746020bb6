package umap

import (
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestExactKNNBruteForce(t *testing.T) {
	const n, d, k = 300, 20, 10
	x, _ := blobs(n, d, 4, 2, 1)
	for _, metric := range []string{Euclidean, Cosine} {
		idx, dist, err := ExactKNN(x, n, d, k, metric, 2)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			type pr struct {
				j int
				v float64
			}
			all := make([]pr, 0, n)
			for j := 0; j < n; j++ {
				if j == i {
					continue
				}
				var v float64
				if metric == Euclidean {
					v = dist64(x, d, i, j)
				} else {
					var dot, na, nb float64
					for q := 0; q < d; q++ {
						a, b := float64(x[i*d+q]), float64(x[j*d+q])
						dot += a * b
						na += a * a
						nb += b * b
					}
					v = 1 - dot/math.Sqrt(na*nb)
				}
				all = append(all, pr{j, v})
			}
			sort.Slice(all, func(a, b int) bool { return all[a].v < all[b].v })
			if idx[i*k] != int32(i) || dist[i*k] != 0 {
				t.Fatalf("%s row %d: first neighbour %d (%v), want self", metric, i, idx[i*k], dist[i*k])
			}
			for q := 1; q < k; q++ {
				want := all[q-1]
				got := dist[i*k+q]
				if math.Abs(float64(got)-want.v) > 1e-5*math.Max(1, want.v) {
					t.Fatalf("%s row %d neighbour %d: distance %v, brute force %v", metric, i, q, got, want.v)
				}
				if int(idx[i*k+q]) != want.j && math.Abs(all[q-1].v-all[q].v) > 1e-9 && (q < 2 || math.Abs(all[q-2].v-all[q-1].v) > 1e-9) {
					t.Fatalf("%s row %d neighbour %d: index %d, brute force %d", metric, i, q, idx[i*k+q], want.j)
				}
			}
		}
	}
}

func recall(exact, approx []int32, n, k int) float64 {
	hit := 0
	for i := 0; i < n; i++ {
		e := exact[i*k : (i+1)*k]
		for _, j := range approx[i*k : (i+1)*k] {
			if slices.Contains(e, j) {
				hit++
			}
		}
	}
	return float64(hit) / float64(n*k)
}

func TestNNDescentRecall(t *testing.T) {
	const n, d, k = 3000, 64, 15
	x, _ := blobs(n, d, 10, 1, 2)
	ei, _, err := ExactKNN(x, n, d, k, Euclidean, 2)
	if err != nil {
		t.Fatal(err)
	}
	ai, ad, err := NNDescent(x, n, d, k, Euclidean, 7, 2, NNDescentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rc := recall(ei, ai, n, k)
	t.Logf("NN-descent recall %.4f", rc)
	if rc < 0.9 {
		t.Fatalf("NN-descent recall %.4f < 0.9", rc)
	}
	for i := 0; i < n; i++ {
		for q := 1; q < k; q++ {
			j := int(ai[i*k+q])
			if math.Abs(float64(ad[i*k+q])-dist64(x, d, i, j)) > 1e-4*dist64(x, d, i, j) {
				t.Fatalf("row %d: distance %v to %d, true %v", i, ad[i*k+q], j, dist64(x, d, i, j))
			}
			if ad[i*k+q] < ad[i*k+q-1] {
				t.Fatalf("row %d not sorted", i)
			}
		}
	}
	// thread count does not change the result
	bi, bd, _ := NNDescent(x, n, d, k, Euclidean, 7, 1, NNDescentOptions{})
	if !slices.Equal(ai, bi) || !slices.Equal(ad, bd) {
		t.Fatal("NN-descent differs between 1 and 2 threads")
	}
}

func TestSmoothKNNRowSums(t *testing.T) {
	const n, d, k = 400, 10, 15
	x, _ := blobs(n, d, 3, 3, 3)
	idx, dist, err := ExactKNN(x, n, d, k, Euclidean, 2)
	if err != nil {
		t.Fatal(err)
	}
	sigma, rho := SmoothKNNDist(dist, n, k, 1)
	w := Memberships(idx, dist, n, k, sigma, rho)
	target := math.Log2(k)
	for i := 0; i < n; i++ {
		if rho[i] != float64(dist[i*k+1]) {
			t.Fatalf("row %d: rho %v, want nearest distance %v", i, rho[i], dist[i*k+1])
		}
		var s float64
		for q := 1; q < k; q++ { // recompute independently in float64
			s += math.Exp(-math.Max(0, float64(dist[i*k+q])-rho[i]) / sigma[i])
		}
		if math.Abs(s-target) > 1e-4 {
			t.Fatalf("row %d: membership sum %v, want log2(k) = %v", i, s, target)
		}
		var ws float64
		for q := 0; q < k; q++ {
			ws += float64(w[i*k+q])
		}
		if math.Abs(ws-target) > 1e-4 || w[i*k] != 0 || w[i*k+1] != 1 {
			t.Fatalf("row %d: memberships sum %v (self %v, nearest %v)", i, ws, w[i*k], w[i*k+1])
		}
	}
	// fuzzy union against a dense computation
	g, err := FuzzySimplicialSet(idx, dist, n, k, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	A := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for q := 0; q < k; q++ {
			A[i*n+int(idx[i*k+q])] = float64(w[i*k+q])
		}
	}
	dense := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for p := g.Indptr[i]; p < g.Indptr[i+1]; p++ {
			dense[i*n+int(g.Indices[p])] = float64(g.Data[p])
		}
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			a, b := A[i*n+j], A[j*n+i]
			want := a + b - a*b
			if math.Abs(dense[i*n+j]-want) > 1e-6 {
				t.Fatalf("graph[%d][%d] = %v, want %v", i, j, dense[i*n+j], want)
			}
		}
	}
}

func TestFindAB(t *testing.T) {
	// Reference values from umap-learn 0.5.3 (scipy 1.10 curve_fit):
	//   /usr/bin/python3 -c "from umap.umap_ import find_ab_params; print(find_ab_params(spread, min_dist))"
	cases := []struct{ spread, minDist, a, b float64 }{
		{1, 0.1, 1.5769434601962196, 0.8950608779914887},
		{1, 0, 1.9328083975546724, 0.7904949734010681},
		{1, 0.5, 0.583030020479462, 1.3341669929263487},
		{2, 0.3, 0.3794946888755375, 0.9488152190879922},
		{1, 0.001, 1.9290733952004866, 0.7915045329560677},
		{0.5, 0.25, 3.7062902044323978, 1.334167247308424},
	}
	for _, c := range cases {
		a, b, err := FindAB(c.spread, c.minDist)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(a-c.a) > 1e-5*c.a || math.Abs(b-c.b) > 1e-5*c.b {
			t.Errorf("FindAB(%v, %v) = %v, %v; umap-learn %v, %v", c.spread, c.minDist, a, b, c.a, c.b)
		}
	}
	if _, _, err := FindAB(1, 2); err == nil {
		t.Error("min_dist > spread accepted")
	}
}

func TestSpectralLayout(t *testing.T) {
	for _, dim := range []int{4, 10} {
		testSpectralLayout(t, dim)
	}
}

func testSpectralLayout(t *testing.T, dim int) {
	const n, d, k = 300, 8, 10
	x, _ := blobs(n, d, 3, 0.6, 4) // close blobs: one component, a dense spectrum
	idx, dist, _ := ExactKNN(x, n, d, k, Euclidean, 2)
	g, _ := FuzzySimplicialSet(idx, dist, n, k, 1, 1)
	if _, nc := ConnectedComponents(g); nc != 1 {
		t.Fatalf("test graph has %d components, want 1", nc)
	}
	vecs, err := SpectralLayout(g, dim, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	// reference: dense eigendecomposition of the normalised Laplacian (gonum)
	deg := make([]float64, n)
	W := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for p := g.Indptr[i]; p < g.Indptr[i+1]; p++ {
			W.SetSym(i, int(g.Indices[p]), float64(g.Data[p]))
			deg[i] += float64(g.Data[p])
		}
	}
	L := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := -W.At(i, j) / math.Sqrt(deg[i]*deg[j])
			if i == j {
				v++
			}
			L.SetSym(i, j, v)
		}
	}
	var es mat.EigenSym
	if !es.Factorize(L, true) {
		t.Fatal("gonum eigen failed")
	}
	ev := es.Values(nil) // ascending
	var V mat.Dense
	es.VectorsTo(&V)
	for c := 0; c < dim; c++ {
		// our vector c must be an eigenvector with eigenvalue ev[c+1]
		var lam, nrm float64
		v := make([]float64, n)
		for i := range v {
			v[i] = vecs[i*dim+c]
			nrm += v[i] * v[i]
		}
		Lv := make([]float64, n)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				Lv[i] += L.At(i, j) * v[j]
			}
			lam += v[i] * Lv[i]
		}
		lam /= nrm
		if math.Abs(lam-ev[c+1]) > 1e-4 {
			t.Errorf("dim %d, component %d: Rayleigh quotient %v, gonum eigenvalue %v (all: %v)", dim, c, lam, ev[c+1], ev[:dim+2])
		}
		var res float64
		for i := range v {
			e := Lv[i] - lam*v[i]
			res += e * e
		}
		if math.Sqrt(res/nrm) > 1e-3 {
			t.Errorf("dim %d, component %d: residual %v", dim, c, math.Sqrt(res/nrm))
		}
	}
}

func TestPlantedClusters(t *testing.T) {
	const n, d, c = 1000, 50, 5
	x, lab := blobs(n, d, c, 1.5, 5)
	opt := Options{NComponents: 2, RandomState: 1, Threads: 2}
	y, st, err := FitTransformStats(x, n, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	tw := trustworthiness(x, d, y, 2, n, 10)
	ari := adjustedRand(lab, kmeansLabels(y, n, 2, c, 5, 1))
	t.Logf("init %s, trustworthiness %.4f, ARI %.4f, knn %v layout %v", st.Init, tw, ari, st.KNNTime, st.LayoutTime)
	if !strings.HasPrefix(st.Init, "spectral") {
		t.Errorf("init = %s, want spectral (multi-component)", st.Init)
	}
	if tw < 0.9 {
		t.Errorf("trustworthiness %.4f < 0.9", tw)
	}
	if ari < 0.95 {
		t.Errorf("ARI %.4f < 0.95", ari)
	}
}

func TestDeterminism(t *testing.T) {
	const n, d = 500, 16
	x, _ := blobs(n, d, 4, 2, 6)
	run := func(threads int) []float32 {
		y, err := FitTransform(x, n, d, Options{NComponents: 3, RandomState: 42, Threads: threads, NEpochs: 100})
		if err != nil {
			t.Fatal(err)
		}
		return y
	}
	a, b, c := run(2), run(2), run(1)
	if !slices.Equal(a, b) {
		t.Fatal("two runs with the same seed and threads differ")
	}
	if !slices.Equal(a, c) {
		t.Fatal("1 and 2 threads differ")
	}
	y2, _ := FitTransform(x, n, d, Options{NComponents: 3, RandomState: 43, Threads: 2, NEpochs: 100})
	if slices.Equal(a, y2) {
		t.Fatal("different seeds gave the same layout")
	}
}

func TestErrors(t *testing.T) {
	x, _ := blobs(20, 3, 2, 2, 7)
	bad := slices.Clone(x)
	bad[7] = float32(math.NaN())
	inf := slices.Clone(x)
	inf[5] = float32(math.Inf(1))
	cases := []struct {
		name string
		x    []float32
		n, d int
		opt  Options
		want string
	}{
		{"empty", nil, 0, 3, Options{}, "empty"},
		{"short", x[:10], 20, 3, Options{}, "want n*d"},
		{"nan", bad, 20, 3, Options{}, "data[2][1]"},
		{"inf", inf, 20, 3, Options{}, "NaN and Inf"},
		{"min_dist", x, 20, 3, Options{MinDist: 2}, "min_dist"},
		{"metric", x, 20, 3, Options{Metric: "manhattan"}, "metric"},
		{"n_neighbors", x, 20, 3, Options{NNeighbors: 1}, "n_neighbors"},
		{"mix", x, 20, 3, Options{SetOpMixRatio: 2}, "set_op_mix_ratio"},
		{"two points", x[:6], 2, 3, Options{}, "at least 3"},
	}
	for _, c := range cases {
		_, err := FitTransform(c.x, c.n, c.d, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	// n_neighbors >= n is clamped to n-1, like umap-learn
	var sb strings.Builder
	y, err := FitTransform(x, 20, 3, Options{NNeighbors: 50, NEpochs: 20, Progress: &sb})
	if err != nil || len(y) != 40 || !strings.Contains(sb.String(), "using 19") {
		t.Errorf("clamp: err %v, len %d, log %q", err, len(y), sb.String())
	}
	zero := slices.Clone(x)
	for q := 0; q < 3; q++ {
		zero[3+q] = 0
	}
	if _, err := FitTransform(zero, 20, 3, Options{Metric: Cosine}); err == nil || !strings.Contains(err.Error(), "row 1") {
		t.Errorf("cosine zero row: %v", err)
	}
	_ = os.Stderr
}

func TestPowTable(t *testing.T) {
	for _, y := range []float64{0.8950608779914887, 0.79, 1.334, 1.9, 0.5} {
		pt := newPowTable(y)
		bound := math.Abs(y*(y-1))/8/65536*1.01 + 1e-15
		for x := float32(1e-30); x < 1e30; x *= 1.0123 {
			got, want := pt.pow(x), math.Pow(float64(x), y)
			if math.Abs(got-want) > bound*want {
				t.Fatalf("pow(%v, %v) = %v, math.Pow %v (rel %v > %v)", x, y, got, want, math.Abs(got-want)/want, bound)
			}
		}
	}
}

func TestSmallInputs(t *testing.T) {
	// tiny n: NN-descent must still return every other point when k = n-1
	x, _ := blobs(12, 4, 2, 1, 8)
	ei, ed, err := ExactKNN(x, 12, 4, 11, Euclidean, 2)
	if err != nil {
		t.Fatal(err)
	}
	ai, ad, err := NNDescent(x, 12, 4, 11, Euclidean, 1, 2, NNDescentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rc := recall(ei, ai, 12, 11); rc != 1 {
		t.Errorf("k = n-1: NN-descent recall %v, want 1", rc)
	}
	for i := range ed {
		if math.Abs(float64(ed[i]-ad[i])) > 1e-5 {
			t.Fatalf("distance %d: exact %v, NN-descent %v", i, ed[i], ad[i])
		}
	}
	// all points identical: degenerate but finite output, no error
	same := make([]float32, 50*3)
	for i := range same {
		same[i] = 1.5
	}
	if y, err := FitTransform(same, 50, 3, Options{NEpochs: 20}); err != nil || len(y) != 100 {
		t.Errorf("identical points: err %v", err)
	}
	// more components than points allow for a spectral layout: random init, no error
	for _, n := range []int{3, 5, 12} {
		y, err := FitTransform(x[:n*4], n, 4, Options{NComponents: 10, NEpochs: 30})
		if err != nil || len(y) != n*10 {
			t.Errorf("n=%d: err %v, len %d", n, err, len(y))
		}
	}
}

func TestCosinePlanted(t *testing.T) {
	const n, d, c = 600, 40, 4
	x, lab := blobs(n, d, c, 2, 11)
	y, err := FitTransform(x, n, d, Options{Metric: Cosine, RandomState: 3, NEpochs: 200})
	if err != nil {
		t.Fatal(err)
	}
	ari := adjustedRand(lab, kmeansLabels(y, n, 2, c, 5, 1))
	t.Logf("cosine ARI %.4f", ari)
	if ari < 0.95 {
		t.Errorf("cosine metric: ARI %.4f < 0.95", ari)
	}
}
