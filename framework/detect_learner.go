package framework

import (
	"fmt"
	"io"
	"math"

	"remedy/autograd"
	"remedy/data"
	"remedy/nn"
)

// DetFrames binds ICE frames (uint8, Size x Size) to a grid detector of
// stride nn.DetectorStride, with each frame's training targets.
type DetFrames struct {
	Set            *data.ICESet
	Stride, GH, GW int
	obj, ctr       []float32 // per frame: GH*GW objectness, 2*GH*GW offsets
}

// NewDetFrames checks the frames and encodes their targets.
func NewDetFrames(s *data.ICESet) (*DetFrames, error) {
	st := nn.DetectorStride
	if s == nil || s.N == 0 {
		return nil, fmt.Errorf("detection: no frames")
	}
	if s.Size < st || s.Size%st != 0 {
		return nil, fmt.Errorf("detection: frames of %d x %d pixels; the detector needs a side that is a multiple of %d", s.Size, s.Size, st)
	}
	if len(s.Frames) != s.N*s.Size*s.Size || len(s.Objects) != s.N || len(s.Location) != s.N {
		return nil, fmt.Errorf("detection: %d frame bytes, %d object lists and %d locations for %d frames of %d x %d", len(s.Frames), len(s.Objects), len(s.Location), s.N, s.Size, s.Size)
	}
	f := &DetFrames{Set: s, Stride: st, GH: s.Size / st, GW: s.Size / st}
	hw := f.GH * f.GW
	f.obj, f.ctr = make([]float32, s.N*hw), make([]float32, 2*s.N*hw)
	for i := 0; i < s.N; i++ {
		EncodeTargets(f.Tips(i), f.GH, f.GW, st, f.obj[i*hw:(i+1)*hw], f.ctr[2*i*hw:2*(i+1)*hw])
	}
	return f, nil
}

// Tips returns the catheter tips of frame i.
func (f *DetFrames) Tips(i int) []Point {
	objs := f.Set.Objects[i]
	out := make([]Point, len(objs))
	for j, o := range objs {
		out[j] = Point{o.X, o.Y}
	}
	return out
}

// batch appends the frames' pixels (value/255) and targets to x, obj, ctr.
func (f *DetFrames) batch(frames []int, x, obj, ctr []float32) ([]float32, []float32, []float32) {
	x, obj, ctr = x[:0], obj[:0], ctr[:0]
	hw := f.GH * f.GW
	for _, i := range frames {
		for _, v := range f.Set.Frame(i) {
			x = append(x, float32(v)/255)
		}
		obj = append(obj, f.obj[i*hw:(i+1)*hw]...)
		ctr = append(ctr, f.ctr[2*i*hw:2*(i+1)*hw]...)
	}
	return x, obj, ctr
}

// Object kinds of the detection analysis set.
const (
	ObjCatheter   = 0 // a catheter: found (TP) or missed (FN)
	ObjFalseAlarm = 1 // a prediction matching no catheter (FP)
	ObjEmptyFrame = 2 // a frame without catheters and without predictions (TN)
)

// DetObject is one case of the detection analysis set.
type DetObject struct {
	Frame    int     `json:"frame"`
	Kind     int     `json:"kind"`
	Catheter int     `json:"catheter"` // index in the frame's objects, or -1
	X, Y     float32 `json:"-"`        // tip or false-alarm centre
	Cell     int     `json:"cell"`     // the grid cell the object's loss and features are taken at
	OffX     float32 `json:"-"`        // the catheter's offsets in its cell
	OffY     float32 `json:"-"`
}

// Detector is the Learner and Embedder for detection: the ICE detector
// bound to its frames; cases are indices into Objects.
type Detector struct {
	M         *nn.ResDetector
	Frames    *DetFrames
	Objects   []DetObject
	Opt       DetectOptions
	Batch     int     // inference batch
	PosWeight float32 // positive-cell weight of the objectness BCE
	Beta      float32 // smooth L1 parameter of the offset loss
	ClipNorm  float64
	// FiredOffsets weights a missed catheter's offset term in its
	// per-object gradient by its cell's objectness probability: offsets
	// only decide a detection where the cell fires, so a catheter the cell
	// does not see at all is embedded by its objectness loss alone instead
	// of also by where in the cell its tip happens to lie.
	FiredOffsets bool
	// BalanceLayers scales each weight's block of the gradient embedding to
	// unit root-mean-square row norm over the embedded objects, so every
	// conv layer weighs the same in the distances (the last blocks' large
	// gradients otherwise decide the clustering alone). On by default.
	BalanceLayers bool
	// NormalizeObjects then scales each object's block of every weight to
	// unit norm, so objects are compared by the direction of each layer's
	// gradient, not by how large their loss is: a catheter missed with
	// probability 0.001 and one missed at 0.4 are the same failure if the
	// same weights would fix them. On by default (the demo's ICE types
	// separate better: see GradientEmbedding).
	NormalizeObjects bool

	opt     nn.Optimizer
	tp, inf *autograd.Tape
	x       []float32
	obj     []float32
	ctr     []float32
	scratch []float32
}

