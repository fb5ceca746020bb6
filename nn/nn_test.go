package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"remedy/kernels"

	"remedy/autograd"
)

func TestBPVGGParamCountAndNames(t *testing.T) {
	m := NewBPVGG(1)
	// k*c*r*s + k per conv layer, written out
	want := (16*3*3*3 + 16) + (32*16*3*3 + 32) + (128*32*3*3 + 128) + (128*128*3*3 + 128) +
		(256*128*3*3 + 256) + (256*256*3*3 + 256) + (2*256*1*1 + 2)
	if want != 1_075_426 || CountParams(m) != want || BPVGGParams != want {
		t.Fatalf("BPVGG has %d parameters, want %d (= 1,075,426)", CountParams(m), want)
	}
	wOnly := 16*3*9 + 32*16*9 + 128*32*9 + 128*128*9 + 256*128*9 + 256*256*9 + 2*256
	n := 0
	for _, p := range ConvWeights(m) {
		n += p.T.Numel()
	}
	if n != wOnly || n != BPVGGConvWeightParams || len(ConvWeights(m)) != 7 {
		t.Fatalf("conv weights: %d values in %d tensors, want %d in 7", n, len(ConvWeights(m)), wOnly)
	}
	// names of the PyTorch module (models.py VGGRef), in state-dict order
	names := []string{
		"features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
		"features.6.weight", "features.6.bias", "features.8.weight", "features.8.bias",
		"features.11.weight", "features.11.bias", "features.13.weight", "features.13.bias",
		"head.weight", "head.bias",
	}
	ps := m.Params()
	if len(ps) != len(names) {
		t.Fatalf("%d parameters, want %d", len(ps), len(names))
	}
	for i, p := range ps {
		if p.Name != names[i] {
			t.Errorf("parameter %d is %q, want %q", i, p.Name, names[i])
		}
	}
}

func TestInit(t *testing.T) {
	a, b, c := NewBPVGG(7), NewBPVGG(7), NewBPVGG(8)
	for i, p := range a.Params() {
		q, r := b.Params()[i], c.Params()[i]
		same, diff := true, false
		for j := range p.T.Data {
			same = same && p.T.Data[j] == q.T.Data[j]
			diff = diff || p.T.Data[j] != r.T.Data[j]
		}
		if !same || !diff {
			t.Fatalf("%s: seeding not deterministic or ignores the seed", p.Name)
		}
	}
	for _, l := range []*Conv2d{a.Features[0].(*Conv2d), a.Features[13].(*Conv2d), a.Head} {
		sh := l.Weight.Shape
		bound := 1 / math.Sqrt(float64(sh[1]*sh[2]*sh[3]))
		var ss float64
		for _, v := range l.Weight.Data {
			if math.Abs(float64(v)) > bound {
				t.Fatalf("weight %v outside +-%v", v, bound)
			}
			ss += float64(v) * float64(v)
		}
		// U(-b,b) has standard deviation b/sqrt(3)
		std := math.Sqrt(ss / float64(len(l.Weight.Data)))
		if math.Abs(std-bound/math.Sqrt(3)) > 0.1*bound {
			t.Errorf("weight std %v, want about %v", std, bound/math.Sqrt(3))
		}
		for _, v := range l.Bias.Data {
			if math.Abs(float64(v)) > bound {
				t.Fatalf("bias %v outside +-%v", v, bound)
			}
		}
	}
}

func randImages(rng *rand.Rand, n int) []float32 {
	u := make([]uint8, n*3*28*28)
	for i := range u {
		u[i] = uint8(rng.IntN(256))
	}
	x := make([]float32, len(u))
	if err := ImagesToNCHW(x, u, n, 3, 3, 28, 28, false); err != nil {
		panic(err)
	}
	return x
}

func TestForwardAndPredictor(t *testing.T) {
	m := NewBPVGG(3)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 5
	x := randImages(rng, n)
	tp := autograd.NewTape()
	out := m.Forward(tp, autograd.NewTensor(x, n, 3, 28, 28))
	if len(out.Shape) != 2 || out.Shape[0] != n || out.Shape[1] != 2 {
		t.Fatalf("logits shape %v", out.Shape)
	}
	p := NewPredictor(m, 2) // batches of 2, 2, 1
	got := make([]float32, n*2)
	if err := p.Logits(x, n, got); err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if math.Abs(float64(got[i]-out.Data[i])) > 1e-5*(1+math.Abs(float64(out.Data[i]))) {
			t.Fatalf("predictor logit %d = %v, forward %v", i, got[i], out.Data[i])
		}
	}
	if err := p.Logits(x[:10], n, got); err == nil {
		t.Fatal("short input should be an error")
	}
}

