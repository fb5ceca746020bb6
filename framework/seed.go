package framework

import (
	"hash/fnv"
	"math/rand/v2"
)

// Derive returns the seed of one named random stream of a run. Every stream
// (splits, projections, UMAP, k-means, fine-tuning order) comes from the run's
// single seed, so a results.json is enough to reproduce it.
func Derive(seed uint64, name string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(seed >> (8 * i))
	}
	h.Write(b[:])
	h.Write([]byte(name))
	return h.Sum64()
}

func newRand(seed uint64, name string) *rand.Rand {
	s := Derive(seed, name)
	return rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
}
