package kernels

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactSumSquares is the exact sum of squares (math/big), rounded once.
func exactSumSquares(x []float32) float64 {
	s := new(big.Float).SetPrec(2000)
	for _, v := range x {
		f := new(big.Float).SetPrec(2000).SetFloat64(float64(v))
		s.Add(s, f.Mul(f, f))
	}
	r, _ := s.Float64()
	return r
}

// TestSumSquares: against the exact sum (each of the n-1 float64 additions
// of non-negative terms errs by at most 2^-53 of the running sum), and the
// SIMD loop against the Go twin bit for bit on awkward lengths.
func TestSumSquares(t *testing.T) {
	r := rand.New(rand.NewPCG(49, 50))
	for _, n := range []int{0, 1, 7, 31, 32, 33, 63, 64, 65, 100, 1001, 4097} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(9)-4)))
		}
		got := SumSquares(x)
		want := exactSumSquares(x)
		if d := math.Abs(got - want); d > float64(n)*0x1p-53*want {
			t.Fatalf("n=%d: %v, exact %v (diff %g)", n, got, want, d)
		}
		m := n &^ (sqLanes - 1)
		if m == 0 {
			continue
		}
		var a, b [sqLanes]float64
		for l := range a {
			a[l] = float64(l) * 0.25 // non-zero start: the kernels must add to acc
			b[l] = a[l]
		}
		if !sumSquaresSIMD(x[:m], &a) {
			continue
		}
		sumSquaresGo(x[:m], &b)
		for l := range a {
			if math.Float64bits(a[l]) != math.Float64bits(b[l]) {
				t.Fatalf("path %s n=%d lane %d: SIMD %v, Go %v", Path(), n, l, a[l], b[l])
			}
		}
	}
}

// TestSumSquaresAllThreads: the same bits for any thread count, and close
// to the exact value; ScaleAll scales every element once.
func TestSumSquaresAllThreads(t *testing.T) {
	defer SetThreads(Threads())
	r := rand.New(rand.NewPCG(51, 52))
	var bufs [][]float32
	var all []float32
	for _, n := range []int{3, 200001, 16, 70000, 0, 131072, 5} {
		b := make([]float32, n)
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		bufs = append(bufs, b)
		all = append(all, b...)
	}
	want := exactSumSquares(all)
	var first float64
	for k, th := range []int{1, 2, 3, 7} {
		SetThreads(th)
		got := SumSquaresAll(bufs)
		if k == 0 {
			first = got
			if d := math.Abs(got - want); d > float64(len(all))*0x1p-53*want {
				t.Fatalf("%v, exact %v", got, want)
			}
		} else if math.Float64bits(got) != math.Float64bits(first) {
			t.Fatalf("threads %d: %v, with 1 thread %v", th, got, first)
		}
		cp := make([][]float32, len(bufs))
		for i := range bufs {
			cp[i] = append([]float32(nil), bufs[i]...)
		}
		ScaleAll(cp, 0.5)
		for i := range cp {
			for j := range cp[i] {
				if cp[i][j] != bufs[i][j]*0.5 {
					t.Fatalf("threads %d: ScaleAll buffer %d elem %d", th, i, j)
				}
			}
		}
	}
}
