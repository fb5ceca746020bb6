package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// Tolerance model: every result is a float32 sum of k products (alpha folded
// into one factor) plus beta*c, so with u = 2^-24 the error is at most
// about (k+c)*u*(|alpha|*sum|a||b| + |beta||c|) (recursive summation bound).
// gemmTol uses k+8 to cover the extra roundings (alpha*a, beta*c, the final
// adds, one per kc block) and keeps the bound otherwise tight.
const f32u = 1.0 / (1 << 24)

func gemmTol(k int, mag float64) float64 { return float64(k+8)*f32u*mag*1.01 + 1e-35 }

const gemmSentinel = float32(-7777.25)

// withPath runs f under every kernel path the CPU has.
func withPath(t *testing.T, f func(t *testing.T)) {
	old := Path()
	defer UsePath(old)
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		t.Run(p, f)
	}
}

// withBlocks shrinks the cache blocks and the parallel threshold so small
// matrices cross every kc/mc/nc boundary and take the multi-threaded code.
func withBlocks(kc, mc, nc, minWork, threads int, f func()) {
	okc, omc, onc, ow, ot := blockKC, blockMC, blockNC, minParallelWork, Threads()
	blockKC, blockMC, blockNC, minParallelWork = kc, mc, nc, minWork
	SetThreads(threads)
	defer func() {
		blockKC, blockMC, blockNC, minParallelWork = okc, omc, onc, ow
		SetThreads(ot)
	}()
	f()
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	lda, ldb, ldc  int
	a, b           []float32
	cbuf           []float32 // C with guard rows before/after and sentinels between rows
	coff           int
	directA        bool // run sgemmDirectA (transA false, alpha 1)
}

func newGemmCase(r *rand.Rand, transA, transB bool, m, n, k int, alpha, beta float32, pad int) *gemmCase {
	g := &gemmCase{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	g.lda, g.ldb, g.ldc = max(1, ac+pad), max(1, bc+pad), max(1, n+pad)
	g.a = gemmRand(r, ar*g.lda)
	g.b = gemmRand(r, br*g.ldb)
	g.coff = 37
	g.cbuf = make([]float32, g.coff+m*g.ldc+41)
	for i := range g.cbuf {
		g.cbuf[i] = gemmSentinel
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			v := float32(r.NormFloat64())
			if beta == 0 {
				v = float32(math.NaN()) // must be overwritten, not read
			}
			g.cbuf[g.coff+i*g.ldc+j] = v
		}
	}
	return g
}

func gemmRand(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func (g *gemmCase) opA(i, p int) float64 {
	if g.transA {
		return float64(g.a[p*g.lda+i])
	}
	return float64(g.a[i*g.lda+p])
}

func (g *gemmCase) opB(p, j int) float64 {
	if g.transB {
		return float64(g.b[j*g.ldb+p])
	}
	return float64(g.b[p*g.ldb+j])
}

// want is the float64 reference value of C[i][j] and its error scale.
func (g *gemmCase) want(c0 []float32, i, j int) (v, mag float64) {
	var s, sa float64
	for p := 0; p < g.k; p++ {
		x := g.opA(i, p) * g.opB(p, j)
		s += x
		sa += math.Abs(x)
	}
	al := float64(g.alpha)
	v, mag = al*s, math.Abs(al)*sa
	if g.beta != 0 {
		cv := float64(c0[g.coff+i*g.ldc+j])
		v += float64(g.beta) * cv
		mag += math.Abs(float64(g.beta) * cv)
	}
	return v, mag
}

func (g *gemmCase) name() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,ld=%d/%d/%d",
		g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.beta, g.lda, g.ldb, g.ldc)
}

