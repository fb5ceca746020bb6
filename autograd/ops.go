package autograd

import (
	"fmt"
	"math"

	"remedy/kernels"
)

// Operations panic on shape mismatches: those are programming errors in the
// model code, not bad user data.

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Conv2d is a 2-D convolution of x (N,C,H,W) with weights w (K,C,R,S), the
// same stride and zero padding in both directions, plus an optional bias b
// (K entries, may be nil). The output is N,K,OH,OW, in x's layout.
func (tp *Tape) Conv2d(x, w, b *Tensor, stride, pad int) *Tensor {
	return tp.conv2d(x, w, b, stride, pad, x.nhwc)
}

// Conv2dChannelsLast is Conv2d with a channels-last output (x in either
// layout): a chain of such convolutions (with ReLU, MaxPool2x2 and
// SpatialMean between them, which keep the layout) skips the transposes
// around each convolution's channels-last product.
func (tp *Tape) Conv2dChannelsLast(x, w, b *Tensor, stride, pad int) *Tensor {
	return tp.conv2d(x, w, b, stride, pad, true)
}

func (tp *Tape) conv2d(x, w, b *Tensor, stride, pad int, outNHWC bool) *Tensor {
	if len(x.Shape) != 4 || len(w.Shape) != 4 || x.Shape[1] != w.Shape[1] {
		panic(fmt.Sprintf("autograd: Conv2d input %v does not match weight %v", x.Shape, w.Shape))
	}
	if b != nil && len(b.Data) != w.Shape[0] {
		panic(fmt.Sprintf("autograd: Conv2d bias of %d entries for %d filters", len(b.Data), w.Shape[0]))
	}
	if stride < 1 || pad < 0 {
		panic("autograd: Conv2d needs stride >= 1 and pad >= 0")
	}
	s := kernels.ConvShape{N: x.Shape[0], C: x.Shape[1], H: x.Shape[2], W: x.Shape[3],
		K: w.Shape[0], R: w.Shape[2], S: w.Shape[3], StrideH: stride, StrideW: stride, PadH: pad, PadW: pad}
	oh, ow := s.OutH(), s.OutW()
	if oh < 1 || ow < 1 {
		panic(fmt.Sprintf("autograd: Conv2d output would be empty for input %v and weight %v", x.Shape, w.Shape))
	}
	rg := x.requiresGrad || w.requiresGrad || (b != nil && b.requiresGrad)
	out := tp.newTensor([]int{s.N, s.K, oh, ow}, rg)
	var bias []float32
	if b != nil {
		bias = b.Data
	}
	lay := kernels.ConvLayout{In: x.nhwc, Out: outNHWC}
	var rows []float32
	if out.requiresGrad && w.requiresGrad && kernels.ConvSavesRows(s, lay) {
		// keep the channels-last lowering of x for the weight gradient,
		// which then need not lower x again and gets the bias gradient
		// from the same product
		rows = tp.f32.get(kernels.ConvRowsLen(s, b != nil))
		kernels.ConvForwardSave(s, lay, x.Data, w.Data, bias, out.Data, rows)
	} else {
		kernels.ConvForwardLayout(s, lay, x.Data, w.Data, bias, out.Data)
	}
	out.nhwc = outNHWC
	if out.requiresGrad {
		tp.record(node{kind: opConv, a: x, b: w, c: b, out: out, conv: s, lay: lay, aux: rows})
	}
	return out
}

// MaxPool2x2 is a 2x2 max-pool with stride 2 over N,C,H,W; odd sizes are
// floored as in PyTorch. The output keeps x's layout.
func (tp *Tape) MaxPool2x2(x *Tensor) *Tensor {
	if len(x.Shape) != 4 || x.Shape[2] < 2 || x.Shape[3] < 2 {
		panic(fmt.Sprintf("autograd: MaxPool2x2 needs N,C,H,W with H,W >= 2, got %v", x.Shape))
	}
	n, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	out := tp.newTensor([]int{n, c, h / 2, w / 2}, x.requiresGrad)
	arg := tp.i32.get(len(out.Data))
	if x.nhwc {
		tp.maxPoolNHWC(n, h, w, c, x.Data, out.Data, arg)
		out.nhwc = true
	} else {
		tp.maxPool(n*c, h, w, x.Data, out.Data, arg)
	}
	if out.requiresGrad {
		tp.record(node{kind: opMaxPool, a: x, out: out, arg: arg})
	}
	return out
}

