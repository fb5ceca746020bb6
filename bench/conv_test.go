package bench

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"remedy/kernels"
)

// convLayers are the paper's VGG layers (3x3, pad 1, stride 1) at the input
// size each sees, plus the 1x1 head.
var convLayers = []struct {
	name         string
	c, k, hw, rs int
	stride, pad  int
}{
	{"3-16x28", 3, 16, 28, 3, 1, 1},
	{"16-32x14", 16, 32, 14, 3, 1, 1},
	{"32-128x7", 32, 128, 7, 3, 1, 1},
	{"128-128x7", 128, 128, 7, 3, 1, 1},
	{"128-256x3", 128, 256, 3, 3, 1, 1},
	{"256-256x3", 256, 256, 3, 3, 1, 1},
	{"256-2x3", 256, 2, 3, 1, 1, 0},
}

const convBatch = 128

// detectorLayers are the residual detector's convolutions on a 1x128x128
// frame (five blocks, 8..128 channels, stride 2 at block starts, 1x1
// stride-2 projections), at batch detectorBatch.
var detectorLayers = []struct {
	name         string
	c, k, hw, rs int
	stride, pad  int
}{
	{"1-8x128s2", 1, 8, 128, 3, 2, 1},
	{"8-8x64", 8, 8, 64, 3, 1, 1},
	{"8-16x64s2", 8, 16, 64, 3, 2, 1},
	{"16-16x32", 16, 16, 32, 3, 1, 1},
	{"16-32x32s2", 16, 32, 32, 3, 2, 1},
	{"64-128x8s2", 64, 128, 8, 3, 2, 1},
	{"128-128x4", 128, 128, 4, 3, 1, 1},
	{"proj8-16x64s2", 8, 16, 64, 1, 2, 0},
}

const detectorBatch = 16

// BenchmarkConv reports GFLOP/s (2*N*K*C*R*S*OH*OW per pass, also for the
// passes that run as Winograd with fewer multiplies) for each pass, and for
// pass=gemm the plain Sgemm of the same M x N x K (K x N*OH*OW x
// C*R*S, no lowering), the yardstick the conv passes are compared with.
func BenchmarkConv(b *testing.B) { benchConv(b, convLayers, convBatch) }

// BenchmarkConvDetector is BenchmarkConv for the detector's shapes.
func BenchmarkConvDetector(b *testing.B) { benchConv(b, detectorLayers, detectorBatch) }

func benchConv(b *testing.B, layers []struct {
	name         string
	c, k, hw, rs int
	stride, pad  int
}, batch int) {
	for _, l := range layers {
		s := kernels.ConvShape{N: batch, C: l.c, H: l.hw, W: l.hw, K: l.k, R: l.rs, S: l.rs,
			StrideH: l.stride, StrideW: l.stride, PadH: l.pad, PadW: l.pad}
		r := rand.New(rand.NewPCG(1, uint64(l.c)))
		rnd := func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = r.Float32() - 0.5
			}
			return v
		}
		ohw := s.OutH() * s.OutW()
		crs := s.C * s.R * s.S
		x := rnd(s.N * s.C * s.H * s.W)
		w := rnd(s.WeightLen())
		bias := rnd(s.K)
		dy := rnd(s.N * s.K * ohw)
		y := make([]float32, len(dy))
		dx := make([]float32, len(x))
		dw := make([]float32, len(w))
		db := make([]float32, s.K)
		var per []float32
		flops := 2 * float64(s.N) * float64(s.K) * float64(crs) * float64(ohw)
		passes := []struct {
			name string
			fn   func()
		}{
			{"fwd", func() { kernels.ConvForward(s, x, w, bias, y) }},
			{"bwd_data", func() { kernels.ConvBackwardData(s, dy, w, dx) }},
			{"bwd_weight", func() { kernels.ConvBackwardWeight(s, x, dy, dw, db) }},
			{"per_sample_weight", func() { kernels.ConvPerSampleWeight(s, x, dy, per) }},
			{"gemm", nil},
		}
		for _, p := range passes {
			b.Run(fmt.Sprintf("layer=%s/pass=%s", l.name, p.name), func(b *testing.B) {
				fn := p.fn
				switch p.name {
				case "per_sample_weight":
					per = make([]float32, s.N*s.WeightLen())
				case "gemm":
					bm := make([]float32, crs*s.N*ohw)
					cm := make([]float32, s.K*s.N*ohw)
					fn = func() {
						kernels.Sgemm(false, false, s.K, s.N*ohw, crs, 1, w, crs, bm, s.N*ohw, 0, cm, s.N*ohw)
					}
				}
				fn() // warm the workspaces
				b.ReportAllocs()
				b.ResetTimer()
				c0 := processCPU()
				for i := 0; i < b.N; i++ {
					fn()
				}
				cpu := processCPU() - c0
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				// Per CPU-second of this process (all threads, incl. runtime
				// spinning): less sensitive than wall time to other processes
				// on a shared machine; with T threads fully busy it is about
				// GFLOP/s divided by T.
				if cpu > 0 {
					b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
				}
				if p.name == "per_sample_weight" {
					per = nil
				}
			})
		}
	}
}