// run calls Sgemm and checks C against the reference, the guards, and that A
// and B were not written.
func (g *gemmCase) run(t *testing.T) {
	t.Helper()
	c0 := append([]float32(nil), g.cbuf...)
	a0 := append([]float32(nil), g.a...)
	b0 := append([]float32(nil), g.b...)
	c := g.cbuf[g.coff:]
	if g.m == 0 {
		c = c[:0]
	}
	if g.directA {
		sgemmDirectA(0, g.m, g.n, g.k, g.a, g.lda, g.transB, g.b, g.ldb, g.beta, c, g.ldc)
	} else {
		Sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, c, g.ldc)
	}
	bad := 0
	for idx, v := range g.cbuf {
		i, j := (idx-g.coff)/g.ldc, (idx-g.coff)%g.ldc
		inC := idx >= g.coff && i < g.m && j < g.n
		if !inC {
			if math.Float32bits(v) != math.Float32bits(gemmSentinel) {
				t.Fatalf("%s: wrote outside C at buffer index %d (got %g)", g.name(), idx, v)
			}
			continue
		}
		w, mag := g.want(c0, i, j)
		if d := math.Abs(float64(v) - w); !(d <= gemmTol(g.k, mag)) {
			if bad++; bad <= 3 {
				t.Errorf("%s: C[%d][%d] = %g, want %g (|err| %.3g > tol %.3g)", g.name(), i, j, v, w, d, gemmTol(g.k, mag))
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%s: %d wrong elements", g.name(), bad)
	}
	for i := range a0 {
		if math.Float32bits(a0[i]) != math.Float32bits(g.a[i]) {
			t.Fatalf("%s: A modified", g.name())
		}
	}
	for i := range b0 {
		if math.Float32bits(b0[i]) != math.Float32bits(g.b[i]) {
			t.Fatalf("%s: B modified", g.name())
		}
	}
}

var gemmDims = []int{0, 1, 3, 7, 15, 17, 31, 33, 127, 129}
var gemmAB = [][2]float32{{1, 0}, {1, 1}, {-0.5, -0.5}, {1, -0.5}, {-0.5, 0}, {0, 1}, {-0.5, 1}, {0, -0.5}, {0, 0}}

// gemmCover runs every (m, n) pair of gemmDims with two k values each, every
// transpose pair, alpha/beta rotating over gemmAB, padded and tight strides.
func gemmCover(t *testing.T, seed int64) {
	r := rand.New(rand.NewSource(seed))
	idx := 0
	for im, m := range gemmDims {
		for in, n := range gemmDims {
			for _, kk := range []int{(im*3 + in*7) % len(gemmDims), (im + in*3 + 5) % len(gemmDims)} {
				k := gemmDims[kk]
				for tr := 0; tr < 4; tr++ {
					ab := gemmAB[idx%len(gemmAB)]
					pad := []int{0, 3, 17}[idx%3]
					idx++
					newGemmCase(r, tr&1 != 0, tr&2 != 0, m, n, k, ab[0], ab[1], pad).run(t)
				}
			}
		}
	}
}

func TestSgemmShapes(t *testing.T) {
	withPath(t, func(t *testing.T) {
		withBlocks(blockKC, blockMC, blockNC, minParallelWork, 1, func() { gemmCover(t, 1) })
	})
}

// TestSgemmBlocked crosses kc, mc and nc boundaries and splits work across
// threads on small matrices.
func TestSgemmBlocked(t *testing.T) {
	withPath(t, func(t *testing.T) {
		mr, nr := cur.gemm.mr, cur.gemm.nr
		withBlocks(16, 2*mr, 2*nr, 1, 3, func() { gemmCover(t, 2) })
		withBlocks(5, mr, nr, 1, 2, func() {
			r := rand.New(rand.NewSource(3))
			for _, s := range [][3]int{{129, 127, 33}, {64, 200, 17}, {200, 9, 40}, {9, 200, 40}, {5, 300, 31}, {300, 4, 31}} {
				for tr := 0; tr < 4; tr++ {
					for _, ab := range gemmAB {
						newGemmCase(r, tr&1 != 0, tr&2 != 0, s[0], s[1], s[2], ab[0], ab[1], 2).run(t)
					}
				}
			}
		})
	})
}

// TestSgemmLarge checks one shape above the default blocks (k > kc, m > mc).
func TestSgemmLarge(t *testing.T) {
	withPath(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(4))
		newGemmCase(r, false, true, 257, 161, 600, -0.5, 1, 5).run(t)
	})
}

