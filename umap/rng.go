package umap

import "math"

// Every random stream is derived from the seed and a position (tree, vertex,
// epoch, edge...) through splitmix64, so no generator is ever shared between
// goroutines and results do not depend on scheduling.

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hashKey mixes a seed with any number of stream coordinates.
func hashKey(seed uint64, keys ...uint64) uint64 {
	h := splitmix(seed)
	for _, k := range keys {
		h = splitmix(h ^ k)
	}
	return h
}

// rng is a small splitmix64 generator.
type rng struct{ s uint64 }

func newRNG(seed uint64, keys ...uint64) rng { return rng{hashKey(seed, keys...)} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a value in [0, n) (Lemire's multiply-shift; n < 2^32).
func (r *rng) intn(n int) int {
	return int(((r.next() >> 32) * uint64(n)) >> 32)
}

// float64 returns a value in [0, 1).
func (r *rng) float64() float64 { return float64(r.next()>>11) / (1 << 53) }

// norm returns a standard normal deviate (Box-Muller, one value per call).
func (r *rng) norm() float64 {
	u1 := r.float64()
	for u1 == 0 {
		u1 = r.float64()
	}
	u2 := r.float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}
