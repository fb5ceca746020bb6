package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"remedy/autograd"
	"remedy/nn"
)

// Training throughput of the residual ICE detector (nn.ResDetector), the
// work ../shared/peers/bench_detector.py measures: 1 x 128 x 128
// standard-normal inputs, 1-3 objects per image on random cells with random
// centre offsets, the peer's loss (BCE-with-logits on objectness + MSE on
// the offsets of object cells), Adam lr 1e-4, batch 32.
//
// BenchmarkTrainStep (bench/train_test.go) runs it as its
// model=icedet/batch=32/threads=T sub-benchmarks, the names.
func benchTrainStepICE(b *testing.B) {
	const batch, size = 32, 128
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("model=icedet/batch=%d/threads=%d", batch, th), func(b *testing.B) {
			withThreads(b, th)
			m := nn.NewICEDetector(1)
			opt := nn.NewAdam(m.Params(), 1e-4, 0)
			rng := rand.New(rand.NewPCG(3, 3))
			x := make([]float32, batch*size*size)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			g := size / nn.DetectorStride
			hw := g * g
			obj := make([]float32, batch*hw)
			ctr := make([]float32, 2*batch*hw)
			for n := 0; n < batch; n++ {
				for k := 1 + rng.IntN(3); k > 0; k-- {
					c := rng.IntN(hw)
					obj[n*hw+c] = 1
					ctr[(2*n)*hw+c], ctr[(2*n+1)*hw+c] = rng.Float32(), rng.Float32()
				}
			}
			mask := make([]float32, len(ctr))
			tp := autograd.NewTape()
			step := func() {
				tp.Reset()
				opt.ZeroGrad()
				cls, reg := m.Forward(tp, autograd.NewTensor(x, batch, 1, size, size))
				loss, err := nn.DetectorLoss(tp, cls, reg, obj, ctr, mask)
				if err != nil {
					b.Fatal(err)
				}
				if err := tp.Backward(loss); err != nil {
					b.Fatal(err)
				}
				opt.Step()
			}
			step()
			step()
			timeLoop(b, batch, "images", step)
		})
	}
}
