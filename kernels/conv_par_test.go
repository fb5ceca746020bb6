package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// countJob counts how often each index is visited; nested > 0 makes every
// piece start a parallel call of its own.
type countJob struct {
	hits   []int32
	nested int
	mu     sync.Mutex
}

func (j *countJob) runRange(lo, hi int) {
	for i := lo; i < hi; i++ {
		j.mu.Lock()
		j.hits[i]++
		j.mu.Unlock()
	}
	if j.nested > 0 {
		var p parJob
		inner := &countJob{hits: make([]int32, j.nested)}
		parallelRange(&p, j.nested, 1<<20, inner)
		for i, h := range inner.hits {
			if h != 1 {
				panic(fmt.Sprintf("nested index %d visited %d times", i, h))
			}
		}
	}
}

// TestParallelRangeCoverage: every index runs exactly once, also with
// nested calls and several goroutines calling at once (offers overwrite
// each other; a caller must then do its pieces itself).
func TestParallelRangeCoverage(t *testing.T) {
	defer SetThreads(Threads())
	for _, nt := range []int{1, 2, 3, 4} {
		SetThreads(nt)
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var p parJob
				for rep := 0; rep < 200; rep++ {
					n := 1 + (rep*7+g)%37
					j := &countJob{hits: make([]int32, n)}
					if rep%5 == 0 {
						j.nested = 3 + rep%4
					}
					parallelRange(&p, n, 1<<20, j)
					for i, h := range j.hits {
						if h != 1 {
							t.Errorf("threads=%d n=%d: index %d visited %d times", nt, n, i, h)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
	}
}

// TestConvBatchSplitSame: the channels-last passes split over the batch give
// the same bits as the serial ones (each image is computed by the same
// chunk-independent arithmetic), and the split really happens.
func TestConvBatchSplitSame(t *testing.T) {
	oldTh, oldMin := Threads(), convNHWCSplitMin
	defer func() { SetThreads(oldTh); convNHWCSplitMin = oldMin }()
	r := rand.New(rand.NewPCG(41, 42))
	for _, s := range []ConvShape{
		{N: 7, C: 32, H: 7, W: 7, K: 48, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 5, C: 20, H: 9, W: 6, K: 33, R: 3, S: 2, StrideH: 2, StrideW: 1, PadH: 1, PadW: 0},
		// im2col / col2im paths: few channels, strided, pointwise
		{N: 6, C: 3, H: 12, W: 11, K: 16, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 5, C: 8, H: 16, W: 16, K: 16, R: 3, S: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1},
		{N: 4, C: 8, H: 9, W: 9, K: 16, R: 1, S: 1, StrideH: 1, StrideW: 1},
		{N: 4, C: 256, H: 3, W: 3, K: 2, R: 1, S: 1, StrideH: 1, StrideW: 1},
	} {
		x, w, dy, bias := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen()), convRand(r, s.K)
		run := func(nt int) ([]float32, []float32) {
			SetThreads(nt)
			y, dx := make([]float32, s.yLen()), make([]float32, s.xLen())
			ConvForward(s, x, w, bias, y)
			ConvBackwardData(s, dy, w, dx)
			return y, dx
		}
		convNHWCSplitMin = 1
		oldWork := minParallelWork
		minParallelWork = 1
		y1, dx1 := run(1)
		for _, nt := range []int{2, 3} {
			y, dx := run(nt)
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(y1[i]) {
					t.Fatalf("%+v threads=%d: forward element %d differs", s, nt, i)
				}
			}
			for i := range dx {
				if math.Float32bits(dx[i]) != math.Float32bits(dx1[i]) {
					t.Fatalf("%+v threads=%d: backward-data element %d differs", s, nt, i)
				}
			}
		}
		minParallelWork = oldWork
		want, mag := convFwd64(s, x, w, bias)
		convClose(t, "batch-split fwd", y1, want, mag, s.C*s.R*s.S)
		wantDx, magDx := convBwdData64(s, dy, w)
		convClose(t, "batch-split bwd_data", dx1, wantDx, magDx, s.K*s.R*s.S)
	}
}
