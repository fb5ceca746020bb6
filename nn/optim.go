package nn

import (
	"math"
	"sync"

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

// ZeroGrad zeroes the gradients of all parameters.
func (a *Adam) ZeroGrad() {
	for _, p := range a.params {
		p.ZeroGrad()
	}
}

// Step applies one update. Scalars are computed in float64 and used in
// float32 as PyTorch does on float32 tensors.
func (a *Adam) Step() {
	a.t++
	bc1 := 1 - math.Pow(a.Beta1, float64(a.t))
	bc2 := 1 - math.Pow(a.Beta2, float64(a.t))
	stepSize := float32(a.LR / bc1)
	ibc2s := float32(1 / math.Sqrt(bc2))
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	c1, c2 := float32(1-a.Beta1), float32(1-a.Beta2)
	eps, wd := float32(a.Eps), float32(a.WeightDecay)
	update := func(i, lo, hi int) {
		p := a.params[i]
		adamUpdate(p.Data[lo:hi], p.Grad[lo:hi], a.m[i][lo:hi], a.v[i][lo:hi], b1, b2, c1, c2, wd, eps, ibc2s, stepSize)
	}
	forEachShard(a.params, update)
}

// forEachShard splits the concatenation of the parameters into
// kernels.Threads() contiguous shards and runs fn on each piece in its own
// goroutine. The update is element-wise, so the result does not depend on
// the split.
func forEachShard(params []*autograd.Tensor, fn func(i, lo, hi int)) {
	total := 0
	for _, p := range params {
		total += p.Numel()
	}
	t := kernels.Threads()
	if t <= 1 || total < 1<<16 {
		for i, p := range params {
			fn(i, 0, p.Numel())
		}
		return
	}
	var wg sync.WaitGroup
	per := (total + t - 1) / t
	for s := 0; s < t; s++ {
		lo, hi := s*per, min(total, (s+1)*per)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := 0
			for i, p := range params {
				n := p.Numel()
				a, b := max(lo-base, 0), min(hi-base, n)
				if a < b {
					fn(i, a, b)
				}
				base += n
			}
		}()
	}
	wg.Wait()
}

// adamUpdate multiplies by 1/sqrt(bc2) where torch divides by sqrt(bc2):
// one division per element instead of two (differs by at most an ulp or so).
func adamUpdate(w, g, m, v []float32, b1, b2, c1, c2, wd, eps, ibc2s, stepSize float32) {
	g = g[:len(w)]
	m = m[:len(w)]
	v = v[:len(w)]
	for j := range w {
		gj := g[j]
		if wd != 0 {
			gj += wd * w[j]
		}
		mj := b1*m[j] + c1*gj
		vj := b2*v[j] + c2*gj*gj
		m[j], v[j] = mj, vj
		denom := float32(math.Sqrt(float64(vj)))*ibc2s + eps
		w[j] -= stepSize * mj / denom
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
// norm before clipping.
func ClipGradNorm(params []Param, maxNorm float64) float64 {
	var ss float64
	for _, p := range params {
		for _, g := range p.T.Grad {
			ss += float64(g) * float64(g)
		}
	}
	norm := math.Sqrt(ss)
	if coef := maxNorm / (norm + 1e-6); coef < 1 {
		c := float32(coef)
		for _, p := range params {
			for j := range p.T.Grad {
				p.T.Grad[j] *= c
			}
		}
	}
	return norm
}