func TestSgemmSpecials(t *testing.T) {
	withPath(t, func(t *testing.T) {
		for _, s := range [][3]int{{1, 1, 1}, {3, 70, 33}, {70, 3, 33}, {40, 50, 60}, {129, 33, 300}} {
			for tr := 0; tr < 4; tr++ {
				gemmSpecial(t, s[0], s[1], s[2], tr&1 != 0, tr&2 != 0)
			}
		}
	})
}

// gemmSpecial: NaN in op(A)[i0][p0] makes row i0 of C NaN and nothing else;
// +Inf in op(B)[p0][j0] with positive data makes column j0 +Inf (-Inf for
// alpha < 0) and nothing else.
func gemmSpecial(t *testing.T, m, n, k int, transA, transB bool) {
	r := rand.New(rand.NewSource(int64(m*n + k)))
	g := newGemmCase(r, transA, transB, m, n, k, -0.5, 0, 1)
	for i := range g.a {
		g.a[i] = 0.5 + r.Float32()
	}
	for i := range g.b {
		g.b[i] = 0.5 + r.Float32()
	}
	i0, p0, j0 := m/2, k/3, n-1
	setA := func(v float32) {
		if transA {
			g.a[p0*g.lda+i0] = v
		} else {
			g.a[i0*g.lda+p0] = v
		}
	}
	setB := func(v float32) {
		if transB {
			g.b[j0*g.ldb+p0] = v
		} else {
			g.b[p0*g.ldb+j0] = v
		}
	}
	c := g.cbuf[g.coff:]
	setA(float32(math.NaN()))
	setB(float32(math.Inf(1)))
	Sgemm(transA, transB, m, n, k, g.alpha, g.a, g.lda, g.b, g.ldb, 0, c, g.ldc)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			v := float64(c[i*g.ldc+j])
			switch {
			case i == i0:
				if !math.IsNaN(v) {
					t.Fatalf("%s: C[%d][%d] = %g, want NaN from A", g.name(), i, j, v)
				}
			case j == j0:
				if !math.IsInf(v, -1) {
					t.Fatalf("%s: C[%d][%d] = %g, want -Inf from B", g.name(), i, j, v)
				}
			default:
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s: C[%d][%d] = %g, want finite (beta=0 must not read C)", g.name(), i, j, v)
				}
			}
		}
	}
}

// TestSgemmDeterminism: the same inputs give bit-identical C for repeated
// calls and for 1, 2 and 3 threads (splits fall on tile boundaries).
func TestSgemmDeterminism(t *testing.T) {
	withPath(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(5))
		for _, s := range [][5]int{{300, 200, 500, 0, 0}, {211, 333, 300, 1, 1}, {3, 3000, 200, 0, 0}, {3000, 5, 100, 1, 0}, {3000, 5, 100, 0, 1}, {6, 700, 150, 0, 1}} {
			m, n, k := s[0], s[1], s[2]
			tA, tB := s[3] == 1, s[4] == 1
			ar, ac := m, k
			if tA {
				ar, ac = k, m
			}
			br, bc := k, n
			if tB {
				br, bc = n, k
			}
			a, b := gemmRand(r, ar*ac), gemmRand(r, br*bc)
			c0 := gemmRand(r, m*n)
			var first []float32
			for _, th := range []int{1, 1, 2, 2, 3} {
				withBlocks(blockKC, blockMC, blockNC, 1, th, func() {
					c := append([]float32(nil), c0...)
					Sgemm(tA, tB, m, n, k, 0.75, a, ac, b, bc, -0.5, c, n)
					if first == nil {
						first = c
						return
					}
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(first[i]) {
							t.Fatalf("m=%d n=%d k=%d threads=%d: C[%d] = %g differs from first run %g", m, n, k, th, i, c[i], first[i])
						}
					}
				})
			}
		}
	})
}

// TestSgemmNoAlloc: steady-state calls allocate nothing, threaded or not,
// packed or skinny.
func TestSgemmNoAlloc(t *testing.T) {
	if gemmRace {
		t.Skip("sync.Pool drops items under the race detector")
	}
	withPath(t, func(t *testing.T) {
		for _, s := range [][3]int{{200, 200, 200}, {2, 2000, 300}, {2000, 2, 300}} {
			m, n, k := s[0], s[1], s[2]
			a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
			withBlocks(blockKC, blockMC, blockNC, 1, 2, func() {
				Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				if allocs := testing.AllocsPerRun(20, func() {
					Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
				}); allocs >= 1 {
					t.Errorf("m=%d n=%d k=%d: %v allocs per call", m, n, k, allocs)
				}
			})
		}
	})
}

