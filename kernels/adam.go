package kernels

import (
	"math"
	"sync"
)

// AdamCoef holds one step's scalars of torch.optim.Adam (amsgrad and
// maximize off) in float32, as PyTorch applies them to float32 tensors.
type AdamCoef struct {
	Beta1, Beta2                 float32
	OneMinusBeta1, OneMinusBeta2 float32
	WeightDecay                  float32 // coupled L2: g += WeightDecay*w
	Eps                          float32
	InvSqrtBC2                   float32 // 1/sqrt(1 - Beta2^t)
	StepSize                     float32 // lr / (1 - Beta1^t)
}

// NewAdamCoef returns the coefficients of step t (t >= 1), computed in
// float64 and rounded once, as PyTorch computes its Python-float scalars.
func NewAdamCoef(lr, beta1, beta2, eps, weightDecay float64, t int) AdamCoef {
	bc1 := 1 - math.Pow(beta1, float64(t))
	bc2 := 1 - math.Pow(beta2, float64(t))
	return AdamCoef{
		Beta1: float32(beta1), Beta2: float32(beta2),
		OneMinusBeta1: float32(1 - beta1), OneMinusBeta2: float32(1 - beta2),
		WeightDecay: float32(weightDecay), Eps: float32(eps),
		InvSqrtBC2: float32(1 / math.Sqrt(bc2)), StepSize: float32(lr / bc1),
	}
}

// AdamUpdate applies one Adam step to the parameters w in place, with their
// gradients g and moment buffers m and v (all of len(w)), in one pass:
//
//	g' = g + wd*w;  m = b1*m + (1-b1)*g';  v = b2*v + ((1-b2)*g')*g'
//	w -= (stepSize*m) / (sqrt(v)*invSqrtBC2 + eps)
//
// Every operation is rounded to float32 in that order (no fused
// multiply-adds), so the SIMD paths and the pure-Go twin agree bit for bit.
// Multiplying by 1/sqrt(bc2) where torch divides by sqrt(bc2) saves a
// division per element and differs by an ulp or so. g is not changed.
func AdamUpdate(w, g, m, v []float32, c *AdamCoef) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	i := 0
	if n > 0 {
		i = adamSIMD(w, g, m, v, c)
	}
	adamGo(w[i:], g[i:], m[i:], v[i:], c)
}

// adamGo is the pure-Go twin. The explicit float32 conversions forbid the
// compiler from fusing a multiply and an add (it does on arm64 and
// GOAMD64=v3), which would change the rounding.
func adamGo(w, g, m, v []float32, c *AdamCoef) {
	n := len(w)
	g, m, v = g[:n], m[:n], v[:n]
	b1, b2, c1, c2 := c.Beta1, c.Beta2, c.OneMinusBeta1, c.OneMinusBeta2
	wd, eps, ibc, step := c.WeightDecay, c.Eps, c.InvSqrtBC2, c.StepSize
	for j := range w {
		gj := g[j]
		if wd != 0 {
			gj += float32(wd * w[j])
		}
		mj := float32(b1*m[j]) + float32(c1*gj)
		vj := float32(b2*v[j]) + float32(float32(c2*gj)*gj)
		m[j], v[j] = mj, vj
		// float64 sqrt rounded to float32 is the correctly rounded float32
		// sqrt (53 >= 2*24+2 bits), as VSQRTPS computes.
		denom := float32(float32(math.Sqrt(float64(vj)))*ibc) + eps
		w[j] -= float32(step*mj) / denom
	}
}

// AdamUpdateAll applies AdamUpdate to every tensor i (w[i], g[i], m[i],
// v[i]), splitting the concatenation of all of them into Threads()
// contiguous ranges run in parallel when it is large. The update is
// element-wise, so the result does not depend on the thread count.
func AdamUpdateAll(w, g, m, v [][]float32, c *AdamCoef) {
	forConcat(concatOp{kind: concatAdam, bufs: w, g: g, m: m, v: v, c: c})
}

// ZeroAll zeroes every buffer, split over the kernel threads like
// AdamUpdateAll (gradients of a whole model between steps).
func ZeroAll(bufs [][]float32) {
	forConcat(concatOp{kind: concatZero, bufs: bufs})
}

// concatThreads is how many ranges forConcat splits bufs into.
func concatThreads(bufs [][]float32) int {
	total := 0
	for _, x := range bufs {
		total += len(x)
	}
	t := Threads()
	if t <= 1 || total < concatParMin {
		return 1
	}
	return min(t, (total+concatParMin/2-1)/(concatParMin/2))
}

// forConcat applies op to pieces [a, b) of its buffers that together cover
// their concatenation once: in order on the calling goroutine when it
// is small or Threads() is 1, else as up to Threads() contiguous ranges (a
// multiple of 16 elements long, so vector kernels see whole vectors) run
// concurrently.
func forConcat(op concatOp) {
	bufs := op.bufs
	total := 0
	for _, x := range bufs {
		total += len(x)
	}
	t := concatThreads(bufs)
	if t == 1 {
		for i, x := range bufs {
			op.apply(i, 0, len(x))
		}
		return
	}
	per := (total + t - 1) / t
	per = (per + 15) &^ 15
	j := concatJobs.Get().(*concatJob)
	j.op, j.per, j.total = op, per, total
	pieces := (total + per - 1) / per
	j.par.run(pieces, pieces, min(t, pieces), j)
	j.op = concatOp{}
	concatJobs.Put(j)
}

// concatOp is the element-wise operation forConcat applies to ranges of
// the buffers: a value rather than a closure, which would be allocated on
// every call (the pool keeps the job).
type concatOp struct {
	kind    int
	bufs    [][]float32 // the buffers split (w for Adam)
	g, m, v [][]float32 // Adam's other tensors
	c       *AdamCoef
	scale   float32
}

const (
	concatZero = iota
	concatAdam
	concatScale
)

// apply runs the operation on elements [a, b) of tensor i.
func (op *concatOp) apply(i, a, b int) {
	x := op.bufs[i][a:b]
	switch op.kind {
	case concatZero:
		clear(x)
	case concatAdam:
		AdamUpdate(x, op.g[i][a:b], op.m[i][a:b], op.v[i][a:b], op.c)
	case concatScale:
		Scale(x, op.scale, x)
	}
}

// concatJob is one forConcat call on the worker pool (conv_par.go): piece s
// covers elements [s*per, (s+1)*per) of the concatenation.
type concatJob struct {
	par        parJob
	op         concatOp
	per, total int
}

var concatJobs = sync.Pool{New: func() any { return new(concatJob) }}

func (j *concatJob) runRange(lo, hi int) {
	for s := lo; s < hi; s++ {
		a, b := s*j.per, min(j.total, (s+1)*j.per)
		base := 0
		for i, x := range j.op.bufs {
			n := len(x)
			if a, b := max(a-base, 0), min(b-base, n); a < b {
				j.op.apply(i, a, b)
			}
			base += n
		}
	}
}

// concatParMin is the element count below which forConcat stays on one
// goroutine (starting one costs about a microsecond; 64k elements of Adam
// take tens).
const concatParMin = 1 << 16
