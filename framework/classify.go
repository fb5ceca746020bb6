package framework

import (
	"fmt"
	"io"
	"math"

	"remedy/autograd"
	"remedy/nn"
)

// Images is an analysis set of uint8 images, CHW planar, with true labels.
type Images struct {
	Pix        []uint8
	N, C, H, W int
	Labels     []int32
}

// Check validates sizes and labels against a model's expectations.
func (im *Images) Check(m nn.Model) error {
	c, h, w := m.InputShape()
	if im.C != c && im.C != 1 || im.H != h || im.W != w {
		return fmt.Errorf("the model takes %dx%dx%d images but the data has %dx%dx%d", c, h, w, im.C, im.H, im.W)
	}
	if len(im.Pix) != im.N*im.C*im.H*im.W || len(im.Labels) != im.N {
		return fmt.Errorf("image data of %d bytes and %d labels for %d images of %dx%dx%d", len(im.Pix), len(im.Labels), im.N, im.C, im.H, im.W)
	}
	for i, l := range im.Labels {
		if l < 0 || int(l) >= m.Classes() {
			return fmt.Errorf("label %d of image %d is outside the model's %d classes", l, i, m.Classes())
		}
	}
	return nil
}

// batch converts the chosen images to NCHW float32 in [0,1] with the
// model's channel count, and gathers their labels.
func (im *Images) batch(cases []int, c int, x []float32, labels []int32) ([]float32, []int32) {
	per := im.C * im.H * im.W
	x = x[:0]
	labels = labels[:0]
	for _, i := range cases {
		x = append(x, make([]float32, c*im.H*im.W)...)
		dst := x[len(x)-c*im.H*im.W:]
		if err := nn.ImagesToNCHW(dst, im.Pix[i*per:(i+1)*per], 1, im.C, c, im.H, im.W, false); err != nil {
			panic(err) // sizes were checked by Check
		}
		labels = append(labels, im.Labels[i])
	}
	return x, labels
}

// Classifier is the Learner for image classification: a model bound to the
// analysis images. Cases are image indices.
type Classifier struct {
	M        nn.Model
	New      func() nn.Model // a fresh model of the same architecture
	Data     *Images
	Batch    int // inference batch
	ClipNorm float64

	opt   *nn.Adam
	tr    *nn.Trainer
	pred  *nn.Predictor
	ewc   *ewc
	x     []float32
	y     []int32
	inner nn.Optimizer
}

// ewc adds the EWC penalty's gradient lambda*(F+1e-4)*(theta-theta*) to
// the parameters' gradients before the wrapped optimiser steps.
type ewc struct {
	inner          nn.Optimizer
	params         []nn.Param
	fisher, anchor [][]float32
	lambda         float32
}

func (e *ewc) ZeroGrad() { e.inner.ZeroGrad() }
func (e *ewc) Step() {
	for i, p := range e.params {
		g, w, f, a := p.T.Grad, p.T.Data, e.fisher[i], e.anchor[i]
		for j := range w {
			g[j] += e.lambda * (f[j] + 1e-4) * (w[j] - a[j])
		}
	}
	e.inner.Step()
}

// NewClassifier binds model m to the analysis images.
func NewClassifier(m nn.Model, newModel func() nn.Model, data *Images) (*Classifier, error) {
	if err := data.Check(m); err != nil {
		return nil, err
	}
	c := &Classifier{M: m, New: newModel, Data: data, Batch: 256}
	c.SetOptimizer(1e-4, 0)
	return c, nil
}

// Clone copies the parameters into a fresh model of the same architecture.
func (c *Classifier) Clone() Learner {
	m := c.New()
	src, dst := c.M.Params(), m.Params()
	for i := range src {
		copy(dst[i].T.Data, src[i].T.Data)
	}
	out := &Classifier{M: m, New: c.New, Data: c.Data, Batch: c.Batch, ClipNorm: c.ClipNorm}
	out.SetOptimizer(1e-4, 0)
	return out
}

// SetOptimizer resets Adam with the learning rate and coupled weight decay.
func (c *Classifier) SetOptimizer(lr, weightDecay float64) {
	c.opt = nn.NewAdam(c.M.Params(), lr, weightDecay)
	c.inner = c.opt
	c.ewc = nil
	c.tr = nn.NewTrainer(c.M, c.inner)
	c.tr.ClipNorm = c.ClipNorm
	c.pred = nil
}

// Predict returns the predicted class and its softmax probability per case.
func (c *Classifier) Predict(cases []int) ([]int32, []float32, error) {
	if c.pred == nil {
		c.pred = nn.NewPredictor(c.M, c.Batch)
	}
	ch, _, _ := c.M.InputShape()
	k := c.M.Classes()
	pred := make([]int32, len(cases))
	conf := make([]float32, len(cases))
	logits := make([]float32, c.Batch*k)
	for s := 0; s < len(cases); s += c.Batch {
		part := cases[s:min(s+c.Batch, len(cases))]
		c.x, c.y = c.Data.batch(part, ch, c.x, c.y)
		if err := c.pred.Logits(c.x, len(part), logits[:len(part)*k]); err != nil {
			return nil, nil, err
		}
		for i := range part {
			row := logits[i*k : (i+1)*k]
			best := 0
			for j, v := range row {
				if v > row[best] {
					best = j
				}
			}
			var z float64
			for _, v := range row {
				z += math.Exp(float64(v - row[best]))
			}
			pred[s+i], conf[s+i] = int32(best), float32(1/z)
		}
	}
	return pred, conf, nil
}

