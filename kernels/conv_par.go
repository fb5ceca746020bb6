package kernels

import "sync"

// A small persistent worker pool for the memory-bound parts of convolution
// (im2col, col2im, layout copies). Jobs are pointers to structs living in a
// pooled workspace, so handing them to workers allocates nothing.

type rangeJob interface{ runRange(lo, hi int) }

type convTask struct {
	j      rangeJob
	lo, hi int
	wg     *sync.WaitGroup
}

var (
	convWorkerCh  = make(chan convTask)
	convWorkersMu sync.Mutex
	convNWorkers  int
)

func convEnsureWorkers(n int) {
	convWorkersMu.Lock()
	for convNWorkers < n {
		convNWorkers++
		go func() {
			for t := range convWorkerCh {
				t.j.runRange(t.lo, t.hi)
				t.wg.Done()
			}
		}()
	}
	convWorkersMu.Unlock()
}

// convMinParallel is the element count below which splitting is not worth a
// hand-off to another goroutine.
const convMinParallel = 1 << 14

// parallelRange runs j over [0, n) split into contiguous parts, one per
// thread (Threads()), the first on the calling goroutine. work is a rough
// element count used to stay serial for small jobs. Each index is handled by
// exactly one part, so as long as jobs write disjoint outputs per index the
// result does not depend on the thread count.
func parallelRange(wg *sync.WaitGroup, n, work int, j rangeJob) {
	nt := Threads()
	if nt > n {
		nt = n
	}
	if nt <= 1 || work < convMinParallel {
		if n > 0 {
			j.runRange(0, n)
		}
		return
	}
	convEnsureWorkers(nt - 1)
	wg.Add(nt - 1)
	for t := 1; t < nt; t++ {
		convWorkerCh <- convTask{j: j, lo: t * n / nt, hi: (t + 1) * n / nt, wg: wg}
	}
	j.runRange(0, n/nt)
	wg.Wait()
}
