//go:build arm64 && !purego

package kernels

import (
	"math"
	"math/rand"
	"testing"
	"unsafe"
)

func neonImpl(t *testing.T) impl {
	t.Helper()
	for _, i := range impls {
		if i.name == "neon" {
			if !i.available {
				t.Skip("CPU reports no ASIMD")
			}
			return i
		}
	}
	t.Fatal("neon path not registered")
	return impl{}
}

// microCase lays out one call: A~ and B~ each followed by NaNs (an over-read
// that reaches the arithmetic poisons the result), C a tile of rows stride
// ldc inside guard values (every element outside the mr x nr tile, including
// the row padding, must come back bit-identical).
type microCase struct {
	mr, nr, kc, ldc, off int
	a, b                 []float32 // exactly mr*kc and kc*nr long
	cbuf                 []float32
}

const neonGuard = float32(-1234.5)

func newMicroCase(rng *rand.Rand, mr, nr, kc, ldc, off int) *microCase {
	m := &microCase{mr: mr, nr: nr, kc: kc, ldc: ldc, off: off}
	abuf := make([]float32, off+mr*kc+16)
	bbuf := make([]float32, off+kc*nr+16)
	for i := range abuf {
		abuf[i] = float32(math.NaN())
	}
	for i := range bbuf {
		bbuf[i] = float32(math.NaN())
	}
	m.a = abuf[off : off+mr*kc]
	m.b = bbuf[off : off+kc*nr]
	for i := range m.a {
		m.a[i] = rng.Float32()*2 - 1
	}
	for i := range m.b {
		m.b[i] = rng.Float32()*2 - 1
	}
	m.cbuf = make([]float32, 2*off+(mr-1)*ldc+nr+2*16)
	for i := range m.cbuf {
		m.cbuf[i] = neonGuard
	}
	for i := 0; i < mr; i++ {
		for j := 0; j < nr; j++ {
			m.cbuf[m.cIndex(i, j)] = rng.Float32()*4 - 2
		}
	}
	return m
}

func (m *microCase) cIndex(i, j int) int { return 16 + m.off + i*m.ldc + j }

func (m *microCase) inTile(k int) bool {
	k -= 16 + m.off
	if k < 0 {
		return false
	}
	i, j := k/m.ldc, k%m.ldc
	return i < m.mr && j < m.nr
}

// ptr returns a pointer that stays valid for kc == 0, where the slice is
// empty: the kernel must not dereference it then.
func ptr(s []float32) *float32 { return unsafe.SliceData(s) }

func (m *microCase) run(k microKernel) []float32 {
	c := append([]float32(nil), m.cbuf...)
	k.fn(m.kc, ptr(m.a), ptr(m.b), &c[m.cIndex(0, 0)], m.ldc)
	return c
}

func (m *microCase) ref() []float32 {
	c := append([]float32(nil), m.cbuf...)
	microRef(m.mr, m.nr, m.kc, m.a, m.b, c[m.cIndex(0, 0):], m.ldc)
	return c
}

// check compares got with microRef's result: outside the tile bit-identical;
// inside, NaN where the reference has NaN, the same infinity, or within a
// bound from the float64 sum of |a*b| (the two may round differently if the
// Go compiler does not fuse microRef's multiply-add).
func (m *microCase) check(t *testing.T, got []float32) (exact int) {
	t.Helper()
	want := m.ref()
	for k := range got {
		g, w := got[k], want[k]
		if !m.inTile(k) {
			if math.Float32bits(g) != math.Float32bits(m.cbuf[k]) {
				t.Fatalf("kc=%d ldc=%d: element %d outside the tile changed: %v -> %v", m.kc, m.ldc, k, m.cbuf[k], g)
			}
			continue
		}
		r := k - 16 - m.off
		i, j := r/m.ldc, r%m.ldc
		if math.Float32bits(g) == math.Float32bits(w) {
			exact++
			continue
		}
		switch {
		case math.IsNaN(float64(w)) || math.IsNaN(float64(g)):
			if math.IsNaN(float64(w)) != math.IsNaN(float64(g)) {
				t.Fatalf("kc=%d C[%d,%d] = %v, reference %v", m.kc, i, j, g, w)
			}
			continue
		case math.IsInf(float64(w), 0) || math.IsInf(float64(g), 0):
			t.Fatalf("kc=%d C[%d,%d] = %v, reference %v", m.kc, i, j, g, w)
		}
		var mag float64 = math.Abs(float64(m.cbuf[k]))
		for p := 0; p < m.kc; p++ {
			mag += math.Abs(float64(m.a[p*m.mr+i]) * float64(m.b[p*m.nr+j]))
		}
		tol := 2 * float64(m.kc+1) * mag * 0x1p-24
		if d := math.Abs(float64(g) - float64(w)); d > tol {
			t.Fatalf("kc=%d C[%d,%d] = %v, reference %v (|diff| %g > %g)", m.kc, i, j, g, w, d, tol)
		}
	}
	return exact
}

