package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"remedy/kernels"
)

// randT returns a leaf tensor with values uniform in [-1,1).
func randT(rng *rand.Rand, grad bool, shape ...int) *Tensor {
	d := make([]float32, numel(shape))
	for i := range d {
		d[i] = float32(rng.Float64()*2 - 1)
	}
	if grad {
		return NewParam(d, shape...)
	}
	return NewTensor(d, shape...)
}

// awayFrom pushes values at least gap away from the points in kinks (so a
// finite-difference step never crosses a kink of ReLU, L1, ...).
func awayFrom(d []float32, gap float32, kinks ...float32) {
	for i := range d {
		for _, k := range kinks {
			if v := d[i] - k; v > -gap && v < gap {
				if v >= 0 {
					d[i] = k + gap + v
				} else {
					d[i] = k - gap + v
				}
			}
		}
	}
}

type gcOpts struct {
	h          float64 // step
	rtol, atol float64 // atol is relative to the largest analytic gradient of the input
	maxPoints  int
}

var defaultGC = gcOpts{h: 1e-2, rtol: 2e-3, atol: 2e-3, maxPoints: 48}

// gradcheck compares the tape's gradient of L = sum(r * f(inputs)), r random,
// with central finite differences of L evaluated in float64 from the float32
// outputs. The step actually taken is the difference of the perturbed float32
// values, so rounding of x+h does not bias the quotient.
func gradcheck(t *testing.T, name string, inputs []*Tensor, f func(tp *Tape, in []*Tensor) *Tensor, o gcOpts) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	tp := NewTape()
	for _, in := range inputs {
		in.ZeroGrad()
	}
	y := f(tp, inputs)
	r := make([]float32, len(y.Data))
	for i := range r {
		r[i] = float32(rng.Float64()*2 - 1)
	}
	if err := tp.Backward(tp.Dot(y, r)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	eval := func() float64 {
		tp := NewTape()
		tp.SetNoGrad(true)
		y := f(tp, inputs)
		var s float64
		for i, v := range y.Data {
			s += float64(v) * float64(r[i])
		}
		return s
	}
	for k, in := range inputs {
		if !in.requiresGrad {
			continue
		}
		an := append([]float32(nil), in.Grad...)
		var scale float64
		for _, g := range an {
			scale = math.Max(scale, math.Abs(float64(g)))
		}
		idx := rng.Perm(len(in.Data))
		if len(idx) > o.maxPoints {
			idx = idx[:o.maxPoints]
		}
		for _, j := range idx {
			orig := in.Data[j]
			in.Data[j] = float32(float64(orig) + o.h)
			xp := float64(in.Data[j])
			lp := eval()
			in.Data[j] = float32(float64(orig) - o.h)
			xm := float64(in.Data[j])
			lm := eval()
			in.Data[j] = orig
			num := (lp - lm) / (xp - xm)
			a := float64(an[j])
			if d := math.Abs(a - num); d > o.atol*scale+o.rtol*math.Abs(num) {
				t.Errorf("%s: input %d elem %d: analytic %.6g numeric %.6g (diff %.3g, grad scale %.3g)", name, k, j, a, num, d, scale)
				return
			}
		}
	}
}

func TestGradConv2d(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 8; trial++ {
		n, c, k := 1+rng.IntN(3), 1+rng.IntN(4), 1+rng.IntN(4)
		h, w := 3+rng.IntN(5), 3+rng.IntN(5)
		r := []int{1, 3}[rng.IntN(2)]
		stride, pad := 1+rng.IntN(2), rng.IntN(2)
		if r == 1 {
			pad = 0
		}
		x := randT(rng, true, n, c, h, w)
		wt := randT(rng, true, k, c, r, r)
		var b *Tensor
		in := []*Tensor{x, wt}
		if trial%2 == 0 {
			b = randT(rng, true, k)
			in = append(in, b)
		}
		name := fmt.Sprintf("conv n%d c%d %dx%d k%d r%d s%d p%d bias=%v", n, c, h, w, k, r, stride, pad, b != nil)
		gradcheck(t, name, in, func(tp *Tape, in []*Tensor) *Tensor {
			var bb *Tensor
			if len(in) > 2 {
				bb = in[2]
			}
			return tp.Conv2d(in[0], in[1], bb, stride, pad)
		}, defaultGC)
	}
}

func TestGradMaxPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range [][]int{{2, 3, 4, 4}, {1, 2, 5, 7}, {3, 1, 7, 7}} {
		x := randT(rng, true, sh...)
		// distinct values 0.05 apart: no step of 1e-3 changes a window's winner
		for i, p := range rng.Perm(len(x.Data)) {
			x.Data[i] = float32(p)*0.05 - 1
		}
		gradcheck(t, fmt.Sprint("maxpool ", sh), []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
			return tp.MaxPool2x2(in[0])
		}, gcOpts{h: 1e-3, rtol: 2e-3, atol: 2e-3, maxPoints: 60})
	}
}

func TestGradElementwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randT(rng, true, 2, 3, 4, 5)
	awayFrom(x.Data, 0.02, 0)
	small := gcOpts{h: 1e-3, rtol: 2e-3, atol: 2e-3, maxPoints: 60}
	gradcheck(t, "relu", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor { return tp.ReLU(in[0]) }, small)
	a, b := randT(rng, true, 3, 4), randT(rng, true, 3, 4)
	gradcheck(t, "add", []*Tensor{a, b}, func(tp *Tape, in []*Tensor) *Tensor { return tp.Add(in[0], in[1]) }, defaultGC)
	gradcheck(t, "add self", []*Tensor{a}, func(tp *Tape, in []*Tensor) *Tensor { return tp.Add(in[0], in[0]) }, defaultGC)
	gradcheck(t, "spatial mean", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor { return tp.SpatialMean(in[0]) }, defaultGC)
	gradcheck(t, "flatten", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
		return tp.Scale(tp.Flatten(in[0]), 3)
	}, defaultGC)
	gradcheck(t, "reshape twice used", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
		r := tp.Reshape(in[0], 6, 20)
		return tp.Add(r, tp.Reshape(tp.ReLU(in[0]), 6, 20))
	}, small)
	gradcheck(t, "sum", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor { return tp.Sum(in[0]) }, defaultGC)
	gradcheck(t, "mean", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor { return tp.Mean(in[0]) }, defaultGC)
	gradcheck(t, "scale", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor { return tp.Scale(in[0], -1.5) }, defaultGC)
	gradcheck(t, "add scalar", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor { return tp.AddScalar(in[0], 0.25) }, defaultGC)
	gradcheck(t, "slice channels", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
		return tp.Add(tp.SliceChannels(in[0], 1, 3), tp.SliceChannels(in[0], 0, 2))
	}, defaultGC)
}

func TestGradLosses(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	logits := randT(rng, true, 6, 4)
	for i := range logits.Data {
		logits.Data[i] *= 4
	}
	labels := []int32{0, 3, 2, 1, 1, 0}
	gradcheck(t, "cross-entropy per example", []*Tensor{logits}, func(tp *Tape, in []*Tensor) *Tensor {
		return tp.CrossEntropyPer(in[0], labels)
	}, gcOpts{h: 1e-3, rtol: 3e-3, atol: 3e-3, maxPoints: 24})
	gradcheck(t, "cross-entropy mean", []*Tensor{logits}, func(tp *Tape, in []*Tensor) *Tensor {
		return tp.CrossEntropy(in[0], labels)
	}, gcOpts{h: 1e-3, rtol: 3e-3, atol: 3e-3, maxPoints: 24})

	x := randT(rng, true, 2, 3, 4, 4)
	for i := range x.Data {
		x.Data[i] *= 3
	}
	tgt := make([]float32, len(x.Data))
	mask := make([]float32, len(x.Data))
	for i := range tgt {
		tgt[i] = float32(rng.Float64())
		if rng.IntN(3) == 0 {
			mask[i] = 1
		}
	}
	bin := make([]float32, len(x.Data))
	for i := range bin {
		bin[i] = float32(rng.IntN(2))
	}
	// keep x-target away from the kinks of L1 (0) and smooth L1 (+-beta)
	for i := range x.Data {
		for _, k := range []float32{0, 0.5, -0.5} {
			if d := x.Data[i] - tgt[i] - k; d > -0.02 && d < 0.02 {
				x.Data[i] += 0.05
			}
		}
	}
	o := gcOpts{h: 1e-2, rtol: 3e-3, atol: 3e-3, maxPoints: 60} // scalar float32 loss: a larger step keeps its rounding small
	for _, m := range [][]float32{nil, mask} {
		for _, c := range []struct {
			name string
			f    func(tp *Tape, x *Tensor) *Tensor
		}{
			{"bce soft", func(tp *Tape, x *Tensor) *Tensor { return tp.BCEWithLogits(x, tgt, m) }},
			{"bce binary", func(tp *Tape, x *Tensor) *Tensor { return tp.BCEWithLogits(x, bin, m) }},
			{"mse", func(tp *Tape, x *Tensor) *Tensor { return tp.MSE(x, tgt, m) }},
			{"l1", func(tp *Tape, x *Tensor) *Tensor { return tp.L1(x, tgt, m) }},
			{"smooth l1", func(tp *Tape, x *Tensor) *Tensor { return tp.SmoothL1(x, tgt, m, 0.5) }},
		} {
			gradcheck(t, fmt.Sprintf("%s mask=%v", c.name, m != nil), []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
				return c.f(tp, in[0])
			}, o)
		}
	}
}

