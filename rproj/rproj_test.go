package rproj

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func randRows(n, d int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 99))
	x := make([]float32, n*d)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestMatrixStatistics: entries must look like N(0, 1/dOut). Tolerances are
// 5 standard errors of the sample mean and variance.
func TestMatrixStatistics(t *testing.T) {
	for _, c := range []struct{ dIn, dOut int }{{3000, 100}, {500, 7}, {2 * BlockRows, 1}} {
		m := New(c.dIn, c.dOut, 42).Matrix()
		N := float64(len(m))
		var s, s2, s4 float64
		for _, v := range m {
			f := float64(v)
			s += f
		}
		mean := s / N
		for _, v := range m {
			f := float64(v) - mean
			s2 += f * f
			s4 += f * f * f * f
		}
		variance := s2 / (N - 1)
		want := 1 / float64(c.dOut)
		if se := math.Sqrt(want / N); math.Abs(mean) > 5*se {
			t.Errorf("%dx%d: mean %g, more than 5 standard errors (%g) from 0", c.dIn, c.dOut, mean, se)
		}
		if se := want * math.Sqrt(2/(N-1)); math.Abs(variance-want) > 5*se {
			t.Errorf("%dx%d: variance %g, want %g within %g", c.dIn, c.dOut, variance, want, 5*se)
		}
		// kurtosis 3 for a Gaussian: a crude check that it is not uniform
		if k := s4 / N / (s2 / N * s2 / N); math.Abs(k-3) > 0.2 {
			t.Errorf("%dx%d: kurtosis %g, want about 3", c.dIn, c.dOut, k)
		}
	}
}

// TestNormPreservation: ||xR||^2 / ||x||^2 is chi^2(dOut)/dOut, mean 1 and
// standard deviation sqrt(2/dOut).
func TestNormPreservation(t *testing.T) {
	dIn, dOut, n := 5000, 400, 60
	p := New(dIn, dOut, 7)
	x := randRows(n, dIn, 1)
	y := make([]float32, n*dOut)
	if err := p.Project(y, x, n); err != nil {
		t.Fatal(err)
	}
	sd := math.Sqrt(2 / float64(dOut))
	var sum float64
	for i := 0; i < n; i++ {
		var a, b float64
		for _, v := range x[i*dIn : (i+1)*dIn] {
			a += float64(v) * float64(v)
		}
		for _, v := range y[i*dOut : (i+1)*dOut] {
			b += float64(v) * float64(v)
		}
		r := b / a
		sum += r
		if math.Abs(r-1) > 6*sd {
			t.Errorf("row %d: norm ratio %g", i, r)
		}
	}
	if m := sum / float64(n); math.Abs(m-1) > 5*sd/math.Sqrt(float64(n)) {
		t.Errorf("mean norm ratio %g, want 1 within %g", m, 5*sd/math.Sqrt(float64(n)))
	}
}

// TestProjectMatchesWholeMatrix compares the blockwise product with a float64
// product by the whole matrix, and a regenerated block with the matrix.
func TestProjectMatchesWholeMatrix(t *testing.T) {
	dIn, dOut, n := 2*BlockRows+300, 37, 9
	p := New(dIn, dOut, 3)
	r := p.Matrix()
	x := randRows(n, dIn, 2)
	y := make([]float32, n*dOut)
	if err := p.Project(y, x, n); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < dOut; j++ {
			var s, a float64
			for k := 0; k < dIn; k++ {
				v := float64(x[i*dIn+k]) * float64(r[k*dOut+j])
				s += v
				a += math.Abs(v)
			}
			if math.Abs(float64(y[i*dOut+j])-s) > 1e-5*a {
				t.Fatalf("y[%d][%d] = %g, float64 %g", i, j, y[i*dOut+j], s)
			}
		}
	}
	blk := p.Block(2, make([]float32, BlockRows*dOut))
	if len(blk) != 300*dOut {
		t.Fatalf("last block has %d values", len(blk))
	}
	for i, v := range blk {
		if v != r[2*BlockRows*dOut+i] {
			t.Fatalf("regenerated block differs at %d", i)
		}
	}
}

func TestStreamingAndDeterminism(t *testing.T) {
	dIn, dOut, n := 3*BlockRows+17, 50, 41
	x := randRows(n, dIn, 5)
	one := make([]float32, n*dOut)
	if err := New(dIn, dOut, 11).Project(one, x, n); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []struct {
		batch, threads int
		cache          int64
	}{{1, 1, 0}, {7, 2, DefaultCacheBytes}, {16, 3, 2 * BlockRows * int64(dOut) * 4}, {n, 8, 0}} {
		p := New(dIn, dOut, 11)
		p.Threads, p.CacheBytes = cfg.threads, cfg.cache
		got := make([]float32, n*dOut)
		for r := 0; r < n; r += cfg.batch {
			m := min(cfg.batch, n-r)
			if err := p.Project(got[r*dOut:], x[r*dIn:], m); err != nil {
				t.Fatal(err)
			}
		}
		for i := range got {
			// per-row results of a GEMM may round differently with the
			// batch's shape; they must agree to float32 rounding
			if d := math.Abs(float64(got[i] - one[i])); d > 1e-5*(1+math.Abs(float64(one[i]))) {
				t.Fatalf("batch %d threads %d: value %d is %g, one-shot %g", cfg.batch, cfg.threads, i, got[i], one[i])
			}
		}
		if cfg.batch == n {
			for i := range got {
				if got[i] != one[i] {
					t.Fatalf("same batch, threads %d: value %d differs (%g vs %g)", cfg.threads, i, got[i], one[i])
				}
			}
		}
	}
	a, b := New(100, 10, 1).Matrix(), New(100, 10, 2).Matrix()
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	if same > 2 {
		t.Errorf("seeds 1 and 2 share %d of %d entries", same, len(a))
	}
}

