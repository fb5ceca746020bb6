package nn

import (
	"fmt"

	"remedy/autograd"
)

// Model is an image classifier: NCHW float32 input to N x Classes logits.
type Model interface {
	Forward(tp *autograd.Tape, x *autograd.Tensor) *autograd.Tensor
	Params() []Param
	// InputShape is the C, H, W of one input image.
	InputShape() (c, h, w int)
	Classes() int
}

// bpvggLayers is the paper code's layer list; "M" (0 here) is a 2x2 max-pool.
var bpvggLayers = []int{16, 0, 32, 0, 128, 128, 0, 256, 256}

// BPVGG is the paper's binary classifier (its public code's VGG): conv3x3
// pad 1 + ReLU with 16, pool, 32, pool, 128, 128, pool, 256, 256 channels
// (28 -> 14 -> 7 -> 3), a 1x1 conv to 2 channels and the mean over the 3x3
// map. No batch norm. Parameter names follow the PyTorch module:
// features.{0,3,6,8,11,13}.{weight,bias}, head.{weight,bias}.
type BPVGG struct {
	Features Sequential
	Head     *Conv2d
	params   []Param
}

// BPVGGParams is the number of parameters of BPVGG.
const BPVGGParams = 1_075_426

// BPVGGConvWeightParams is the number of conv weights (no biases) of BPVGG:
// the dimension of the paper's per-sample gradients.
const BPVGGConvWeightParams = 1_074_608

// bpvggChannelsLastFrom is the input channel count from which BPVGG's convs
// produce channels-last activations (0: none, for A/B runs). The first two
// layers (3 and 16 input channels) run direct NCHW kernels; from the 32->128
// layer on every conv takes the channels-last lowering, so keeping the
// activations channels-last there skips a transpose before and after each.
var bpvggChannelsLastFrom = 32

// NewBPVGG builds the classifier with PyTorch's default initialisation,
// drawn in module order from a PCG generator seeded with seed.
func NewBPVGG(seed uint64) *BPVGG {
	rng := NewRNG(seed)
	m := &BPVGG{}
	c := 3
	cl := func(in int) bool { return bpvggChannelsLastFrom > 0 && in >= bpvggChannelsLastFrom }
	for _, v := range bpvggLayers {
		if v == 0 {
			m.Features = append(m.Features, MaxPool2d{})
			continue
		}
		conv := NewConv2d(rng, c, v, 3, 1, 1, true)
		conv.ChannelsLast = cl(c)
		m.Features = append(m.Features, conv, ReLU{})
		c = v
	}
	m.Head = NewConv2d(rng, c, 2, 1, 1, 0, true)
	m.Head.ChannelsLast = cl(c)
	m.params = m.Head.Params("head.", m.Features.Params("features.", nil))
	return m
}

// Forward returns N x 2 logits for N x 3 x 28 x 28 inputs in [0,1].
func (m *BPVGG) Forward(tp *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	return tp.SpatialMean(m.Head.Forward(tp, m.Features.Forward(tp, x)))
}

// Params lists the parameters in state-dict order.
func (m *BPVGG) Params() []Param { return m.params }

// InputShape is 3 x 28 x 28.
func (m *BPVGG) InputShape() (c, h, w int) { return 3, 28, 28 }

// Classes is 2.
func (m *BPVGG) Classes() int { return 2 }

// ConvWeights returns the conv weights (no biases) in network order: the
// tensors the paper takes per-sample gradients of.
func ConvWeights(m Model) []Param {
	var out []Param
	for _, p := range m.Params() {
		if len(p.T.Shape) == 4 {
			out = append(out, p)
		}
	}
	return out
}

// CountParams is the total number of parameter values.
func CountParams(m Model) int {
	n := 0
	for _, p := range m.Params() {
		n += p.T.Numel()
	}
	return n
}

func checkBatch(m Model, x []float32, n int, labels []int32) error {
	c, h, w := m.InputShape()
	if n < 1 {
		return fmt.Errorf("nn: batch of %d examples", n)
	}
	if len(x) != n*c*h*w {
		return fmt.Errorf("nn: input of %d floats for %d images of %dx%dx%d", len(x), n, c, h, w)
	}
	if labels != nil {
		if len(labels) != n {
			return fmt.Errorf("nn: %d labels for %d images", len(labels), n)
		}
		for i, l := range labels {
			if l < 0 || int(l) >= m.Classes() {
				return fmt.Errorf("nn: label %d of example %d outside [0,%d)", l, i, m.Classes())
			}
		}
	}
	return nil
}

// Predictor runs batched inference without recording gradients, reusing
// its buffers across calls.
type Predictor struct {
	M     Model
	Batch int
	tp    *autograd.Tape
}

// NewPredictor returns a predictor with the given batch size (< 1: 512).
func NewPredictor(m Model, batch int) *Predictor {
	if batch < 1 {
		batch = 512
	}
	tp := autograd.NewTape()
	tp.SetNoGrad(true)
	return &Predictor{M: m, Batch: batch, tp: tp}
}

