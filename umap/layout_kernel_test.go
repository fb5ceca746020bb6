package umap

import (
	"math"
	"testing"
	"unsafe"
)

func TestLayoutConstsOffsets(t *testing.T) {
	var c layoutConsts
	want := map[string][2]uintptr{
		"te": {unsafe.Offsetof(c.te), 0}, "tm": {unsafe.Offsetof(c.tm), 2048}, "slope": {unsafe.Offsetof(c.slope), 4104},
		"a": {unsafe.Offsetof(c.a), 6152}, "attr": {unsafe.Offsetof(c.attr), 6160}, "rep": {unsafe.Offsetof(c.rep), 6168},
		"one": {unsafe.Offsetof(c.one), 6176}, "eps": {unsafe.Offsetof(c.eps), 6184}, "inv": {unsafe.Offsetof(c.inv), 6192},
		"alpha2": {unsafe.Offsetof(c.alpha2), 6200}, "alpha": {unsafe.Offsetof(c.alpha), 6204},
		"four": {unsafe.Offsetof(c.four), 6208}, "mfour": {unsafe.Offsetof(c.mfour), 6212}, "push": {unsafe.Offsetof(c.push), 6216},
	}
	for name, o := range want {
		if o[0] != o[1] {
			t.Errorf("layoutConsts.%s at offset %d, assembly assumes %d", name, o[0], o[1])
		}
	}
}

// edgeRef is an independent float64 transcription of one edge's update
// (umap-learn's formulas, exact powers, explicit clipping), every pair
// evaluated at the position before the edge.
func edgeRef(cur []float64, snap []float32, dim, k int, negs []int32, a, b, gamma, alpha float64) {
	d2 := 0.0
	for t := 0; t < dim; t++ {
		e := cur[t] - float64(snap[k*kLanes+t])
		d2 += e * e
	}
	gc := 0.0
	if d2 > 0 {
		gc = -2 * a * b * math.Pow(d2, b-1) / (a*math.Pow(d2, b) + 1)
	}
	clip := func(v float64) float64 { return math.Max(-4, math.Min(4, v)) }
	c0 := append([]float64(nil), cur...)
	for t := 0; t < dim; t++ {
		cur[t] += 2 * clip(gc*(c0[t]-float64(snap[k*kLanes+t]))) * alpha
	}
	for _, kn := range negs {
		o := snap[int(kn)*kLanes:]
		d2 := 0.0
		for t := 0; t < dim; t++ {
			e := c0[t] - float64(o[t])
			d2 += e * e
		}
		for t := 0; t < dim; t++ {
			if d2 == 0 {
				cur[t] += 4 * alpha
				continue
			}
			gc := 2 * gamma * b / ((0.001 + d2) * (a*math.Pow(d2, b) + 1))
			cur[t] += clip(gc*(c0[t]-float64(o[t]))) * alpha
		}
	}
}

