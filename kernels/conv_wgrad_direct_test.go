package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// wgradShapes: channels multiple of 32 (the implicit lowering's panels),
// odd output-channel counts (a partial 12-row block), strides, paddings
// (taps partly or wholly in the padding), non-square and 1x1 filters, and
// more pixels than one depth slice.
func wgradShapes() []ConvShape {
	sq := func(n, c, hw, k, rs, st, pad int) ConvShape {
		return ConvShape{N: n, C: c, H: hw, W: hw, K: k, R: rs, S: rs, StrideH: st, StrideW: st, PadH: pad, PadW: pad}
	}
	return []ConvShape{
		sq(2, 32, 7, 32, 3, 1, 1),
		sq(3, 64, 3, 17, 3, 1, 1),
		sq(1, 32, 5, 1, 3, 1, 0),
		sq(2, 32, 9, 40, 3, 2, 1),
		sq(2, 96, 6, 13, 1, 1, 0),
		sq(7, 32, 7, 33, 3, 1, 1), // 343 pixels: two depth slices
		sq(40, 64, 3, 24, 3, 1, 1),
		{N: 2, C: 32, H: 6, W: 5, K: 12, R: 5, S: 2, StrideH: 2, StrideW: 1, PadH: 2, PadW: 0},
		{N: 1, C: 64, H: 4, W: 11, K: 50, R: 3, S: 3, StrideH: 1, StrideW: 3, PadH: 0, PadW: 2},
		// taps that are in the padding for every output pixel
		{N: 2, C: 32, H: 1, W: 2, K: 20, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 32, H: 2, W: 3, K: 15, R: 5, S: 5, StrideH: 1, StrideW: 2, PadH: 2, PadW: 2},
	}
}

// TestWgradDirect: the implicit-lowering weight gradient (forced on; the
// Go micro-kernel where the path has no assembly one) against the float64
// reference, accumulating into dw, with guard cells around dw.
func TestWgradDirect(t *testing.T) {
	defer func(m int) { wgradDirectMode = m }(wgradDirectMode)
	defer SetThreads(Threads())
	r := rand.New(rand.NewPCG(21, 22))
	for _, s := range wgradShapes() {
		x := convRand(r, s.xLen())
		dy := convRand(r, s.yLen())
		ohw := s.OutH() * s.OutW()
		xl, dyl := nhwcOf(s.N, s.C, s.H*s.W, x), nhwcOf(s.N, s.K, ohw, dy)
		per, magPer, _ := convBwdWeight64(s, x, dy)
		wl := s.WeightLen()
		want, mag := make([]float64, wl), make([]float64, wl)
		for i := range want {
			want[i], mag[i] = 1, 1
			for n := 0; n < s.N; n++ {
				want[i] += per[n*wl+i]
				mag[i] += magPer[n*wl+i]
			}
		}
		var first []float32
		for _, th := range []int{1, 2, 3} {
			SetThreads(th)
			for _, mode := range []int{1, 2} {
				wgradDirectMode = mode
				name := fmt.Sprintf("%+v threads %d mode %d", s, th, mode)
				dw, buf := convGuarded(wl, 1)
				ConvBackwardWeightLayout(s, ConvNHWC, xl, dyl, dw, nil)
				convCheckGuards(t, name, buf)
				convClose(t, name, dw, want, mag, s.N*ohw)
				if mode != 1 || splitThreads(s) > 1 {
					continue // the batch split sums in an order of its own
				}
				if first == nil {
					first = dw
				} else {
					for i := range dw {
						if math.Float32bits(dw[i]) != math.Float32bits(first[i]) {
							t.Fatalf("%s: differs from one thread at %d", name, i)
						}
					}
				}
			}
		}
	}
}

// TestWgradDirectFits: automatic use only for channels-last layers with
// whole panels and the assembly micro-kernel.
func TestWgradDirectFits(t *testing.T) {
	s := ConvShape{N: 2, C: 64, H: 3, W: 3, K: 64, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	want := directAKernel().fn != nil
	if got := wgradDirectFits(s, ConvNHWC); got != want {
		t.Fatalf("NHWC 64->64: %v, want %v", got, want)
	}
	for _, l := range []ConvLayout{{}, {In: true}, {Out: true}} {
		if wgradDirectFits(s, l) {
			t.Fatalf("layout %+v: fits", l)
		}
	}
	s.C = 48
	if wgradDirectFits(s, ConvNHWC) {
		t.Fatal("48 channels: fits")
	}
}

// BenchmarkWgradDirect: the VGG's channels-last weight gradients, implicit
// lowering (mode 0 where it fits) against the im2row product (mode 2),
// alternated in one process; cpu-us/op is this thread's CPU time.
func BenchmarkWgradDirect(b *testing.B) {
	defer SetThreads(Threads())
	defer func(m int) { wgradDirectMode = m }(wgradDirectMode)
	SetThreads(1)
	for _, l := range []struct{ n, c, k, hw int }{
		{1, 32, 128, 7}, {1, 128, 128, 7}, {1, 256, 256, 3}, {4, 256, 256, 3},
		{32, 32, 128, 7}, {32, 128, 128, 7}, {32, 128, 256, 3}, {32, 256, 256, 3}, {128, 256, 256, 3},
	} {
		s := ConvShape{N: l.n, C: l.c, H: l.hw, W: l.hw, K: l.k, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
		r := rand.New(rand.NewPCG(1, 1))
		x, dy := convRand(r, s.xLen()), convRand(r, s.yLen())
		dw := make([]float32, s.WeightLen())
		for _, mode := range []int{0, 2} {
			b.Run(fmt.Sprintf("n=%d/c=%d/k=%d/hw=%d/mode=%d", l.n, l.c, l.k, l.hw, mode), func(b *testing.B) {
				wgradDirectMode = mode
				ConvBackwardWeightLayout(s, ConvNHWC, x, dy, dw, nil)
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				t0 := threadCPU()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					ConvBackwardWeightLayout(s, ConvNHWC, x, dy, dw, nil)
				}
				b.ReportMetric(float64(threadCPU()-t0)/float64(b.N)/1e3, "cpu-us/op")
			})
		}
	}
}