func TestBlocks(t *testing.T) {
	sizes, outs := []int{30, 1500, 7}, []int{4, 9, 3}
	b, err := NewBlocks(sizes, outs, 42)
	if err != nil {
		t.Fatal(err)
	}
	if b.DIn() != 1537 || b.DOut() != 16 {
		t.Fatalf("dims %d -> %d", b.DIn(), b.DOut())
	}
	n := 5
	x := randRows(n, b.DIn(), 8)
	y := make([]float32, n*b.DOut())
	if err := b.Project(y, x, n); err != nil {
		t.Fatal(err)
	}
	offIn, offOut := 0, 0
	for part := range sizes {
		r := b.Part(part).Matrix()
		for i := 0; i < n; i++ {
			for j := 0; j < outs[part]; j++ {
				var s, a float64
				for k := 0; k < sizes[part]; k++ {
					v := float64(x[i*b.DIn()+offIn+k]) * float64(r[k*outs[part]+j])
					s += v
					a += math.Abs(v)
				}
				got := float64(y[i*b.DOut()+offOut+j])
				if math.Abs(got-s) > 1e-5*a+1e-7 {
					t.Fatalf("part %d y[%d][%d] = %g, want %g", part, i, j, got, s)
				}
			}
		}
		offIn += sizes[part]
		offOut += outs[part]
	}
	// a bounded cache gives the same result
	b2, _ := NewBlocks(sizes, outs, 42)
	b2.SetCacheBytes(int64(BlockRows) * 9 * 4) // room for part 0; parts 1 and 2 are redrawn each pass
	y2 := make([]float32, n*b.DOut())
	for rep := 0; rep < 2; rep++ {
		if err := b2.Project(y2, x, n); err != nil {
			t.Fatal(err)
		}
		for i := range y2 {
			if y2[i] != y[i] {
				t.Fatalf("bounded cache, pass %d: value %d differs", rep, i)
			}
		}
	}
	// parts must use different matrices
	if b.Part(0).Matrix()[0] == b.Part(2).Matrix()[0] {
		t.Error("parts 0 and 2 start with the same entry")
	}
}

func TestChunked(t *testing.T) {
	// the reference VGG's conv weights
	layers := []int{432, 4608, 36864, 147456, 294912, 589824, 512}
	sizes, outs := Chunked(layers, 100_000, 100)
	total, in := 0, 0
	for i := range sizes {
		total += outs[i]
		in += sizes[i]
		if sizes[i] > 100_000 {
			t.Errorf("part %d has %d weights", i, sizes[i])
		}
	}
	if len(sizes) != 15 || total != 1500 || in != 1_074_608 {
		t.Errorf("%d parts, %d dims, %d weights; want 15, 1500, 1074608", len(sizes), total, in)
	}
	sizes, _ = Chunked([]int{100_000}, 100_000, 100)
	if len(sizes) != 1 {
		t.Errorf("a layer of exactly one chunk gave %d parts", len(sizes))
	}
}

func TestErrors(t *testing.T) {
	p := New(10, 3, 0)
	x := make([]float32, 20)
	y := make([]float32, 6)
	for _, c := range []struct {
		err  error
		want string
	}{
		{p.Project(y, x[:15], 2), "input has 15 values"},
		{p.Project(y[:5], x, 2), "output has room for 5"},
		{p.Project(y, x, -1), "negative"},
		{p.Project(y, append(make([]float32, 13), float32(math.NaN()), 0, 0, 0, 0, 0, 0), 2), "non-finite value NaN in row 1, column 3"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", c.err, c.want)
		}
	}
	if _, err := NewBlocks([]int{1, 2}, []int{1}, 0); err == nil {
		t.Error("no error for mismatched block lists")
	}
	if _, err := NewBlocks([]int{1, 0}, []int{1, 1}, 0); err == nil {
		t.Error("no error for an empty block")
	}
	defer func() {
		if recover() == nil {
			t.Error("New(0, 3) did not panic")
		}
	}()
	New(0, 3, 0)
}

func TestFill(t *testing.T) {
	dIn, dOut, n := 3*BlockRows+5, 20, 6
	x := randRows(n, dIn, 4)
	want := make([]float32, n*dOut)
	if err := New(dIn, dOut, 9).Project(want, x, n); err != nil {
		t.Fatal(err)
	}
	p := New(dIn, dOut, 9)
	p.CacheBytes = 2 * BlockRows * int64(dOut) * 4 // room for two of the four blocks
	p.Threads = 3
	p.Fill()
	if p.cache[0] == nil || p.cache[1] == nil || p.cache[2] != nil {
		t.Errorf("cache after Fill: %v %v %v", p.cache[0] != nil, p.cache[1] != nil, p.cache[2] != nil)
	}
	got := make([]float32, n*dOut)
	if err := p.Project(got, x, n); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("value %d: %g after Fill, %g without", i, got[i], want[i])
		}
	}
}
