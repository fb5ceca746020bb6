package kernels

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func distRef(x, y []float32, sq bool) (s, mag float64) {
	for i := range x {
		a, b := float64(x[i]), float64(y[i])
		if sq {
			s += (a - b) * (a - b)
			mag += (a - b) * (a - b)
		} else {
			s += a * b
			mag += math.Abs(a * b)
		}
	}
	return s, mag
}

// distPaths runs f on every path this CPU has (generic always).
func distPaths(t *testing.T, f func(t *testing.T)) {
	saved := cur
	defer func() { cur = saved }()
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		t.Run(p, f)
	}
}

func TestDotSqDist(t *testing.T) {
	distPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for n := 0; n <= 300; n++ {
			x, y := make([]float32, n), make([]float32, n+3)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			for i := range y {
				y[i] = float32(r.NormFloat64())
			}
			for _, sq := range []bool{false, true} {
				got := Dot(x, y)
				if sq {
					got = SqDist(x, y)
				}
				want, mag := distRef(x, y[:n], sq)
				if math.Abs(float64(got)-want) > 1.2e-7*(mag+1e-30)*float64(n+1) {
					t.Fatalf("n=%d sq=%v: got %v, float64 reference %v", n, sq, got, want)
				}
			}
		}
	})
}

func TestDotRows(t *testing.T) {
	distPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, d := range []int{1, 7, 16, 33, 512} {
			const rows = 23
			x := make([]float32, rows*d)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			for _, sh := range [][2]int{{1, 1}, {3, 5}, {4, 4}, {9, 13}, {17, 2}} {
				ia, ib := make([]int32, sh[0]), make([]int32, sh[1])
				for i := range ia {
					ia[i] = int32(r.IntN(rows))
				}
				for i := range ib {
					ib[i] = int32(r.IntN(rows))
				}
				ldo := sh[1] + 2
				out := make([]float32, sh[0]*ldo)
				for i := range out {
					out[i] = -99
				}
				DotRows(x, d, ia, ib, out, ldo)
				for a := range ia {
					for b := 0; b < ldo; b++ {
						got := out[a*ldo+b]
						if b >= len(ib) {
							if got != -99 {
								t.Fatalf("d=%d %v: wrote past the row (%d, %d)", d, sh, a, b)
							}
							continue
						}
						want, mag := distRef(x[int(ia[a])*d:int(ia[a]+1)*d], x[int(ib[b])*d:int(ib[b]+1)*d], false)
						if math.Abs(float64(got)-want) > 1.2e-7*mag*float64(d+1) {
							t.Fatalf("d=%d %v: (%d, %d) = %v, float64 reference %v", d, sh, a, b, got, want)
						}
					}
				}
			}
		}
	})
}

func TestDotRowsErrors(t *testing.T) {
	x := make([]float32, 10*4)
	for _, c := range []struct {
		ia, ib []int32
		out    []float32
		want   string
	}{
		{[]int32{0, 10}, []int32{1}, make([]float32, 2), "row index 10"},
		{[]int32{0}, []int32{-1}, make([]float32, 1), "row index -1"},
		{[]int32{0, 1}, []int32{1, 2}, make([]float32, 3), "len(out) = 3"},
	} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.Contains(s, c.want) {
					t.Errorf("panic %v, want one naming %q", r, c.want)
				}
			}()
			DotRows(x, 4, c.ia, c.ib, c.out, len(c.ib))
		}()
	}
}
