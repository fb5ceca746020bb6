package bench

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"remedy/autograd"
	"remedy/kernels"
	"remedy/nn"
)

// Training, inference, per-sample gradients and batch-1 fine-tuning of the
// paper's classifier (nn.BPVGG), the work ../shared/peers/bench_cnn.py
// --arch ref and bench_persample.py --arch ref --params weights measure.
// Inputs: random uint8 pixels / 255, random binary labels, as the peers.

func bpvggBatch(n int, seed uint64) ([]float32, []int32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	u := make([]uint8, n*3*28*28)
	for i := range u {
		u[i] = uint8(rng.IntN(256))
	}
	x := make([]float32, len(u))
	if err := nn.ImagesToNCHW(x, u, n, 3, 3, 28, 28, false); err != nil {
		panic(err)
	}
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32(rng.IntN(2))
	}
	return x, labels
}

// trainCPU is the user+system CPU time of this process so far. Work per
// CPU-second is reported next to the wall-clock rate: it is far less
// sensitive to other processes on a shared machine (with T busy threads it
// is about the wall rate divided by T).
func trainCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timeLoop runs body b.N times and reports work*b.N per second and per
// CPU-second in unit.
func timeLoop(b *testing.B, work float64, unit string, body func()) {
	b.ReportAllocs()
	b.ResetTimer()
	c0 := trainCPU()
	for i := 0; i < b.N; i++ {
		body()
	}
	cpu := trainCPU() - c0
	b.ReportMetric(work*float64(b.N)/b.Elapsed().Seconds(), unit+"/s")
	if cpu > 0 {
		b.ReportMetric(work*float64(b.N)/cpu.Seconds(), unit+"/cpu-s")
	}
}

func withThreads(b *testing.B, t int) {
	kernels.SetThreads(t)
	b.Cleanup(func() { kernels.SetThreads(0) })
}

// BenchmarkTrainStep: zero grads, forward, cross-entropy, backward, Adam lr
// 1e-4, as the peer's training figure.
func BenchmarkTrainStep(b *testing.B) {
	for _, batch := range []int{32, 128} {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("model=bpvgg/batch=%d/threads=%d", batch, th), func(b *testing.B) {
				withThreads(b, th)
				m := nn.NewBPVGG(1)
				tr := nn.NewTrainer(m, nn.NewAdam(m.Params(), 1e-4, 0))
				x, y := bpvggBatch(batch, 2)
				for i := 0; i < 2; i++ { // warm the tape's arena and Adam state
					if _, err := tr.Step(x, batch, y); err != nil {
						b.Fatal(err)
					}
				}
				timeLoop(b, float64(batch), "images", func() {
					if _, err := tr.Step(x, batch, y); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
	benchTrainStepICE(b)
}

// BenchmarkInfer: no-grad forward of batches of 512 images to logits.
func BenchmarkInfer(b *testing.B) {
	const batch = 512
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("model=bpvgg/batch=%d/threads=%d", batch, th), func(b *testing.B) {
			withThreads(b, th)
			m := nn.NewBPVGG(1)
			p := nn.NewPredictor(m, batch)
			x, _ := bpvggBatch(batch, 3)
			out := make([]float32, batch*2)
			if err := p.Logits(x, batch, out); err != nil {
				b.Fatal(err)
			}
			timeLoop(b, batch, "images", func() {
				if err := p.Logits(x, batch, out); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkPerSampleGrad: each example's gradient of its own cross-entropy
// with respect to the 7 conv weights (1,074,608 values), flattened in
// network order into its row of a preallocated, pre-touched N x 1,074,608
// float32 matrix, as the peer does. One iteration handles perSampleN
// examples in batched chunks.
func BenchmarkPerSampleGrad(b *testing.B) {
	const perSampleN, chunk = 256, 64
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("model=bpvgg/threads=%d", th), func(b *testing.B) {
			withThreads(b, th)
			m := nn.NewBPVGG(1)
			cw := nn.ConvWeights(m)
			off := make([]int, len(cw))
			P := 0
			for i, p := range cw {
				off[i] = P
				P += p.T.Numel()
			}
			if P != nn.BPVGGConvWeightParams {
				b.Fatalf("gradient dimension %d", P)
			}
			out := make([]float32, perSampleN*P) // zeroed by make: pages touched
			for i := range out {
				out[i] = 0
			}
			x, y := bpvggBatch(perSampleN, 4)
			tp := autograd.NewTape()
			per := 3 * 28 * 28
			run := func() {
				for s := 0; s < perSampleN; s += chunk {
					e := min(perSampleN, s+chunk)
					err := nn.PerSampleGrads(tp, m, x[s*per:e*per], e-s, y[s:e], cw, func(i int, rows []float32) {
						l := cw[i].T.Numel()
						for n := 0; n < e-s; n++ {
							copy(out[(s+n)*P+off[i]:(s+n)*P+off[i]+l], rows[n*l:(n+1)*l])
						}
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			run()
			timeLoop(b, perSampleN, "samples", run)
		})
	}
}

// BenchmarkFinetuneStep: the paper's repair protocol, one image per step:
// zero grads, forward, cross-entropy, backward through all parameters, Adam
// lr 1e-6 with coupled weight decay 1e-3.
func BenchmarkFinetuneStep(b *testing.B) {
	for _, th := range []int{1} {
		b.Run(fmt.Sprintf("model=bpvgg/batch=1/threads=%d", th), func(b *testing.B) {
			withThreads(b, th)
			m := nn.NewBPVGG(1)
			tr := nn.NewTrainer(m, nn.NewAdam(m.Params(), 1e-6, 1e-3))
			const pool = 64
			x, y := bpvggBatch(pool, 5)
			per := 3 * 28 * 28
			for i := 0; i < 10; i++ {
				if _, err := tr.Step(x[i*per:(i+1)*per], 1, y[i:i+1]); err != nil {
					b.Fatal(err)
				}
			}
			j := 0
			timeLoop(b, 1, "steps", func() {
				if _, err := tr.Step(x[j*per:(j+1)*per], 1, y[j:j+1]); err != nil {
					b.Fatal(err)
				}
				j = (j + 1) % pool
			})
		})
	}
}