func TestLossValues(t *testing.T) {
	tp := NewTape()
	x := NewTensor([]float32{-100, 0, 100, 2}, 4)
	tg := []float32{1, 0.5, 0, 1}
	// stable BCE: -100 logit with target 1 costs 100, +100 with target 0 costs 100
	want := (100 + math.Log(2) + 100 + math.Log1p(math.Exp(-2))) / 4
	if got := tp.BCEWithLogits(x, tg, nil).Item(); math.Abs(float64(got)-want) > 1e-4 {
		t.Errorf("BCE = %v, want %v", got, want)
	}
	mask := []float32{0, 0, 0, 0}
	if got := tp.MSE(x, tg, mask).Item(); got != 0 {
		t.Errorf("MSE with empty mask = %v, want 0", got)
	}
	mask[3] = 1
	if got := tp.MSE(x, tg, mask).Item(); got != 1 {
		t.Errorf("masked MSE = %v, want 1", got)
	}
	if got := tp.SmoothL1(x, tg, mask, 1).Item(); got != 0.5 {
		t.Errorf("masked smooth L1 = %v, want 0.5", got)
	}
}

// A residual block: gradients of x arrive from two paths, one through an
// overwriting kernel (conv backward data) and one through Add.
func TestGradResidual(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	x := randT(rng, true, 2, 3, 6, 6)
	w1, b1 := randT(rng, true, 3, 3, 3, 3), randT(rng, true, 3)
	w2 := randT(rng, true, 3, 3, 3, 3)
	ws := randT(rng, true, 4, 3, 1, 1)
	gradcheck(t, "residual", []*Tensor{x, w1, b1, w2, ws}, func(tp *Tape, in []*Tensor) *Tensor {
		h := tp.ReLU(tp.Conv2d(in[0], in[1], in[2], 1, 1))
		y := tp.Add(tp.Conv2d(h, in[3], nil, 1, 1), in[0])
		return tp.Conv2d(y, in[4], nil, 2, 0)
	}, gcOpts{h: 1e-3, rtol: 5e-3, atol: 5e-3, maxPoints: 30})
}

// A frozen weight with a trainable bias takes the separate bias-gradient path.
func TestGradConvFrozenWeight(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	x := randT(rng, true, 2, 3, 5, 5)
	w := randT(rng, false, 4, 3, 3, 3)
	b := randT(rng, true, 4)
	gradcheck(t, "conv frozen weight", []*Tensor{x, b}, func(tp *Tape, in []*Tensor) *Tensor {
		return tp.Conv2d(in[0], w, in[1], 1, 1)
	}, defaultGC)
}

// MaxPool2x2 of a ReLU output that nothing else reads runs one fused
// backward pass; check it by finite differences (windows entirely negative
// included: the pooled value is 0 and no gradient flows), and the unfused
// case (ReLU output read twice) too.
func TestGradPoolRelu(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, sh := range [][]int{{2, 3, 4, 4}, {1, 2, 5, 7}, {3, 1, 7, 6}} {
		x := randT(rng, true, sh...)
		// distinct values 0.05 apart, none within 0.025 of zero
		for i, p := range rng.Perm(len(x.Data)) {
			x.Data[i] = float32(p)*0.05 - 0.4 + 0.025
		}
		o := gcOpts{h: 1e-3, rtol: 2e-3, atol: 2e-3, maxPoints: 80}
		var relu *Tensor
		gradcheck(t, fmt.Sprint("pool(relu) ", sh), []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
			relu = tp.ReLU(in[0])
			return tp.MaxPool2x2(relu)
		}, o)
		if relu.Grad != nil {
			t.Fatalf("%v: the ReLU output got a gradient: the fused pass did not run", sh)
		}
		gradcheck(t, fmt.Sprint("pool(relu) read twice ", sh), []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
			r := tp.ReLU(in[0])
			return tp.Add(tp.MaxPool2x2(r), tp.Scale(tp.MaxPool2x2(r), 2))
		}, o)
	}
}

