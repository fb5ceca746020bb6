// Package bench holds remedy's benchmarks against its pure-Go and Python
// peers; see README.md for the commands and the figures.
package bench

import (
	"fmt"
	"math/rand"
	"runtime"
	"testing"

	"remedy/kernels"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// BenchmarkSgemm: square C = A*B, row-major, alpha 1, beta 0.
// impl=remedy uses the best path; remedy-<path> forces one; gonum is
// gonum's pure-Go Sgemm, which spreads over GOMAXPROCS goroutines, so
// GOMAXPROCS is set to the thread count for every impl. Besides GFLOP/s
// (wall clock) it reports GFLOP/cpu-s, the work per CPU-second of the
// process, which other load on the machine disturbs far less.
func BenchmarkSgemm(b *testing.B) {
	impls := []string{"remedy"}
	for _, p := range kernels.Paths() {
		if p != "generic" {
			impls = append(impls, "remedy-"+p)
		}
	}
	impls = append(impls, "gonum")
	for _, n := range []int{256, 512, 1024, 2048} {
		r := rand.New(rand.NewSource(1))
		x, y, z := randSlice(r, n*n), randSlice(r, n*n), make([]float32, n*n)
		for _, th := range []int{1, 2} {
			for _, im := range impls {
				b.Run(fmt.Sprintf("n=%d/threads=%d/impl=%s", n, th, im), func(b *testing.B) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(th))
					defer kernels.SetThreads(kernels.Threads())
					kernels.SetThreads(th)
					run := func() { kernels.Sgemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n) }
					switch im {
					case "remedy":
					case "gonum":
						run = func() {
							gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, x, n, y, n, 0, z, n)
						}
					default:
						old := kernels.Path()
						defer kernels.UsePath(old)
						if err := kernels.UsePath(im[len("remedy-"):]); err != nil {
							b.Skip(err)
						}
					}
					run() // warm the pools and caches
					b.ReportAllocs()
					b.ResetTimer()
					cpu0 := processCPU()
					for i := 0; i < b.N; i++ {
						run()
					}
					cpu := (processCPU() - cpu0).Seconds()
					flop := 2 * float64(n) * float64(n) * float64(n) * float64(b.N)
					b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					b.ReportMetric(flop/cpu/1e9, "GFLOP/cpu-s")
				})
			}
		}
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}
