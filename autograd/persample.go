package autograd

import (
	"fmt"

	"remedy/kernels"
)

type perSample struct {
	params []*Tensor
	scale  float32
	fn     func(param int, rows []float32)
	buf    []float32
}

// perSampleConv handles a conv weight in per-sample mode; it reports false
// when w is not one of the chosen parameters.
func (tp *Tape) perSampleConv(s kernels.ConvShape, lay kernels.ConvLayout, w *Tensor, x, dy []float32) bool {
	ps := tp.ps
	if ps == nil {
		return false
	}
	for i, p := range ps.params {
		if p != w {
			continue
		}
		wl := s.WeightLen()
		rows := ps.buf[:s.N*wl]
		kernels.ConvPerSampleWeightLayout(s, lay, x, dy, rows)
		if ps.scale != 1 {
			kernels.Scale(rows, ps.scale, rows)
		}
		ps.fn(i, rows)
		return true
	}
	return false
}

// BackwardPerSample runs Backward from loss and, for each conv weight in
// params, calls fn(i, rows) with an N x len(params[i]) row-major matrix whose
// row n is the gradient of example n's OWN loss with respect to params[i].
// The loss must be a weighted sum of independent per-example losses, each
// with weight lossWeight (1/N for a batch mean, 1 for a sum); rows are
// divided by it so they are the gradients of the unweighted per-example
// losses. rows is reused after fn returns: copy or consume it there (e.g.
// project it), so memory stays at one N x max(len) buffer. fn is called in
// reverse layer order. The Grad buffers of params are not touched; other
// parameters get their usual batch gradients. Every parameter in params must
// be used as the weight of exactly one Conv2d in the recorded graph; an
// error is returned otherwise.
func (tp *Tape) BackwardPerSample(loss *Tensor, params []*Tensor, lossWeight float32, fn func(param int, rows []float32)) error {
	if !(lossWeight > 0) {
		return fmt.Errorf("autograd: BackwardPerSample needs lossWeight > 0, got %v", lossWeight)
	}
	uses := make([]int, len(params))
	maxLen := 0
	for _, nd := range tp.nodes {
		if nd.kind != opConv {
			continue
		}
		for i, p := range params {
			if nd.b == p {
				uses[i]++
				if l := nd.conv.N * nd.conv.WeightLen(); l > maxLen {
					maxLen = l
				}
			}
		}
	}
	for i, u := range uses {
		if u != 1 {
			return fmt.Errorf("autograd: per-sample parameter %d (shape %v) is the weight of %d recorded convolutions, need exactly 1", i, params[i].Shape, u)
		}
		if !params[i].requiresGrad {
			return fmt.Errorf("autograd: per-sample parameter %d (shape %v) does not require a gradient", i, params[i].Shape)
		}
	}
	tp.ps = &perSample{params: params, scale: 1 / lossWeight, fn: fn, buf: tp.f32.get(maxLen)}
	defer func() { tp.ps = nil }()
	return tp.Backward(loss)
}