// ReLU is max(x, 0) element-wise.
func (tp *Tape) ReLU(x *Tensor) *Tensor {
	out := tp.newTensor(x.Shape, x.requiresGrad)
	out.nhwc = x.nhwc
	tp.relu(out.Data, x.Data)
	if out.requiresGrad {
		tp.record(node{kind: opRelu, a: x, out: out})
	}
	return out
}

// Add is a + b for tensors of the same shape (residual connections, sums of
// losses).
func (tp *Tape) Add(a, b *Tensor) *Tensor {
	if !sameShape(a.Shape, b.Shape) || a.nhwc != b.nhwc {
		panic(fmt.Sprintf("autograd: Add of shapes %v and %v (channels-last %v, %v)", a.Shape, b.Shape, a.nhwc, b.nhwc))
	}
	out := tp.newTensor(a.Shape, a.requiresGrad || b.requiresGrad)
	out.nhwc = a.nhwc
	tp.add(out.Data, a.Data, b.Data)
	if out.requiresGrad {
		tp.record(node{kind: opAdd, a: a, b: b, out: out})
	}
	return out
}

// SpatialMean averages N,C,H,W over H and W, giving N,C.
func (tp *Tape) SpatialMean(x *Tensor) *Tensor {
	if len(x.Shape) != 4 {
		panic(fmt.Sprintf("autograd: SpatialMean needs N,C,H,W, got %v", x.Shape))
	}
	out := tp.newTensor(x.Shape[:2], x.requiresGrad)
	if x.nhwc {
		tp.spatialMeanNHWC(out.Data, x.Data, x.Shape[0], x.Shape[2]*x.Shape[3], x.Shape[1])
	} else {
		tp.spatialMean(out.Data, x.Data, x.Shape[0]*x.Shape[1], x.Shape[2]*x.Shape[3])
	}
	if out.requiresGrad {
		tp.record(node{kind: opSpatialMean, a: x, out: out})
	}
	return out
}

// Reshape returns x with a new shape of the same size, sharing its data.
func (tp *Tape) Reshape(x *Tensor, shape ...int) *Tensor {
	if numel(shape) != len(x.Data) {
		panic(fmt.Sprintf("autograd: Reshape of %v to %v", x.Shape, shape))
	}
	x.needNCHW("Reshape")
	var out *Tensor
	if tp.nextT < len(tp.tensors) {
		out = tp.tensors[tp.nextT]
	} else {
		out = new(Tensor)
		tp.tensors = append(tp.tensors, out)
	}
	tp.nextT++
	out.setShape(shape)
	out.Data = x.Data
	out.Grad = nil
	out.leaf = false
	out.nhwc = false
	out.node, out.uses = 0, 0
	out.requiresGrad = x.requiresGrad && !tp.noGrad
	if out.requiresGrad {
		tp.record(node{kind: opReshape, a: x, out: out})
	}
	return out
}

// Flatten reshapes N,... to N,rest.
func (tp *Tape) Flatten(x *Tensor) *Tensor {
	return tp.Reshape(x, x.Shape[0], len(x.Data)/x.Shape[0])
}

