package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// adamState returns n parameters, gradients and moments with magnitudes
// spread over many decades (as in a real network), some exact zeros, and
// with special set, a few infinities and NaNs.
func adamState(r *rand.Rand, n int, special bool) (w, g, m, v []float32) {
	w, g, m, v = make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := 0; i < n; i++ {
		scale := math.Pow(10, float64(r.IntN(11)-8)) // 1e-8 .. 1e2
		g[i] = float32(r.NormFloat64() * scale)
		w[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(5)-3)))
		m[i] = float32(r.NormFloat64() * scale)
		v[i] = float32(r.ExpFloat64() * scale * scale)
		switch r.IntN(12) {
		case 0:
			g[i] = 0
		case 1:
			m[i], v[i] = 0, 0
		case 2:
			w[i] = 0
		}
		if special && r.IntN(20) == 0 {
			x := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 3e38, 1e-40}[r.IntN(5)]
			switch r.IntN(3) {
			case 0:
				g[i] = x
			case 1:
				w[i] = x
			default:
				m[i] = x
			}
		}
	}
	return
}

// guarded copies x into a buffer with off leading and 7 trailing guard
// values and returns the copy and the buffer.
func guarded(x []float32, off int) (inner, buf []float32) {
	buf = make([]float32, off+len(x)+7)
	for i := range buf {
		buf[i] = -7.77e30
	}
	inner = buf[off : off+len(x)]
	copy(inner, x)
	return inner, buf
}

func checkGuarded(t *testing.T, what string, buf []float32, off, n int) {
	t.Helper()
	for i, x := range buf {
		if (i < off || i >= off+n) && x != -7.77e30 {
			t.Fatalf("%s: guard %d overwritten", what, i)
		}
	}
}

// TestAdamSIMDTwin checks the path in use (AVX-512, AVX2 or Go) against the
// pure-Go twin bit for bit (NaN against NaN) on awkward lengths and offsets,
// with and without weight decay, including infinities and NaNs, and that
// nothing outside the slices is written.
func TestAdamSIMDTwin(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	coefs := []AdamCoef{
		NewAdamCoef(1e-3, 0.9, 0.999, 1e-8, 0, 1),
		NewAdamCoef(1e-6, 0.9, 0.999, 1e-8, 1e-3, 7),
		NewAdamCoef(0.1, 0.8, 0.99, 1e-6, 0.05, 1000),
		NewAdamCoef(1e-3, 0.9, 0.999, 1e-8, math.Copysign(0, -1), 3),
	}
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 100, 1001, 4099} {
		for off := 0; off < 3; off++ {
			for ci := range coefs {
				c := &coefs[ci]
				w0, g0, m0, v0 := adamState(r, n, n%2 == 1)
				ww, wg, wm, wv := append([]float32(nil), w0...), append([]float32(nil), g0...), append([]float32(nil), m0...), append([]float32(nil), v0...)
				adamGo(ww, wg, wm, wv, c)
				w, wb := guarded(w0, off)
				g, gb := guarded(g0, off)
				m, mb := guarded(m0, off)
				v, vb := guarded(v0, off)
				AdamUpdate(w, g, m, v, c)
				name := fmt.Sprintf("path %s n=%d off=%d coef %d", Path(), n, off, ci)
				for _, x := range []struct {
					what      string
					got, want []float32
					buf       []float32
				}{{"w", w, ww, wb}, {"g", g, g0, gb}, {"m", m, wm, mb}, {"v", v, wv, vb}} {
					checkGuarded(t, name+" "+x.what, x.buf, off, n)
					for i := range x.got {
						if !same(x.got[i], x.want[i]) {
							t.Fatalf("%s: %s[%d] = %g, Go twin %g", name, x.what, i, x.got[i], x.want[i])
						}
					}
				}
			}
		}
	}
}

// TestAdamUpdateVsFloat64 checks one step against torch.optim.Adam's
// formula evaluated in float64 from the same float32 inputs with the exact
// (float64) hyper-parameters. The tolerance is a running error bound: each
// float32 operation contributes at most one rounding (2^-24 relative) of
// the magnitudes it combines, doubled for safety; it also covers the float32
// rounding of the hyper-parameters and the 1/sqrt(bc2) multiplication.
func TestAdamUpdateVsFloat64(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	const E = 1.0 / (1 << 24)
	for _, h := range []struct {
		lr, b1, b2, eps, wd float64
		step                int
	}{{1e-3, 0.9, 0.999, 1e-8, 0, 1}, {1e-6, 0.9, 0.999, 1e-8, 1e-3, 5}, {0.1, 0.8, 0.99, 1e-6, 0.05, 200}} {
		n := 2053
		w, g, m, v := adamState(r, n, false)
		w0, m0, v0 := append([]float32(nil), w...), append([]float32(nil), m...), append([]float32(nil), v...)
		c := NewAdamCoef(h.lr, h.b1, h.b2, h.eps, h.wd, h.step)
		AdamUpdate(w, g, m, v, &c)
		bc1 := 1 - math.Pow(h.b1, float64(h.step))
		bc2 := 1 - math.Pow(h.b2, float64(h.step))
		for i := 0; i < n; i++ {
			W, G, M, V := float64(w0[i]), float64(g[i]), float64(m0[i]), float64(v0[i])
			gp := G + h.wd*W
			mr := h.b1*M + (1-h.b1)*gp
			vr := h.b2*V + (1-h.b2)*gp*gp
			den := math.Sqrt(vr)/math.Sqrt(bc2) + h.eps
			u := h.lr / bc1 * mr / den
			wr := W - u

			eg := 2 * E * (math.Abs(G) + math.Abs(h.wd*W))
			em := 4*E*(h.b1*math.Abs(M)+(1-h.b1)*math.Abs(gp)) + (1-h.b1)*eg
			ev := 5*E*(h.b2*V+(1-h.b2)*gp*gp) + 2*(1-h.b2)*math.Abs(gp)*eg
			relDen := 4 * E
			if vr > 0 {
				relDen += ev / vr / 2
			}
			eu := math.Abs(u)*(5*E+relDen) + h.lr/bc1*em/den
			ew := 2 * (E*(math.Abs(W)+math.Abs(u)) + eu)
			for _, x := range []struct {
				what      string
				got, want float64
				tol       float64
			}{{"m", float64(m[i]), mr, 2 * em}, {"v", float64(v[i]), vr, 2 * ev}, {"w", float64(w[i]), wr, ew}} {
				if d := math.Abs(x.got - x.want); !(d <= x.tol) {
					t.Fatalf("%+v elem %d: %s = %g, float64 %g (diff %g > %g); w %g g %g m %g v %g",
						h, i, x.what, x.got, x.want, d, x.tol, W, G, M, V)
				}
			}
		}
	}
}

