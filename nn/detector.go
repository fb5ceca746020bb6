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

// DetectorStride is the detector's total downsampling: one grid cell covers
// DetectorStride x DetectorStride input pixels (a 128 x 128 frame gives an
// 8 x 8 grid; any side divisible by 16 works, the net is fully
// convolutional).
const DetectorStride = 16

// NewICEDetector is the detector remedy trains on ICE frames: ResDetector
// with PyTorch's default initialisation, seeded.
func NewICEDetector(seed uint64) *ResDetector { return NewResDetector(seed) }

// ConvWeights returns the conv weights (no biases) in network order: the
// tensors whose per-object gradients are embedded.
func (d *ResDetector) ConvWeights() []Param {
	var out []Param
	for _, p := range d.params {
		if len(p.T.Shape) == 4 {
			out = append(out, p)
		}
	}
	return out
}

// ICELoss is the loss remedy trains the detector with: BCE-with-logits on
// objectness over every cell, positive cells weighted posWeight (1-2
// catheters among 64 cells would otherwise be drowned by the background),
// as a weighted mean sum(w*l)/sum(w); plus smooth L1 (beta) on the two
// centre offsets at positive cells, averaged over those cell-channels.
// obj is N*H*W (0/1), ctr N*2*H*W; scratch must hold 3*N*H*W floats (the
// weights and the offset mask), owned by the caller until Backward.
func ICELoss(tp *autograd.Tape, cls, reg *autograd.Tensor, obj, ctr, scratch []float32, posWeight, beta float32) (*autograd.Tensor, error) {
	n := cls.Shape[0]
	hw := cls.Shape[2] * cls.Shape[3]
	if len(obj) != n*hw || len(ctr) != 2*n*hw || len(scratch) < 3*n*hw || reg.Shape[1] != 2 || cls.Shape[1] != 1 {
		return nil, fmt.Errorf("nn: ICE loss: %d objectness and %d centre targets (scratch %d) for %d images of %d cells", len(obj), len(ctr), len(scratch), n, hw)
	}
	w, mask := scratch[:n*hw], scratch[n*hw:3*n*hw]
	for i, o := range obj {
		w[i] = 1 + (posWeight-1)*o
	}
	for i := 0; i < n; i++ {
		o := obj[i*hw : (i+1)*hw]
		copy(mask[(2*i)*hw:(2*i+1)*hw], o)
		copy(mask[(2*i+1)*hw:(2*i+2)*hw], o)
	}
	return tp.Add(tp.BCEWithLogits(cls, obj, w), tp.SmoothL1(reg, ctr, mask, beta)), nil
}

// ObjectLoss is the SUM over batch rows of each row's loss restricted to
// one cell: BCE-with-logits of the objectness at cell[i] against target[i]
// (1 = a catheter that should be found, 0 = a false alarm to push down),
// plus, where target[i] is 1, smooth L1 of the two offsets at that cell
// against off[2i], off[2i+1] averaged over the two channels. Each row is
// one object (a frame holding several objects appears once per object), so
// BackwardPerSample with lossWeight 1 gives per-object gradients. scratch
// must hold 6*N*H*W floats, owned by the caller until Backward.
func ObjectLoss(tp *autograd.Tape, cls, reg *autograd.Tensor, cell []int, target, off, scratch []float32, beta float32) (*autograd.Tensor, error) {
	return ObjectLossWeighted(tp, cls, reg, cell, target, off, nil, scratch, beta)
}

// ObjectLossWeighted is ObjectLoss with row i's offset term scaled by
// offW[i] >= 0 (nil: 1 for every row).
func ObjectLossWeighted(tp *autograd.Tape, cls, reg *autograd.Tensor, cell []int, target, off, offW, scratch []float32, beta float32) (*autograd.Tensor, error) {
	n := cls.Shape[0]
	hw := cls.Shape[2] * cls.Shape[3]
	if len(cell) != n || len(target) != n || len(off) != 2*n || len(scratch) < 6*n*hw || reg.Shape[1] != 2 || offW != nil && len(offW) != n {
		return nil, fmt.Errorf("nn: object loss: %d cells, %d targets, %d offsets, %d offset weights (scratch %d) for %d rows of %d cells", len(cell), len(target), len(off), len(offW), len(scratch), n, hw)
	}
	tObj, mObj := scratch[:n*hw], scratch[n*hw:2*n*hw]
	tOff, mOff := scratch[2*n*hw:4*n*hw], scratch[4*n*hw:6*n*hw]
	clear(scratch[:6*n*hw])
	var sumW float32
	for i, c := range cell {
		if c < 0 || c >= hw {
			return nil, fmt.Errorf("nn: object loss: row %d cell %d outside the %d-cell grid", i, c, hw)
		}
		mObj[i*hw+c] = 1
		tObj[i*hw+c] = target[i]
		w := float32(1)
		if offW != nil {
			w = offW[i]
			if !(w >= 0) {
				return nil, fmt.Errorf("nn: object loss: row %d offset weight %v", i, w)
			}
		}
		if target[i] > 0 && w > 0 {
			sumW += 2 * w
			for ch := 0; ch < 2; ch++ {
				mOff[(2*i+ch)*hw+c] = w
				tOff[(2*i+ch)*hw+c] = off[2*i+ch]
			}
		}
	}
	// The masked losses are means over the mask weights: rescale to sums
	// over rows (n rows for BCE; 2 offsets per positive row, averaged).
	loss := tp.Scale(tp.BCEWithLogits(cls, tObj, mObj), float32(n))
	if sumW > 0 {
		loss = tp.Add(loss, tp.Scale(tp.SmoothL1(reg, tOff, mOff, beta), max(sumW, 1)/2))
	}
	return loss, nil
}