// CrossEntropyPer returns the N per-example losses -log softmax(logits)[label]
// of N,C logits (shape N). Labels must lie in [0, C).
func (tp *Tape) CrossEntropyPer(logits *Tensor, labels []int32) *Tensor {
	if len(logits.Shape) != 2 || len(labels) != logits.Shape[0] {
		panic(fmt.Sprintf("autograd: CrossEntropy of logits %v with %d labels", logits.Shape, len(labels)))
	}
	n, c := logits.Shape[0], logits.Shape[1]
	for i, l := range labels {
		if l < 0 || int(l) >= c {
			panic(fmt.Sprintf("autograd: CrossEntropy label %d of example %d outside [0,%d)", l, i, c))
		}
	}
	out := tp.newTensor([]int{n}, logits.requiresGrad)
	var g []float32
	if out.requiresGrad {
		g = tp.f32.get(n * c)
	}
	kernels.SoftmaxCrossEntropy(n, c, logits.Data, labels, out.Data, g)
	if out.requiresGrad {
		tp.record(node{kind: opCrossEntropy, a: logits, out: out, aux: g})
	}
	return out
}

// CrossEntropy is the batch mean of CrossEntropyPer (torch's F.cross_entropy).
func (tp *Tape) CrossEntropy(logits *Tensor, labels []int32) *Tensor {
	return tp.Mean(tp.CrossEntropyPer(logits, labels))
}

// BCEWithLogits is binary cross-entropy on logits x against targets in
// [0,1], computed stably. Without a mask it is the mean over all elements;
// with a mask (same length, usually 0/1) it is sum(mask*l)/max(sum(mask),1).
func (tp *Tape) BCEWithLogits(x *Tensor, target, mask []float32) *Tensor {
	return tp.pointLoss(opBCE, x, target, mask, 0)
}

// MSE is the squared error (x-target)^2 reduced as in BCEWithLogits.
func (tp *Tape) MSE(x *Tensor, target, mask []float32) *Tensor {
	return tp.pointLoss(opMSE, x, target, mask, 0)
}

// L1 is the absolute error |x-target| reduced as in BCEWithLogits.
func (tp *Tape) L1(x *Tensor, target, mask []float32) *Tensor {
	return tp.pointLoss(opL1, x, target, mask, 0)
}

// SmoothL1 is torch's smooth L1 (Huber with parameter beta > 0): 0.5 d^2/beta
// for |d| < beta, else |d| - 0.5 beta; reduced as in BCEWithLogits.
func (tp *Tape) SmoothL1(x *Tensor, target, mask []float32, beta float32) *Tensor {
	if !(beta > 0) {
		panic("autograd: SmoothL1 needs beta > 0")
	}
	return tp.pointLoss(opSmoothL1, x, target, mask, beta)
}

func pointValue(kind opKind, v, t, beta float32) (l, dl float64) {
	x, y := float64(v), float64(t)
	switch kind {
	case opBCE:
		// max(x,0) - x*y + log(1+exp(-|x|)); derivative sigmoid(x) - y
		l = math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x)))
		var s float64
		if x >= 0 {
			s = 1 / (1 + math.Exp(-x))
		} else {
			e := math.Exp(x)
			s = e / (1 + e)
		}
		return l, s - y
	case opMSE:
		d := x - y
		return d * d, 2 * d
	case opL1:
		d := x - y
		switch {
		case d > 0:
			return d, 1
		case d < 0:
			return -d, -1
		}
		return 0, 0
	default: // smooth L1
		d := x - y
		b := float64(beta)
		if math.Abs(d) < b {
			return 0.5 * d * d / b, d / b
		}
		if d > 0 {
			return d - 0.5*b, 1
		}
		return -d - 0.5*b, -1
	}
}

func (tp *Tape) pointLoss(kind opKind, x *Tensor, target, mask []float32, beta float32) *Tensor {
	if len(target) != len(x.Data) || (mask != nil && len(mask) != len(x.Data)) {
		panic(fmt.Sprintf("autograd: loss on %v with %d targets and %d mask entries", x.Shape, len(target), len(mask)))
	}
	x.needNCHW("a point-wise loss")
	var sum, denom float64
	for i, v := range x.Data {
		l, _ := pointValue(kind, v, target[i], beta)
		if mask != nil {
			l *= float64(mask[i])
			denom += float64(mask[i])
		}
		sum += l
	}
	if mask == nil {
		denom = float64(len(x.Data))
	} else if denom < 1 {
		denom = 1
	}
	out := tp.newTensor(nil, x.requiresGrad)
	out.Data[0] = float32(sum / denom)
	if out.requiresGrad {
		tp.record(node{kind: kind, a: x, out: out, target: target, mask: mask, f: float32(1 / denom), beta: beta})
	}
	return out
}