// f64Check checks the tile against an independent float64 sum.
func (m *microCase) f64Check(t *testing.T, got []float32) {
	t.Helper()
	for i := 0; i < m.mr; i++ {
		for j := 0; j < m.nr; j++ {
			s := float64(m.cbuf[m.cIndex(i, j)])
			mag := math.Abs(s)
			for p := 0; p < m.kc; p++ {
				v := float64(m.a[p*m.mr+i]) * float64(m.b[p*m.nr+j])
				s += v
				mag += math.Abs(v)
			}
			g := float64(got[m.cIndex(i, j)])
			if d, tol := math.Abs(g-s), 2*float64(m.kc+1)*mag*0x1p-24; d > tol {
				t.Fatalf("kc=%d C[%d,%d] = %v, float64 sum %v (|diff| %g > %g)", m.kc, i, j, g, s, d, tol)
			}
		}
	}
}

func TestMicroNEON(t *testing.T) {
	k := neonImpl(t).gemm
	if k.mr != 8 || k.nr != 12 {
		t.Fatalf("neon tile %dx%d, want 8x12", k.mr, k.nr)
	}
	rng := rand.New(rand.NewSource(1))
	exact, total := 0, 0
	for _, kc := range []int{0, 1, 2, 3, 4, 5, 7, 8, 64, 257} {
		for _, ldc := range []int{12, 13, 31} {
			for _, off := range []int{0, 1} { // off 1: nothing 16-byte aligned
				m := newMicroCase(rng, k.mr, k.nr, kc, ldc, off)
				got := m.run(k)
				exact += m.check(t, got)
				total += k.mr * k.nr
				m.f64Check(t, got)
			}
		}
	}
	t.Logf("%d of %d tile elements bit-identical to microRef", exact, total)
}

// kc == 0 must leave C exactly as it was, signed zeros and NaN payloads too.
func TestMicroNEONZeroK(t *testing.T) {
	k := neonImpl(t).gemm
	m := newMicroCase(rand.New(rand.NewSource(2)), k.mr, k.nr, 0, 12, 0)
	m.cbuf[m.cIndex(0, 0)] = float32(math.Copysign(0, -1))
	m.cbuf[m.cIndex(7, 11)] = math.Float32frombits(0x7fc01234)
	got := m.run(k)
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(m.cbuf[i]) {
			t.Fatalf("kc=0 changed element %d: %v -> %v", i, m.cbuf[i], got[i])
		}
	}
}

// NaN and Inf in A~, B~ or C reach exactly the elements they should.
func TestMicroNEONSpecials(t *testing.T) {
	k := neonImpl(t).gemm
	rng := rand.New(rand.NewSource(3))
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	for _, kc := range []int{1, 3, 7, 64} {
		m := newMicroCase(rng, k.mr, k.nr, kc, 13, 0)
		p := kc / 2
		m.a[p*k.mr+5] = nan       // row 5 all NaN
		m.b[p*k.nr+2] = inf       // column 2 +-Inf (NaN in row 5)
		m.b[(kc-1)*k.nr+9] = -inf // column 9 too (and NaN where both meet)
		m.cbuf[m.cIndex(1, 7)] = nan
		m.cbuf[m.cIndex(3, 4)] = inf
		got := m.run(k)
		m.check(t, got)
		for i := 0; i < k.mr; i++ {
			for j := 0; j < k.nr; j++ {
				g := float64(got[m.cIndex(i, j)])
				special := i == 5 || j == 2 || j == 9 || (i == 1 && j == 7) || (i == 3 && j == 4)
				if !special && (math.IsNaN(g) || math.IsInf(g, 0)) {
					t.Fatalf("kc=%d C[%d,%d] = %v, want finite", kc, i, j, g)
				}
				if (i == 5 || (i == 1 && j == 7)) && !math.IsNaN(g) {
					t.Fatalf("kc=%d C[%d,%d] = %v, want NaN", kc, i, j, g)
				}
			}
		}
	}
}