// Default loss settings.
const (
	DetPosWeight = 8
	DetBeta      = 0.1
)

// NewDetector binds m to frames (objects may be nil while training).
func NewDetector(m *nn.ResDetector, frames *DetFrames, objects []DetObject, o DetectOptions) *Detector {
	d := &Detector{M: m, Frames: frames, Objects: objects, Opt: o.withDefaults(frames.Stride), Batch: 64,
		PosWeight: DetPosWeight, Beta: DetBeta, BalanceLayers: true, NormalizeObjects: true}
	d.SetOptimizer(1e-4, 0)
	return d
}

// Clone copies the parameters into a fresh detector bound to the same data.
func (d *Detector) Clone() Learner {
	m := nn.NewICEDetector(0)
	src, dst := d.M.Params(), m.Params()
	for i := range src {
		copy(dst[i].T.Data, src[i].T.Data)
	}
	out := NewDetector(m, d.Frames, d.Objects, d.Opt)
	out.Batch, out.PosWeight, out.Beta, out.ClipNorm, out.FiredOffsets, out.BalanceLayers = d.Batch, d.PosWeight, d.Beta, d.ClipNorm, d.FiredOffsets, d.BalanceLayers
	out.NormalizeObjects = d.NormalizeObjects
	return out
}

// SetOptimizer resets Adam with the learning rate and coupled weight decay.
func (d *Detector) SetOptimizer(lr, weightDecay float64) {
	d.opt = nn.NewAdam(d.M.Params(), lr, weightDecay)
}

// Run detects objects in the frames; it also returns each frame's
// objectness logits (len(frames) x GH*GW).
func (d *Detector) Run(frames []int) ([][]Detection, []float32) {
	if d.inf == nil {
		d.inf = autograd.NewTape()
		d.inf.SetNoGrad(true)
	}
	f := d.Frames
	hw, s := f.GH*f.GW, f.Set.Size
	dets := make([][]Detection, len(frames))
	logits := make([]float32, len(frames)*hw)
	var x []float32
	for b := 0; b < len(frames); b += d.Batch {
		part := frames[b:min(b+d.Batch, len(frames))]
		x, _, _ = f.batch(part, x, nil, nil)
		d.inf.Reset()
		cls, reg := d.M.Forward(d.inf, autograd.NewTensor(x, len(part), 1, s, s))
		copy(logits[b*hw:], cls.Data)
		for i := range part {
			dets[b+i] = Decode(cls.Data[i*hw:(i+1)*hw], reg.Data[2*i*hw:2*(i+1)*hw], f.GH, f.GW, f.Stride, d.Opt)
		}
	}
	d.inf.Reset()
	return dets, logits
}

// Counts runs the detector on the frames and counts TP, FP and FN.
func (d *Detector) Counts(frames []int) DetCounts {
	dets, _ := d.Run(frames)
	var c DetCounts
	for i, fr := range frames {
		c.Add(Match(dets[i], d.Frames.Tips(fr), d.Opt.MatchDist))
	}
	return c
}

// uniqueFrames lists the frames of the cases, each once, in first-seen order.
func (d *Detector) uniqueFrames(cases []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, c := range cases {
		fr := d.Objects[c].Frame
		if !seen[fr] {
			seen[fr] = true
			out = append(out, fr)
		}
	}
	return out
}

