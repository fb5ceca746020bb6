package umap

import (
	"math"
	"testing"
)

var sinkF float64

func BenchmarkPowTable(b *testing.B) {
	pt := newPowTable(0.8950608779914887)
	x := float32(0.37)
	var s float64
	for i := 0; i < b.N; i++ {
		s += pt.pow(x)
		x += 1e-3
	}
	sinkF = s
}

func BenchmarkMathPow(b *testing.B) {
	x := 0.37
	var s float64
	for i := 0; i < b.N; i++ {
		s += math.Pow(x, 0.8950608779914887)
		x += 1e-3
	}
	sinkF = s
}

func BenchmarkLayout(b *testing.B) {
	const n, d = 2000, 32
	x, _ := blobs(n, d, 8, 1, 9)
	idx, dist, _ := ExactKNN(x, n, d, 15, Euclidean, 2)
	g, _ := FuzzySimplicialSet(idx, dist, n, 15, 1, 1)
	g = PruneGraph(g, 100)
	a, bb, _ := FindAB(1, 0.1)
	emb0 := make([]float32, n*10)
	r := newRNG(1)
	for i := range emb0 {
		emb0[i] = float32(10 * r.float64())
	}
	emb := make([]float32, len(emb0))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		copy(emb, emb0)
		OptimizeLayout(emb, n, 10, g, LayoutParams{A: a, B: bb, NEpochs: 100, LearningRate: 1, NegativeSampleRate: 5, RepulsionStrength: 1, Threads: 1})
	}
}
