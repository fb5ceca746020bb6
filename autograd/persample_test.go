package autograd

import (
	"math"
	"math/rand/v2"
	"testing"

	"remedy/kernels"
)

type tinyNet struct{ w1, b1, w2, b2, w3 *Tensor }

func newTinyNet(rng *rand.Rand) *tinyNet {
	return &tinyNet{
		w1: randT(rng, true, 4, 3, 3, 3), b1: randT(rng, true, 4),
		w2: randT(rng, true, 5, 4, 3, 3), b2: randT(rng, true, 5),
		w3: randT(rng, true, 2, 5, 1, 1),
	}
}

func (m *tinyNet) forward(tp *Tape, x *Tensor) *Tensor {
	h := tp.MaxPool2x2(tp.ReLU(tp.Conv2d(x, m.w1, m.b1, 1, 1)))
	h = tp.ReLU(tp.Conv2d(h, m.w2, m.b2, 1, 1))
	return tp.SpatialMean(tp.Conv2d(h, m.w3, nil, 1, 0))
}

func (m *tinyNet) params() []*Tensor { return []*Tensor{m.w1, m.b1, m.w2, m.b2, m.w3} }

func TestPerSampleMatchesBatchOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	m := newTinyNet(rng)
	const n = 5
	x := randT(rng, false, n, 3, 8, 8)
	labels := []int32{0, 1, 1, 0, 1}
	chosen := []*Tensor{m.w1, m.w2, m.w3}
	for _, mean := range []bool{true, false} {
		got := make([][]float32, len(chosen)) // param -> n x len
		tp := NewTape()
		for _, p := range m.params() {
			p.ZeroGrad()
		}
		per := tp.CrossEntropyPer(m.forward(tp, x), labels)
		loss, weight := tp.Sum(per), float32(1)
		if mean {
			loss, weight = tp.Mean(per), 1/float32(n)
		}
		err := tp.BackwardPerSample(loss, chosen, weight, func(i int, rows []float32) {
			got[i] = append([]float32(nil), rows...)
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range chosen {
			for _, g := range p.Grad {
				if g != 0 {
					t.Fatal("per-sample backward touched the Grad of a chosen parameter")
				}
			}
		}
		// biases still get their batch gradient: compare with a plain backward
		b1 := append([]float32(nil), m.b1.Grad...)
		for _, p := range m.params() {
			p.ZeroGrad()
		}
		tp2 := NewTape()
		per2 := tp2.CrossEntropyPer(m.forward(tp2, x), labels)
		l2 := tp2.Sum(per2)
		if mean {
			l2 = tp2.Mean(per2)
		}
		if err := tp2.Backward(l2); err != nil {
			t.Fatal(err)
		}
		for i := range b1 {
			if math.Abs(float64(b1[i]-m.b1.Grad[i])) > 1e-6 {
				t.Fatalf("bias gradient differs in per-sample mode: %v vs %v", b1, m.b1.Grad)
			}
		}
		// each row against a batch-1 backward of that example's own loss
		xl := 3 * 8 * 8
		for s := 0; s < n; s++ {
			for _, p := range m.params() {
				p.ZeroGrad()
			}
			tp1 := NewTape()
			xs := NewTensor(x.Data[s*xl:(s+1)*xl], 1, 3, 8, 8)
			l := tp1.CrossEntropy(m.forward(tp1, xs), labels[s:s+1])
			if err := tp1.Backward(l); err != nil {
				t.Fatal(err)
			}
			for i, p := range chosen {
				pl := len(p.Data)
				row := got[i][s*pl : (s+1)*pl]
				var scale float64
				for _, v := range p.Grad {
					scale = math.Max(scale, math.Abs(float64(v)))
				}
				for j, v := range p.Grad {
					if d := math.Abs(float64(v - row[j])); d > 1e-5*scale+1e-7 {
						t.Fatalf("mean=%v sample %d param %d elem %d: per-sample %v, batch-1 %v", mean, s, i, j, row[j], v)
					}
				}
			}
		}
	}
}

func TestPerSampleErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	m := newTinyNet(rng)
	x := randT(rng, false, 2, 3, 8, 8)
	tp := NewTape()
	loss := tp.CrossEntropy(m.forward(tp, x), []int32{0, 1})
	if err := tp.BackwardPerSample(loss, []*Tensor{m.b1}, 0.5, func(int, []float32) {}); err == nil {
		t.Error("a bias as per-sample parameter should be an error")
	}
	if err := tp.BackwardPerSample(loss, []*Tensor{m.w1}, 0, func(int, []float32) {}); err == nil {
		t.Error("lossWeight 0 should be an error")
	}
	if err := tp.Backward(loss); err != nil {
		t.Fatal(err)
	}
	if err := tp.Backward(loss); err == nil {
		t.Error("a second Backward without Reset should be an error")
	}
}

func TestNoGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	m := newTinyNet(rng)
	x := randT(rng, false, 2, 3, 8, 8)
	tp := NewTape()
	tp.SetNoGrad(true)
	out := m.forward(tp, x)
	if out.RequiresGrad() || len(tp.nodes) != 0 {
		t.Fatal("no-grad mode recorded operations")
	}
	if err := tp.Backward(tp.CrossEntropy(out, []int32{0, 1})); err == nil {
		t.Fatal("Backward under no-grad should fail")
	}
	// same values as with recording on
	tp2 := NewTape()
	out2 := m.forward(tp2, x)
	for i := range out.Data {
		if out.Data[i] != out2.Data[i] {
			t.Fatal("no-grad forward differs")
		}
	}
}

// A steady-state training step (reset, forward, loss, backward) allocates
// nothing once the arena is warm.
func TestStepDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	m := newTinyNet(rng)
	x := randT(rng, false, 4, 3, 8, 8)
	labels := []int32{0, 1, 1, 0}
	tp := NewTape()
	step := func() {
		tp.Reset()
		loss := tp.CrossEntropy(m.forward(tp, x), labels)
		if err := tp.Backward(loss); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if a := testing.AllocsPerRun(20, step); a != 0 {
		t.Fatalf("training step allocates %v times per run", a)
	}
	// and the buffers are really reused: results identical across resets
	for _, p := range m.params() {
		p.ZeroGrad()
	}
	step()
	g1 := append([]float32(nil), m.w1.Grad...)
	for _, p := range m.params() {
		p.ZeroGrad()
	}
	step()
	for i := range g1 {
		if g1[i] != m.w1.Grad[i] {
			t.Fatal("gradients differ between identical steps")
		}
	}
}

// Splitting element-wise work over threads gives bit-identical results
// (compared at one kernel thread count: the conv kernels themselves are only
// deterministic per thread count).
func TestThreadsBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	m := newTinyNet(rng)
	x := randT(rng, false, 16, 3, 33, 31) // odd sizes: pooling floors
	labels := make([]int32, 16)
	for i := range labels {
		labels[i] = int32(i % 2)
	}
	run := func(split bool) []float32 {
		kernels.SetThreads(3)
		defer kernels.SetThreads(0)
		splitElementwise = split
		defer func() { splitElementwise = true }()
		for _, p := range m.params() {
			p.ZeroGrad()
		}
		tp := NewTape()
		h := tp.Conv2d(x, m.w1, m.b1, 1, 1)
		// a residual add and a reused tensor exercise Add and the accumulate path
		h = tp.Add(tp.ReLU(h), h)
		out := tp.SpatialMean(tp.Conv2d(tp.ReLU(tp.Conv2d(tp.MaxPool2x2(h), m.w2, m.b2, 1, 1)), m.w3, nil, 1, 0))
		if err := tp.Backward(tp.CrossEntropy(out, labels)); err != nil {
			t.Fatal(err)
		}
		var g []float32
		g = append(g, out.Data...)
		for _, p := range m.params() {
			g = append(g, p.Grad...)
		}
		return g
	}
	a, b := run(false), run(true)
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			t.Fatalf("value %d: %v serial, %v split", i, a[i], b[i])
		}
	}
}
