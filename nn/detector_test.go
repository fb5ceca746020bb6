package nn

import (
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
