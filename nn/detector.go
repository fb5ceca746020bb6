package nn

import (
	"fmt"

	"remedy/autograd"
)

// ResDetector is the residual object detector (../shared/peers/models.py
// ResDetector): 1 x 128 x 128 grayscale input, 5 residual blocks of two 3x3
// convs (channels 8, 16, 32, 64, 128; stride 2 in the first conv of blocks
// 2..5), 1x1 projection skips where the shape changes, ReLU after the first
// conv and after the sum, no batch norm; heads on the 8x8 grid: a 1x1 conv to
// one objectness logit per cell and a 1x1 conv to 2 centre offsets.
// Parameter names: body.{0..4}.{c1,c2,skip}.{weight,bias}, cls.*, reg.*.
type ResDetector struct {
	Body     Sequential
	Cls, Reg *Conv2d
	params   []Param
}

// ResDetectorParams is the number of parameters of ResDetector.
const ResDetectorParams = 306_427

// NewResDetector builds the detector with PyTorch's default initialisation
// in module order, seeded.
func NewResDetector(seed uint64) *ResDetector {
	rng := NewRNG(seed)
	d := &ResDetector{}
	c := 1
	for i, w := range []int{8, 16, 32, 64, 128} {
		stride := 2
		if i == 0 {
			stride = 1
		}
		blk := &Residual{
			Body: Chain{
				{"c1", NewConv2d(rng, c, w, 3, stride, 1, true)},
				{"", ReLU{}},
				{"c2", NewConv2d(rng, w, w, 3, 1, 1, true)},
			},
			Act: ReLU{},
		}
		if c != w || stride != 1 {
			blk.Skip = NewConv2d(rng, c, w, 1, stride, 0, true)
			blk.SkipName = "skip"
		}
		d.Body = append(d.Body, blk)
		c = w
	}
	d.Cls = NewConv2d(rng, c, 1, 1, 1, 0, true)
	d.Reg = NewConv2d(rng, c, 2, 1, 1, 0, true)
	d.params = d.Reg.Params("reg.", d.Cls.Params("cls.", d.Body.Params("body.", nil)))
	return d
}

// Params lists the parameters in state-dict order.
func (d *ResDetector) Params() []Param { return d.params }

// Forward returns the objectness logits (N,1,8,8) and centre offsets
// (N,2,8,8) of N x 1 x 128 x 128 inputs.
func (d *ResDetector) Forward(tp *autograd.Tape, x *autograd.Tensor) (cls, reg *autograd.Tensor) {
	f := d.Body.Forward(tp, x)
	return d.Cls.Forward(tp, f), d.Reg.Forward(tp, f)
}

// DetectorLoss is BCE-with-logits of cls against obj (mean over all cells)
// plus the squared error of reg against ctr summed over the cells holding an
// object and divided by max(number of such cell-channels, 1), as the peer's
// detector_loss. obj is N*1*8*8 (0/1), ctr N*2*8*8; mask is scratch of
// len(ctr) (filled here) so the caller controls its lifetime.
func DetectorLoss(tp *autograd.Tape, cls, reg *autograd.Tensor, obj, ctr, mask []float32) (*autograd.Tensor, error) {
	n := cls.Shape[0]
	hw := cls.Shape[2] * cls.Shape[3]
	if len(obj) != n*hw || len(ctr) != 2*n*hw || len(mask) != 2*n*hw || reg.Shape[1] != 2 {
		return nil, fmt.Errorf("nn: detector loss: %d objectness and %d centre targets for %d images of %d cells", len(obj), len(ctr), n, hw)
	}
	for i := 0; i < n; i++ {
		o := obj[i*hw : (i+1)*hw]
		copy(mask[(2*i)*hw:(2*i+1)*hw], o)
		copy(mask[(2*i+1)*hw:(2*i+2)*hw], o)
	}
	return tp.Add(tp.BCEWithLogits(cls, obj, nil), tp.MSE(reg, ctr, mask)), nil
}
