package metrics

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"remedy/data/npy"
)

// tinyX, tinyY and the expected values below were computed offline with
// scikit-learn 1.2.1 (/usr/bin/python3, Debian python3-sklearn):
//
//	rng = np.random.default_rng(1)
//	X = np.round(rng.standard_normal((14, 4)), 3).astype(np.float32)
//	Y = np.round(X[:, :2] + 0.8*rng.standard_normal((14, 2)), 3).astype(np.float32)
//	trustworthiness(X, Y, n_neighbors=k)  for k in (1, 3, 5, 6)
var tinyX = []float32{
	0.346, 0.822, 0.33, -1.303,
	0.905, 0.446, -0.537, 0.581,
	0.365, 0.294, 0.028, 0.547,
	-0.736, -0.163, -0.482, 0.599,
	0.04, -0.292, -0.782, -0.257,
	0.008, -0.276, 1.294, 1.007,
	-2.711, -1.889, -0.175, -0.422,
	0.214, 0.217, 2.118, -1.112,
	-0.378, 2.043, 0.647, 0.663,
	-0.514, -1.648, 0.167, 0.109,
	-1.227, -0.683, -0.072, -0.945,
	-0.098, 0.095, 0.036, -0.506,
	0.594, 0.891, 0.321, -0.818,
	0.732, -0.501, 0.879, -1.072,
}

var tinyY = []float32{
	1.078, 0.806,
	-0.094, 0.195,
	0.408, 0.512,
	-1.522, -1.049,
	0.2, -0.665,
	0.196, 0.332,
	-4.03, -1.685,
	1.194, -0.021,
	-1.027, 2.645,
	-0.311, -0.931,
	-1.503, -1.868,
	-0.186, -0.262,
	1.214, 1.046,
	-0.573, -1.457,
}

func TestTrustworthinessSklearn(t *testing.T) {
	for _, c := range []struct {
		k    int
		want float64
	}{{1, 0.803571428571429}, {3, 0.772486772486773}, {5, 0.761904761904762}, {6, 0.738095238095238}} {
		got, err := Trustworthiness(tinyX, 14, 4, tinyY, 2, c.k)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("k=%d: trustworthiness %.15f, sklearn %.15f", c.k, got, c.want)
		}
	}
}

// naiveTrust is the definition in float64 with full sorts.
func naiveTrust(x []float32, dx int, y []float32, dy, n, k int) float64 {
	dist := func(a []float32, d, i, j int) float64 {
		var s float64
		for c := 0; c < d; c++ {
			v := float64(a[i*d+c]) - float64(a[j*d+c])
			s += v * v
		}
		return s
	}
	order := func(a []float32, d, i int) []int {
		idx := []int{}
		for j := 0; j < n; j++ {
			if j != i {
				idx = append(idx, j)
			}
		}
		sort.SliceStable(idx, func(p, q int) bool { return dist(a, d, i, idx[p]) < dist(a, d, i, idx[q]) })
		return idx
	}
	var t float64
	for i := 0; i < n; i++ {
		ox := order(x, dx, i)
		rank := map[int]int{}
		for r, j := range ox {
			rank[j] = r + 1
		}
		for _, j := range order(y, dy, i)[:k] {
			if r := rank[j]; r > k {
				t += float64(r - k)
			}
		}
	}
	fn, fk := float64(n), float64(k)
	return 1 - t*2/(fn*fk*(2*fn-3*fk-1))
}

func TestTrustworthinessNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	n, dx, dy := 230, 20, 3
	x := make([]float32, n*dx)
	for i := range x {
		x[i] = float32(rng.NormFloat64()) + 50 // offset: centring must keep float32 exact enough
	}
	y := make([]float32, n*dy)
	for i := 0; i < n; i++ {
		for j := 0; j < dy; j++ {
			y[i*dy+j] = x[i*dx+j] + 0.3*float32(rng.NormFloat64())
		}
	}
	for _, k := range []int{1, 5, 10, 40} {
		got, err := Trustworthiness(x, n, dx, y, dy, k)
		if err != nil {
			t.Fatal(err)
		}
		want := naiveTrust(x, dx, y, dy, n, k)
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("k=%d: %.12f, naive %.12f", k, got, want)
		}
	}
	same, _ := Trustworthiness(x, n, dx, x, dx, 10)
	if same != 1 {
		t.Errorf("identity embedding: %v, want 1", same)
	}
	// scale-free, also near the float32 limits
	want := naiveTrust(x, dx, y, dy, n, 5)
	for _, f := range []float32{1e30, 1e-30} {
		xs, ys := make([]float32, len(x)), make([]float32, len(y))
		for i, v := range x {
			xs[i] = (v - 50) * f
		}
		for i, v := range y {
			ys[i] = (v - 50) * f
		}
		got, err := Trustworthiness(xs, n, dx, ys, dy, 5)
		if err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("scale %g: %v (%v), want %v", f, got, err, want)
		}
	}
}