// TestAdamUpdateAllSplit: the parallel split over several tensors gives the
// same bits as updating each tensor on one goroutine, for several thread
// counts.
func TestAdamUpdateAllSplit(t *testing.T) {
	defer SetThreads(Threads())
	r := rand.New(rand.NewPCG(45, 46))
	sizes := []int{432, 16, 4608, 32, 70001, 3, 150000, 2}
	var w0, g, m0, v0 [][]float32
	for _, n := range sizes {
		a, b, c, d := adamState(r, n, false)
		w0, g, m0, v0 = append(w0, a), append(g, b), append(m0, c), append(v0, d)
	}
	c := NewAdamCoef(1e-4, 0.9, 0.999, 1e-8, 1e-3, 3)
	clone := func(x [][]float32) [][]float32 {
		out := make([][]float32, len(x))
		for i := range x {
			out[i] = append([]float32(nil), x[i]...)
		}
		return out
	}
	ww, wm, wv := clone(w0), clone(m0), clone(v0)
	for i := range ww {
		AdamUpdate(ww[i], g[i], wm[i], wv[i], &c)
	}
	for _, th := range []int{1, 2, 3, 5} {
		SetThreads(th)
		w, m, v := clone(w0), clone(m0), clone(v0)
		AdamUpdateAll(w, g, m, v, &c)
		for i := range w {
			for j := range w[i] {
				if !same(w[i][j], ww[i][j]) || !same(m[i][j], wm[i][j]) || !same(v[i][j], wv[i][j]) {
					t.Fatalf("threads %d: tensor %d elem %d differs", th, i, j)
				}
			}
		}
	}
}

// TestConcatNoAllocs: the split whole-model updates (Adam, zeroing,
// scaling) allocate nothing per call at any thread count once warm; they
// used to allocate their closure at two threads.
func TestConcatNoAllocs(t *testing.T) {
	if gemmRace {
		t.Skip("sync.Pool drops items on purpose under the race detector")
	}
	defer SetThreads(Threads())
	r := rand.New(rand.NewPCG(49, 50))
	var w, g, m, v [][]float32
	for _, n := range []int{70001, 150000, 3} {
		a, b, c, d := adamState(r, n, false)
		w, g, m, v = append(w, a), append(g, b), append(m, c), append(v, d)
	}
	c := NewAdamCoef(1e-4, 0.9, 0.999, 1e-8, 0, 1)
	for _, th := range []int{1, 2, 3} {
		SetThreads(th)
		for name, fn := range map[string]func(){
			"AdamUpdateAll": func() { AdamUpdateAll(w, g, m, v, &c) },
			"ZeroAll":       func() { ZeroAll(g) },
			"ScaleAll":      func() { ScaleAll(g, 0.5) },
		} {
			fn()
			if n := testing.AllocsPerRun(20, fn); n != 0 {
				t.Errorf("threads %d: %s allocates %.1f objects per call", th, name, n)
			}
		}
	}
}

// BenchmarkAdamUpdate: one step over BPVGG's 1,075,426 parameters (about
// 30 MB of traffic) and over 16k (cache-resident), on the path in use.
func BenchmarkAdamUpdate(b *testing.B) {
	r := rand.New(rand.NewPCG(47, 48))
	for _, n := range []int{1 << 14, 1075426} {
		w, g, m, v := adamState(r, n, false)
		c := NewAdamCoef(1e-6, 0.9, 0.999, 1e-8, 1e-3, 10)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(7 * 4 * n))
			for i := 0; i < b.N; i++ {
				AdamUpdate(w, g, m, v, &c)
			}
		})
	}
}

// TestZeroAll: every element of every buffer zeroed, nothing else touched,
// for several thread counts.
func TestZeroAll(t *testing.T) {
	defer SetThreads(Threads())
	for _, th := range []int{1, 2, 3} {
		SetThreads(th)
		var bufs, outer [][]float32
		for _, n := range []int{5, 70001, 0, 16, 150000, 3} {
			in, buf := guarded(make([]float32, n), 1)
			for i := range in {
				in[i] = float32(i + 1)
			}
			bufs, outer = append(bufs, in), append(outer, buf)
		}
		ZeroAll(bufs)
		for k, b := range bufs {
			checkGuarded(t, "ZeroAll", outer[k], 1, len(b))
			for i, x := range b {
				if x != 0 {
					t.Fatalf("threads %d: buffer %d elem %d = %g", th, k, i, x)
				}
			}
		}
	}
}
