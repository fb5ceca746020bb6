package framework

import (
	"math"
	"testing"
)

// logit returns the logit of probability p.
func logit(p float64) float32 { return float32(math.Log(p / (1 - p))) }

// grid4 is a 4 x 4 grid of stride 16 (a 64 x 64 frame) with every cell off.
func grid4() (cls, reg []float32) {
	cls = make([]float32, 16)
	for i := range cls {
		cls[i] = -10
	}
	return cls, make([]float32, 32)
}

func TestDecodeThresholdBoundary(t *testing.T) {
	cls, reg := grid4()
	o := DetectOptions{Threshold: 0.5, NMSDist: 12, MatchDist: 8}
	cls[5] = 0 // sigmoid exactly 0.5: not above the threshold
	if d := Decode(cls, reg, 4, 4, 16, o); len(d) != 0 {
		t.Fatalf("score 0.5 at threshold 0.5 gave %v", d)
	}
	cls[5] = 1e-3
	reg[5], reg[16+5] = 0.25, 0.75
	d := Decode(cls, reg, 4, 4, 16, o)
	if len(d) != 1 || d[0].Cell != 5 || d[0].X != (1+0.25)*16 || d[0].Y != (1+0.75)*16 {
		t.Fatalf("got %v", d)
	}
	o.Threshold = 0.9
	cls[5] = logit(0.89)
	if d := Decode(cls, reg, 4, 4, 16, o); len(d) != 0 {
		t.Fatalf("0.89 above 0.9: %v", d)
	}
}

// Two predictions on one catheter: close ones are suppressed by NMS (one TP,
// nothing else); ones farther apart than the NMS distance both survive, the
// higher-scoring one is the TP and the other a FP (never two TPs).
func TestTwoPredictionsOnOneCatheter(t *testing.T) {
	o := DetectOptions{Threshold: 0.5, NMSDist: 12, MatchDist: 8}
	tip := []Point{{16, 16}} // on the corner of cells 0, 1, 4 and 5
	cls, reg := grid4()
	cls[0], reg[0], reg[16+0] = logit(0.7), 0.9, 0.9 // (14.4, 14.4)
	cls[5], reg[5], reg[16+5] = logit(0.8), 0.1, 0.1 // (17.6, 17.6)
	d := Decode(cls, reg, 4, 4, 16, o)
	if len(d) != 1 || d[0].Cell != 5 {
		t.Fatalf("NMS should keep only cell 5: %v", d)
	}
	var c DetCounts
	c.Add(Match(d, tip, o.MatchDist))
	if c != (DetCounts{TP: 1}) {
		t.Fatalf("counts %+v", c)
	}
	// now 14 px apart, both within 8 px of the tip
	cls, reg = grid4()
	cls[0], reg[0], reg[16] = logit(0.7), 0.5625, 1   // (9, 16)
	cls[1], reg[1], reg[16+1] = logit(0.9), 0.4375, 1 // (23, 16)
	d = Decode(cls, reg, 4, 4, 16, o)
	if len(d) != 2 || d[0].Cell != 1 {
		t.Fatalf("both should survive, highest first: %v", d)
	}
	detObj, objDet := Match(d, tip, o.MatchDist)
	if detObj[0] != 0 || detObj[1] != -1 || objDet[0] != 0 {
		t.Fatalf("the higher-scoring prediction must take the catheter: %v %v", detObj, objDet)
	}
	c = DetCounts{}
	c.Add(detObj, objDet)
	if c != (DetCounts{TP: 1, FP: 1}) {
		t.Fatalf("counts %+v", c)
	}
}

