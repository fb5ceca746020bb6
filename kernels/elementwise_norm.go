package kernels

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
	sums := make([]float64, nb)
	// block k of buffer i has a global index; forConcat's ranges are
	// multiples of 16 elements but not of sqBlock, so split by blocks here
	starts := make([]int, len(bufs)+1)
	for i, b := range bufs {
		starts[i+1] = starts[i] + (len(b)+sqBlock-1)/sqBlock
	}
	t := min(concatThreads(bufs), nb)
	done := make(chan struct{}, t)
	per := (nb + t - 1) / t
	for s := 0; s < t; s++ {
		lo, hi := s*per, min(nb, (s+1)*per)
		go func() {
			for i, b := range bufs {
				for k := max(lo, starts[i]); k < min(hi, starts[i+1]); k++ {
					o := (k - starts[i]) * sqBlock
					sums[k] = SumSquares(b[o:min(len(b), o+sqBlock)])
				}
			}
			done <- struct{}{}
		}()
	}
	for s := 0; s < t; s++ {
		<-done
	}
	var s float64
	for _, v := range sums {
		s += v
	}
	return s
}

// ScaleAll multiplies every element of every buffer by c, split over the
// kernel threads.
func ScaleAll(bufs [][]float32, c float32) {
	if concatThreads(bufs) == 1 {
		for _, b := range bufs {
			Scale(b, c, b)
		}
		return
	}
	forConcat(bufs, func(i, a, b int) { Scale(bufs[i][a:b], c, bufs[i][a:b]) })
}
