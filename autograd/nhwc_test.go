package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"remedy/kernels"
)

// Channels-last tensors: every op that takes or produces them is checked by
// finite differences (through ToNCHW/ToNHWC at the ends, which are checked
// the same way), and a small net run both ways must agree.

func TestGradChannelsLast(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for trial := 0; trial < 12; trial++ {
		n, c, k := 1+rng.IntN(3), 1+rng.IntN(5), 1+rng.IntN(5)
		h, w := 3+rng.IntN(5), 3+rng.IntN(5)
		r := []int{1, 3}[rng.IntN(2)]
		stride, pad := 1+rng.IntN(2), rng.IntN(2)
		if r == 1 {
			pad = 0
		}
		inCL := trial%3 != 0 // input channels-last
		outCL := trial%3 != 1
		x := randT(rng, true, n, c, h, w)
		wt := randT(rng, true, k, c, r, r)
		in := []*Tensor{x, wt}
		if trial%2 == 0 {
			in = append(in, randT(rng, true, k))
		}
		name := fmt.Sprintf("conv n%d c%d %dx%d k%d r%d s%d p%d bias=%v in_nhwc=%v out_nhwc=%v", n, c, h, w, k, r, stride, pad, len(in) > 2, inCL, outCL)
		gradcheck(t, name, in, func(tp *Tape, in []*Tensor) *Tensor {
			var bb *Tensor
			if len(in) > 2 {
				bb = in[2]
			}
			xx := in[0]
			if inCL {
				xx = tp.ToNHWC(xx)
			}
			var y *Tensor
			if outCL {
				y = tp.Conv2dChannelsLast(xx, in[1], bb, stride, pad)
			} else {
				y = tp.Conv2d(xx, in[1], bb, stride, pad) // keeps the input's layout
				if y.ChannelsLast() != inCL {
					t.Fatalf("%s: Conv2d output layout %v, input %v", name, y.ChannelsLast(), inCL)
				}
			}
			return tp.ToNCHW(y)
		}, defaultGC)
	}
	// pool, ReLU, pool of ReLU (fused and not), mean, add, scale
	for _, sh := range [][]int{{2, 3, 4, 4}, {1, 5, 5, 7}, {3, 2, 7, 6}} {
		x := randT(rng, true, sh...)
		for i, p := range rng.Perm(len(x.Data)) { // distinct, away from 0
			x.Data[i] = float32(p)*0.05 - 0.4 + 0.025
		}
		o := gcOpts{h: 1e-3, rtol: 2e-3, atol: 2e-3, maxPoints: 80}
		gradcheck(t, fmt.Sprint("nhwc pool ", sh), []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
			return tp.ToNCHW(tp.MaxPool2x2(tp.ToNHWC(in[0])))
		}, o)
		var relu *Tensor
		gradcheck(t, fmt.Sprint("nhwc pool(relu) ", sh), []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
			r := tp.ReLU(tp.ToNHWC(in[0]))
			if !tp.NoGrad() { // the recorded pass, not a finite-difference one
				relu = r
			}
			return tp.ToNCHW(tp.MaxPool2x2(r))
		}, o)
		if relu.Grad != nil || !relu.ChannelsLast() {
			t.Fatalf("%v: the fused channels-last pool+ReLU backward did not run", sh)
		}
		gradcheck(t, fmt.Sprint("nhwc pool(relu) read twice ", sh), []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
			r := tp.ReLU(tp.ToNHWC(in[0]))
			return tp.ToNCHW(tp.Add(tp.MaxPool2x2(r), tp.Scale(tp.MaxPool2x2(r), 2)))
		}, o)
		gradcheck(t, fmt.Sprint("nhwc spatial mean ", sh), []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
			return tp.SpatialMean(tp.AddScalar(tp.ToNHWC(in[0]), 0.5))
		}, defaultGC)
	}
}

// tinyNet with its last two convs channels-last (as nn's BPVGG does).
func (m *tinyNet) forwardCL(tp *Tape, x *Tensor) *Tensor {
	h := tp.MaxPool2x2(tp.ReLU(tp.Conv2d(x, m.w1, m.b1, 1, 1)))
	h = tp.ReLU(tp.Conv2dChannelsLast(h, m.w2, m.b2, 1, 1))
	return tp.SpatialMean(tp.Conv2dChannelsLast(h, m.w3, nil, 1, 0))
}