// processCPU is the user+system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkElementwise runs autograd's element-wise kernels on the VGG's
// first activation (128 x 16 x 28 x 28 floats, random signs), reporting
// ns per element.
func BenchmarkElementwise(b *testing.B) {
	const n = 128 * 16 * 28 * 28
	r := rand.New(rand.NewPCG(3, 4))
	x, y, dst := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = r.Float32() - 0.5
		y[i] = r.Float32()
	}
	arg := make([]int32, n/4)
	logits := make([]float32, 128*10)
	for i := range logits {
		logits[i] = 4 * (r.Float32() - 0.5)
	}
	labels := make([]int32, 128)
	loss, grad := make([]float32, 128), make([]float32, 128*10)
	ops := []struct {
		name  string
		elems int
		fn    func()
	}{
		{"Add", n, func() { kernels.Add(dst, x, y) }},
		{"Scale", n, func() { kernels.Scale(dst, 0.5, x) }},
		{"Axpy", n, func() { kernels.Axpy(0.5, x, dst) }},
		{"Relu", n, func() { kernels.Relu(dst, x) }},
		{"ReluBackward", n, func() { kernels.ReluBackward(dst, y, x) }},
		{"MaxPool2x2", n, func() { kernels.MaxPool2x2(128*16, 28, 28, x, dst, arg) }},
		{"MaxPool2x2Backward", n, func() { kernels.MaxPool2x2Backward(128*16, 28, 28, y, arg, dst) }},
		{"Sum", n, func() { kernels.Sum(x) }},
		{"SpatialMean", n, func() { kernels.SpatialMean(dst, x, 128*16, 28*28) }},
		{"SoftmaxCrossEntropy", 128 * 10, func() { kernels.SoftmaxCrossEntropy(128, 10, logits, labels, loss, grad) }},
	}
	for _, op := range ops {
		b.Run("op="+op.name, func(b *testing.B) {
			op.fn()
			b.ReportAllocs()
			b.ResetTimer()
			c0 := processCPU()
			for i := 0; i < b.N; i++ {
				op.fn()
			}
			cpu := processCPU() - c0
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(op.elems), "ns/elem")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(op.elems), "cpu-ns/elem")
		})
	}
}

// BenchmarkConvLowering is an A/B of the conv methods on the VGG layers at
// batch 128: each pass by direct convolution (where the pass has one: stride
// 1 forward and backward-data), with the channels-last lowering (nhwc),
// with the channel-major one (nchw) and as Winograd (forward and
// backward-data of 3x3 stride-1 layers; GFLOP counted as the direct
// convolution's), alternated in one process so that the GFLOP/cpu-s figures
// compare on a busy machine.
func BenchmarkConvLowering(b *testing.B) {
	for _, l := range convLayers[:6] {
		s := kernels.ConvShape{N: convBatch, C: l.c, H: l.hw, W: l.hw, K: l.k, R: l.rs, S: l.rs,
			StrideH: l.stride, StrideW: l.stride, PadH: l.pad, PadW: l.pad}
		r := rand.New(rand.NewPCG(1, uint64(l.c)))
		rnd := func(n int) []float32 {
			v := make([]float32, n)
			for i := range v {
				v[i] = r.Float32() - 0.5
			}
			return v
		}
		ohw := s.OutH() * s.OutW()
		x, w, dy := rnd(s.N*s.C*s.H*s.W), rnd(s.WeightLen()), rnd(s.N*s.K*ohw)
		y, dx, dw := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
		flops := 2 * float64(s.N) * float64(s.K) * float64(s.C*s.R*s.S) * float64(ohw)
		passes := []struct {
			name string
			fn   func()
		}{
			{"fwd", func() { kernels.ConvForward(s, x, w, nil, y) }},
			{"bwd_data", func() { kernels.ConvBackwardData(s, dy, w, dx) }},
			{"bwd_weight", func() { kernels.ConvBackwardWeight(s, x, dy, dw, nil) }},
		}
		for _, p := range passes {
			for _, m := range []struct {
				name string
				mode int
			}{{"direct", 0}, {"nhwc", 1}, {"nchw", 2}, {"winograd", 3}} {
				if m.mode == 3 && (p.name == "bwd_weight" || l.rs != 3 || l.stride != 1 || l.pad != 1) {
					continue // Winograd covers 3x3 stride-1 forward and backward-data
				}
				b.Run(fmt.Sprintf("layer=%s/pass=%s/lower=%s", l.name, p.name, m.name), func(b *testing.B) {
					direct, nhwc, wino := 2, m.mode, 2
					switch m.mode {
					case 0:
						direct, nhwc = 1, 0
					case 3:
						direct, nhwc, wino = 2, 0, 1
					}
					defer kernels.SetConvDirect(kernels.SetConvDirect(direct))
					defer kernels.SetConvChannelsLast(kernels.SetConvChannelsLast(nhwc))
					defer kernels.SetConvWinograd(kernels.SetConvWinograd(wino))
					p.fn()
					b.ReportAllocs()
					b.ResetTimer()
					c0 := processCPU()
					for i := 0; i < b.N; i++ {
						p.fn()
					}
					if cpu := processCPU() - c0; cpu > 0 {
						b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
					}
				})
			}
		}
	}
}
