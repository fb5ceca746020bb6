package kernels

import (
	"fmt"
	"math"
)

// Element-wise and reduction kernels used by autograd. Slices are used over
// their full length unless a length is given; dst may alias an input.
//
// Add, Scale, Relu and ReluBackward run AVX2 assembly on the avx2/avx512
// paths (up to 5x faster in cache); the pure-Go loops below are their twins
// and the generic path, unrolled by four over re-sliced windows so the
// compiler drops the bounds checks. Axpy uses the kernel path's SIMD axpy.

// Add sets dst[i] = a[i] + b[i].
func Add(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	if elemSIMD() {
		i = addSIMD(dst, a, b)
	}
	addGo(dst[i:], a[i:], b[i:])
}

func addGo(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		d, x, y := dst[i:i+4:i+4], a[i:i+4:i+4], b[i:i+4:i+4]
		d[0] = x[0] + y[0]
		d[1] = x[1] + y[1]
		d[2] = x[2] + y[2]
		d[3] = x[3] + y[3]
	}
	for ; i < n; i++ {
		dst[i] = a[i] + b[i]
	}
}

// Scale sets dst[i] = alpha * x[i].
func Scale(dst []float32, alpha float32, x []float32) {
	n := len(dst)
	x = x[:n]
	i := 0
	if elemSIMD() {
		i = scaleSIMD(dst, alpha, x)
	}
	scaleGo(dst[i:], alpha, x[i:])
}

func scaleGo(dst []float32, alpha float32, x []float32) {
	n := len(dst)
	x = x[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		d, v := dst[i:i+4:i+4], x[i:i+4:i+4]
		d[0] = alpha * v[0]
		d[1] = alpha * v[1]
		d[2] = alpha * v[2]
		d[3] = alpha * v[3]
	}
	for ; i < n; i++ {
		dst[i] = alpha * x[i]
	}
}

// Axpy sets y[i] += alpha * x[i] (fused multiply-add on the SIMD paths).
func Axpy(alpha float32, x, y []float32) {
	n := len(y)
	x = x[:n]
	if f := cur.axpy; f != nil {
		f(alpha, x, y)
		return
	}
	i := 0
	for ; i+4 <= n; i += 4 {
		d, v := y[i:i+4:i+4], x[i:i+4:i+4]
		d[0] += alpha * v[0]
		d[1] += alpha * v[1]
		d[2] += alpha * v[2]
		d[3] += alpha * v[3]
	}
	for ; i < n; i++ {
		y[i] += alpha * x[i]
	}
}

// Relu sets dst[i] = max(x[i], 0). NaN stays NaN, so a diverged activation
// is not silently turned into zero; -0 becomes +0.
func Relu(dst, x []float32) {
	n := len(x)
	dst = dst[:n]
	i := 0
	if elemSIMD() {
		i = reluSIMD(dst, x)
	}
	reluGo(dst[i:], x[i:])
}

func reluGo(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = max(v, 0) // branch-free; Go's max returns NaN if v is NaN
	}
}

// ReluBackward sets dx[i] = dy[i] where the forward output y[i] > 0, else 0.
// A NaN output passes no gradient (NaN > 0 is false); the loss is NaN in
// that case anyway.
func ReluBackward(dx, dy, y []float32) {
	n := len(dx)
	dy, y = dy[:n], y[:n]
	i := 0
	if elemSIMD() {
		i = reluBackwardSIMD(dx, dy, y)
	}
	reluBackwardGo(dx[i:], dy[i:], y[i:])
}

func reluBackwardGo(dx, dy, y []float32) {
	n := len(dx)
	dy, y = dy[:n], y[:n]
	for i := range dx {
		// A mask (compiled to a conditional move) instead of a branch: the
		// sign of activations is unpredictable, and a mispredicted branch
		// per element cost ~10x.
		var m uint32
		if y[i] > 0 {
			m = 0xFFFFFFFF
		}
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & m)
	}
}

// MaxPool2x2 pools planes (count = N*C) of h x w into floor(h/2) x floor(w/2)
// with stride 2, recording in arg the flat in-plane index of each winner (first
// maximum in row-major window order, as PyTorch). A NaN in a window wins (the
// first NaN), so NaN propagates as in PyTorch.
func MaxPool2x2(planes, h, w int, x, y []float32, arg []int32) {
	oh, ow := h/2, w/2
	if planes == 0 || oh == 0 || ow == 0 {
		return
	}
	_ = x[planes*h*w-1]
	_ = y[planes*oh*ow-1]
	_ = arg[planes*oh*ow-1]
	if maxPoolPlanesSIMD(planes, h, w, x, y, arg) {
		return
	}
	for p := 0; p < planes; p++ {
		xp := x[p*h*w : (p+1)*h*w]
		yp := y[p*oh*ow : (p+1)*oh*ow]
		ap := arg[p*oh*ow : (p+1)*oh*ow]
		for i := 0; i < oh; i++ {
			row0 := 2 * i * w
			yr := yp[i*ow : (i+1)*ow]
			ar := ap[i*ow : (i+1)*ow]
			j := 0
			if elemSIMD() {
				j = maxPoolRowSIMD(xp, row0, w, yr, ar)
			}
			maxPoolRowGo(xp, row0+2*j, w, yr[j:], ar[j:])
		}
	}
}

