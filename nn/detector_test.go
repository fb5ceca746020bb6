package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"remedy/autograd"
)

func TestResDetectorShapeAndNames(t *testing.T) {
	d := NewResDetector(1)
	// per block: c1 (3x3), c2 (3x3), 1x1 skip, each weights + biases
	want, c := 0, 1
	for _, w := range []int{8, 16, 32, 64, 128} {
		want += (w*c*9 + w) + (w*w*9 + w) + (w*c + w)
		c = w
	}
	want += (128 + 1) + (2*128 + 2)
	n := 0
	for _, p := range d.Params() {
		n += p.T.Numel()
	}
	if n != want || n != ResDetectorParams {
		t.Fatalf("%d parameters, want %d", n, want)
	}
	ps := d.Params()
	if ps[0].Name != "body.0.c1.weight" || ps[4].Name != "body.0.skip.weight" || ps[29].Name != "body.4.skip.bias" ||
		ps[30].Name != "cls.weight" || ps[33].Name != "reg.bias" || len(ps) != 34 {
		t.Fatalf("names: %v ... %v", ps[0].Name, ps[len(ps)-1].Name)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	x := make([]float32, 2*128*128)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	tp := autograd.NewTape()
	cls, reg := d.Forward(tp, autograd.NewTensor(x, 2, 1, 128, 128))
	if cls.Shape[1] != 1 || cls.Shape[2] != 8 || reg.Shape[1] != 2 || reg.Shape[3] != 8 {
		t.Fatalf("head shapes %v %v", cls.Shape, reg.Shape)
	}
	obj := make([]float32, 2*64)
	ctr := make([]float32, 2*2*64)
	obj[5], obj[64+9] = 1, 1
	ctr[5], ctr[64+5] = 0.25, 0.75
	loss, err := DetectorLoss(tp, cls, reg, obj, ctr, make([]float32, len(ctr)))
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.Backward(loss); err != nil {
		t.Fatal(err)
	}
	if d.Body[0].(*Residual).Skip.(*Conv2d).Weight.Grad[0] == 0 {
		t.Fatal("no gradient reached the first skip conv")
	}
}

// iceLoss64 is an independent float64 ICE loss from the head outputs.
func iceLoss64(cls, reg, obj, ctr []float32, n, hw int, pw, beta float64) float64 {
	var bs, bw, rs, rw float64
	for i := 0; i < n*hw; i++ {
		x, y := float64(cls[i]), float64(obj[i])
		l := math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x)))
		w := 1 + (pw-1)*y
		bs += w * l
		bw += w
		if obj[i] == 0 {
			continue
		}
		b, c := i/hw, i%hw
		for ch := 0; ch < 2; ch++ {
			j := (2*b+ch)*hw + c
			d := math.Abs(float64(reg[j]) - float64(ctr[j]))
			if d < beta {
				rs += 0.5 * d * d / beta
			} else {
				rs += d - 0.5*beta
			}
			rw++
		}
	}
	return bs/bw + rs/math.Max(rw, 1)
}

