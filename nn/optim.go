package nn

import (
	"fmt"
	"math"

	"remedy/autograd"
	"remedy/kernels"
)

// Adam is torch.optim.Adam (amsgrad off, maximize off): with g = grad +
// WeightDecay*param (coupled L2), m = b1*m + (1-b1)*g, v = b2*v + (1-b2)*g^2,
// param -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). Extra gradient
// terms (an EWC penalty, say) are added to the parameters' Grad buffers
// before Step.
type Adam struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	params                             []*autograd.Tensor
	m, v                               [][]float32
	ws, gs                             [][]float32 // per-step views of the params' Data and Grad
	coef                               kernels.AdamCoef
	t                                  int
}

// NewAdam returns Adam over params with PyTorch's defaults (betas 0.9,
// 0.999, eps 1e-8) and the given learning rate and weight decay.
func NewAdam(params []Param, lr, weightDecay float64) *Adam {
	a := &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay}
	for _, p := range params {
		a.params = append(a.params, p.T)
		a.m = append(a.m, make([]float32, p.T.Numel()))
		a.v = append(a.v, make([]float32, p.T.Numel()))
	}
	return a
}

// Steps is the number of steps taken.
func (a *Adam) Steps() int { return a.t }

// State returns the step count and the first and second moments, one
// slice per parameter (the optimiser's own buffers: copy before changing).
// With SetState it lets a fine-tuning run be checkpointed and resumed.
func (a *Adam) State() (steps int, m, v [][]float32) { return a.t, a.m, a.v }

// SetState restores what State returned; the moments are copied. Nothing is
// changed when the sizes do not match the parameters.
func (a *Adam) SetState(steps int, m, v [][]float32) error {
	if steps < 0 {
		return fmt.Errorf("nn: Adam state with %d steps", steps)
	}
	if len(m) != len(a.m) || len(v) != len(a.v) {
		return fmt.Errorf("nn: Adam state of %d+%d tensors for %d parameters", len(m), len(v), len(a.m))
	}
	for i := range a.m {
		if len(m[i]) != len(a.m[i]) || len(v[i]) != len(a.v[i]) {
			return fmt.Errorf("nn: Adam state tensor %d has %d+%d values, the parameter has %d", i, len(m[i]), len(v[i]), len(a.m[i]))
		}
	}
	for i := range a.m {
		copy(a.m[i], m[i])
		copy(a.v[i], v[i])
	}
	a.t = steps
	return nil
}

// ZeroGrad zeroes the gradients of all parameters (split over the kernel
// threads).
func (a *Adam) ZeroGrad() {
	a.views()
	kernels.ZeroAll(a.gs)
}

// Step applies one update with kernels.AdamUpdateAll: one fused, vectorised
// pass per element, split over the kernel threads. Scalars are computed in
// float64 and used in float32 as PyTorch does on float32 tensors.
func (a *Adam) Step() {
	a.t++
	a.coef = kernels.NewAdamCoef(a.LR, a.Beta1, a.Beta2, a.Eps, a.WeightDecay, a.t)
	a.views()
	kernels.AdamUpdateAll(a.ws, a.gs, a.m, a.v, &a.coef) // a field: a local would escape
}

// views fills ws and gs with the parameters' current Data and Grad slices
// (re-read every time: a loader may have swapped the buffers).
func (a *Adam) views() {
	if a.ws == nil {
		a.ws = make([][]float32, len(a.params))
		a.gs = make([][]float32, len(a.params))
	}
	for i, p := range a.params {
		a.ws[i], a.gs[i] = p.Data, p.Grad
	}
}

// SGD is torch.optim.SGD (dampening 0, no Nesterov): g = grad +
// WeightDecay*param; with momentum, buf = Momentum*buf + g (buf = g on the
// first step) and g = buf; param -= lr*g.
type SGD struct {
	LR, Momentum, WeightDecay float64
	params                    []*autograd.Tensor
	buf                       [][]float32
	started                   bool
}

// NewSGD returns SGD over params.
func NewSGD(params []Param, lr, momentum, weightDecay float64) *SGD {
	s := &SGD{LR: lr, Momentum: momentum, WeightDecay: weightDecay}
	for _, p := range params {
		s.params = append(s.params, p.T)
		if momentum != 0 {
			s.buf = append(s.buf, make([]float32, p.T.Numel()))
		}
	}
	return s
}

// ZeroGrad zeroes the gradients of all parameters.
func (s *SGD) ZeroGrad() {
	for _, p := range s.params {
		p.ZeroGrad()
	}
}

// Step applies one update.
func (s *SGD) Step() {
	lr, mom, wd := float32(s.LR), float32(s.Momentum), float32(s.WeightDecay)
	for i, p := range s.params {
		for j, gj := range p.Grad {
			gj += wd * p.Data[j]
			if mom != 0 {
				if s.started {
					gj = mom*s.buf[i][j] + gj
				}
				s.buf[i][j] = gj
			}
			p.Data[j] -= lr * gj
		}
	}
	s.started = true
}

// ClipGradNorm scales all gradients by maxNorm/(norm+1e-6) when their total
// L2 norm exceeds maxNorm (torch.nn.utils.clip_grad_norm_) and returns the
// norm before clipping. The sum of squares is accumulated in float64 in
// fixed blocks (kernels.SumSquaresAll), the same for any thread count.
func ClipGradNorm(params []Param, maxNorm float64) float64 {
	gs := make([][]float32, len(params))
	for i, p := range params {
		gs[i] = p.T.Grad
	}
	norm := math.Sqrt(kernels.SumSquaresAll(gs))
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		kernels.ScaleAll(gs, float32(coef))
	}
	return norm
}