// smallNet is a small residual classifier on 3x8x8 inputs, built from the
// composition types a detector would use.
type smallNet struct {
	body Sequential
	head *Conv2d
}

func newSmallNet(seed uint64) *smallNet {
	rng := NewRNG(seed)
	blk := &Residual{
		Body:     Chain{{"c1", NewConv2d(rng, 4, 4, 3, 1, 1, true)}, {"", ReLU{}}, {"c2", NewConv2d(rng, 4, 4, 3, 1, 1, true)}},
		Act:      ReLU{},
		BodyName: "",
	}
	down := &Residual{
		Body:     Chain{{"c1", NewConv2d(rng, 4, 6, 3, 2, 1, true)}, {"", ReLU{}}, {"c2", NewConv2d(rng, 6, 6, 3, 1, 1, true)}},
		Skip:     NewConv2d(rng, 4, 6, 1, 2, 0, true),
		SkipName: "skip",
		Act:      ReLU{},
	}
	return &smallNet{
		body: Sequential{NewConv2d(rng, 3, 4, 3, 1, 1, true), ReLU{}, blk, down},
		head: NewConv2d(rng, 6, 2, 1, 1, 0, true),
	}
}

func (m *smallNet) Forward(tp *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	return tp.SpatialMean(m.head.Forward(tp, m.body.Forward(tp, x)))
}
func (m *smallNet) Params() []Param           { return m.head.Params("head.", m.body.Params("body.", nil)) }
func (m *smallNet) InputShape() (c, h, w int) { return 3, 8, 8 }
func (m *smallNet) Classes() int              { return 2 }

func TestCompositionNames(t *testing.T) {
	want := []string{"body.0.weight", "body.0.bias", "body.2.c1.weight", "body.2.c1.bias", "body.2.c2.weight", "body.2.c2.bias",
		"body.3.c1.weight", "body.3.c1.bias", "body.3.c2.weight", "body.3.c2.bias", "body.3.skip.weight", "body.3.skip.bias",
		"head.weight", "head.bias"}
	ps := newSmallNet(1).Params()
	if len(ps) != len(want) {
		t.Fatalf("%d params, want %d", len(ps), len(want))
	}
	for i := range want {
		if ps[i].Name != want[i] {
			t.Errorf("param %d = %q, want %q", i, ps[i].Name, want[i])
		}
	}
}

func TestTrainerFitsSmallBatch(t *testing.T) {
	m := newSmallNet(5)
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 8
	x := make([]float32, n*3*8*8)
	for i := range x {
		x[i] = float32(rng.Float64())
	}
	labels := []int32{0, 1, 0, 1, 1, 0, 0, 1}
	for _, opt := range []Optimizer{NewAdam(m.Params(), 1e-2, 0), NewSGD(m.Params(), 0.1, 0.9, 0)} {
		m = newSmallNet(5)
		switch o := opt.(type) {
		case *Adam:
			opt = NewAdam(m.Params(), o.LR, 0)
		case *SGD:
			opt = NewSGD(m.Params(), o.LR, o.Momentum, 0)
		}
		tr := NewTrainer(m, opt)
		tr.ClipNorm = 5
		first, err := tr.Step(x, n, labels)
		if err != nil {
			t.Fatal(err)
		}
		var last float32
		for i := 0; i < 200; i++ {
			if last, err = tr.Step(x, n, labels); err != nil {
				t.Fatal(err)
			}
		}
		if !(last < 0.5*first) {
			t.Fatalf("%T: loss went from %v to %v in 200 steps on 8 images", opt, first, last)
		}
		if _, err := tr.Step(x, n, []int32{0, 1, 2, 0, 0, 0, 0, 0}); err == nil {
			t.Fatal("label 2 of a binary model should be an error")
		}
	}
}

