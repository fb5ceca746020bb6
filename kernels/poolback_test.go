package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPool2x2NHWCReluBackwardPaths: the channels-last fused pool+ReLU
// backward (the path's SIMD windows and the Go loop) equals ReluBackward
// after MaxPool2x2NHWCBackward bit for bit, on inputs with NaN, infinities
// and signed zeros, channel counts around the 16-lane steps.
func TestMaxPool2x2NHWCReluBackwardPaths(t *testing.T) {
	defer func(m int) { poolBackMode = m }(poolBackMode)
	r := rand.New(rand.NewPCG(41, 42))
	for trial := 0; trial < 120; trial++ {
		n, h, w := 1+r.IntN(2), 2+r.IntN(7), 2+r.IntN(7)
		c := []int{1, 5, 15, 16, 17, 31, 32, 33, 48, 128, 130}[r.IntN(11)]
		x := elemInput(r, n*h*w*c)
		rx := make([]float32, len(x))
		Relu(rx, x)
		nout := n * (h / 2) * (w / 2) * c
		y, arg := make([]float32, nout), make([]int32, nout)
		MaxPool2x2NHWC(n, h, w, c, rx, y, arg)
		dy := elemInput(r, nout)
		want := make([]float32, len(x))
		MaxPool2x2NHWCBackward(n, h, w, c, dy, arg, want)
		ReluBackward(want, want, rx)
		for _, mode := range []int{0, 2} {
			poolBackMode = mode
			name := fmt.Sprintf("n=%d h=%d w=%d c=%d mode %d", n, h, w, c, mode)
			got, buf := convGuarded(len(x), float32(math.NaN()))
			MaxPool2x2NHWCReluBackward(n, h, w, c, dy, y, arg, got)
			convCheckGuards(t, name, buf)
			for i := range want {
				if !same(got[i], want[i]) || math.Signbit(float64(got[i])) != math.Signbit(float64(want[i])) {
					t.Fatalf("%s: %d: fused %g, two passes %g", name, i, got[i], want[i])
				}
			}
		}
	}
}
