//go:build abbench

// The in-process A/B of whole training steps imports nn, so it is built
// only on request (go test -tags abbench -run '^$' -bench TrainStepAB
// ./kernels/): the kernels' own tests must not depend on packages above.

package kernels_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"remedy/kernels"
	"remedy/nn"
)

// abCPU is the process's CPU time (all threads).
func abCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

// BenchmarkTrainStepAB: BPVGG training steps with the Winograd U padding
// and the implicit-lowering weight gradient off (A) and on (B), alternated
// in blocks of 5 steps in one process, so that other processes on the
// machine hit both alike. Reports B's process CPU time and wall time as
// fractions of A's (below 1: B faster).
func BenchmarkTrainStepAB(b *testing.B) {
	for _, c := range []struct{ batch, threads int }{{32, 1}, {32, 2}, {128, 1}, {128, 2}} {
		b.Run(fmt.Sprintf("batch=%d/threads=%d", c.batch, c.threads), func(b *testing.B) {
			trainStepAB(b, c.batch, c.threads)
		})
	}
}

func trainStepAB(b *testing.B, batch, threads int) {
	defer kernels.SetThreads(kernels.Threads())
	kernels.SetThreads(threads)
	defer kernels.SetWinoUPadForTest(kernels.SetWinoUPadForTest(32))
	defer kernels.SetWgradDirectForTest(kernels.SetWgradDirectForTest(0))
	m := nn.NewBPVGG(1)
	tr := nn.NewTrainer(m, nn.NewAdam(m.Params(), 1e-4, 0))
	rng := rand.New(rand.NewPCG(2, 1))
	u := make([]uint8, batch*3*28*28)
	for i := range u {
		u[i] = uint8(rng.IntN(256))
	}
	x := make([]float32, len(u))
	if err := nn.ImagesToNCHW(x, u, batch, 3, 3, 28, 28, false); err != nil {
		b.Fatal(err)
	}
	y := make([]int32, batch)
	for i := range y {
		y[i] = int32(rng.IntN(2))
	}
	step := func() {
		if _, err := tr.Step(x, batch, y); err != nil {
			b.Fatal(err)
		}
	}
	set := func(on bool) {
		if on {
			kernels.SetWinoUPadForTest(32)
			kernels.SetWgradDirectForTest(0)
		} else {
			kernels.SetWinoUPadForTest(0)
			kernels.SetWgradDirectForTest(2)
		}
	}
	for _, on := range []bool{false, true} { // warm both configurations
		set(on)
		step()
		step()
	}
	var ta, tb, wa, wb time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i += 5 {
		for _, on := range []bool{false, true} {
			set(on)
			t0, w0 := abCPU(), time.Now()
			for k := 0; k < 5; k++ {
				step()
			}
			if on {
				tb += abCPU() - t0
				wb += time.Since(w0)
			} else {
				ta += abCPU() - t0
				wa += time.Since(w0)
			}
		}
	}
	b.ReportMetric(tb.Seconds()/ta.Seconds(), "B/A-cpu")
	b.ReportMetric(wb.Seconds()/wa.Seconds(), "B/A-wall")
	n := float64((b.N + 4) / 5 * 5)
	b.ReportMetric(n*float64(batch)/wa.Seconds(), "A-images/s")
	b.ReportMetric(n*float64(batch)/wb.Seconds(), "B-images/s")
}
