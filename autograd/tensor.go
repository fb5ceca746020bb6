// Package autograd holds float32 tensors and a minimal reverse-mode tape:
// operations run eagerly and record a node; Backward replays the nodes in
// reverse. It knows nothing about layers or models (see package nn).
package autograd

import "fmt"

// Tensor is a dense row-major float32 array. Leaf tensors (parameters,
// inputs) are created by the caller and live as long as the caller keeps
// them; tensors returned by Tape operations live in the tape's arena and are
// valid until the tape's next Reset.
type Tensor struct {
	Shape []int
	Data  []float32
	// Grad is the gradient of the last Backward's loss with respect to the
	// tensor. For parameters it accumulates across Backward calls until
	// ZeroGrad; for intermediate tensors it is owned by the tape.
	Grad []float32

	requiresGrad bool
	leaf         bool
	// nhwc: a 4-D tensor whose Shape is still N,C,H,W but whose data is
	// channels-last (N x H x W x C), as produced by Conv2dChannelsLast
	nhwc     bool
	shapeBuf [4]int
	// For tape outputs: 1 + the index of the recording node (0: none) and
	// how many recorded ops read the tensor (lets Backward fuse a ReLU into
	// the max-pool that is its only consumer).
	node, uses int32
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func (t *Tensor) setShape(shape []int) {
	t.Shape = append(t.shapeBuf[:0], shape...)
}

// NewTensor wraps data as a leaf tensor that does not require a gradient.
// It panics when len(data) does not match the shape (a programming error).
func NewTensor(data []float32, shape ...int) *Tensor {
	if numel(shape) != len(data) {
		panic(fmt.Sprintf("autograd: data of length %d does not fit shape %v", len(data), shape))
	}
	t := &Tensor{Data: data, leaf: true}
	t.setShape(shape)
	return t
}

// NewParam wraps data as a leaf tensor that requires a gradient; its Grad
// buffer is allocated and zero.
func NewParam(data []float32, shape ...int) *Tensor {
	t := NewTensor(data, shape...)
	t.requiresGrad = true
	t.Grad = make([]float32, len(data))
	return t
}

// ChannelsLast reports whether the tensor's data is channels-last: Shape
// N,C,H,W, stored N x H x W x C.
func (t *Tensor) ChannelsLast() bool { return t.nhwc }

// Numel is the number of elements.
func (t *Tensor) Numel() int { return len(t.Data) }

// RequiresGrad reports whether gradients flow to this tensor.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad turns gradient tracking of a leaf tensor on or off,
// allocating its Grad buffer when needed.
func (t *Tensor) SetRequiresGrad(on bool) {
	if !t.leaf {
		panic("autograd: SetRequiresGrad on a non-leaf tensor")
	}
	t.requiresGrad = on
	if on && len(t.Grad) != len(t.Data) {
		t.Grad = make([]float32, len(t.Data))
	}
}

// ZeroGrad zeroes the gradient buffer.
func (t *Tensor) ZeroGrad() { clear(t.Grad) }

// Item returns the single value of a one-element tensor.
func (t *Tensor) Item() float32 {
	if len(t.Data) != 1 {
		panic(fmt.Sprintf("autograd: Item on a tensor of shape %v", t.Shape))
	}
	return t.Data[0]
}