// TestICELossGradient checks the detector's total loss gradient against
// central finite differences of a float64 loss on a tiny input (32 x 32,
// a 2 x 2 grid) for a few parameters in every kind of layer.
func TestICELossGradient(t *testing.T) {
	d := NewICEDetector(3)
	rng := rand.New(rand.NewPCG(2, 2))
	const n, s = 2, 32
	x := make([]float32, n*s*s)
	for i := range x {
		x[i] = float32(rng.Float64())
	}
	hw := (s / DetectorStride) * (s / DetectorStride)
	obj := make([]float32, n*hw)
	ctr := make([]float32, 2*n*hw)
	obj[1], obj[hw+2], obj[hw+3] = 1, 1, 1
	for i := range ctr {
		ctr[i] = float32(rng.Float64())
	}
	const pw, beta = 5, 0.1
	scratch := make([]float32, 3*n*hw)
	tp := autograd.NewTape()
	for _, p := range d.Params() {
		p.T.ZeroGrad()
	}
	cls, reg := d.Forward(tp, autograd.NewTensor(x, n, 1, s, s))
	loss, err := ICELoss(tp, cls, reg, obj, ctr, scratch, pw, beta)
	if err != nil {
		t.Fatal(err)
	}
	if l64 := iceLoss64(cls.Data, reg.Data, obj, ctr, n, hw, pw, beta); math.Abs(l64-float64(loss.Item())) > 1e-5*math.Max(1, l64) {
		t.Fatalf("loss %v, float64 reference %v", loss.Item(), l64)
	}
	if err := tp.Backward(loss); err != nil {
		t.Fatal(err)
	}
	eval := func() float64 {
		tp := autograd.NewTape()
		tp.SetNoGrad(true)
		cls, reg := d.Forward(tp, autograd.NewTensor(x, n, 1, s, s))
		return iceLoss64(cls.Data, reg.Data, obj, ctr, n, hw, pw, beta)
	}
	byName := map[string]Param{}
	for _, p := range d.Params() {
		byName[p.Name] = p
	}
	checked := 0
	for _, name := range []string{"body.0.c1.weight", "body.0.skip.weight", "body.1.c1.weight", "body.2.c2.bias",
		"body.3.skip.weight", "body.4.c2.weight", "cls.weight", "cls.bias", "reg.weight", "reg.bias"} {
		p := byName[name]
		for k := 0; k < 3; k++ {
			j := rng.IntN(p.T.Numel())
			an := float64(p.T.Grad[j])
			old := p.T.Data[j]
			const h = 1e-3
			p.T.Data[j] = old + h
			up := float64(p.T.Data[j])
			lp := eval()
			p.T.Data[j] = old - h
			dn := float64(p.T.Data[j])
			lm := eval()
			p.T.Data[j] = old
			num := (lp - lm) / (up - dn)
			if math.Abs(num-an) > 2e-4+3e-2*math.Abs(an) {
				t.Errorf("%s[%d]: analytic %.6g, finite differences %.6g", name, j, an, num)
			}
			if math.Abs(an) > 1e-4 {
				checked++
			}
		}
	}
	if checked < 15 {
		t.Fatalf("only %d of 30 checked gradients are non-negligible", checked)
	}
}