// Sum adds all elements (float64 accumulation) into a scalar.
func (tp *Tape) Sum(x *Tensor) *Tensor {
	out := tp.newTensor(nil, x.requiresGrad)
	out.Data[0] = kernels.Sum(x.Data)
	if out.requiresGrad {
		tp.record(node{kind: opSum, a: x, out: out})
	}
	return out
}

// Mean averages all elements into a scalar.
func (tp *Tape) Mean(x *Tensor) *Tensor {
	out := tp.newTensor(nil, x.requiresGrad)
	out.Data[0] = float32(float64(kernels.Sum(x.Data)) / float64(len(x.Data)))
	if out.requiresGrad {
		tp.record(node{kind: opMean, a: x, out: out})
	}
	return out
}

// Dot is sum(x * w) for a constant w of the same length (float64
// accumulation): a weighted sum, e.g. to project an output to a scalar.
func (tp *Tape) Dot(x *Tensor, w []float32) *Tensor {
	if len(w) != len(x.Data) {
		panic(fmt.Sprintf("autograd: Dot of %v with %d weights", x.Shape, len(w)))
	}
	x.needNCHW("Dot")
	var s float64
	for i, v := range x.Data {
		s += float64(v) * float64(w[i])
	}
	out := tp.newTensor(nil, x.requiresGrad)
	out.Data[0] = float32(s)
	if out.requiresGrad {
		tp.record(node{kind: opDot, a: x, out: out, target: w})
	}
	return out
}

// Scale is alpha * x.
func (tp *Tape) Scale(x *Tensor, alpha float32) *Tensor {
	out := tp.newTensor(x.Shape, x.requiresGrad)
	out.nhwc = x.nhwc
	kernels.Scale(out.Data, alpha, x.Data)
	if out.requiresGrad {
		tp.record(node{kind: opScale, a: x, out: out, f: alpha})
	}
	return out
}

// AddScalar is x + c.
func (tp *Tape) AddScalar(x *Tensor, c float32) *Tensor {
	out := tp.newTensor(x.Shape, x.requiresGrad)
	out.nhwc = x.nhwc
	for i, v := range x.Data {
		out.Data[i] = v + c
	}
	if out.requiresGrad {
		tp.record(node{kind: opAddScalar, a: x, out: out})
	}
	return out
}

// SliceChannels copies channels [from, to) of N,C,H,W (e.g. one detector head).
func (tp *Tape) SliceChannels(x *Tensor, from, to int) *Tensor {
	if len(x.Shape) != 4 || from < 0 || to > x.Shape[1] || from >= to {
		panic(fmt.Sprintf("autograd: SliceChannels [%d,%d) of %v", from, to, x.Shape))
	}
	x.needNCHW("SliceChannels")
	n, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	k := to - from
	out := tp.newTensor([]int{n, k, x.Shape[2], x.Shape[3]}, x.requiresGrad)
	for i := 0; i < n; i++ {
		copy(out.Data[i*k*hw:(i+1)*k*hw], x.Data[(i*c+from)*hw:(i*c+to)*hw])
	}
	if out.requiresGrad {
		tp.record(node{kind: opSliceChannels, a: x, out: out, i0: from, i1: to})
	}
	return out
}

