package umap

import (
	"remedy/kernels"
	"sync"
	"sync/atomic"
)

// parallelRange splits [0, n) into at most `threads` contiguous ranges and runs
// fn on each concurrently. Worker w always gets the same range for the same
// (n, threads), which keeps per-worker outputs reproducible.
func parallelRange(threads, n int, fn func(w, lo, hi int)) {
	if threads < 1 {
		threads = 1
	}
	if threads > n {
		threads = n
	}
	if threads <= 1 {
		if n > 0 {
			fn(0, 0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		lo, hi := w*n/threads, (w+1)*n/threads
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			fn(w, lo, hi)
		}(w, lo, hi)
	}
	wg.Wait()
}

// parallelBounds runs fn on the ranges [b[w], b[w+1]).
func parallelBounds(b []int, fn func(w, lo, hi int)) {
	if len(b) <= 2 {
		fn(0, b[0], b[len(b)-1])
		return
	}
	var wg sync.WaitGroup
	for w := 0; w+1 < len(b); w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			fn(w, b[w], b[w+1])
		}(w)
	}
	wg.Wait()
}

// parallelTasks runs fn(w, i) for i in [0, n) with dynamic scheduling. Only
// use it where the work for item i does not depend on which worker runs it.
func parallelTasks(threads, n int, fn func(w, i int)) {
	if threads < 1 {
		threads = 1
	}
	if threads > n {
		threads = n
	}
	if threads <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(w, i)
			}
		}(w)
	}
	wg.Wait()
}

func defaultThreads(t int) int {
	if t >= 1 {
		return t
	}
	return kernels.Threads()
}