// Correct judges each object with the current model: a catheter is right
// when a prediction matches it; a false alarm when no unmatched prediction
// lies within the match distance of where it was; an empty frame when it
// has no prediction at all.
func (d *Detector) Correct(cases []int) []bool {
	frames := d.uniqueFrames(cases)
	dets, _ := d.Run(frames)
	type verdict struct {
		dets           []Detection
		detObj, objDet []int
	}
	byFrame := map[int]verdict{}
	for i, fr := range frames {
		do, od := Match(dets[i], d.Frames.Tips(fr), d.Opt.MatchDist)
		byFrame[fr] = verdict{dets[i], do, od}
	}
	out := make([]bool, len(cases))
	for k, c := range cases {
		o := d.Objects[c]
		v := byFrame[o.Frame]
		switch o.Kind {
		case ObjCatheter:
			out[k] = v.objDet[o.Catheter] >= 0
		case ObjFalseAlarm:
			ok := true
			for i, det := range v.dets {
				if v.detObj[i] < 0 && dist(det.X, det.Y, o.X, o.Y) <= d.Opt.MatchDist {
					ok = false
				}
			}
			out[k] = ok
		default:
			out[k] = len(v.dets) == 0
		}
	}
	return out
}

// trainStep takes one optimiser step on the full detection loss of the
// frames and returns the loss before the step. With cases, the loss adds a
// term on the cases' own cells (see Step).
func (d *Detector) trainStep(frames []int, opt nn.Optimizer, cases ...int) (float32, error) {
	if d.tp == nil {
		d.tp = autograd.NewTape()
	}
	f := d.Frames
	n, s, hw := len(frames), f.Set.Size, f.GH*f.GW
	d.x, d.obj, d.ctr = f.batch(frames, d.x, d.obj, d.ctr)
	if len(d.scratch) < 4*n*hw {
		d.scratch = make([]float32, 4*n*hw)
	}
	d.tp.Reset()
	opt.ZeroGrad()
	cls, reg := d.M.Forward(d.tp, autograd.NewTensor(d.x, n, 1, s, s))
	loss, err := nn.ICELoss(d.tp, cls, reg, d.obj, d.ctr, d.scratch[:3*n*hw], d.PosWeight, d.Beta)
	if err != nil {
		return 0, err
	}
	if len(cases) > 0 {
		// The cases' cells with the frames' own targets: objectness at
		// every case's cell, offsets where a catheter is the target.
		row := make(map[int]int, n)
		for i, fr := range frames {
			row[fr] = i
		}
		mObj := d.scratch[3*n*hw : 4*n*hw]
		clear(mObj)
		for _, c := range cases {
			o := d.Objects[c]
			i := row[o.Frame]
			mObj[i*hw+o.Cell] = 1
		}
		mOff := d.tp.Scratch(2 * n * hw)
		pos := false
		for i := 0; i < n; i++ {
			for c := 0; c < hw; c++ {
				v := mObj[i*hw+c] * d.obj[i*hw+c]
				mOff[2*i*hw+c], mOff[(2*i+1)*hw+c] = v, v
				pos = pos || v > 0
			}
		}
		loss = d.tp.Add(loss, d.tp.BCEWithLogits(cls, d.obj, mObj))
		if pos {
			loss = d.tp.Add(loss, d.tp.SmoothL1(reg, d.ctr, mOff, d.Beta))
		}
	}
	if err := d.tp.Backward(loss); err != nil {
		return 0, err
	}
	l := loss.Item()
	if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
		return l, fmt.Errorf("detector training diverged: loss %v", l)
	}
	if d.ClipNorm > 0 {
		nn.ClipGradNorm(d.M.Params(), d.ClipNorm)
	}
	opt.Step()
	return l, nil
}

// Step takes one optimiser step on the frames holding the cases (each frame
// once): the full detection loss of those frames plus the same loss
// restricted to the cases' own cells (mean over them; a false alarm's cell
// is pushed down unless a catheter's tip lies in it, where its offsets are
// pulled to the tip instead). The full loss keeps the rest of each frame
// right (a missed catheter must not be found by firing on the whole
// neighbourhood, a false alarm must not just move to the next cell); the
// term on the cases' cells makes the step about the cases themselves, as
// a classifier's step is about its images: in the full loss a false alarm
// is one negative cell among many.
func (d *Detector) Step(cases []int) error {
	_, err := d.trainStep(d.uniqueFrames(cases), d.opt, cases...)
	return err
}