// TestMicroKernels runs each path's micro-kernel directly against microRef
// on random panels, with guards around the C tile.
func TestMicroKernels(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	for _, im := range impls {
		if !im.available {
			continue
		}
		uk := im.gemm
		for _, kc := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 256, 301} {
			a, b := gemmRand(r, uk.mr*kc+1), gemmRand(r, uk.nr*kc+1)
			ldc := uk.nr + 5
			const off = 16
			c := make([]float32, off+uk.mr*ldc+16)
			for i := range c {
				c[i] = gemmSentinel
			}
			for i := 0; i < uk.mr; i++ {
				for j := 0; j < uk.nr; j++ {
					c[off+i*ldc+j] = float32(r.NormFloat64())
				}
			}
			want := append([]float32(nil), c...)
			microRef(uk.mr, uk.nr, kc, a, b, want[off:], ldc)
			got := append([]float32(nil), c...)
			uk.fn(kc, &a[0], &b[0], &got[off], ldc)
			if uk.set != nil {
				// set must equal fn on a zeroed tile, bit for bit (0 + x == x
				// except for the sign of zero), and must not read C: NaN there.
				zero := append([]float32(nil), c...)
				nan := append([]float32(nil), c...)
				for i := 0; i < uk.mr; i++ {
					for j := 0; j < uk.nr; j++ {
						zero[off+i*ldc+j] = 0
						nan[off+i*ldc+j] = float32(math.NaN())
					}
				}
				uk.fn(kc, &a[0], &b[0], &zero[off], ldc)
				uk.set(kc, &a[0], &b[0], &nan[off], ldc)
				for idx := range zero {
					if zero[idx] != nan[idx] && !(zero[idx] == 0 && nan[idx] == 0) {
						t.Fatalf("%s set kc=%d: index %d = %g, fn on zero tile gives %g", im.name, kc, idx, nan[idx], zero[idx])
					}
				}
			}
			for idx := range got {
				i, j := (idx-off)/ldc, (idx-off)%ldc
				if idx < off || i >= uk.mr || j >= uk.nr {
					if got[idx] != gemmSentinel {
						t.Fatalf("%s kc=%d: wrote outside the tile at %d", im.name, kc, idx)
					}
					continue
				}
				mag := math.Abs(float64(c[idx]))
				for p := 0; p < kc; p++ {
					mag += math.Abs(float64(a[p*uk.mr+i]) * float64(b[p*uk.nr+j]))
				}
				// Both sides carry at most the summation bound.
				if d := math.Abs(float64(got[idx]) - float64(want[idx])); d > 2*gemmTol(kc, mag) {
					t.Fatalf("%s kc=%d: C[%d][%d] = %g, microRef %g", im.name, kc, i, j, got[idx], want[idx])
				}
			}
		}
	}
}

// TestSkinnyPrimitives checks each path's dot and axpy against float64.
func TestSkinnyPrimitives(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for _, im := range impls {
		if !im.available {
			continue
		}
		dot, axpy := im.dot, im.axpy
		if dot == nil {
			dot, axpy = dotGo, axpyGo
		}
		for _, n := range []int{0, 1, 2, 7, 8, 9, 31, 32, 33, 63, 65, 100, 1000, 1027} {
			for _, off := range []int{0, 1, 3} {
				x, y := gemmRand(r, n+off)[off:], gemmRand(r, n+off)[off:]
				var s, mag float64
				for i := range x {
					s += float64(x[i]) * float64(y[i])
					mag += math.Abs(float64(x[i]) * float64(y[i]))
				}
				if got := dot(x, y); math.Abs(float64(got)-s) > gemmTol(n, mag) {
					t.Fatalf("%s dot n=%d: %g, want %g", im.name, n, got, s)
				}
				y0 := append([]float32(nil), y...)
				axpy(-0.75, x, y)
				for i := range y {
					w := -0.75*float64(x[i]) + float64(y0[i])
					if math.Abs(float64(y[i])-w) > 2*f32u*(math.Abs(0.75*float64(x[i]))+math.Abs(float64(y0[i]))) {
						t.Fatalf("%s axpy n=%d i=%d: %g, want %g", im.name, n, i, y[i], w)
					}
				}
			}
		}
	}
}

