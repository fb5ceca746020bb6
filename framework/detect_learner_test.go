package framework

import (
	"math"
	"testing"

	"remedy/autograd"
	"remedy/data"
	"remedy/nn"
	"remedy/rproj"
)

func tinyICE(t *testing.T, n int) *DetFrames {
	t.Helper()
	f, err := NewDetFrames(data.SimICE(data.ICEOptions{N: n, Size: 32, Seed: 7, Types: data.ICETestTypes}))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The analysis set's verdicts and Correct agree, and every catheter and
// every unmatched prediction is a case.
func TestEvaluateDetectorConsistent(t *testing.T) {
	f := tinyICE(t, 12)
	for _, bias := range []float32{0, 2} {
		m := nn.NewICEDetector(1)
		m.Cls.Bias.Data[0] += bias // many cells fire: false alarms
		d, e, err := EvaluateDetector(m, f, DetectOptions{})
		if err != nil && len(e.Cases) == 0 {
			t.Fatal(err)
		}
		all := make([]int, len(e.Cases))
		for i := range all {
			all[i] = i
		}
		ok := d.Correct(all)
		cath := 0
		for i, c := range e.Cases {
			if ok[i] != c.Correct {
				t.Fatalf("bias %v case %d (%+v): Correct %v, evaluation %v", bias, i, d.Objects[i], ok[i], c.Correct)
			}
			if d.Objects[i].Kind == ObjCatheter {
				cath++
				if c.Label != 1 || (c.Pred == 1) != c.Correct {
					t.Fatalf("catheter case %+v", c)
				}
			} else if c.Label != 0 || (c.Pred == 0) != c.Correct {
				t.Fatalf("non-catheter case %+v", c)
			}
			// Planted: the image type, except one type for all false alarms.
			want := c.Meta[0]
			if d.Objects[i].Kind == ObjFalseAlarm {
				want = int32(len(f.Set.TypeNames) + 1)
			}
			if len(c.Meta) != 2 || c.Planted != want || DetPlantedNames(f.Set)[want] != map[bool]string{true: FalseAlarmType, false: e.Meta[0].Values[c.Meta[0]]}[d.Objects[i].Kind == ObjFalseAlarm] {
				t.Fatalf("metadata %+v", c)
			}
		}
		cnt := DetectionScores(m, f, DetectOptions{})
		tips := 0
		for i := 0; i < f.Set.N; i++ {
			tips += len(f.Set.Objects[i])
		}
		fp := 0
		for _, o := range d.Objects {
			if o.Kind == ObjFalseAlarm {
				fp++
			}
		}
		if cath != tips || fp != cnt.FP || cnt.TP+cnt.FN != tips {
			t.Fatalf("bias %v: %d catheter cases for %d tips, %d false alarms for %d FP", bias, cath, tips, fp, cnt.FP)
		}
	}
}

// Per-object gradient embeddings from batched passes equal the projections
// of one batch-1 backward per object.
func TestDetectorGradientEmbeddingPerObject(t *testing.T) {
	f := tinyICE(t, 8)
	m := nn.NewICEDetector(2)
	m.Cls.Bias.Data[0] += 1.5
	d, e, _ := EvaluateDetector(m, f, DetectOptions{})
	var cases []int
	kinds := map[int]int{}
	for i, o := range d.Objects {
		if o.Kind != ObjEmptyFrame && kinds[o.Kind] < 4 {
			cases = append(cases, i)
			kinds[o.Kind]++
		}
	}
	if kinds[ObjCatheter] == 0 || kinds[ObjFalseAlarm] == 0 {
		t.Fatalf("need catheters and false alarms, have %v (%d cases)", kinds, len(e.Cases))
	}
	o := EmbedOptions{Out: 20, Chunk: 5000, Batch: 3} // batches split frames and kinds
	d.BalanceLayers, d.NormalizeObjects = false, false
	emb, dim, err := d.GradientEmbedding(cases, o, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Balanced alone: every weight's block is the raw block times one
	// positive factor, with root-mean-square row norm 1.
	d.BalanceLayers = true
	bal, _, err := d.GradientEmbedding(cases, o, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Normalised per object: every row's block is the raw one times a
	// positive factor, with norm 1.
	d.NormalizeObjects = true
	nrm, _, err := d.GradientEmbedding(cases, o, 9, nil)
	if err != nil {
		t.Fatal(err)
	}
	lo := 0
	for _, w := range m.ConvWeights() {
		bs, outs := rproj.Chunked([]int{w.T.Numel()}, o.Chunk, o.Out)
		b, _ := rproj.NewBlocks(bs, outs, 1)
		hi := lo + b.DOut()
		for r := range cases {
			var ss, raw, dot float64
			for j := lo; j < hi; j++ {
				v, u := float64(nrm[r*dim+j]), float64(emb[r*dim+j])
				ss += v * v
				raw += u * u
				dot += u * v
			}
			if raw == 0 {
				if ss != 0 {
					t.Fatalf("%s row %d: zero block normalised to %v", w.Name, r, ss)
				}
				continue
			}
			if math.Abs(math.Sqrt(ss)-1) > 1e-5 || math.Abs(dot/math.Sqrt(ss*raw)-1) > 1e-5 {
				t.Fatalf("%s row %d: norm %v, cosine to raw %v", w.Name, r, math.Sqrt(ss), dot/math.Sqrt(ss*raw))
			}
		}
		lo = hi
	}
	lo = 0
	for _, w := range m.ConvWeights() {
		bs, outs := rproj.Chunked([]int{w.T.Numel()}, o.Chunk, o.Out)
		b, _ := rproj.NewBlocks(bs, outs, 1)
		hi := lo + b.DOut()
		var ss, raw, dot float64
		for r := range cases {
			for j := lo; j < hi; j++ {
				v, u := float64(bal[r*dim+j]), float64(emb[r*dim+j])
				ss += v * v
				raw += u * u
				dot += u * v
			}
		}
		if rms := math.Sqrt(ss / float64(len(cases))); math.Abs(rms-1) > 1e-4 {
			t.Fatalf("%s: balanced block has RMS row norm %v", w.Name, rms)
		}
		if c := dot / math.Sqrt(ss*raw); math.Abs(c-1) > 1e-5 {
			t.Fatalf("%s: balanced block is not a positive multiple of the raw one (cosine %v)", w.Name, c)
		}
		lo = hi
	}
	weights := m.ConvWeights()
	s := f.Set.Size
	hw := f.GH * f.GW
	for r, c := range cases {
		for _, p := range m.Params() {
			p.T.ZeroGrad()
		}
		tp := autograd.NewTape()
		x, _, _ := f.batch([]int{d.Objects[c].Frame}, nil, nil, nil)
		cls, reg := m.Forward(tp, autograd.NewTensor(x, 1, 1, s, s))
		cell, target, ox, oy := d.objectTarget(c)
		loss, err := nn.ObjectLoss(tp, cls, reg, []int{cell}, []float32{target}, []float32{ox, oy}, make([]float32, 6*hw), d.Beta)
		if err != nil {
			t.Fatal(err)
		}
		if err := tp.Backward(loss); err != nil {
			t.Fatal(err)
		}
		off := 0
		for _, w := range weights {
			bs, outs := rproj.Chunked([]int{w.T.Numel()}, o.Chunk, o.Out)
			b, err := rproj.NewBlocks(bs, outs, Derive(9, "embed/gradient/"+w.Name))
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float32, b.DOut())
			if err := b.Project(want, w.T.Grad, 1); err != nil {
				t.Fatal(err)
			}
			got := emb[r*dim+off : r*dim+off+b.DOut()]
			var scale, diff float64
			for j := range want {
				scale = math.Max(scale, math.Abs(float64(want[j])))
				diff = math.Max(diff, math.Abs(float64(want[j]-got[j])))
			}
			if diff > 1e-4*math.Max(scale, 1e-4) {
				t.Fatalf("object %d (%+v), %s: embedding differs by %g (scale %g)", r, d.Objects[c], w.Name, diff, scale)
			}
			off += b.DOut()
		}
		if off != dim {
			t.Fatalf("dimension %d, projections add to %d", dim, off)
		}
	}
	// the embedding left every parameter trainable
	for _, p := range m.Params() {
		if !p.T.RequiresGrad() {
			t.Fatalf("%s left without gradients", p.Name)
		}
	}
}

func TestDetectorFeatureEmbeddingAndSteps(t *testing.T) {
	f := tinyICE(t, 10)
	m := nn.NewICEDetector(3)
	d, e, _ := EvaluateDetector(m, f, DetectOptions{})
	all := make([]int, len(e.Cases))
	for i := range all {
		all[i] = i
	}
	emb, dim, err := d.FeatureEmbedding(all, EmbedOptions{Out: 50, Batch: 4}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if dim != 8+16+32+50+50 || len(emb) != dim*len(all) {
		t.Fatalf("feature dimension %d", dim)
	}
	emb2, _, _ := d.FeatureEmbedding(all, EmbedOptions{Out: 50, Batch: 7}, 1, nil)
	for i := range emb {
		if math.Abs(float64(emb[i]-emb2[i])) > 1e-5*(1+math.Abs(float64(emb[i]))) {
			t.Fatal("feature embedding depends on the batch size")
		}
	}
	// Steps change the clone only; EWC anchors and keeps training finite.
	c := d.Clone().(*Detector)
	c.SetOptimizer(1e-3, 1e-3)
	before := append([]float32(nil), m.Params()[0].T.Data...)
	if err := c.AnchorEWC(all, 1000); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := c.Step(all[:min(5, len(all))]); err != nil {
			t.Fatal(err)
		}
	}
	same := true
	for i, v := range c.M.Params()[0].T.Data {
		same = same && v == before[i]
	}
	for i, v := range m.Params()[0].T.Data {
		if v != before[i] {
			t.Fatal("stepping the clone changed the original")
		}
	}
	if same {
		t.Fatal("steps did not change the clone")
	}
	if e := c.opt.(*ewc); len(e.fisher) != len(m.Params()) {
		t.Fatal("EWC not anchored")
	}
}

func TestNewDetFramesErrors(t *testing.T) {
	s := data.SimICE(data.ICEOptions{N: 2, Size: 40, Seed: 1})
	if _, err := NewDetFrames(s); err == nil {
		t.Fatal("40-pixel frames accepted")
	}
	if _, err := NewDetFrames(&data.ICESet{}); err == nil {
		t.Fatal("empty set accepted")
	}
}

// Steps on a false alarm push its cell's objectness down; steps on a missed
// catheter pull its cell's up.
func TestDetectorStepDirection(t *testing.T) {
	f := tinyICE(t, 12)
	m := nn.NewICEDetector(4)
	m.Cls.Bias.Data[0] += 0.3
	d, _, _ := EvaluateDetector(m, f, DetectOptions{})
	fa, miss := -1, -1
	for i, o := range d.Objects {
		if o.Kind == ObjFalseAlarm && fa < 0 && f.obj[o.Frame*f.GH*f.GW+o.Cell] == 0 {
			fa = i
		}
		if o.Kind == ObjCatheter && miss < 0 && !d.Correct([]int{i})[0] {
			miss = i
		}
	}
	if fa < 0 || miss < 0 {
		t.Skip("no background false alarm or missed catheter in the tiny set")
	}
	logitAt := func(l *Detector, c int) float32 {
		_, lg := l.Run([]int{l.Objects[c].Frame})
		return lg[l.Objects[c].Cell]
	}
	for _, tc := range []struct {
		c    int
		down bool
	}{{fa, true}, {miss, false}} {
		l := d.Clone().(*Detector)
		l.SetOptimizer(1e-3, 0)
		before := logitAt(l, tc.c)
		for i := 0; i < 5; i++ {
			if err := l.Step([]int{tc.c}); err != nil {
				t.Fatal(err)
			}
		}
		after := logitAt(l, tc.c)
		if (after < before) != tc.down {
			t.Fatalf("case %+v: logit %v -> %v", l.Objects[tc.c], before, after)
		}
	}
}