func TestTrustworthinessErrors(t *testing.T) {
	x := []float32{0, 1, 2, 3, 4, 5}
	for _, c := range []struct {
		err  error
		want string
	}{
		{trustErr(x, 6, 1, x, 1, 3), "n_neighbors"},
		{trustErr(x, 6, 1, x, 1, 0), "n_neighbors"},
		{trustErr(x, 5, 1, x, 1, 1), "x has 6 values"},
		{trustErr(x, 6, 1, x[:5], 1, 1), "y has 5 values"},
		{trustErr(nil, 0, 1, nil, 1, 1), "empty"},
		{trustErr([]float32{0, 1, float32(math.NaN()), 3, 4, 5}, 6, 1, x, 1, 1), "non-finite value in x at row 2"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", c.err, c.want)
		}
	}
}

func trustErr(x []float32, n, dx int, y []float32, dy, k int) error {
	_, err := Trustworthiness(x, n, dx, y, dy, k)
	return err
}

func TestAdjustedRand(t *testing.T) {
	// sklearn values: adjusted_rand_score(a, b), scikit-learn 1.2.1, offline.
	for _, c := range []struct {
		a, b []int
		want float64
	}{
		{[]int{0, 0, 1, 1, 2, 2}, []int{0, 0, 1, 2, 2, 2}, 0.444444444444444},
		{[]int{0, 0, 0, 1, 1, 1, 2, 2, 3}, []int{1, 1, 0, 0, 2, 2, 2, 3, 3}, 0.156250000000000},
		{[]int{5, 5, 5, 5}, []int{1, 2, 3, 4}, 0},
		{[]int{0, 1, 0, 1, 0, 1, 2, 2}, []int{3, 3, 1, 1, 0, 0, 0, 0}, -0.181818181818182},
		// by hand: every cell 1, row and column pair sums 2 each, expected
		// index 2*2/C(4,2) = 2/3, max 2: (0 - 2/3) / (2 - 2/3) = -0.5
		{[]int{0, 0, 1, 1}, []int{0, 1, 0, 1}, -0.5},
		// same partition under other names
		{[]int{0, 0, 1, 1, 2}, []int{7, 7, -1, -1, 3}, 1},
	} {
		got, err := AdjustedRand(c.a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("ARI(%v, %v) = %.15f, want %.15f", c.a, c.b, got, c.want)
		}
	}
	if _, err := AdjustedRand([]int32{1, 2}, []int64{1}); err == nil {
		t.Error("no error for different lengths")
	}
	if _, err := AdjustedRand([]int32{}, []int64{}); err == nil {
		t.Error("no error for empty labellings")
	}
}

func TestContingency(t *testing.T) {
	c, err := NewContingency([]int32{2, 2, 0, 0, 0}, []int32{1, 0, 1, 1, 5})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int64{{0, 2, 1}, {1, 1, 0}}
	if len(c.A) != 2 || c.A[0] != 0 || c.A[1] != 2 || len(c.B) != 3 || c.B[2] != 5 {
		t.Fatalf("labels %v %v", c.A, c.B)
	}
	for i := range want {
		for j := range want[i] {
			if c.Count[i][j] != want[i][j] {
				t.Errorf("count[%d][%d] = %d, want %d", i, j, c.Count[i][j], want[i][j])
			}
		}
	}
}

// TestTrustworthinessPeerData: the 5000 x 512 peer mixture against its
// first 10 columns. sklearn.manifold.trustworthiness(x, x[:, :10],
// n_neighbors=10) gave 0.836835714715618 (scikit-learn 1.2.1, offline).
// Float32 distances may order near-ties differently, hence 1e-6.
func TestTrustworthinessPeerData(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	path := filepath.Join(repoRoot(t), "peers-out", "data", "x_5000_512.npy")
	a, err := npy.ReadFile(path)
	if err != nil {
		t.Skipf("%s absent (../shared/peers/data.py --dump peers-out/data)", path)
	}
	x, err := a.Float32()
	if err != nil || len(a.Shape) != 2 || a.Shape[0] != 5000 || a.Shape[1] != 512 {
		t.Fatalf("%s: shape %v, %v", path, a.Shape, err)
	}
	y := make([]float32, 5000*10)
	for i := 0; i < 5000; i++ {
		copy(y[i*10:i*10+10], x[i*512:i*512+10])
	}
	got, err := Trustworthiness(x, 5000, 512, y, 10, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := 0.836835714715618; math.Abs(got-want) > 1e-6 {
		t.Errorf("trustworthiness %.12f, sklearn %.12f", got, want)
	}
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