// TestObjectLossPerSample checks per-object gradients from one batched
// BackwardPerSample against one batch-1 backward per row (two rows share a
// frame, as a frame with two objects does), and the per-row loss value.
func TestObjectLossPerSample(t *testing.T) {
	d := NewICEDetector(5)
	rng := rand.New(rand.NewPCG(4, 4))
	const n, s = 4, 32
	hw := 4
	x := make([]float32, n*s*s)
	for i := range x {
		x[i] = float32(rng.Float64())
	}
	copy(x[s*s:2*s*s], x[:s*s]) // rows 0 and 1: the same frame, two objects
	cell := []int{0, 3, 2, 1}
	target := []float32{1, 0, 1, 0}
	off := []float32{0.2, 0.7, 0, 0, 0.9, 0.1, 0, 0}
	const beta = 0.1
	weights := d.ConvWeights()
	ws := make([]*autograd.Tensor, len(weights))
	for i, w := range weights {
		ws[i] = w.T
	}
	tp := autograd.NewTape()
	cls, reg := d.Forward(tp, autograd.NewTensor(x, n, 1, s, s))
	loss, err := ObjectLoss(tp, cls, reg, cell, target, off, make([]float32, 6*n*hw), beta)
	if err != nil {
		t.Fatal(err)
	}
	per := make([][]float32, len(ws))
	if err := tp.BackwardPerSample(loss, ws, 1, func(i int, rows []float32) {
		per[i] = append([]float32(nil), rows...)
	}); err != nil {
		t.Fatal(err)
	}
	var sum float64
	for r := 0; r < n; r++ {
		for _, p := range d.Params() {
			p.T.ZeroGrad()
		}
		tp1 := autograd.NewTape()
		c1, r1 := d.Forward(tp1, autograd.NewTensor(x[r*s*s:(r+1)*s*s], 1, 1, s, s))
		l1, err := ObjectLoss(tp1, c1, r1, cell[r:r+1], target[r:r+1], off[2*r:2*r+2], make([]float32, 6*hw), beta)
		if err != nil {
			t.Fatal(err)
		}
		// independent value: BCE at the cell, plus the mean smooth L1 of the offsets
		xv := float64(c1.Data[cell[r]])
		want := math.Max(xv, 0) - xv*float64(target[r]) + math.Log1p(math.Exp(-math.Abs(xv)))
		if target[r] > 0 {
			for ch := 0; ch < 2; ch++ {
				dd := math.Abs(float64(r1.Data[ch*hw+cell[r]] - off[2*r+ch]))
				if dd < beta {
					want += 0.5 * (0.5 * dd * dd / beta)
				} else {
					want += 0.5 * (dd - 0.5*beta)
				}
			}
		}
		if math.Abs(want-float64(l1.Item())) > 1e-5 {
			t.Fatalf("row %d: loss %v, want %v", r, l1.Item(), want)
		}
		sum += want
		if err := tp1.Backward(l1); err != nil {
			t.Fatal(err)
		}
		for i, w := range ws {
			l := w.Numel()
			got := per[i][r*l : (r+1)*l]
			var maxAbs, maxDiff float64
			for j, g := range w.Grad {
				maxAbs = math.Max(maxAbs, math.Abs(float64(g)))
				maxDiff = math.Max(maxDiff, math.Abs(float64(g-got[j])))
			}
			if maxDiff > 1e-4*math.Max(maxAbs, 1e-3) {
				t.Errorf("row %d, %s: per-sample gradient differs by %g (largest %g)", r, weights[i].Name, maxDiff, maxAbs)
			}
		}
	}
	if math.Abs(sum-float64(loss.Item())) > 1e-4 {
		t.Fatalf("batched loss %v, sum of rows %v", loss.Item(), sum)
	}
}

// TestObjectLossWeighted checks the offset weights against an independent
// float64 value: row i's loss is its BCE plus offW[i] times the mean smooth
// L1 of its offsets (weights 0 and 1 included, false alarms unaffected).
func TestObjectLossWeighted(t *testing.T) {
	d := NewICEDetector(6)
	rng := rand.New(rand.NewPCG(7, 7))
	const n, s, hw, beta = 4, 32, 4, 0.1
	x := make([]float32, n*s*s)
	for i := range x {
		x[i] = float32(rng.Float64())
	}
	cell := []int{1, 2, 0, 3}
	target := []float32{1, 1, 0, 1}
	off := []float32{0.3, 0.6, 0.9, 0.05, 0, 0, 0.5, 0.5}
	offW := []float32{0.25, 0, 0.7, 1}
	tp := autograd.NewTape()
	cls, reg := d.Forward(tp, autograd.NewTensor(x, n, 1, s, s))
	loss, err := ObjectLossWeighted(tp, cls, reg, cell, target, off, offW, make([]float32, 6*n*hw), beta)
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	for r := 0; r < n; r++ {
		xv := float64(cls.Data[r*hw+cell[r]])
		want += math.Max(xv, 0) - xv*float64(target[r]) + math.Log1p(math.Exp(-math.Abs(xv)))
		if target[r] == 0 {
			continue
		}
		for ch := 0; ch < 2; ch++ {
			dd := math.Abs(float64(reg.Data[(2*r+ch)*hw+cell[r]] - off[2*r+ch]))
			l := dd - 0.5*beta
			if dd < beta {
				l = 0.5 * dd * dd / beta
			}
			want += float64(offW[r]) * 0.5 * l
		}
	}
	if math.Abs(want-float64(loss.Item())) > 1e-4 {
		t.Fatalf("loss %v, want %v", loss.Item(), want)
	}
	if _, err := ObjectLossWeighted(tp, cls, reg, cell, target, off, []float32{1, -1, 1, 1}, make([]float32, 6*n*hw), beta); err == nil {
		t.Fatal("a negative offset weight was accepted")
	}
}
