package nn

import (
	"math"
	"testing"

	"remedy/autograd"
	"remedy/kernels"
)

// adamRef is torch.optim.Adam's update written out in float64.
type adamRef struct {
	lr, b1, b2, eps, wd float64
	m, v                []float64
	t                   int
}

func (a *adamRef) step(w, g []float64) {
	a.t++
	for j := range w {
		gj := g[j] + a.wd*w[j]
		a.m[j] = a.b1*a.m[j] + (1-a.b1)*gj
		a.v[j] = a.b2*a.v[j] + (1-a.b2)*gj*gj
		mhat := a.m[j] / (1 - math.Pow(a.b1, float64(a.t)))
		denom := math.Sqrt(a.v[j])/math.Sqrt(1-math.Pow(a.b2, float64(a.t))) + a.eps
		w[j] -= a.lr * mhat / denom
	}
}

func TestAdamMatchesReference(t *testing.T) {
	w0 := []float32{0.5, -1.25, 3, 0.001, -0.2, 0}
	for _, c := range []struct{ lr, wd float64 }{{1e-3, 0}, {1e-6, 1e-3}, {0.1, 0.01}} {
		p := autograd.NewParam(append([]float32(nil), w0...), 2, 3)
		opt := NewAdam([]Param{{"p", p}}, c.lr, c.wd)
		ref := &adamRef{lr: c.lr, b1: 0.9, b2: 0.999, eps: 1e-8, wd: c.wd, m: make([]float64, 6), v: make([]float64, 6)}
		w := make([]float64, 6)
		for j := range w {
			w[j] = float64(w0[j])
		}
		g := make([]float64, 6)
		for step := 1; step <= 20; step++ {
			opt.ZeroGrad()
			for j := range g {
				// a deterministic gradient sequence with sign changes and a zero
				g[j] = math.Sin(float64(step*(j+1))) * math.Pow(10, float64(j%3-1))
				if j == 5 && step%4 == 0 {
					g[j] = 0
				}
				p.Grad[j] = float32(g[j])
				g[j] = float64(p.Grad[j])
			}
			opt.Step()
			ref.step(w, g)
			for j := range w {
				// float32 rounding of w itself dominates: allow a few ulps of w plus 1e-4 of the step
				tol := 4*math.Abs(w[j])*6e-8 + 1e-4*c.lr*float64(step)
				if d := math.Abs(float64(p.Data[j]) - w[j]); d > tol {
					t.Fatalf("lr %g wd %g step %d elem %d: got %v want %v (diff %g)", c.lr, c.wd, step, j, p.Data[j], w[j], d)
				}
			}
		}
	}
}

// The first Adam step moves each weight by lr*g/(|g|+eps), as bias
// correction makes m_hat = g and v_hat = g^2.
func TestAdamFirstStepByHand(t *testing.T) {
	p := autograd.NewParam([]float32{1, 1, 1}, 3)
	opt := NewAdam([]Param{{"p", p}}, 0.5, 0)
	copy(p.Grad, []float32{2, -3e-3, 0})
	opt.Step()
	want := []float32{float32(1 - 0.5*2/(2+1e-8)), float32(1 + 0.5*3e-3/(3e-3+1e-8)), 1}
	for j := range want {
		if math.Abs(float64(p.Data[j]-want[j])) > 1e-7 {
			t.Fatalf("after one step: %v, want %v", p.Data, want)
		}
	}
}

func TestSGD(t *testing.T) {
	p := autograd.NewParam([]float32{1, -2}, 2)
	opt := NewSGD([]Param{{"p", p}}, 0.1, 0.9, 0.01)
	w := []float64{1, -2}
	buf := []float64{0, 0}
	for step := 0; step < 5; step++ {
		g := []float64{float64(step) - 1.5, 0.5}
		for j := range g {
			p.Grad[j] = float32(g[j])
			gj := g[j] + 0.01*w[j]
			if step > 0 {
				gj += 0.9 * buf[j]
			}
			buf[j] = gj
			w[j] -= 0.1 * gj
		}
		opt.Step()
		for j := range w {
			if math.Abs(float64(p.Data[j])-w[j]) > 1e-6 {
				t.Fatalf("step %d: got %v want %v", step, p.Data, w)
			}
		}
	}
}

func TestClipGradNorm(t *testing.T) {
	a := autograd.NewParam(make([]float32, 2), 2)
	b := autograd.NewParam(make([]float32, 1), 1)
	copy(a.Grad, []float32{3, 0})
	copy(b.Grad, []float32{4})
	ps := []Param{{"a", a}, {"b", b}}
	if n := ClipGradNorm(ps, 10); n != 5 || a.Grad[0] != 3 {
		t.Fatalf("norm %v, grads %v %v: nothing should be clipped", n, a.Grad, b.Grad)
	}
	if n := ClipGradNorm(ps, 1); n != 5 {
		t.Fatalf("norm %v, want 5", n)
	}
	c := 1 / (5 + 1e-6)
	if math.Abs(float64(a.Grad[0])-3*c) > 1e-7 || math.Abs(float64(b.Grad[0])-4*c) > 1e-7 {
		t.Fatalf("clipped grads %v %v", a.Grad, b.Grad)
	}
}

// Sharding Adam over threads does not change the result.
func TestAdamThreadsBitIdentical(t *testing.T) {
	run := func(threads int) []float32 {
		kernels.SetThreads(threads)
		defer kernels.SetThreads(0)
		var ps []Param
		for i, n := range []int{70000, 3, 50001} {
			d := make([]float32, n)
			for j := range d {
				d[j] = float32(math.Sin(float64(i*n + j)))
			}
			ps = append(ps, Param{"p", autograd.NewParam(d, n)})
		}
		opt := NewAdam(ps, 1e-3, 1e-2)
		for step := 0; step < 3; step++ {
			for _, p := range ps {
				for j := range p.T.Grad {
					p.T.Grad[j] = float32(math.Cos(float64(j*(step+1)))) * 0.01
				}
			}
			opt.Step()
		}
		var out []float32
		for _, p := range ps {
			out = append(out, p.T.Data...)
		}
		return out
	}
	a, b := run(1), run(3)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("element %d: %v with 1 thread, %v with 3", i, a[i], b[i])
		}
	}
}