func (tp *Tape) backwardNode(n *node) {
	dy := n.out.Grad
	x := n.a
	switch n.kind {
	case opConv:
		tp.backwardConv(n)
	case opMaxPool:
		if tp.backwardPoolRelu(n) {
			break
		}
		if x.requiresGrad {
			dx, acc := tp.gradTarget(x)
			if x.nhwc {
				tp.maxPoolNHWCBack(x.Shape[0], x.Shape[2], x.Shape[3], x.Shape[1], dy, n.arg, dx)
			} else {
				tp.maxPoolBack(x.Shape[0]*x.Shape[1], x.Shape[2], x.Shape[3], dy, n.arg, dx)
			}
			tp.flush(x, dx, acc)
		}
	case opRelu:
		dx, acc := tp.gradTarget(x)
		tp.reluBack(dx, dy, n.out.Data)
		tp.flush(x, dx, acc)
	case opAdd:
		for _, t := range [2]*Tensor{n.a, n.b} {
			if !t.requiresGrad {
				continue
			}
			if t.Grad == nil {
				t.Grad = tp.f32.get(len(t.Data))
				copy(t.Grad, dy)
			} else {
				tp.axpy(1, dy, t.Grad)
			}
		}
	case opSpatialMean:
		dx, acc := tp.gradTarget(x)
		if x.nhwc {
			tp.spatialMeanNHWCBack(dx, dy, x.Shape[0], x.Shape[2]*x.Shape[3], x.Shape[1])
		} else {
			tp.spatialMeanBack(dx, dy, len(dy), x.Shape[2]*x.Shape[3])
		}
		tp.flush(x, dx, acc)
	case opReshape:
		if x.Grad == nil {
			x.Grad = tp.f32.get(len(x.Data))
			copy(x.Grad, dy)
		} else {
			kernels.Axpy(1, dy, x.Grad)
		}
	case opCrossEntropy:
		dx, acc := tp.gradTarget(x)
		c := x.Shape[1]
		for i, g := range dy {
			kernels.Scale(dx[i*c:(i+1)*c], g, n.aux[i*c:(i+1)*c])
		}
		tp.flush(x, dx, acc)
	case opBCE, opMSE, opL1, opSmoothL1:
		dx, acc := tp.gradTarget(x)
		scale := float64(dy[0]) * float64(n.f)
		for i, v := range x.Data {
			_, d := pointValue(n.kind, v, n.target[i], n.beta)
			if n.mask != nil {
				d *= float64(n.mask[i])
			}
			dx[i] = float32(d * scale)
		}
		tp.flush(x, dx, acc)
	case opSum, opMean, opDot:
		dx, acc := tp.gradTarget(x)
		g := dy[0]
		if n.kind == opMean {
			g = float32(float64(g) / float64(len(x.Data)))
		}
		if n.kind == opDot {
			kernels.Scale(dx, g, n.target)
		} else {
			for i := range dx {
				dx[i] = g
			}
		}
		tp.flush(x, dx, acc)
	case opScale:
		dx, acc := tp.gradTarget(x)
		kernels.Scale(dx, n.f, dy)
		tp.flush(x, dx, acc)
	case opAddScalar:
		if x.Grad == nil {
			x.Grad = tp.f32.get(len(x.Data))
			copy(x.Grad, dy)
		} else {
			kernels.Axpy(1, dy, x.Grad)
		}
	case opSliceChannels:
		g := tp.gradAccum(x)
		nb, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
		k := n.i1 - n.i0
		for i := 0; i < nb; i++ {
			kernels.Axpy(1, dy[i*k*hw:(i+1)*k*hw], g[(i*c+n.i0)*hw:(i*c+n.i1)*hw])
		}
	case opLayout:
		dx, acc := tp.gradTarget(x)
		nb, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
		if x.nhwc {
			kernels.ToNHWC(nb, c, hw, dy, dx)
		} else {
			kernels.ToNCHW(nb, c, hw, dy, dx)
		}
		tp.flush(x, dx, acc)
	default:
		panic("autograd: unknown op")
	}
}