func TestEdgeKernel(t *testing.T) {
	a, b := 1.577, 0.895
	r := newRNG(5)
	for trial := 0; trial < 3000; trial++ {
		dim := 1 + trial%16
		const rows = 12
		snap := make([]float32, rows*kLanes)
		scale := []float64{1e-3, 0.1, 1, 10}[trial%4]
		for i := 0; i < rows; i++ {
			for t := 0; t < dim; t++ {
				snap[i*kLanes+t] = float32(scale * r.norm())
			}
		}
		var cur [kLanes]float32
		j := trial % rows
		copy(cur[:], snap[j*kLanes:j*kLanes+dim])
		k := r.intn(rows)
		if trial%7 == 0 {
			k = j // coincident attraction: no move
		}
		var negs []int32
		for s := 0; s < r.intn(9); s++ {
			negs = append(negs, int32(r.intn(rows))) // may hit j itself: push by 4
		}
		c := newLayoutConsts(a, b, 1, dim)
		alpha := float32(0.05 + r.float64())
		c.setAlpha(alpha, dim)
		ref := make([]float64, dim)
		for i := range ref {
			ref[i] = float64(cur[i])
		}
		edgeRef(ref, snap, dim, k, negs, a, b, 1, float64(alpha))
		g := cur
		edgeGo(&g, snap, k, negs, c)
		for i := 0; i < kLanes; i++ {
			if i >= dim {
				if g[i] != 0 {
					t.Fatalf("trial %d: pad lane %d = %v", trial, i, g[i])
				}
				continue
			}
			if d := math.Abs(float64(g[i]) - ref[i]); d > 2e-4*(1+math.Abs(ref[i])) {
				t.Fatalf("trial %d dim %d: lane %d = %v, float64 reference %v", trial, dim, i, g[i], ref[i])
			}
		}
		if useAVX512() {
			s := cur
			var np *int32
			if len(negs) > 0 {
				np = &negs[0]
			}
			edgeAVX512(&s[0], &snap[0], k, np, len(negs), c)
			if s != g {
				t.Fatalf("trial %d dim %d: assembly %v, Go twin %v", trial, dim, s, g)
			}
		}
	}
	if !useAVX512() {
		t.Log("no AVX-512 path: only the Go twin was checked")
	}
}

func TestVec64(t *testing.T) {
	r := newRNG(9)
	for n := 0; n < 100; n++ {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = r.norm(), r.norm()
		}
		var want, mag float64
		for i := range x {
			want += x[i] * y[i]
			mag += math.Abs(x[i] * y[i])
		}
		if got := vdot(x, y); math.Abs(got-want) > 1e-15*mag*float64(n+1) {
			t.Fatalf("n=%d: vdot %v, want %v", n, got, want)
		}
		y0 := append([]float64(nil), y...)
		vaxpy(-0.37, x, y)
		for i := range y {
			if w := y0[i] - 0.37*x[i]; math.Abs(y[i]-w) > 1e-15*(math.Abs(y0[i])+math.Abs(0.37*x[i])) {
				t.Fatalf("n=%d: vaxpy[%d] = %v, want %v", n, i, y[i], w)
			}
		}
	}
}

// TestSpectralThreads: the spectral layout of a connected graph is the same
// for any thread count (partial sums over fixed row chunks).
func TestSpectralThreads(t *testing.T) {
	const n, d = 3000, 16
	x, _ := blobs(n, d, 3, 0.3, 6)
	idx, dist, err := ExactKNN(x, n, d, 15, Euclidean, 2)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := FuzzySimplicialSet(idx, dist, n, 15, 1, 1)
	if _, nc := ConnectedComponents(g); nc != 1 {
		t.Fatalf("test graph has %d components, want 1", nc)
	}
	a, err := SpectralLayout(g, 5, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range []int{2, 3} {
		b, err := SpectralLayout(g, 5, 1, th)
		if err != nil {
			t.Fatal(err)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("threads 1 and %d differ at %d: %v vs %v", th, i, a[i], b[i])
			}
		}
	}
}

// TestDeterminismConnected: one connected graph (spectral initialisation
// proper) through NN-descent gives the same embedding for 1, 2 and 3 threads.
func TestDeterminismConnected(t *testing.T) {
	const n, d = 1500, 24
	x, _ := blobs(n, d, 3, 0.6, 8)
	var first []float32
	for _, th := range []int{1, 2, 3} {
		y, st, err := FitTransformStats(x, n, d, Options{NComponents: 10, RandomState: 3, Threads: th, NEpochs: 60, KNNMethod: "nndescent"})
		if err != nil {
			t.Fatal(err)
		}
		if st.Init != "spectral" {
			t.Fatalf("init %q, want a connected graph's spectral layout", st.Init)
		}
		if first == nil {
			first = y
			continue
		}
		for i := range y {
			if y[i] != first[i] {
				t.Fatalf("threads 1 and %d differ at %d: %v vs %v", th, i, first[i], y[i])
			}
		}
	}
}