func TestCatheterOnCellBorder(t *testing.T) {
	for _, p := range []Point{{16, 16}, {32, 5}, {0, 0}, {64, 64}, {63.999, 48}} {
		cell, ox, oy := CellOf(p, 4, 4, 16)
		gx, gy := cell%4, cell/4
		if ox < 0 || ox > 1 || oy < 0 || oy > 1 {
			t.Fatalf("%v: offset (%v,%v) outside the cell", p, ox, oy)
		}
		if x, y := (float32(gx)+ox)*16, (float32(gy)+oy)*16; math.Abs(float64(x-p.X)) > 1e-4 || math.Abs(float64(y-p.Y)) > 1e-4 {
			t.Fatalf("%v decodes back to (%v,%v)", p, x, y)
		}
	}
	if c, ox, _ := CellOf(Point{16, 16}, 4, 4, 16); c != 5 || ox != 0 {
		t.Fatalf("border point (16,16) in cell %d offset %v, want cell 5 offset 0", c, ox)
	}
	// a perfect prediction of the encoded target is a TP at distance 0
	obj, ctr := make([]float32, 16), make([]float32, 32)
	tips := []Point{{16, 16}, {20, 20}} // same cell: the first one is the target
	EncodeTargets(tips, 4, 4, 16, obj, ctr)
	n := 0
	for _, v := range obj {
		n += int(v)
	}
	if n != 1 || obj[5] != 1 || ctr[5] != 0 || ctr[16+5] != 0 {
		t.Fatalf("targets obj %v ctr %v", obj, ctr)
	}
	cls := make([]float32, 16)
	for i := range cls {
		cls[i] = 20*obj[i] - 10
	}
	d := Decode(cls, ctr, 4, 4, 16, DetectOptions{})
	var c DetCounts
	c.Add(Match(d, tips, 8))
	if len(d) != 1 || d[0].X != 16 || d[0].Y != 16 || c != (DetCounts{TP: 1, FN: 1}) {
		t.Fatalf("decoded %v, counts %+v", d, c)
	}
}

func TestEmptyFrame(t *testing.T) {
	cls, reg := grid4()
	var c DetCounts
	c.Add(Match(Decode(cls, reg, 4, 4, 16, DetectOptions{}), nil, 8))
	if c != (DetCounts{}) {
		t.Fatalf("empty frame, no predictions: %+v", c)
	}
	if p, r, f := c.PRF(); p != 0 || r != 0 || f != 0 {
		t.Fatal("undefined scores must be 0")
	}
	cls[10] = 3
	c.Add(Match(Decode(cls, reg, 4, 4, 16, DetectOptions{}), nil, 8))
	if c != (DetCounts{FP: 1}) {
		t.Fatalf("empty frame, one prediction: %+v", c)
	}
	c.Add(Match(nil, []Point{{3, 3}}, 8))
	if c != (DetCounts{FP: 1, FN: 1}) {
		t.Fatalf("a missed catheter: %+v", c)
	}
}

func TestMatchDistanceBoundaryAndGreedy(t *testing.T) {
	tip := []Point{{10, 10}}
	at := []Detection{{X: 18, Y: 10, Score: 0.9}}
	if detObj, _ := Match(at, tip, 8); detObj[0] != 0 {
		t.Fatal("a prediction exactly at the match distance is a TP")
	}
	if detObj, _ := Match([]Detection{{X: 18.01, Y: 10, Score: 0.9}}, tip, 8); detObj[0] != -1 {
		t.Fatal("a prediction beyond the match distance is a FP")
	}
	// greedy by score: the best prediction takes its nearest object even
	// when another assignment would match more
	objs := []Point{{0, 0}, {10, 0}}
	dets := []Detection{{X: 6, Y: 0, Score: 0.9}, {X: -3, Y: 0, Score: 0.6}}
	detObj, objDet := Match(dets, objs, 7)
	if detObj[0] != 1 || detObj[1] != 0 || objDet[0] != 1 || objDet[1] != 0 {
		t.Fatalf("%v %v", detObj, objDet)
	}
	dets = []Detection{{X: 5, Y: 0, Score: 0.9}, {X: 12, Y: 0, Score: 0.6}}
	detObj, _ = Match(dets, objs, 7) // tie at 5 px: the lower index wins
	if detObj[0] != 0 || detObj[1] != 1 {
		t.Fatalf("%v", detObj)
	}
	c := DetCounts{TP: 3, FP: 1, FN: 2}
	p, r, f := c.PRF()
	if math.Abs(p-0.75) > 1e-12 || math.Abs(r-0.6) > 1e-12 || math.Abs(f-2*0.75*0.6/1.35) > 1e-12 {
		t.Fatalf("PRF %v %v %v", p, r, f)
	}
}
