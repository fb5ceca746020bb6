package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"remedy/rproj"
)

// BenchmarkRandomProjection matches ../shared/peers/bench_rproj.py: 2000
// standard-normal float32 samples projected from 100,000 to 1,000 dims.
// part=fit draws the whole matrix (sklearn's fit), part=transform multiplies
// by a drawn matrix (transform), part=fit_transform streams the blocks
// without keeping them (drawn and multiplied in one pass, nothing cached).
// GFLOP/s counts 2*n*d_in*d_out for the product.
//
// blocks=vgg-conv is the paper's use: per-sample gradients of the reference
// VGG's conv weights (1,074,608) projected per layer, layers of >= 100k
// weights in 100k chunks, 100 dims each (1,500 in all), batches of 100
// samples with the matrices kept.
func BenchmarkRandomProjection(b *testing.B) {
	n, dIn, dOut := 2000, 100_000, 1000
	x := make([]float32, n*dIn)
	rng := rand.New(rand.NewPCG(0, 0))
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := make([]float32, n*dOut)
	flops := 2 * float64(n) * float64(dIn) * float64(dOut)
	name := fmt.Sprintf("n=%d/din=%d/dout=%d", n, dIn, dOut)
	threads := runtime.GOMAXPROCS(0)

	b.Run(name+"/part=fit", func(b *testing.B) {
		start, cpu0 := time.Now(), kmProcCPU()
		for i := 0; i < b.N; i++ {
			p := rproj.New(dIn, dOut, 0)
			p.CacheBytes, p.Threads = int64(dIn)*int64(dOut)*4+(1<<20), threads
			p.Fill()
		}
		b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s")
		reportCPU(b, cpu0)
	})
	b.Run(name+"/part=transform", func(b *testing.B) {
		p := rproj.New(dIn, dOut, 0)
		p.CacheBytes, p.Threads = int64(dIn)*int64(dOut)*4+(1<<20), threads
		p.Fill()
		b.ResetTimer()
		start, cpu0 := time.Now(), kmProcCPU()
		for i := 0; i < b.N; i++ {
			if err := p.Project(y, x, n); err != nil {
				b.Fatal(err)
			}
		}
		s := time.Since(start).Seconds() / float64(b.N)
		b.ReportMetric(s, "s")
		b.ReportMetric(flops/s/1e9, "GFLOP/s")
		reportCPU(b, cpu0)
	})
	b.Run(name+"/part=fit_transform", func(b *testing.B) {
		start, cpu0 := time.Now(), kmProcCPU()
		for i := 0; i < b.N; i++ {
			p := rproj.New(dIn, dOut, 0)
			p.CacheBytes, p.Threads = 0, threads
			if err := p.Project(y, x, n); err != nil {
				b.Fatal(err)
			}
		}
		s := time.Since(start).Seconds() / float64(b.N)
		b.ReportMetric(s, "s")
		b.ReportMetric(flops/s/1e9, "GFLOP/s")
		reportCPU(b, cpu0)
	})

	layers := []int{432, 4608, 36864, 147456, 294912, 589824, 512}
	sizes, outs := rproj.Chunked(layers, 100_000, 100)
	bp, err := rproj.NewBlocks(sizes, outs, 42)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 100
	g := x[:batch*bp.DIn()]
	gy := make([]float32, batch*bp.DOut())
	b.Run(fmt.Sprintf("blocks=vgg-conv/din=%d/dout=%d/batch=%d", bp.DIn(), bp.DOut(), batch), func(b *testing.B) {
		if err := bp.Project(gy, g, batch); err != nil { // draws and keeps the matrices
			b.Fatal(err)
		}
		b.ResetTimer()
		start, cpu0 := time.Now(), kmProcCPU()
		for i := 0; i < b.N; i++ {
			if err := bp.Project(gy, g, batch); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
		s := time.Since(start).Seconds() / float64(b.N)
		b.ReportMetric(batch/s, "samples/s")
		b.ReportMetric(2*batch*float64(bp.DIn())*100/s/1e9, "GFLOP/s")
	})
}

func reportCPU(b *testing.B, cpu0 float64) {
	if cpu0 >= 0 {
		b.ReportMetric((kmProcCPU()-cpu0)/float64(b.N), "cpu-s")
	}
}