// Logits writes n x Classes logits of the n NCHW images in x into out.
func (p *Predictor) Logits(x []float32, n int, out []float32) error {
	if err := checkBatch(p.M, x, n, nil); err != nil {
		return err
	}
	k := p.M.Classes()
	if len(out) != n*k {
		return fmt.Errorf("nn: logits buffer of %d for %d examples x %d classes", len(out), n, k)
	}
	c, h, w := p.M.InputShape()
	per := c * h * w
	for s := 0; s < n; s += p.Batch {
		e := min(n, s+p.Batch)
		p.tp.Reset()
		xt := p.tp.Input(x[s*per:e*per], e-s, c, h, w)
		copy(out[s*k:e*k], p.M.Forward(p.tp, xt).Data)
	}
	p.tp.Reset()
	return nil
}

// Predict returns the arg-max class of each of the n images.
func (p *Predictor) Predict(x []float32, n int) ([]int32, error) {
	k := p.M.Classes()
	logits := make([]float32, n*k)
	if err := p.Logits(x, n, logits); err != nil {
		return nil, err
	}
	out := make([]int32, n)
	for i := range out {
		row := logits[i*k : (i+1)*k]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		out[i] = int32(best)
	}
	return out, nil
}

// Optimizer updates parameters from their Grad buffers.
type Optimizer interface {
	Step()
	ZeroGrad()
}

// Trainer runs cross-entropy training steps of a model with an optimiser,
// reusing one tape so steps do not allocate per operation.
type Trainer struct {
	M   Model
	Opt Optimizer
	// ClipNorm > 0 clips the total gradient norm before each step.
	ClipNorm float64
	tp       *autograd.Tape
}

// NewTrainer returns a trainer.
func NewTrainer(m Model, opt Optimizer) *Trainer {
	return &Trainer{M: m, Opt: opt, tp: autograd.NewTape()}
}

// Loss records the forward pass and the batch-mean cross-entropy on tp.
func Loss(tp *autograd.Tape, m Model, x []float32, n int, labels []int32) (*autograd.Tensor, error) {
	if err := checkBatch(m, x, n, labels); err != nil {
		return nil, err
	}
	c, h, w := m.InputShape()
	return tp.CrossEntropy(m.Forward(tp, tp.Input(x, n, c, h, w)), labels), nil
}

// Step does one optimiser step on the batch (n NCHW images in x) and returns
// the batch-mean loss before the step.
func (t *Trainer) Step(x []float32, n int, labels []int32) (float32, error) {
	t.tp.Reset()
	t.Opt.ZeroGrad()
	loss, err := Loss(t.tp, t.M, x, n, labels)
	if err != nil {
		return 0, err
	}
	if err := t.tp.Backward(loss); err != nil {
		return 0, err
	}
	if t.ClipNorm > 0 {
		ClipGradNorm(t.M.Params(), t.ClipNorm)
	}
	t.Opt.Step()
	return loss.Item(), nil
}

// PerSampleGrads computes, for the n images in x with their labels, each
// example's gradient of its own cross-entropy loss with respect to the conv
// weights in params, from one batched forward and backward on tp. For each
// parameter i it calls fn(i, rows) with an n x len(params[i]) row-major
// matrix (valid only during the call; consume or copy it). No parameter's
// Grad buffer is changed.
func PerSampleGrads(tp *autograd.Tape, m Model, x []float32, n int, labels []int32, params []Param, fn func(param int, rows []float32)) error {
	chosen := make([]*autograd.Tensor, len(params))
	for i, p := range params {
		chosen[i] = p.T
	}
	// switch gradients off for everything else (saves work, keeps their Grad)
	var off []*autograd.Tensor
	for _, p := range m.Params() {
		isChosen := false
		for _, c := range chosen {
			isChosen = isChosen || c == p.T
		}
		if !isChosen && p.T.RequiresGrad() {
			p.T.SetRequiresGrad(false)
			off = append(off, p.T)
		}
	}
	defer func() {
		for _, t := range off {
			t.SetRequiresGrad(true)
		}
	}()
	if err := checkBatch(m, x, n, labels); err != nil {
		return err
	}
	tp.Reset()
	c, h, w := m.InputShape()
	// the sum of the per-example losses: each row is then already the
	// gradient of the example's own loss, with no rescaling pass
	loss := tp.Sum(tp.CrossEntropyPer(m.Forward(tp, tp.Input(x, n, c, h, w)), labels))
	return tp.BackwardPerSample(loss, chosen, 1, fn)
}

// Snapshot returns a copy of the parameter values (e.g. the best model so
// far during early stopping); Restore writes it back.
func Snapshot(params []Param) [][]float32 {
	out := make([][]float32, len(params))
	for i, p := range params {
		out[i] = append([]float32(nil), p.T.Data...)
	}
	return out
}

// Restore copies a Snapshot of the same parameters back into them.
func Restore(params []Param, snap [][]float32) error {
	if len(snap) != len(params) {
		return fmt.Errorf("nn: snapshot of %d tensors for %d parameters", len(snap), len(params))
	}
	for i, p := range params {
		if len(snap[i]) != p.T.Numel() {
			return fmt.Errorf("nn: snapshot tensor %d has %d values, %s needs %d", i, len(snap[i]), p.Name, p.T.Numel())
		}
	}
	for i, p := range params {
		copy(p.T.Data, snap[i])
	}
	return nil
}

// LoadBPVGG reads a BPVGG model file (safetensors with the PyTorch names).
func LoadBPVGG(path string) (*BPVGG, map[string]string, error) {
	m := NewBPVGG(0)
	meta, err := LoadModel(path, m.Params())
	if err != nil {
		return nil, nil, err
	}
	return m, meta, nil
}