func (tp *Tape) backwardConv(n *node) {
	s := n.conv
	x, w, b := n.a, n.b, n.c
	dy := n.out.Grad
	if x.requiresGrad {
		dx, acc := tp.gradTarget(x)
		kernels.ConvBackwardDataLayout(s, n.lay, dy, w.Data, dx)
		tp.flush(x, dx, acc)
	}
	biasDone := false
	if w.requiresGrad && !tp.perSampleConv(s, n.lay, w, x.Data, dy) {
		var db []float32
		if b != nil && b.requiresGrad {
			db = tp.gradAccum(b)
			biasDone = true
		}
		if n.aux != nil {
			kernels.ConvBackwardWeightRows(s, n.lay, n.aux, b != nil, dy, tp.gradAccum(w), db)
		} else {
			kernels.ConvBackwardWeightLayout(s, n.lay, x.Data, dy, tp.gradAccum(w), db)
		}
	}
	if b != nil && b.requiresGrad && !biasDone && n.lay.Out {
		db := tp.gradAccum(b)
		pix := s.N * s.OutH() * s.OutW()
		for k := range db {
			var acc float64
			for p := 0; p < pix; p++ {
				acc += float64(dy[p*s.K+k])
			}
			db[k] += float32(acc)
		}
		biasDone = true
	}
	if b != nil && b.requiresGrad && !biasDone {
		db := tp.gradAccum(b)
		hw := s.OutH() * s.OutW()
		for i := 0; i < s.N; i++ {
			for k := 0; k < s.K; k++ {
				db[k] += kernels.Sum(dy[(i*s.K+k)*hw : (i*s.K+k+1)*hw])
			}
		}
	}
}

// fusePoolRelu can be turned off by tests to compare with the two passes.
var fusePoolRelu = true

// backwardPoolRelu handles max-pool n whose input is a ReLU output read by
// nothing else: the ReLU's input gets dy at each window's winner where the
// pooled value is > 0 (the winner is the ReLU output there), zero elsewhere,
// in one pass instead of a dense pool gradient followed by the ReLU mask.
// The ReLU output's Grad stays nil, so Backward skips the ReLU node. The
// values are bit-identical to the two passes. It reports whether it did
// the work.
func (tp *Tape) backwardPoolRelu(n *node) bool {
	x := n.a
	if !fusePoolRelu || x.node == 0 || x.uses != 1 || x.Grad != nil {
		return false
	}
	r := &tp.nodes[x.node-1]
	if r.kind != opRelu || r.out != x || !r.a.requiresGrad {
		return false
	}
	dx, acc := tp.gradTarget(r.a)
	if x.nhwc {
		tp.maxPoolNHWCReluBack(x.Shape[0], x.Shape[2], x.Shape[3], x.Shape[1], n.out.Grad, n.out.Data, n.arg, dx)
	} else {
		tp.maxPoolReluBack(x.Shape[0]*x.Shape[1], x.Shape[2], x.Shape[3], n.out.Grad, n.out.Data, n.arg, dx)
	}
	tp.flush(r.a, dx, acc)
	return true
}

// needNCHW panics for a channels-last tensor given to an op whose result
// depends on the element order (convert with ToNCHW first).
func (t *Tensor) needNCHW(op string) {
	if t.nhwc {
		panic(fmt.Sprintf("autograd: %s of a channels-last tensor %v; convert it with ToNCHW first", op, t.Shape))
	}
}

// ToNCHW returns x with NCHW data (x itself when it already is).
func (tp *Tape) ToNCHW(x *Tensor) *Tensor { return tp.toLayout(x, false) }

// ToNHWC returns x (N,C,H,W) with channels-last data (x itself when it
// already is).
func (tp *Tape) ToNHWC(x *Tensor) *Tensor { return tp.toLayout(x, true) }

func (tp *Tape) toLayout(x *Tensor, nhwc bool) *Tensor {
	if x.nhwc == nhwc {
		return x
	}
	if len(x.Shape) != 4 {
		panic(fmt.Sprintf("autograd: layout change of a %v tensor; needs N,C,H,W", x.Shape))
	}
	out := tp.newTensor(x.Shape, x.requiresGrad)
	nb, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	if nhwc {
		kernels.ToNHWC(nb, c, hw, x.Data, out.Data)
	} else {
		kernels.ToNCHW(nb, c, hw, x.Data, out.Data)
	}
	out.nhwc = nhwc
	if out.requiresGrad {
		tp.record(node{kind: opLayout, a: x, out: out})
	}
	return out
}