func TestImagesToNCHW(t *testing.T) {
	// 1 image, 2x2 pixels, HWC with 3 channels: pixel p channel c = 10*p + c
	src := []uint8{0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32}
	dst := make([]float32, 12)
	if err := ImagesToNCHW(dst, src, 1, 3, 3, 2, 2, true); err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32}
	for i := range want {
		if dst[i] != want[i]/255 {
			t.Fatalf("HWC: got %v", dst)
		}
	}
	gray := []uint8{255, 0, 51, 102}
	if err := ImagesToNCHW(dst, gray, 1, 1, 3, 2, 2, true); err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 3; c++ {
		if dst[c*4] != 1 || dst[c*4+2] != 0.2 {
			t.Fatalf("gray to RGB: got %v", dst)
		}
	}
	if err := ImagesToNCHW(dst, gray[:3], 1, 1, 3, 2, 2, true); err == nil {
		t.Fatal("short input should be an error")
	}
}

// Per-sample conv-weight gradients of the BPVGG against batch-1 backward
// passes of each example's own loss.
func TestBPVGGPerSample(t *testing.T) {
	m := NewBPVGG(11)
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 3
	x := randImages(rng, n)
	labels := []int32{1, 0, 1}
	cw := ConvWeights(m)
	got := make([][]float32, len(cw))
	tp := autograd.NewTape()
	err := PerSampleGrads(tp, m, x, n, labels, cw, func(i int, rows []float32) {
		got[i] = append([]float32(nil), rows...)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params() {
		if !p.T.RequiresGrad() {
			t.Fatalf("%s left without gradient tracking", p.Name)
		}
	}
	per := 3 * 28 * 28
	for s := 0; s < n; s++ {
		for _, p := range m.Params() {
			p.T.ZeroGrad()
		}
		tp1 := autograd.NewTape()
		loss, err := Loss(tp1, m, x[s*per:(s+1)*per], 1, labels[s:s+1])
		if err != nil {
			t.Fatal(err)
		}
		if err := tp1.Backward(loss); err != nil {
			t.Fatal(err)
		}
		for i, p := range cw {
			l := p.T.Numel()
			row := got[i][s*l : (s+1)*l]
			var scale float64
			for _, v := range p.T.Grad {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			for j, v := range p.T.Grad {
				if d := math.Abs(float64(v - row[j])); d > 1e-4*scale {
					t.Fatalf("sample %d %s elem %d: per-sample %v, batch-1 %v (scale %v)", s, p.Name, j, row[j], v, scale)
				}
			}
		}
	}
}

// Same seed and thread count: bit-identical parameters after training.
func TestTrainingDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	x := randImages(rng, 4)
	labels := []int32{1, 0, 0, 1}
	run := func() *BPVGG {
		m := NewBPVGG(99)
		tr := NewTrainer(m, NewAdam(m.Params(), 1e-3, 1e-3))
		for i := 0; i < 2; i++ {
			if _, err := tr.Step(x, 4, labels); err != nil {
				t.Fatal(err)
			}
		}
		return m
	}
	a, b := run(), run()
	for i, p := range a.Params() {
		q := b.Params()[i]
		for j := range p.T.Data {
			if math.Float32bits(p.T.Data[j]) != math.Float32bits(q.T.Data[j]) {
				t.Fatalf("%s[%d] differs between identical runs", p.Name, j)
			}
		}
	}
}

func TestSnapshotRestore(t *testing.T) {
	m := NewBPVGG(1)
	snap := Snapshot(m.Params())
	m.Params()[0].T.Data[0] += 1
	if err := Restore(m.Params(), snap); err != nil {
		t.Fatal(err)
	}
	if m.Params()[0].T.Data[0] != snap[0][0] {
		t.Fatal("restore did not restore")
	}
	if err := Restore(m.Params(), snap[:3]); err == nil {
		t.Fatal("short snapshot should be an error")
	}
}

// BPVGG keeps its activations channels-last from the 32->128 conv on; the
// NCHW build of the same weights must give the same logits, batch
// gradients, per-sample gradients and per-layer spatial means (the
// framework's feature embeddings) up to float rounding.
func TestBPVGGChannelsLastMatchesNCHW(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	const n = 24 // enough tiles that the 3x3 layers run as Winograd (kernels.WinogradFits)
	x := randImages(rng, n)
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(i % 3 % 2)
	}
	type result struct {
		logits, means []float32
		grads, per    [][]float32
	}
	run := func(from int) (r result, cl int) {
		old := bpvggChannelsLastFrom
		bpvggChannelsLastFrom = from
		m := NewBPVGG(5)
		bpvggChannelsLastFrom = old
		tp := autograd.NewTape()
		loss, err := Loss(tp, m, x, n, labels)
		if err != nil {
			t.Fatal(err)
		}
		if err := tp.Backward(loss); err != nil {
			t.Fatal(err)
		}
		for _, p := range m.Params() {
			r.grads = append(r.grads, append([]float32(nil), p.T.Grad...))
		}
		tp.Reset()
		tp.SetNoGrad(true)
		h := autograd.NewTensor(x, n, 3, 28, 28)
		for _, l := range m.Features {
			h = l.Forward(tp, h)
			if h.ChannelsLast() {
				cl++
			}
			r.means = append(r.means, tp.SpatialMean(h).Data...)
		}
		r.logits = append(r.logits, m.Forward(tp, autograd.NewTensor(x, n, 3, 28, 28)).Data...)
		tp.SetNoGrad(false)
		cw := ConvWeights(m)
		r.per = make([][]float32, len(cw))
		if err := PerSampleGrads(tp, m, x, n, labels, cw, func(i int, rows []float32) {
			r.per[i] = append([]float32(nil), rows...)
		}); err != nil {
			t.Fatal(err)
		}
		return r, cl
	}
	a, clA := run(0)
	b, clB := run(32)
	if clA != 0 || clB != 9 { // features.6 .. features.14
		t.Fatalf("channels-last layer outputs: %d without, %d with (want 0, 9)", clA, clB)
	}
	near := func(what string, got, want []float32) {
		t.Helper()
		var scale float64
		for _, v := range want {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*scale {
				t.Fatalf("%s[%d]: channels-last %v, NCHW %v (scale %v)", what, i, got[i], want[i], scale)
			}
		}
	}
	near("logits", b.logits, a.logits)
	near("layer means", b.means, a.means)
	for i := range a.grads {
		near("grad", b.grads[i], a.grads[i])
	}
	for i := range a.per {
		near("per-sample", b.per[i], a.per[i])
	}
}

// BenchmarkLayoutAB alternates training steps of an NCHW BPVGG and the
// channels-last one step by step and reports each one's median step time,
// a comparison that survives the load of a shared machine better than two
// separate runs. REMEDY_AB_BATCH-style knobs are not needed: sub-benchmarks
// cover batch 32 and 128 at the current -cpu.
func BenchmarkLayoutAB(b *testing.B) {
	for _, batch := range []int{32, 128} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			kernels.SetThreads(0)
			rng := rand.New(rand.NewPCG(1, 1))
			x := randImages(rng, batch)
			labels := make([]int32, batch)
			for i := range labels {
				labels[i] = int32(i % 2)
			}
			var tr [2]*Trainer
			for i, from := range []int{0, 32} {
				old := bpvggChannelsLastFrom
				bpvggChannelsLastFrom = from
				m := NewBPVGG(1)
				bpvggChannelsLastFrom = old
				tr[i] = NewTrainer(m, NewAdam(m.Params(), 1e-4, 0))
				tr[i].Step(x, batch, labels)
			}
			var times [2][]float64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range tr {
					t0 := time.Now()
					if _, err := tr[j].Step(x, batch, labels); err != nil {
						b.Fatal(err)
					}
					times[j] = append(times[j], float64(time.Since(t0).Microseconds()))
				}
			}
			for j, name := range []string{"nchw", "nhwc"} {
				slices.Sort(times[j])
				b.ReportMetric(times[j][len(times[j])/2]/1e3, name+"-ms/step")
				b.ReportMetric(times[j][len(times[j])/10]/1e3, name+"-p10-ms/step")
			}
			b.ReportMetric(times[0][len(times[0])/2]/times[1][len(times[1])/2], "speedup")
		})
	}
}

// A warm training step at one kernel thread allocates nothing (the batch is
// wrapped by the tape, buffers come from its arena and the kernels' pools).
func TestTrainerStepDoesNotAllocate(t *testing.T) {
	defer kernels.SetThreads(0)
	kernels.SetThreads(1)
	rng := rand.New(rand.NewPCG(3, 4))
	x := randImages(rng, 4)
	labels := []int32{1, 0, 0, 1}
	m := NewBPVGG(2)
	tr := NewTrainer(m, NewAdam(m.Params(), 1e-4, 0))
	step := func() {
		if _, err := tr.Step(x, 4, labels); err != nil {
			t.Fatal(err)
		}
	}
	step()
	step()
	if a := testing.AllocsPerRun(20, step); a != 0 {
		t.Fatalf("Trainer.Step allocates %v times per step", a)
	}
}
