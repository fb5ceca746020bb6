package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTransposeTo checks the blocked transpose (assembly blocks where the
// path has them) element by element, and that nothing outside the
// destination matrix is written, on every path this CPU runs.
func TestTransposeTo(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewPCG(21, 22))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, d := range []struct{ rows, cols, ldd, lds int }{
			{1, 1, 1, 1}, {3, 9, 3, 9}, {16, 9, 16, 9}, {17, 9, 20, 9}, {128, 9, 128, 9},
			{40, 49, 40, 49}, {256, 1, 256, 1}, {16, 2304, 16, 2304}, {33, 784, 35, 790}, {7, 5, 8, 6},
		} {
			src := make([]float32, (d.rows-1)*d.lds+d.cols)
			for i := range src {
				src[i] = r.Float32() - 0.5
			}
			n := (d.cols-1)*d.ldd + d.rows
			dst := make([]float32, n+40)
			for i := range dst {
				dst[i] = -7
			}
			transposeTo(dst[:n], d.ldd, src, d.lds, d.rows, d.cols)
			for j := 0; j < d.cols; j++ {
				for i := 0; i < d.ldd && j*d.ldd+i < len(dst); i++ {
					got := dst[j*d.ldd+i]
					want := float32(-7)
					if i < d.rows {
						want = src[i*d.lds+j]
					}
					if got != want {
						t.Fatalf("%s %+v: dst[%d][%d] = %g, want %g", p, d, j, i, got, want)
					}
				}
			}
			for i := n; i < len(dst); i++ {
				if dst[i] != -7 {
					t.Fatalf("%s %+v: wrote past the end at %d", p, d, i-n)
				}
			}
		}
	}
}

// TestConvNHWCPaths compares the channels-last passes with the channel-major
// ones on the VGG-like shapes (bit patterns differ: the sums run in another
// order), on every path, including the dispatch choice in automatic mode.
func TestConvNHWCPaths(t *testing.T) {
	old, oldMode := Path(), convNHWCMode
	defer func() { UsePath(old); convNHWCMode = oldMode }()
	r := rand.New(rand.NewPCG(23, 24))
	mk := func(n, c, k, hw int) ConvShape {
		return ConvShape{N: n, C: c, H: hw, W: hw, K: k, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	}
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, s := range []ConvShape{mk(3, 16, 32, 14), mk(5, 32, 48, 7), mk(4, 64, 32, 3), mk(2, 20, 17, 5)} {
			x, w, dy := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen())
			want, mag := convFwd64(s, x, w, nil)
			wantDx, magDx := convBwdData64(s, dy, w)
			for _, mode := range []int{0, 1} {
				convNHWCMode = mode
				name := fmt.Sprintf("%s mode=%d %+v", p, mode, s)
				y := make([]float32, s.yLen())
				ConvForward(s, x, w, nil, y)
				convClose(t, "fwd "+name, y, want, mag, s.C*9)
				dx := make([]float32, s.xLen())
				ConvBackwardData(s, dy, w, dx)
				convClose(t, "bwd_data "+name, dx, wantDx, magDx, s.K*9)
			}
		}
	}
}
