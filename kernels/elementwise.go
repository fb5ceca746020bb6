package kernels

import "math"

// Element-wise and reduction kernels used by autograd. Slices are used over
// their full length unless a length is given; dst may alias an input.

// Add sets dst[i] = a[i] + b[i].
func Add(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Scale sets dst[i] = alpha * x[i].
func Scale(dst []float32, alpha float32, x []float32) {
	for i := range dst {
		dst[i] = alpha * x[i]
	}
}

// Axpy sets y[i] += alpha * x[i].
func Axpy(alpha float32, x, y []float32) {
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// Relu sets dst[i] = max(x[i], 0). NaN stays NaN.
func Relu(dst, x []float32) {
	for i, v := range x {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// ReluBackward sets dx[i] = dy[i] where the forward output y[i] > 0, else 0.
func ReluBackward(dx, dy, y []float32) {
	for i := range dx {
		if y[i] > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}

// MaxPool2x2 pools planes (count = N*C) of h x w into floor(h/2) x floor(w/2)
// with stride 2, recording in arg the flat in-plane index of each winner (first
// maximum in row-major window order, as PyTorch).
func MaxPool2x2(planes, h, w int, x, y []float32, arg []int32) {
	oh, ow := h/2, w/2
	for p := 0; p < planes; p++ {
		xp := x[p*h*w:]
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				best := int32((2*i)*w + 2*j)
				bv := xp[best]
				for _, d := range [3]int32{1, int32(w), int32(w) + 1} {
					idx := int32((2*i)*w+2*j) + d
					if v := xp[idx]; v > bv || (v != v && bv == bv) {
						bv, best = v, idx
					}
				}
				o := p*oh*ow + i*ow + j
				y[o] = bv
				arg[o] = best
			}
		}
	}
}

// MaxPool2x2Backward scatters dy to the recorded winners, overwriting dx.
func MaxPool2x2Backward(planes, h, w int, dy []float32, arg []int32, dx []float32) {
	oh, ow := h/2, w/2
	clear(dx[:planes*h*w])
	for p := 0; p < planes; p++ {
		for o := 0; o < oh*ow; o++ {
			dx[p*h*w+int(arg[p*oh*ow+o])] += dy[p*oh*ow+o]
		}
	}
}

// Sum returns the sum of x (float64 accumulation).
func Sum(x []float32) float32 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return float32(s)
}

// SpatialMean sets dst[p] = mean of plane p (planes of size hw).
func SpatialMean(dst, x []float32, planes, hw int) {
	for p := 0; p < planes; p++ {
		dst[p] = Sum(x[p*hw:(p+1)*hw]) / float32(hw)
	}
}

// SoftmaxCrossEntropy computes, for n rows of c logits, the per-row loss
// -log softmax(logits)[label] into loss (length n) and, when grad is non-nil,
// softmax - onehot(label) into grad (n x c). It is stable for large logits.
func SoftmaxCrossEntropy(n, c int, logits []float32, labels []int32, loss, grad []float32) {
	for i := 0; i < n; i++ {
		row := logits[i*c : (i+1)*c]
		m := row[0]
		for _, v := range row[1:] {
			if v > m {
				m = v
			}
		}
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v - m))
		}
		lz := math.Log(z)
		loss[i] = float32(lz - float64(row[labels[i]]-m))
		if grad != nil {
			g := grad[i*c : (i+1)*c]
			for j, v := range row {
				g[j] = float32(math.Exp(float64(v-m) - lz))
			}
			g[labels[i]] -= 1
		}
	}
}
