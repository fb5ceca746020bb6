package kernels

import (
	"math"
	"math/rand"
	"testing"
)

// TestSgemmDirectA runs sgemmDirectA (A read in place by the micro-kernel,
// partial row tiles packed) over every (m, n) pair of gemmDims with both B
// layouts, beta 0/1/-0.5, padded strides, with small blocks and 1-3 threads,
// against the float64 reference, guard cells and unmodified inputs.
func TestSgemmDirectA(t *testing.T) {
	withPath(t, func(t *testing.T) {
		for _, bl := range [][5]int{{blockKC, blockMC, blockNC, minParallelWork, 1}, {16, 24, 64, 1, 3}, {0, 36, 96, 1, 2}} {
			withBlocks(bl[0], bl[1], bl[2], bl[3], bl[4], func() {
				r := rand.New(rand.NewSource(41))
				idx := 0
				for _, m := range gemmDims {
					for _, n := range gemmDims {
						for _, k := range []int{1, 13, 300} {
							beta := []float32{0, 1, -0.5}[idx%3]
							g := newGemmCase(r, false, idx%2 == 1, m, n, k, 1, beta, []int{0, 3, 17}[idx%3])
							g.directA = true
							idx++
							g.run(t)
						}
					}
				}
			})
		}
	})
}

// TestSgemmAKernel checks the in-place-A assembly micro-kernels against
// their Go twin on whole tiles (float32 sums in another order: tolerance).
func TestSgemmAKernel(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewSource(43))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		ak := directAKernel()
		if ak.fn == nil {
			continue
		}
		for _, kc := range []int{1, 3, 4, 5, 64, 257} {
			lda := kc + 5
			a := gemmRand(r, 11*lda+kc)
			b := gemmRand(r, kc*32)
			const ldc = 40
			c0 := gemmRand(r, 12*ldc)
			want := append([]float32(nil), c0...)
			gemmA12x32Go(kc, a, lda, b, want, ldc)
			got := append([]float32(nil), c0...)
			ak.fn(kc, &a[0], lda, &b[0], &got[0], ldc)
			set := append([]float32(nil), c0...)
			ak.set(kc, &a[0], lda, &b[0], &set[0], ldc)
			for i := 0; i < 12; i++ {
				for j := 0; j < ldc; j++ {
					x := i*ldc + j
					if j >= 32 {
						if got[x] != c0[x] || set[x] != c0[x] {
							t.Fatalf("%s kc=%d: wrote outside the tile at [%d][%d]", p, kc, i, j)
						}
						continue
					}
					var mag float64
					for q := 0; q < kc; q++ {
						mag += math.Abs(float64(a[i*lda+q]) * float64(b[q*32+j]))
					}
					tol := gemmTol(kc, mag+math.Abs(float64(c0[x])))
					if d := math.Abs(float64(got[x] - want[x])); d > 2*tol {
						t.Fatalf("%s kc=%d: C[%d][%d] = %g, want %g", p, kc, i, j, got[x], want[x])
					}
					if d := math.Abs(float64(set[x] - (want[x] - c0[x]))); d > 2*tol {
						t.Fatalf("%s kc=%d set: C[%d][%d] = %g, want %g", p, kc, i, j, set[x], want[x]-c0[x])
					}
				}
			}
		}
	}
}
