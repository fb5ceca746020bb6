package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"remedy/kernels"
)

// BenchmarkWinograd compares, on the VGG's 3x3 layers at 7x7 and 3x3
// maps, the Winograd F(2x2, 3x3) kernels on channels-last data with the
// GEMM-lowering paths in the same run:
//
//	wino_*:  WinogradForwardNHWC / WinogradBackwardDataNHWC (NHWC in and
//	         out), algorithm chosen per plane (7x7: F(4x4), 3x3: F(3x3));
//	winoM_*: the same forced to F(MxM, 3x3), M = 2, 3, 4
//	nhwc_*:  ConvForwardLayout / ConvBackwardDataLayout with kernels.ConvNHWC
//	nchw_*:  ConvForward / ConvBackwardData on NCHW data, including the
//	         transposes to and from channels-last they do inside
//
// with the Winograd routing of those entry points switched off
// (SetConvWinograd(2)), so that they measure the GEMM lowering.
//
// GFLOP/s counts the direct convolution's 2*N*K*C*9*H*W for every method,
// so the figures compare as speed-ups. The NHWC inputs are transposed once
// outside the timed loop.
func BenchmarkWinograd(b *testing.B) {
	defer kernels.SetThreads(kernels.Threads())
	for _, l := range convLayers[1:6] {
		for _, batch := range []int{32, 128} {
			s := kernels.ConvShape{N: batch, C: l.c, H: l.hw, W: l.hw, K: l.k, R: 3, S: 3,
				StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
			r := rand.New(rand.NewPCG(5, uint64(l.c)))
			rnd := func(n int) []float32 {
				v := make([]float32, n)
				for i := range v {
					v[i] = r.Float32() - 0.5
				}
				return v
			}
			hw := s.H * s.W
			x, w, bias, dy := rnd(s.N*s.C*hw), rnd(s.WeightLen()), rnd(s.K), rnd(s.N*s.K*hw)
			xt, dyt := make([]float32, len(x)), make([]float32, len(dy))
			kernels.ToNHWC(s.N, s.C, hw, x, xt)
			kernels.ToNHWC(s.N, s.K, hw, dy, dyt)
			y, dx := make([]float32, len(dy)), make([]float32, len(x))
			flops := 2 * float64(s.N) * float64(s.K) * float64(s.C) * 9 * float64(hw)
			passes := []struct {
				name string
				fn   func()
			}{
				{"wino_fwd", func() { kernels.WinogradForwardNHWC(s, xt, w, bias, y) }},
				{"wino2_fwd", func() { kernels.WinogradForwardNHWC(s, xt, w, bias, y) }},
				{"wino3_fwd", func() { kernels.WinogradForwardNHWC(s, xt, w, bias, y) }},
				{"wino4_fwd", func() { kernels.WinogradForwardNHWC(s, xt, w, bias, y) }},
				{"nhwc_fwd", func() { kernels.ConvForwardLayout(s, kernels.ConvNHWC, xt, w, bias, y) }},
				{"nchw_fwd", func() { kernels.ConvForward(s, x, w, bias, y) }},
				{"wino_bwd_data", func() { kernels.WinogradBackwardDataNHWC(s, dyt, w, dx) }},
				{"wino2_bwd_data", func() { kernels.WinogradBackwardDataNHWC(s, dyt, w, dx) }},
				{"wino3_bwd_data", func() { kernels.WinogradBackwardDataNHWC(s, dyt, w, dx) }},
				{"wino4_bwd_data", func() { kernels.WinogradBackwardDataNHWC(s, dyt, w, dx) }},
				{"nhwc_bwd_data", func() { kernels.ConvBackwardDataLayout(s, kernels.ConvNHWC, dyt, w, dx) }},
				{"nchw_bwd_data", func() { kernels.ConvBackwardData(s, dy, w, dx) }},
			}
			for _, th := range []int{1, 2} {
				for _, p := range passes {
					name := fmt.Sprintf("layer=%s/batch=%d/pass=%s/threads=%d", l.name, batch, p.name, th)
					b.Run(name, func(b *testing.B) {
						kernels.SetThreads(th)
						switch p.name[:min(5, len(p.name))] {
						case "wino2":
							defer kernels.SetWinogradAlgo(kernels.SetWinogradAlgo(2))
						case "wino3":
							defer kernels.SetWinogradAlgo(kernels.SetWinogradAlgo(3))
						case "wino4":
							defer kernels.SetWinogradAlgo(kernels.SetWinogradAlgo(4))
						case "nhwc_", "nchw_":
							// the GEMM lowering itself, not the Winograd
							// kernels these entry points now route to
							defer kernels.SetConvWinograd(kernels.SetConvWinograd(2))
						}
						p.fn() // warm the workspaces
						b.ReportAllocs()
						b.ResetTimer()
						c0 := processCPU()
						for i := 0; i < b.N; i++ {
							p.fn()
						}
						cpu := processCPU() - c0
						b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
						if cpu > 0 {
							b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
						}
					})
				}
			}
		}
	}
}
