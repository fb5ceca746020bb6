// Package nn holds layers, the paper's models, optimisers and model files on
// top of package autograd. Parameters carry PyTorch's names so model files
// match the authors' state dicts.
package nn

import (
	"math"
	"math/rand/v2"
	"strconv"

	"remedy/autograd"
)

// Param is a named parameter tensor (name as in a PyTorch state dict).
type Param struct {
	Name string
	T    *autograd.Tensor
}

// Layer is one step of a network. Params appends the layer's parameters,
// their names prefixed by prefix (e.g. "features.0."), to dst.
type Layer interface {
	Forward(tp *autograd.Tape, x *autograd.Tensor) *autograd.Tensor
	Params(prefix string, dst []Param) []Param
}

// NewRNG returns the generator used for initialisation: PCG seeded from seed.
func NewRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func uniform(rng *rand.Rand, dst []float32, bound float64) {
	for i := range dst {
		dst[i] = float32((rng.Float64()*2 - 1) * bound)
	}
}

// Conv2d is a square-kernel convolution with equal stride and padding in both
// directions. Bias may be nil. With ChannelsLast its output is channels-last
// (autograd.Tape.Conv2dChannelsLast); the shape and parameters are the same.
type Conv2d struct {
	Weight, Bias *autograd.Tensor // K,C,R,R and K
	Stride, Pad  int
	ChannelsLast bool
}

// NewConv2d returns a conv layer with PyTorch's default initialisation:
// kaiming_uniform_(a=sqrt(5)) for the weight, which is U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)), and the same bound for the bias; fan_in = in*k*k. The
// weight is drawn before the bias, as in torch.nn.Conv2d.reset_parameters.
func NewConv2d(rng *rand.Rand, in, out, k, stride, pad int, bias bool) *Conv2d {
	bound := 1 / math.Sqrt(float64(in*k*k))
	w := make([]float32, out*in*k*k)
	uniform(rng, w, bound)
	c := &Conv2d{Weight: autograd.NewParam(w, out, in, k, k), Stride: stride, Pad: pad}
	if bias {
		b := make([]float32, out)
		uniform(rng, b, bound)
		c.Bias = autograd.NewParam(b, out)
	}
	return c
}

// Forward applies the convolution.
func (c *Conv2d) Forward(tp *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	if c.ChannelsLast {
		return tp.Conv2dChannelsLast(x, c.Weight, c.Bias, c.Stride, c.Pad)
	}
	return tp.Conv2d(x, c.Weight, c.Bias, c.Stride, c.Pad)
}

// Params lists weight then bias.
func (c *Conv2d) Params(prefix string, dst []Param) []Param {
	dst = append(dst, Param{prefix + "weight", c.Weight})
	if c.Bias != nil {
		dst = append(dst, Param{prefix + "bias", c.Bias})
	}
	return dst
}

// ReLU is max(x, 0).
type ReLU struct{}

// Forward applies ReLU.
func (ReLU) Forward(tp *autograd.Tape, x *autograd.Tensor) *autograd.Tensor { return tp.ReLU(x) }

// Params: none.
func (ReLU) Params(_ string, dst []Param) []Param { return dst }

// MaxPool2d is a 2x2 max-pool with stride 2 (floor on odd sizes).
type MaxPool2d struct{}

// Forward applies the pool.
func (MaxPool2d) Forward(tp *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	return tp.MaxPool2x2(x)
}

// Params: none.
func (MaxPool2d) Params(_ string, dst []Param) []Param { return dst }

// Sequential applies its layers in order; layer i's parameters are named
// prefix + "i." + ..., as torch.nn.Sequential does.
type Sequential []Layer

// Forward applies every layer in turn.
func (s Sequential) Forward(tp *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	for _, l := range s {
		x = l.Forward(tp, x)
	}
	return x
}

// Params lists the layers' parameters in order.
func (s Sequential) Params(prefix string, dst []Param) []Param {
	for i, l := range s {
		dst = l.Params(prefix+strconv.Itoa(i)+".", dst)
	}
	return dst
}

// Residual computes Act(Body(x) + Skip(x)); a nil Skip is the identity and a
// nil Act means no activation. Parameters are named prefix+BodyName+"." and
// prefix+SkipName+"." (e.g. a block whose body holds c1, ReLU, c2 can be
// built from a Named list).
type Residual struct {
	Body, Skip Layer
	Act        Layer
	BodyName   string
	SkipName   string
}

// Forward applies the block.
func (r *Residual) Forward(tp *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	y := r.Body.Forward(tp, x)
	s := x
	if r.Skip != nil {
		s = r.Skip.Forward(tp, x)
	}
	y = tp.Add(y, s)
	if r.Act != nil {
		y = r.Act.Forward(tp, y)
	}
	return y
}

// Params lists body then skip parameters.
func (r *Residual) Params(prefix string, dst []Param) []Param {
	dst = r.Body.Params(joinName(prefix, r.BodyName), dst)
	if r.Skip != nil {
		dst = r.Skip.Params(joinName(prefix, r.SkipName), dst)
	}
	return dst
}

func joinName(prefix, name string) string {
	if name == "" {
		return prefix
	}
	return prefix + name + "."
}

// NamedLayer gives a layer a fixed attribute name (like a module attribute in
// PyTorch, e.g. "c1") inside a Chain.
type NamedLayer struct {
	Name string
	L    Layer
}

// Chain applies layers in order like Sequential but names each by its own
// attribute name; unnamed entries (Name "") are parameter-free steps such as
// ReLU.
type Chain []NamedLayer

// Forward applies every layer in turn.
func (c Chain) Forward(tp *autograd.Tape, x *autograd.Tensor) *autograd.Tensor {
	for _, l := range c {
		x = l.L.Forward(tp, x)
	}
	return x
}

// Params lists the layers' parameters under their names.
func (c Chain) Params(prefix string, dst []Param) []Param {
	for _, l := range c {
		dst = l.L.Params(joinName(prefix, l.Name), dst)
	}
	return dst
}
