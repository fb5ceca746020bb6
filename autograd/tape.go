package autograd

import (
	"fmt"

	"remedy/kernels"
)

// Tape records operations for reverse-mode differentiation and owns the
// memory of every tensor they produce. Buffers are handed out in call order
// from an arena that Reset rewinds, so a training step that repeats the same
// sequence of operations reuses the same buffers and allocates nothing once
// warm.
type Tape struct {
	noGrad bool
	nodes  []node

	f32     arena[float32]
	i32     arena[int32]
	tensors []*Tensor
	nextT   int

	ps         *perSample
	backwarded bool             // Backward ran since the last Reset
	par        kernels.Parallel // element-wise splits (parallel.go)
	pj         pjob
}

// NewTape returns an empty tape that records operations.
func NewTape() *Tape { return &Tape{} }

// SetNoGrad turns recording off (inference) or back on. Operations run under
// no-grad produce tensors that do not require gradients.
func (tp *Tape) SetNoGrad(on bool) { tp.noGrad = on }

// NoGrad reports whether recording is off.
func (tp *Tape) NoGrad() bool { return tp.noGrad }

// Reset forgets all recorded operations and makes every tensor produced by
// this tape invalid; their buffers are reused by the next operations.
func (tp *Tape) Reset() {
	clear(tp.nodes) // drop pointers so the GC is not misled about liveness
	tp.nodes = tp.nodes[:0]
	tp.f32.reset()
	tp.i32.reset()
	tp.nextT = 0
	tp.backwarded = false
}

type arena[T any] struct {
	bufs [][]T
	next int
}

// get returns a buffer of length n with unspecified contents.
func (a *arena[T]) get(n int) []T {
	if a.next < len(a.bufs) && cap(a.bufs[a.next]) >= n {
		b := a.bufs[a.next][:n]
		a.next++
		return b
	}
	b := make([]T, n)
	if a.next < len(a.bufs) {
		a.bufs[a.next] = b
	} else {
		a.bufs = append(a.bufs, b)
	}
	a.next++
	return b
}

func (a *arena[T]) reset() { a.next = 0 }

// tensorStruct returns the next reusable Tensor struct of the tape.
func (tp *Tape) tensorStruct() *Tensor {
	var t *Tensor
	if tp.nextT < len(tp.tensors) {
		t = tp.tensors[tp.nextT]
	} else {
		t = new(Tensor)
		tp.tensors = append(tp.tensors, t)
	}
	tp.nextT++
	return t
}

// Input wraps data (not copied) as a tensor that does not require a
// gradient, like NewTensor, but owned by the tape and valid until Reset, so
// a training loop allocates nothing for its batches. It panics when
// len(data) does not match the shape.
func (tp *Tape) Input(data []float32, shape ...int) *Tensor {
	if numel(shape) != len(data) {
		// a copy, so the variadic slice itself does not escape
		panic(fmt.Sprintf("autograd: data of length %d does not fit shape %v", len(data), append([]int(nil), shape...)))
	}
	t := tp.tensorStruct()
	t.setShape(shape)
	t.Data = data
	t.Grad = nil
	t.leaf = true
	t.nhwc = false
	t.node, t.uses = 0, 0
	t.requiresGrad = false
	return t
}

// newTensor returns an arena tensor of the given shape with unspecified data.
func (tp *Tape) newTensor(shape []int, requiresGrad bool) *Tensor {
	t := tp.tensorStruct()
	t.setShape(shape)
	t.Data = tp.f32.get(numel(shape))
	t.Grad = nil
	t.leaf = false
	t.nhwc = false
	t.node, t.uses = 0, 0
	t.requiresGrad = requiresGrad && !tp.noGrad
	return t
}

// Scratch returns a float32 buffer of length n from the tape's arena, valid
// until Reset. Contents are unspecified.
func (tp *Tape) Scratch(n int) []float32 { return tp.f32.get(n) }

type opKind uint8

const (
	opConv opKind = iota
	opMaxPool
	opRelu
	opAdd
	opSpatialMean
	opReshape
	opCrossEntropy
	opBCE
	opMSE
	opL1
	opSmoothL1
	opSum
	opMean
	opScale
	opAddScalar
	opSliceChannels
	opDot
	opLayout
)

// node is one recorded operation. A tagged struct instead of a closure keeps
// recording allocation-free.
type node struct {
	kind    opKind
	a, b, c *Tensor // inputs (conv: x, w, bias)
	out     *Tensor
	conv    kernels.ConvShape
	lay     kernels.ConvLayout // conv: activation layouts
	arg     []int32
	labels  []int32
	target  []float32
	mask    []float32
	aux     []float32
	f       float32
	beta    float32
	i0, i1  int
}

func (tp *Tape) record(n node) {
	for _, in := range [3]*Tensor{n.a, n.b, n.c} {
		if in != nil && !in.leaf {
			in.uses++
		}
	}
	n.out.node = int32(len(tp.nodes) + 1)
	tp.nodes = append(tp.nodes, n)
}

// gradTarget returns where an op writes its gradient contribution to t. On
// the first contribution to an intermediate tensor it is t.Grad itself
// (acc == false, overwrite); otherwise a scratch buffer that the caller adds
// into t.Grad with flush.
func (tp *Tape) gradTarget(t *Tensor) (dst []float32, acc bool) {
	if t.Grad == nil {
		t.Grad = tp.f32.get(len(t.Data))
		return t.Grad, false
	}
	return tp.f32.get(len(t.Data)), true
}

func (tp *Tape) flush(t *Tensor, dst []float32, acc bool) {
	if acc {
		tp.axpy(1, dst, t.Grad)
	}
}

// gradAccum returns t.Grad ready for accumulation (zeroed when fresh).
func (tp *Tape) gradAccum(t *Tensor) []float32 {
	if t.Grad == nil {
		t.Grad = tp.f32.get(len(t.Data))
		clear(t.Grad)
	}
	return t.Grad
}

// Backward computes the gradient of the one-element tensor loss with respect
// to every tensor that requires a gradient. Leaf gradients are accumulated
// into their Grad buffers (zero them between steps); intermediate gradients
// live in the arena, and a ReLU output read only by a MaxPool2x2 gets none
// (the two backward passes are fused, see backwardPoolRelu). It returns an error if loss is not a scalar produced by
// this tape with gradient tracking.
func (tp *Tape) Backward(loss *Tensor) error {
	if len(loss.Data) != 1 {
		return fmt.Errorf("autograd: Backward needs a one-element loss, got shape %v", loss.Shape)
	}
	if !loss.requiresGrad || loss.leaf {
		return fmt.Errorf("autograd: Backward on a loss that does not depend on any tensor requiring a gradient")
	}
	if tp.backwarded {
		// intermediate gradients of the first pass would be accumulated into
		return fmt.Errorf("autograd: Backward called twice without Reset")
	}
	tp.backwarded = true
	g := tp.gradAccum(loss)
	g[0] += 1
	for i := len(tp.nodes) - 1; i >= 0; i-- {
		n := &tp.nodes[i]
		if n.out.Grad == nil {
			continue // no gradient reached this op
		}
		tp.backwardNode(n)
	}
	return nil
}
