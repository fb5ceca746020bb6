package kernels

import "sync"

// Sum of squares for gradient-norm clipping: float64 accumulation in 32
// fixed lanes (element j of the vectorised part goes to lane j%32), so the
// SIMD loops and the pure-Go twin add the same numbers in the same order
// and agree bit for bit; float32 squares are exact in float64, so each
// addition is the only rounding.

const sqLanes = 32

// SumSquares returns the sum of x[i]^2 accumulated in float64.
func SumSquares(x []float32) float64 {
	var acc [sqLanes]float64
	n := len(x) &^ (sqLanes - 1)
	if n > 0 && !sumSquaresSIMD(x[:n], &acc) {
		sumSquaresGo(x[:n], &acc)
	}
	for l, v := range x[n:] {
		f := float64(v)
		acc[l] += f * f
	}
	// fixed pairwise tree: lanes l and l+16, then l+8, ...
	for h := sqLanes / 2; h >= 1; h /= 2 {
		for l := 0; l < h; l++ {
			acc[l] += acc[l+h]
		}
	}
	return acc[0]
}

// sumSquaresGo adds x[j]^2 to acc[j%32]; len(x) is a multiple of 32.
func sumSquaresGo(x []float32, acc *[sqLanes]float64) {
	for i := 0; i+sqLanes <= len(x); i += sqLanes {
		v := x[i : i+sqLanes : i+sqLanes]
		for l := range acc {
			f := float64(v[l])
			acc[l] += f * f
		}
	}
}

// sqBlock is the block size of SumSquaresAll: each block's sum is computed
// on its own, then the sums are added in order, so the result does not
// depend on how blocks are spread over threads.
const sqBlock = 1 << 16

// SumSquaresAll returns the sum of squares of all buffers (the squared L2
// norm of a model's gradient), in float64, split over the kernel threads.
// The result is the same for any thread count.
func SumSquaresAll(bufs [][]float32) float64 {
	nb := 0
	for _, b := range bufs {
		nb += (len(b) + sqBlock - 1) / sqBlock
	}
	if concatThreads(bufs) == 1 || nb <= 1 {
		var s float64
		for _, b := range bufs {
			for o := 0; o < len(b); o += sqBlock {
				s += SumSquares(b[o:min(len(b), o+sqBlock)])
			}
		}
		return s
	}
	// block k of buffer i has a global index; forConcat's ranges are
	// multiples of 16 elements but not of sqBlock, so split by blocks here,
	// on the shared worker pool (conv_par.go)
	j := sqJobs.Get().(*sqJob)
	j.bufs = bufs
	j.starts = append(j.starts[:0], 0)
	for i, b := range bufs {
		j.starts = append(j.starts, j.starts[i]+(len(b)+sqBlock-1)/sqBlock)
	}
	if cap(j.sums) < nb {
		j.sums = make([]float64, nb)
	}
	j.sums = j.sums[:nb] // every block's sum is written below
	t := min(concatThreads(bufs), nb)
	pieces := min(nb, 0xffff)
	j.par.run(nb, pieces, t, j)
	var sum float64
	for _, v := range j.sums {
		sum += v
	}
	j.bufs = nil
	sqJobs.Put(j)
	return sum
}

// sqJob is one SumSquaresAll call on the worker pool: index k is block k
// of the concatenation, its sum written to sums[k].
type sqJob struct {
	par    parJob
	bufs   [][]float32
	starts []int // first block index of each buffer
	sums   []float64
}

var sqJobs = sync.Pool{New: func() any { return new(sqJob) }}

func (j *sqJob) runRange(lo, hi int) {
	for i, b := range j.bufs {
		for k := max(lo, j.starts[i]); k < min(hi, j.starts[i+1]); k++ {
			o := (k - j.starts[i]) * sqBlock
			j.sums[k] = SumSquares(b[o:min(len(b), o+sqBlock)])
		}
	}
}

// ScaleAll multiplies every element of every buffer by c, split over the
// kernel threads.
func ScaleAll(bufs [][]float32, c float32) {
	forConcat(concatOp{kind: concatScale, bufs: bufs, scale: c})
}
