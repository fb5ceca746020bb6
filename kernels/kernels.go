// Package kernels holds remedy's numeric kernels: SGEMM, convolution and the
// element-wise and reduction operations autograd needs. It is the only package
// that knows about instruction sets; callers get the fastest path available on
// the running CPU, chosen once at start-up (see dispatch.go).
package kernels

import (
	"runtime"
	"sync/atomic"
)

var threads atomic.Int64

func init() { threads.Store(int64(runtime.GOMAXPROCS(0))) }

// SetThreads sets how many goroutines the kernels may use (n < 1 means
// GOMAXPROCS). Results are bit-identical for a given thread count.
func SetThreads(n int) {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	threads.Store(int64(n))
}

// Threads reports the thread count the kernels use.
func Threads() int { return int(threads.Load()) }