// AnchorEWC computes the empirical Fisher (mean squared gradient of each
// frame's detection loss, every parameter, one backward per frame of the
// cases) and anchors at the current parameters.
func (d *Detector) AnchorEWC(cases []int, lambda float64) error {
	frames := d.uniqueFrames(cases)
	if len(frames) == 0 {
		return fmt.Errorf("EWC: no correct cases to estimate the Fisher information from")
	}
	params := d.M.Params()
	inner := d.opt
	if e, ok := inner.(*ewc); ok {
		inner = e.inner
	}
	e := &ewc{inner: inner, params: params, lambda: float32(lambda)}
	for _, p := range params {
		e.fisher = append(e.fisher, make([]float32, p.T.Numel()))
		e.anchor = append(e.anchor, append([]float32(nil), p.T.Data...))
	}
	inv := 1 / float32(len(frames))
	grab := gradOnly{params: params}
	for _, fr := range frames {
		if _, err := d.trainStep([]int{fr}, &grab); err != nil {
			return err
		}
		for i, p := range params {
			fi := e.fisher[i]
			for j, g := range p.T.Grad {
				fi[j] += g * g * inv
			}
		}
	}
	for _, p := range params {
		p.T.ZeroGrad()
	}
	d.opt = e
	return nil
}

// gradOnly is an optimiser that only zeroes gradients (to collect them).
type gradOnly struct{ params []nn.Param }

func (g *gradOnly) ZeroGrad() {
	for _, p := range g.params {
		p.T.ZeroGrad()
	}
}
func (g *gradOnly) Step() {}

// objectTarget returns the cell, objectness target and offsets of case c's
// per-object loss.
func (d *Detector) objectTarget(c int) (cell int, target, ox, oy float32) {
	o := d.Objects[c]
	if o.Kind == ObjCatheter {
		return o.Cell, 1, o.OffX, o.OffY
	}
	return o.Cell, 0, 0, 0
}

// GradientEmbedding returns, per object, the gradient of the object's own
// loss (nn.ObjectLoss at its cell: a catheter's objectness and offsets
// pulled towards it, a false alarm's objectness pushed down) with respect
// to every conv weight, each layer cut into parts projected on their own by
// seeded Gaussian matrices, as an n x d matrix. One batched pass per batch
// of objects: a frame holding several objects appears once per object, so
// each batch row is one object's loss and BackwardPerSample gives the
// per-object gradients; they are projected as they arrive.
func (d *Detector) GradientEmbedding(cases []int, o EmbedOptions, seed uint64, progress io.Writer) ([]float32, int, error) {
	weights := d.M.ConvWeights()
	ws := make([]*autograd.Tensor, len(weights))
	for i, w := range weights {
		ws[i] = w.T
	}
	sink, err := newGradientSink(weights, len(cases), o, seed)
	if err != nil {
		return nil, 0, err
	}
	// Only the chosen weights need gradients.
	for _, p := range d.M.Params() {
		if len(p.T.Shape) != 4 {
			p.T.SetRequiresGrad(false)
			defer p.T.SetRequiresGrad(true)
		}
	}
	tp := autograd.NewTape()
	f := d.Frames
	s, hw := f.Set.Size, f.GH*f.GW
	batch := max(1, min(o.Batch, 32))
	var x []float32
	for b := 0; b < len(cases); b += batch {
		part := cases[b:min(b+batch, len(cases))]
		n := len(part)
		frames := make([]int, n)
		cell := make([]int, n)
		target := make([]float32, n)
		off := make([]float32, 2*n)
		for i, c := range part {
			frames[i] = d.Objects[c].Frame
			cell[i], target[i], off[2*i], off[2*i+1] = d.objectTarget(c)
		}
		x, _, _ = f.batch(frames, x, nil, nil)
		tp.Reset()
		cls, reg := d.M.Forward(tp, autograd.NewTensor(x, n, 1, s, s))
		var offW []float32
		if d.FiredOffsets {
			offW = make([]float32, n)
			for i := range offW {
				offW[i] = sigmoid(cls.Data[i*hw+cell[i]])
			}
		}
		loss, err := nn.ObjectLossWeighted(tp, cls, reg, cell, target, off, offW, tp.Scratch(6*n*hw), d.Beta)
		if err != nil {
			return nil, 0, fmt.Errorf("gradient embedding: %w", err)
		}
		err = tp.BackwardPerSample(loss, ws, 1, func(i int, rows []float32) { sink.put(i, rows, n, b) })
		if err == nil {
			err = sink.err
		}
		if err != nil {
			return nil, 0, fmt.Errorf("gradient embedding: %w", err)
		}
		if progress != nil {
			fmt.Fprintf(progress, "\rgradient embedding: %d/%d objects", b+n, len(cases))
		}
	}
	if progress != nil {
		fmt.Fprintln(progress)
	}
	if d.BalanceLayers {
		balanceBlocks(sink.emb, len(cases), sink.D, sink.offs)
	}
	if d.NormalizeObjects {
		normalizeRowBlocks(sink.emb, len(cases), sink.D, sink.offs)
	}
	return sink.emb, sink.D, nil
}

