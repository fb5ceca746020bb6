package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// filterPass sets up the weight-transform part of a pass as run does.
func filterPass(cin, cout, h, pad int, transposed bool, w []float32) *winoPass {
	p := &winoPass{n: 32, h: h, w: h, cin: cin, cout: cout}
	p.weightLayout(pad)
	p.u = make([]float32, p.al.ne*p.ule)
	p.wt = w
	p.transposed = transposed
	return p
}

func BenchmarkWinoFilter(b *testing.B) {
	for _, l := range []struct{ c, k, h int }{{128, 128, 7}, {128, 256, 3}, {256, 256, 3}} {
		for _, tr := range []bool{false, true} {
			for _, pad := range []int{0, 16, 32, 48, 64, 144} {
				r := rand.New(rand.NewPCG(1, 1))
				w := winoRand(r, 9*l.c*l.k)
				cin, cout := l.c, l.k
				if tr {
					cin, cout = cout, cin
				}
				p := filterPass(cin, cout, l.h, pad, tr, w)
				b.Run(fmt.Sprintf("c=%d/k=%d/h=%d/tr=%v/pad=%d", l.c, l.k, l.h, tr, pad), func(b *testing.B) {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					t0 := threadCPU()
					for i := 0; i < b.N; i++ {
						p.filter(0, p.cin, 0, p.cout)
					}
					b.ReportMetric(float64(threadCPU()-t0)/float64(b.N)/1e3, "cpu-us/op")
				})
			}
		}
	}
}