func TestSgemmMatchesRef(t *testing.T) {
	// sgemmRef is kept as the simple twin other kernels test against; make
	// sure it agrees with the float64 reference too.
	r := rand.New(rand.NewSource(8))
	g := newGemmCase(r, true, false, 17, 33, 31, -0.5, 1, 3)
	c0 := append([]float32(nil), g.cbuf...)
	sgemmRef(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.cbuf[g.coff:], g.ldc)
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			w, mag := g.want(c0, i, j)
			if d := math.Abs(float64(g.cbuf[g.coff+i*g.ldc+j]) - w); d > gemmTol(g.k, mag) {
				t.Fatalf("sgemmRef C[%d][%d] off by %g", i, j, d)
			}
		}
	}
}

// TestPackRoutines checks each path's asm packing against the definition,
// bit for bit (both compute alpha*v once), for every width up to packMaxW,
// every row/column count, k tails around the 16-wide blocks, and guards.
func TestPackRoutines(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	for _, im := range impls {
		if !im.available || im.packCopy == nil {
			continue
		}
		for _, w := range []int{4, 6, 12, 16, 32} {
			if w > im.packMaxW {
				continue
			}
			for n := 1; n <= w; n++ {
				for _, k := range []int{1, 3, 15, 16, 17, 33, 64} {
					ld := max(n, k) + 3
					src := gemmRand(r, ld*max(n, k))
					for gather := 0; gather < 2; gather++ {
						const off = 16
						dst := make([]float32, off+k*w+8+16)
						for i := range dst {
							dst[i] = gemmSentinel
						}
						fn, what := im.packCopy, "copy"
						if gather == 1 {
							fn, what = im.packGather, "gather"
						}
						fn(&dst[off], &src[0], ld, k, n, w, -0.5)
						for idx, v := range dst {
							q := idx - off
							p, j := q/w, q%w
							switch {
							case q < 0 || q >= k*w+8:
								if v != gemmSentinel {
									t.Fatalf("%s %s w=%d n=%d k=%d: wrote outside at %d", im.name, what, w, n, k, q)
								}
							case q >= k*w:
								// up to 8 floats of slack may be written
							case j >= n:
								if v != 0 {
									t.Fatalf("%s %s w=%d n=%d k=%d: pad [%d][%d] = %g", im.name, what, w, n, k, p, j, v)
								}
							default:
								want := -0.5 * src[p*ld+j]
								if gather == 1 {
									want = -0.5 * src[j*ld+p]
								}
								if math.Float32bits(v) != math.Float32bits(want) {
									t.Fatalf("%s %s w=%d n=%d k=%d: [%d][%d] = %g, want %g", im.name, what, w, n, k, p, j, v, want)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestSgemmConcurrent: callers on several goroutines share the worker pool
// and the buffer pools; each must get exactly the single-caller result.
func TestSgemmConcurrent(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	const m, n, k = 150, 170, 90
	a, b := gemmRand(r, m*k), gemmRand(r, k*n)
	withBlocks(blockKC, blockMC, blockNC, 1, 2, func() {
		want := make([]float32, m*n)
		Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, want, n)
		errs := make(chan string, 8)
		for w := 0; w < 8; w++ {
			go func() {
				c := make([]float32, m*n)
				for it := 0; it < 20; it++ {
					Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
					for i := range c {
						if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
							errs <- fmt.Sprintf("goroutine %d iteration %d: C[%d] = %g, want %g", w, it, i, c[i], want[i])
							return
						}
					}
				}
				errs <- ""
			}()
		}
		for w := 0; w < 8; w++ {
			if e := <-errs; e != "" {
				t.Error(e)
			}
		}
	})
}