// normalizeRowBlocks scales each row's part of every column block
// [offs[b], offs[b+1]) of the n x dim matrix x to unit norm (all-zero parts
// stay zero).
func normalizeRowBlocks(x []float32, n, dim int, offs []int) {
	for i := 0; i < n; i++ {
		for b, lo := range offs {
			hi := dim
			if b+1 < len(offs) {
				hi = offs[b+1]
			}
			part := x[i*dim+lo : i*dim+hi]
			var ss float64
			for _, v := range part {
				ss += float64(v) * float64(v)
			}
			if ss == 0 {
				continue
			}
			sc := float32(1 / math.Sqrt(ss))
			for j := range part {
				part[j] *= sc
			}
		}
	}
}

// balanceBlocks scales each column block [offs[b], offs[b+1]) of the n x dim
// matrix x to unit root-mean-square row norm (all-zero blocks stay zero).
func balanceBlocks(x []float32, n, dim int, offs []int) {
	for b, lo := range offs {
		hi := dim
		if b+1 < len(offs) {
			hi = offs[b+1]
		}
		var ss float64
		for i := 0; i < n; i++ {
			for _, v := range x[i*dim+lo : i*dim+hi] {
				ss += float64(v) * float64(v)
			}
		}
		if ss == 0 {
			continue
		}
		sc := float32(math.Sqrt(float64(n) / ss))
		for i := 0; i < n; i++ {
			row := x[i*dim+lo : i*dim+hi]
			for j := range row {
				row[j] *= sc
			}
		}
	}
}

// FeatureEmbedding returns, per object, each residual block's output
// averaged per channel over the 3 x 3 grid cells centred on the object's
// cell (the region its prediction is made from), blocks with more than
// o.Out channels projected to o.Out dimensions on their own, concatenated.
func (d *Detector) FeatureEmbedding(cases []int, o EmbedOptions, seed uint64, progress io.Writer) ([]float32, int, error) {
	tp := autograd.NewTape()
	tp.SetNoGrad(true)
	f := d.Frames
	s := f.Set.Size
	nb := len(d.M.Body)
	sink := &featureSink{n: len(cases), out: o.Out, seed: seed}
	var x []float32
	batch := max(1, min(o.Batch, 64))
	for b := 0; b < len(cases); b += batch {
		part := cases[b:min(b+batch, len(cases))]
		n := len(part)
		frames := make([]int, n)
		for i, c := range part {
			frames[i] = d.Objects[c].Frame
		}
		x, _, _ = f.batch(frames, x, nil, nil)
		tp.Reset()
		h := autograd.NewTensor(x, n, 1, s, s)
		pooled := make([][]float32, nb)
		for li, l := range d.M.Body {
			h = l.Forward(tp, h)
			k, oh, ow := h.Shape[1], h.Shape[2], h.Shape[3]
			cs := oh / f.GH // output pixels per grid cell at this block
			p := make([]float32, n*k)
			for i, c := range part {
				cell := d.Objects[c].Cell
				gy, gx := cell/f.GW, cell%f.GW
				y0, y1 := max(gy-1, 0)*cs, min(gy+2, f.GH)*cs
				x0, x1 := max(gx-1, 0)*cs, min(gx+2, f.GW)*cs
				inv := 1 / float64((y1-y0)*(x1-x0))
				for ch := 0; ch < k; ch++ {
					plane := h.Data[(i*k+ch)*oh*ow : (i*k+ch+1)*oh*ow]
					var sum float64
					for y := y0; y < y1; y++ {
						for _, v := range plane[y*ow+x0 : y*ow+x1] {
							sum += float64(v)
						}
					}
					p[i*k+ch] = float32(sum * inv)
				}
			}
			pooled[li] = p
		}
		if err := sink.put(pooled, n, b); err != nil {
			return nil, 0, err
		}
		if progress != nil {
			fmt.Fprintf(progress, "\rfeature embedding: %d/%d objects", b+n, len(cases))
		}
	}
	if progress != nil {
		fmt.Fprintln(progress)
	}
	return sink.emb, sink.D, nil
}