// maxPoolRowGo pools the windows whose top-left corners are xp[row0+2j],
// j < len(yr), rows w apart, writing maxima to yr and flat indexes to ar.
func maxPoolRowGo(xp []float32, row0, w int, yr []float32, ar []int32) {
	ow := len(yr)
	r0 := xp[row0 : row0+2*ow]
	r1 := xp[row0+w : row0+w+2*ow]
	ar = ar[:ow]
	base := int32(row0)
	for j := range yr {
		a, b, c, d := r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1]
		// A tournament with strict > (first maximum wins ties), written
		// so the compiler emits conditional moves: the winner of random
		// data is unpredictable.
		v1, v2 := max(a, b), max(c, d)
		i1 := b2i(b > a)
		i2 := int32(w) + b2i(d > c)
		bi := i1 ^ ((i1 ^ i2) & -b2i(v2 > v1))
		if m := max(v1, v2); m != m { // a NaN: the first NaN wins
			switch {
			case a != a:
				bi = 0
			case b != b:
				bi = 1
			case c != c:
				bi = int32(w)
			default:
				bi = int32(w) + 1
			}
		}
		o := base + int32(2*j) + bi
		yr[j] = xp[o] // the winner itself (keeps the sign of a zero)
		ar[j] = o
	}
}

// b2i is 1 for true, else 0; the compiler turns it into a SETcc, not a branch.
func b2i(b bool) int32 {
	var i int32
	if b {
		i = 1
	}
	return i
}

// MaxPool2x2Backward scatters dy to the recorded winners, overwriting dx.
// Windows do not overlap, so each input gets at most one contribution.
func MaxPool2x2Backward(planes, h, w int, dy []float32, arg []int32, dx []float32) {
	oh, ow := h/2, w/2
	clear(dx[:planes*h*w])
	for p := 0; p < planes; p++ {
		dxp := dx[p*h*w : (p+1)*h*w]
		g := dy[p*oh*ow : (p+1)*oh*ow]
		for o, a := range arg[p*oh*ow : (p+1)*oh*ow] {
			dxp[a] = g[o] + 0 // windows do not overlap; as += on zero, without reading dx
		}
	}
}

// poolBackMode forces the Go rows of MaxPool2x2ReluBackward (2) for tests;
// 0 is the path's SIMD rows where it has them.
var poolBackMode = 0

// MaxPool2x2ReluBackward is MaxPool2x2Backward followed by ReluBackward for
// a pool whose input is a ReLU output: dx gets dy at the recorded winners
// whose pooled value y is > 0 (NaN is not), zero elsewhere; bit-identical
// to the two passes, without the dense intermediate gradient.
func MaxPool2x2ReluBackward(planes, h, w int, dy, y []float32, arg []int32, dx []float32) {
	// (rows in AVX-512 where the path has it, 16 windows at a time, else
	// the loop below, its twin)
	oh, ow := h/2, w/2
	if poolBackMode != 2 && h&1 == 0 && w&1 == 0 && poolReluBackPlanesSIMD(planes, oh, ow, dy, y, arg, dx) {
		return
	}
	// Every window writes its four inputs (the winner's value or zero), so
	// dx is written once instead of cleared and then scattered into.
	for p := 0; p < planes; p++ {
		dxp := dx[p*h*w : (p+1)*h*w]
		g := dy[p*oh*ow : (p+1)*oh*ow]
		yp := y[p*oh*ow : (p+1)*oh*ow]
		ap := arg[p*oh*ow : (p+1)*oh*ow]
		for i := 0; i < oh; i++ {
			r0 := dxp[2*i*w : 2*i*w+2*ow]
			r1 := dxp[(2*i+1)*w : (2*i+1)*w+2*ow]
			gr, yr, ar := g[i*ow:(i+1)*ow], yp[i*ow:(i+1)*ow], ap[i*ow:(i+1)*ow]
			base := int32(2 * i * w)
			if poolBackMode != 2 && poolReluBackRowSIMD(gr, yr, ar, r0, r1, base, int32(w)) {
				gr = nil
			}
			for j := range gr {
				// A mask, not a branch: pooled ReLU outputs of correlated
				// neighbours are often all zero, unpredictably (3x slower
				// with 40% zeros). "+ 0" turns -0 into +0 as the two passes
				// (0 + dy) do.
				var m uint32
				if yr[j] > 0 {
					m = 0xFFFFFFFF
				}
				v := math.Float32bits(math.Float32frombits(math.Float32bits(gr[j])&m) + 0)
				a := ar[j] - base - int32(2*j) // 0, 1, w or w+1
				r0[2*j] = math.Float32frombits(v & -uint32(b2i(a == 0)))
				r0[2*j+1] = math.Float32frombits(v & -uint32(b2i(a == 1)))
				r1[2*j] = math.Float32frombits(v & -uint32(b2i(a == int32(w))))
				r1[2*j+1] = math.Float32frombits(v & -uint32(b2i(a == int32(w)+1)))
			}
			if w&1 == 1 { // the column no window covers
				dxp[2*i*w+w-1] = 0
				dxp[(2*i+1)*w+w-1] = 0
			}
		}
		if h&1 == 1 {
			clear(dxp[(h-1)*w:])
		}
	}
}

