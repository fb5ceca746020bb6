//go:build linux

// Tuning aids, skipped unless TUNE is set (TUNE=go measures the pure-Go
// packing): block sizes, packing speed, odd shapes against the naive loop,
// and a profile target. They time the thread's CPU clock, which other load
// on the machine disturbs far less than wall time.
package kernels

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func threadCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

var _ = syscall.Getpid

func TestTune(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	SetThreads(1)
	for _, im := range impls[1:] {
		uk := im.gemm
		kc := 256
		a, b := make([]float32, uk.mr*kc), make([]float32, uk.nr*kc)
		c := make([]float32, uk.mr*uk.nr)
		iters := 200000
		t0 := threadCPU()
		w0 := time.Now()
		for i := 0; i < iters; i++ {
			uk.fn(kc, &a[0], &b[0], &c[0], uk.nr)
		}
		cpu := threadCPU() - t0
		fl := 2 * float64(uk.mr*uk.nr*kc) * float64(iters)
		fmt.Printf("micro %s: %.1f GFLOP/s cpu, %.1f wall\n", im.name, fl/cpu.Seconds()/1e9, fl/time.Since(w0).Seconds()/1e9)
	}
	n := 1024
	x, y, z := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := range x {
		x[i], y[i] = float32(i%7), float32(i%5)
	}
	for _, p := range []string{"avx512", "avx2"} {
		UsePath(p)
		for _, kc := range []int{0} {
			for _, mc := range []int{96, 192, 384} {
				blockKC, blockMC = kc, mc
				Sgemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n)
				best := time.Hour
				for r := 0; r < 7; r++ {
					t0 := threadCPU()
					Sgemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n)
					best = min(best, threadCPU()-t0)
				}
				fmt.Printf("%s kc=%d mc=%d: %.1f GFLOP/s cpu\n", p, kc, mc, 2*float64(n*n*n)/best.Seconds()/1e9)
			}
		}
	}
}

func TestTunePack(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	n := 1024
	x := make([]float32, n*n)
	dst := make([]float32, 192*256+64)
	for _, tr := range []bool{false, true} {
		for _, mr := range []int{12, 6} {
			im := &impls[2]
			if mr == 6 {
				im = &impls[1]
			}
			if os.Getenv("TUNE") == "go" {
				im = &impls[0]
			}
			iters := 2000
			t0 := threadCPU()
			for it := 0; it < iters; it++ {
				packA(im, dst, tr, x, n, (it%5)*192, (it%4)*256, 192, 256, mr, 1.5)
			}
			cpu := threadCPU() - t0
			fmt.Printf("packA trans=%v mr=%d: %.2f ns/elem\n", tr, mr, float64(cpu.Nanoseconds())/float64(iters*192*256))
		}
		for _, nr := range []int{32, 16} {
			im := &impls[2]
			if nr == 16 {
				im = &impls[1]
			}
			if os.Getenv("TUNE") == "go" {
				im = &impls[0]
			}
			iters := 500
			dst := make([]float32, 1024*256+64)
			t0 := threadCPU()
			for it := 0; it < iters; it++ {
				packB(im, dst, tr, x, n, (it%4)*256, 0, 256, 1024, nr)
			}
			cpu := threadCPU() - t0
			fmt.Printf("packB trans=%v nr=%d: %.2f ns/elem\n", tr, nr, float64(cpu.Nanoseconds())/float64(iters*1024*256))
		}
	}
}

func TestTuneShapes(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	SetThreads(1)
	for _, s := range [][5]int{{1024, 1024, 1024, 0, 0}, {1024, 1024, 1024, 1, 0}, {1024, 1024, 1024, 0, 1}, {1024, 1024, 1024, 1, 1}, {32, 100352, 144, 0, 0}, {32, 144, 100352, 0, 1}, {100352, 144, 32, 1, 0}, {2, 4096, 512, 0, 0}, {4, 4096, 512, 0, 0}, {4096, 4, 512, 0, 0}, {4096, 8, 512, 0, 0}, {4096, 8, 512, 1, 0}, {8, 4096, 512, 0, 1}, {4, 4096, 512, 0, 1}, {4096, 2, 512, 0, 0}, {4096, 2, 512, 1, 0}, {2, 4096, 512, 0, 1}, {1, 1024, 1024, 0, 0}, {8, 4096, 256, 0, 0}, {9, 4096, 256, 0, 0}, {4, 4, 4, 0, 0}, {16, 16, 16, 0, 0}, {32, 32, 32, 0, 0}, {64, 64, 64, 0, 0}, {128, 128, 128, 0, 0}, {256, 256, 256, 0, 0}, {256, 256, 256, 1, 1}, {16, 6272, 27, 0, 0}, {6272, 16, 27, 0, 1}} {
		m, n, k := s[0], s[1], s[2]
		tA, tB := s[3] == 1, s[4] == 1
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		lda, ldb := k, n
		if tA {
			lda = m
		}
		if tB {
			ldb = k
		}
		meas := func(f func()) float64 {
			f()
			reps := max(1, 20000000/(m*n*k+1000))
			best := time.Hour
			for r := 0; r < 5; r++ {
				t0 := threadCPU()
				for i := 0; i < reps; i++ {
					f()
				}
				best = min(best, (threadCPU()-t0)/time.Duration(reps))
			}
			return 2 * float64(m*n*k) / best.Seconds() / 1e9
		}
		g := meas(func() { Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, c, n) })
		skinnyMax, skinnyRowsMax = 0, 0
		g0 := meas(func() { Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, c, n) })
		skinnyMax, skinnyRowsMax = 8, 4

		r := meas(func() { sgemmRef(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, c, n) })
		fmt.Printf("%dx%dx%d tA=%v tB=%v: sgemm %.1f GFLOP/s (packed path %.1f), naive %.1f\n", m, n, k, tA, tB, g, g0, r)
	}
}

func TestTuneProfile(t *testing.T) {
	if os.Getenv("TUNE") == "" {
		t.Skip()
	}
	SetThreads(1)
	n := 1024
	x, y, z := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
	for i := 0; i < 60; i++ {
		Sgemm(false, false, n, n, n, 1, x, n, y, n, 0, z, n)
	}
}