func closeTo(t *testing.T, what string, got, want []float32, rel float64) {
	t.Helper()
	var scale float64
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > rel*scale+1e-7 {
			t.Fatalf("%s: element %d = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// The channels-last net gives the NCHW net's logits, gradients and
// per-sample gradients up to float rounding, at 1 and 3 threads, and
// repeats bit for bit.
func TestChannelsLastMatchesNCHW(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	m := newTinyNet(rng)
	x := randT(rng, false, 6, 3, 9, 8)
	labels := []int32{0, 1, 1, 0, 1, 0}
	chosen := []*Tensor{m.w1, m.w2, m.w3}
	defer kernels.SetThreads(0)
	for _, th := range []int{1, 3} {
		kernels.SetThreads(th)
		run := func(cl bool) (logits []float32, grads [][]float32, per [][]float32) {
			fwd := m.forward
			if cl {
				fwd = m.forwardCL
			}
			for _, p := range m.params() {
				p.ZeroGrad()
			}
			tp := NewTape()
			out := fwd(tp, x)
			logits = append(logits, out.Data...)
			if err := tp.Backward(tp.CrossEntropy(out, labels)); err != nil {
				t.Fatal(err)
			}
			for _, p := range m.params() {
				grads = append(grads, append([]float32(nil), p.Grad...))
			}
			tp.Reset()
			per = make([][]float32, len(chosen))
			loss := tp.Sum(tp.CrossEntropyPer(fwd(tp, x), labels))
			if err := tp.BackwardPerSample(loss, chosen, 1, func(i int, rows []float32) {
				per[i] = append([]float32(nil), rows...)
			}); err != nil {
				t.Fatal(err)
			}
			return
		}
		l0, g0, p0 := run(false)
		l1, g1, p1 := run(true)
		closeTo(t, "logits", l1, l0, 1e-5)
		for i := range g0 {
			closeTo(t, fmt.Sprintf("threads %d grad %d", th, i), g1[i], g0[i], 1e-5)
		}
		for i := range p0 {
			closeTo(t, fmt.Sprintf("threads %d per-sample %d", th, i), p1[i], p0[i], 1e-5)
		}
		l2, g2, _ := run(true)
		for i := range l1 {
			if math.Float32bits(l1[i]) != math.Float32bits(l2[i]) {
				t.Fatal("channels-last logits differ between runs")
			}
		}
		for i := range g1 {
			for j := range g1[i] {
				if math.Float32bits(g1[i][j]) != math.Float32bits(g2[i][j]) {
					t.Fatal("channels-last gradients differ between runs")
				}
			}
		}
	}
}

func TestChannelsLastStepDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	m := newTinyNet(rng)
	x := randT(rng, false, 4, 3, 8, 8)
	labels := []int32{0, 1, 1, 0}
	tp := NewTape()
	step := func() {
		tp.Reset()
		if err := tp.Backward(tp.CrossEntropy(m.forwardCL(tp, x), labels)); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if a := testing.AllocsPerRun(20, step); a != 0 {
		t.Fatalf("channels-last training step allocates %v times per run", a)
	}
}

// Ops whose result depends on the element order refuse channels-last input.
func TestChannelsLastOrderOpsPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	x := randT(rng, false, 2, 3, 4, 4)
	for name, f := range map[string]func(tp *Tape, cl *Tensor){
		"Dot":           func(tp *Tape, cl *Tensor) { tp.Dot(cl, make([]float32, 96)) },
		"Reshape":       func(tp *Tape, cl *Tensor) { tp.Flatten(cl) },
		"SliceChannels": func(tp *Tape, cl *Tensor) { tp.SliceChannels(cl, 0, 1) },
		"MSE":           func(tp *Tape, cl *Tensor) { tp.MSE(cl, make([]float32, 96), nil) },
		"Add mixed":     func(tp *Tape, cl *Tensor) { tp.Add(cl, x) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s of a channels-last tensor did not panic", name)
				}
			}()
			tp := NewTape()
			f(tp, tp.ToNHWC(x))
		}()
	}
}

// Tape.Input wraps the caller's data (no copy), needs no gradient, is reset
// to NCHW when its struct is reused, and rejects a wrong shape.
func TestTapeInput(t *testing.T) {
	tp := NewTape()
	d := []float32{1, 2, 3, 4, 5, 6}
	x := tp.ToNHWC(tp.Input(d, 1, 2, 3, 1))
	if !x.ChannelsLast() {
		t.Fatal("ToNHWC output not channels-last")
	}
	tp.Reset()
	in := tp.Input(d, 1, 2, 3, 1)
	if in.ChannelsLast() || in.RequiresGrad() || &in.Data[0] != &d[0] {
		t.Fatal("Input: reused struct kept state, requires a gradient or copied the data")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Input with a wrong shape did not panic")
		}
	}()
	tp.Input(d, 2, 2)
}