// Sum returns the sum of x, accumulated in float64 (four interleaved
// accumulators, combined in a fixed order).
func Sum(x []float32) float32 { return float32(sum64(x)) }

// SpatialMean sets dst[p] = mean of plane p (planes of size hw), accumulated
// in float64.
func SpatialMean(dst, x []float32, planes, hw int) {
	for p := 0; p < planes; p++ {
		dst[p] = float32(sum64(x[p*hw:(p+1)*hw]) / float64(hw))
	}
}

// SpatialMeanBackward sets every element of plane p of dx (planes of size
// hw) to dy[p]/hw, the gradient of SpatialMean.
func SpatialMeanBackward(dx, dy []float32, planes, hw int) {
	inv := 1 / float32(hw)
	dx = dx[:planes*hw]
	for p, g := range dy[:planes] {
		v := g * inv
		row := dx[p*hw : (p+1)*hw]
		for i := range row {
			row[i] = v
		}
	}
}

// SoftmaxCrossEntropy computes, for n rows of c logits, the per-row loss
// -log softmax(logits)[label] into loss (length n) and, when grad is non-nil,
// softmax - onehot(label) into grad (n x c). It is stable for large logits
// (the row maximum is subtracted in float64). A NaN logit makes its row's
// loss and gradient NaN. It panics on a label outside [0, c).
func SoftmaxCrossEntropy(n, c int, logits []float32, labels []int32, loss, grad []float32) {
	for i := 0; i < n; i++ {
		row := logits[i*c : (i+1)*c]
		lab := labels[i]
		if lab < 0 || int(lab) >= c {
			panic(fmt.Sprintf("kernels: SoftmaxCrossEntropy: row %d has label %d, want 0..%d", i, lab, c-1))
		}
		m := float64(row[0])
		for _, v := range row[1:] {
			if float64(v) > m {
				m = float64(v)
			}
		}
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v) - m)
		}
		lz := math.Log(z)
		loss[i] = float32(lz - (float64(row[lab]) - m))
		if grad != nil {
			g := grad[i*c : (i+1)*c]
			for j, v := range row {
				g[j] = float32(math.Exp(float64(v) - m - lz))
			}
			g[lab] -= 1
		}
	}
}

// BCEWithLogits computes, for each of the n logits z with target t in [0, 1],
// the binary cross-entropy of sigmoid(z), max(z,0) - z*t + log1p(exp(-|z|))
// (stable for any z), into loss and, when grad is non-nil, its derivative
// sigmoid(z) - t into grad.
func BCEWithLogits(logits, targets, loss, grad []float32) {
	n := len(logits)
	targets, loss = targets[:n], loss[:n]
	if grad != nil {
		grad = grad[:n]
	}
	for i, zf := range logits {
		z, t := float64(zf), float64(targets[i])
		loss[i] = float32(math.Max(z, 0) - z*t + math.Log1p(math.Exp(-math.Abs(z))))
		if grad != nil {
			var s float64
			if z >= 0 {
				s = 1 / (1 + math.Exp(-z))
			} else {
				e := math.Exp(z)
				s = e / (1 + e)
			}
			grad[i] = float32(s - t)
		}
	}
}

// SmoothL1 computes the Huber-style smooth L1 loss of d = pred - target per
// element: 0.5*d*d/beta where |d| < beta, else |d| - 0.5*beta (beta > 0; as
// PyTorch's smooth_l1_loss), into loss and, when grad is non-nil, its
// derivative d/beta or sign(d) into grad.
func SmoothL1(pred, target []float32, beta float32, loss, grad []float32) {
	n := len(pred)
	target, loss = target[:n], loss[:n]
	if grad != nil {
		grad = grad[:n]
	}
	for i, p := range pred {
		d := p - target[i]
		ad := float32(math.Abs(float64(d)))
		if ad < beta {
			loss[i] = 0.5 * d * d / beta
			if grad != nil {
				grad[i] = d / beta
			}
			continue
		}
		loss[i] = ad - 0.5*beta
		if grad != nil {
			switch {
			case d > 0:
				grad[i] = 1
			case d < 0:
				grad[i] = -1
			default: // NaN
				grad[i] = d
			}
		}
	}
}