// Correct reports whether the model classifies each case right.
func (c *Classifier) Correct(cases []int) []bool {
	pred, _, err := c.Predict(cases)
	if err != nil {
		panic(err) // data was checked when the classifier was made
	}
	out := make([]bool, len(cases))
	for i, id := range cases {
		out[i] = pred[i] == c.Data.Labels[id]
	}
	return out
}

// Step takes one optimiser step on the mean cross-entropy of the cases.
func (c *Classifier) Step(cases []int) error {
	ch, _, _ := c.M.InputShape()
	c.x, c.y = c.Data.batch(cases, ch, c.x, c.y)
	loss, err := c.tr.Step(c.x, len(cases), c.y)
	if err != nil {
		return err
	}
	if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
		return fmt.Errorf("fine-tuning diverged: loss %v", loss)
	}
	return nil
}

// AnchorEWC computes the empirical Fisher (mean squared per-example
// gradient of the cross-entropy at the true label, every parameter) over the
// cases with one backward pass per example, and anchors at the current
// parameters.
func (c *Classifier) AnchorEWC(cases []int, lambda float64) error {
	if len(cases) == 0 {
		return fmt.Errorf("EWC: no correct cases to estimate the Fisher information from")
	}
	params := c.M.Params()
	e := &ewc{inner: c.opt, params: params, lambda: float32(lambda)}
	for _, p := range params {
		e.fisher = append(e.fisher, make([]float32, p.T.Numel()))
		e.anchor = append(e.anchor, append([]float32(nil), p.T.Data...))
	}
	tp := autograd.NewTape()
	ch, _, _ := c.M.InputShape()
	inv := 1 / float32(len(cases))
	for _, id := range cases {
		c.x, c.y = c.Data.batch([]int{id}, ch, c.x, c.y)
		tp.Reset()
		for _, p := range params {
			p.T.ZeroGrad()
		}
		loss, err := nn.Loss(tp, c.M, c.x, 1, c.y)
		if err != nil {
			return err
		}
		if err := tp.Backward(loss); err != nil {
			return err
		}
		for i, p := range params {
			f := e.fisher[i]
			for j, g := range p.T.Grad {
				f[j] += g * g * inv
			}
		}
	}
	for _, p := range params {
		p.T.ZeroGrad()
	}
	c.ewc = e
	c.inner = e
	c.tr = nn.NewTrainer(c.M, e)
	c.tr.ClipNorm = c.ClipNorm
	return nil
}

// EmbedOptions set how failures are embedded before UMAP.
type EmbedOptions struct {
	Out   int `json:"out"`   // dimensions per projected part (the paper: 100)
	Chunk int `json:"chunk"` // gradient layers are cut into parts of this many weights (the paper's code: 100,000)
	Batch int `json:"batch"` // examples per batched pass
}

// DefaultEmbedOptions are the paper's code's settings.
func DefaultEmbedOptions() EmbedOptions { return EmbedOptions{Out: 100, Chunk: 100_000, Batch: 64} }

// GradientEmbedding returns the per-example gradients of the cross-entropy
// at the true label with respect to every conv weight, each layer cut into
// parts projected on their own by seeded Gaussian matrices, as an n x d
// matrix. Gradients come from batched passes and are projected as they
// arrive, so memory stays at one batch of gradients.
func (c *Classifier) GradientEmbedding(cases []int, o EmbedOptions, seed uint64, progress io.Writer) ([]float32, int, error) {
	weights := nn.ConvWeights(c.M)
	sink, err := newGradientSink(weights, len(cases), o, seed)
	if err != nil {
		return nil, 0, err
	}
	tp := autograd.NewTape()
	ch, _, _ := c.M.InputShape()
	for s := 0; s < len(cases); s += o.Batch {
		part := cases[s:min(s+o.Batch, len(cases))]
		n := len(part)
		c.x, c.y = c.Data.batch(part, ch, c.x, c.y)
		err := nn.PerSampleGrads(tp, c.M, c.x, n, c.y, weights, func(i int, rows []float32) { sink.put(i, rows, n, s) })
		if err == nil {
			err = sink.err
		}
		if err != nil {
			return nil, 0, fmt.Errorf("gradient embedding: %w", err)
		}
		if progress != nil {
			fmt.Fprintf(progress, "\rgradient embedding: %d/%d", s+n, len(cases))
		}
	}
	if progress != nil {
		fmt.Fprintln(progress)
	}
	return sink.emb, sink.D, nil
}