// The fused pool+ReLU backward gives the same bits as the two passes, on
// one and three threads, with odd sizes.
func TestPoolReluFusionBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	m := newTinyNet(rng)
	x := randT(rng, false, 16, 3, 33, 31)
	labels := make([]int32, 16)
	for i := range labels {
		labels[i] = int32(i % 2)
	}
	defer kernels.SetThreads(0)
	for _, th := range []int{1, 3} {
		kernels.SetThreads(th)
		run := func(fuse bool) []float32 {
			fusePoolRelu = fuse
			defer func() { fusePoolRelu = true }()
			for _, p := range m.params() {
				p.ZeroGrad()
			}
			tp := NewTape()
			if err := tp.Backward(tp.CrossEntropy(m.forward(tp, x), labels)); err != nil {
				t.Fatal(err)
			}
			var g []float32
			for _, p := range m.params() {
				g = append(g, p.Grad...)
			}
			return g
		}
		a, b := run(false), run(true)
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				t.Fatalf("threads %d: gradient %d: %v two passes, %v fused", th, i, a[i], b[i])
			}
		}
	}
}

// SpatialMean and its backward split by planes over threads when large:
// the same bits as serially, and the gradient checked by finite differences
// on the split path.
func TestSpatialMeanSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	x := randT(rng, true, 4, 16, 32, 33) // 67,584 elements: above parMin
	r := randT(rng, false, 4, 16)
	defer kernels.SetThreads(0)
	run := func(split bool) ([]float32, []float32) {
		kernels.SetThreads(3)
		splitElementwise = split
		defer func() { splitElementwise = true }()
		x.ZeroGrad()
		tp := NewTape()
		y := tp.SpatialMean(x)
		if err := tp.Backward(tp.Dot(y, r.Data)); err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), y.Data...), append([]float32(nil), x.Grad...)
	}
	y0, g0 := run(false)
	y1, g1 := run(true)
	for i := range y0 {
		if math.Float32bits(y0[i]) != math.Float32bits(y1[i]) {
			t.Fatalf("mean %d: %v serial, %v split", i, y0[i], y1[i])
		}
	}
	for i := range g0 {
		if math.Float32bits(g0[i]) != math.Float32bits(g1[i]) {
			t.Fatalf("gradient %d: %v serial, %v split", i, g0[i], g1[i])
		}
	}
	kernels.SetThreads(3)
	gradcheck(t, "spatial mean split", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor { return tp.SpatialMean(in[0]) }, defaultGC)
}

// Gradients flowing through Add, Reshape and AddScalar into tensors read
// several times, in both orders (a guard for any future sharing of
// gradient buffers between tensors: handing dy to both inputs of an Add
// fails the second case).
func TestGradSharedBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 17))
	x := randT(rng, true, 2, 3, 4, 4)
	y := randT(rng, true, 2, 3, 4, 4)
	gradcheck(t, "shared buffers", []*Tensor{x, y}, func(tp *Tape, in []*Tensor) *Tensor {
		h := tp.Scale(in[0], 1.5)
		s := tp.Add(h, h)
		u := tp.Add(s, tp.AddScalar(h, 0.5))
		r := tp.Reshape(u, 2, 48)
		v := tp.Add(r, tp.Reshape(tp.Add(h, in[1]), 2, 48))
		return tp.Add(tp.Reshape(v, 2, 3, 4, 4), tp.Scale(s, -0.25))
	}, defaultGC)
	// a is read by e before the Add that could hand its buffer to both a
	// and b; e's contribution to a must not reach b
	gradcheck(t, "shared buffers, earlier reader", []*Tensor{x}, func(tp *Tape, in []*Tensor) *Tensor {
		a, b := tp.Scale(in[0], 2), tp.Scale(in[0], 3)
		e := tp.Scale(a, 5)
		return tp.Add(tp.Add(a, b), e)
	}, defaultGC)
}
