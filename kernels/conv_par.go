package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A small persistent worker pool shared by the convolution passes and the
// GEMM driver. A parallel call cuts its range into fixed pieces (boundaries
// depend only on the size and Threads(), so results do too) and every
// goroutine, the caller included, claims pieces from an atomic counter until
// none is left. The caller never waits for a helper that has not started:
// when the other core is busy (another process, or a helper still asleep)
// it runs the pieces itself instead of idling at the join, which a static
// one-part-per-thread split did for the whole time the helper's thread was
// off the CPU. Jobs live in pooled workspaces, so calls allocate nothing.

type rangeJob interface{ runRange(lo, hi int) }

// parJob is the shared state of one parallel call at a time; it is reused
// by its owner (a workspace) call after call.
type parJob struct {
	j     rangeJob
	n     int
	epoch uint32 // owner's call counter (only the owner touches it)
	// state packs epoch<<32 | pieces<<16 | next piece, so a helper that
	// wakes after its call ended sees another epoch and leaves without
	// touching anything else.
	state atomic.Uint64
	done  atomic.Int32
	last  chan struct{} // a helper that finished the last piece sends one token
}

var (
	// parCur is the latest parallel call offered to the helpers. Calls can
	// overwrite each other's offer (nested or concurrent callers): a call
	// whose offer is lost runs its pieces on its own goroutine.
	parCur      atomic.Pointer[parJob]
	parWake     = make(chan struct{}, 64)
	parSleepers atomic.Int32
	parMu       sync.Mutex
	parWorkers  int
)

// parSpin is how long an idle helper keeps polling for the next call before
// it parks. A parked goroutine woken by a channel send is queued on the
// sender's P, where the other P may only steal it after a few microsecond
// sleeps (runtime.runqgrab): profiles of a 2-thread training step showed
// 13% of the CPU in futex and usleep and the helper starting late on every
// hand-off. Consecutive calls of a training step are microseconds apart.
const parSpin = 200 * time.Microsecond

func parEnsureWorkers(n int) {
	parMu.Lock()
	for parWorkers < n {
		parWorkers++
		go parHelper()
	}
	parMu.Unlock()
}

func parHelper() {
	idle := time.Now()
	for spins := 0; ; spins++ {
		if p := parCur.Load(); p != nil {
			epoch := uint32(p.state.Load() >> 32)
			if i, _, ok := p.peek(epoch); ok && i >= 0 {
				if p.work(epoch) {
					p.last <- struct{}{}
				}
				idle, spins = time.Now(), 0
				continue
			}
		}
		if spins&63 != 63 || time.Since(idle) < parSpin {
			runtime.Gosched()
			continue
		}
		parSleepers.Add(1)
		if p := parCur.Load(); p == nil || !p.pending() {
			<-parWake
		}
		parSleepers.Add(-1)
		idle, spins = time.Now(), 0
	}
}

// pending reports whether the current call of p has unclaimed pieces.
func (p *parJob) pending() bool {
	_, _, ok := p.peek(uint32(p.state.Load() >> 32))
	return ok
}

// peek reports the next unclaimed piece of call epoch without claiming it.
func (p *parJob) peek(epoch uint32) (int, int, bool) {
	s := p.state.Load()
	pieces, next := int(s>>16&0xffff), int(s&0xffff)
	if uint32(s>>32) != epoch || next >= pieces {
		return 0, 0, false
	}
	return next, pieces, true
}

// claim takes the next piece of call epoch, if any.
func (p *parJob) claim(epoch uint32) (int, int, bool) {
	for {
		s := p.state.Load()
		pieces, next := int(s>>16&0xffff), int(s&0xffff)
		if uint32(s>>32) != epoch || next >= pieces {
			return 0, 0, false
		}
		if p.state.CompareAndSwap(s, s+1) {
			return next, pieces, true
		}
	}
}

// work runs pieces of call epoch until none is left and reports whether
// this goroutine finished the last one.
func (p *parJob) work(epoch uint32) bool {
	last := false
	for {
		i, pieces, ok := p.claim(epoch)
		if !ok {
			return last
		}
		p.j.runRange(i*p.n/pieces, (i+1)*p.n/pieces)
		if p.done.Add(1) == int32(pieces) {
			last = true
		}
	}
}

// run runs j over [0, n) in the given number of contiguous pieces (at most
// 65535), offering them to nt-1 helpers.
func (p *parJob) run(n, pieces, nt int, j rangeJob) {
	parEnsureWorkers(nt - 1)
	if p.last == nil {
		p.last = make(chan struct{}, 1)
	}
	p.j, p.n = j, n
	p.epoch++
	p.done.Store(0)
	p.state.Store(uint64(p.epoch)<<32 | uint64(pieces)<<16)
	parCur.Store(p)
	for k := min(int(parSleepers.Load()), nt-1); k > 0; k-- {
		select {
		case parWake <- struct{}{}:
		default:
		}
	}
	if !p.work(p.epoch) {
		// a helper runs the last piece: poll briefly (parking would hand
		// this goroutine to the helper's P when it finishes), then block
		// for its token
		for t0, i := time.Now(), 0; p.done.Load() < int32(pieces); i++ {
			if i&63 == 63 && time.Since(t0) > parSpin {
				break
			}
			runtime.Gosched()
		}
		<-p.last
	}
	p.j = nil
}

// convMinParallel is the element count below which splitting is not worth a
// hand-off to another goroutine.
const convMinParallel = 1 << 14

// parallelRange runs j over [0, n) split into contiguous parts, one per
// thread (Threads()); see parJob. work is a rough element count used to stay
// serial for small jobs. Each index is handled by exactly one part, so as
// long as jobs write disjoint outputs per index the result does not depend
// on the thread count.
func parallelRange(p *parJob, n, work int, j rangeJob) {
	nt := min(Threads(), n, 0xffff)
	if nt <= 1 || work < convMinParallel {
		if n > 0 {
			j.runRange(0, n)
		}
		return
	}
	p.run(n, nt, nt, j)
}

// RangeJob is a loop body for Parallel: RunRange handles indices [lo, hi).
// Handling each index the same way whatever the range keeps results
// independent of the split.
type RangeJob interface{ RunRange(lo, hi int) }

// Parallel runs loops over the kernels' worker pool (for autograd's
// element-wise passes, so they share the helpers and their hand-off with the
// kernels). The zero value is ready; a Parallel serves one call at a time.
type Parallel struct {
	p parJob
	j RangeJob
}

func (q *Parallel) runRange(lo, hi int) { q.j.RunRange(lo, hi) }

// For runs j over [0, n) in Threads() contiguous pieces (fewer when n is
// smaller), on the calling goroutine and the pool's helpers. Passing j as a
// pointer to a reused struct keeps the call allocation-free.
func (q *Parallel) For(n int, j RangeJob) {
	nt := min(Threads(), n, 0xffff)
	if nt <= 1 {
		if n > 0 {
			j.RunRange(0, n)
		}
		return
	}
	q.j = j
	q.p.run(n, nt, nt, q)
	q.j = nil
}
