package umap

import "math"

// SerialLayoutMax is the largest n laid out by optimizeLayoutSerial.
//
// The parallel layouts update every vertex from a snapshot taken at the
// start of the epoch (Jacobi style, moving only the vertex itself, with the
// attraction doubled). On large graphs that matches umap-learn's quality
// (bench/README.md). On small, sparse graphs (a few hundred failures,
// n_neighbors 5, min_dist 0: the framework's setting) it does not: two
// neighbours pulled towards each other's stale positions overshoot early
// in the run, and a compact group can end up as two sub-groups, which
// k-means then reports as two types. umap-learn's own order, where every
// update sees the previous ones and both ends of an edge move, does not
// split them. Below this size that order is cheap (well under a second),
// so it is used there; it is serial and so the same for any thread count.
const SerialLayoutMax = 4095

// optimizeLayoutSerial is umap-learn's single-threaded SGD epoch order:
// edges in graph order, each sampled edge moving both ends (move_other),
// then its negative samples moving the head only, all in place.
func optimizeLayoutSerial(emb []float32, n, dim int, g *Graph, p LayoutParams) {
	eps := EpochsPerSample(g.Data, p.NEpochs)
	nsr := float64(p.NegativeSampleRate)
	next := make([]float64, len(eps))
	epn := make([]float64, len(eps))
	nextNeg := make([]float64, len(eps))
	for e, v := range eps {
		next[e], epn[e] = v, v/nsr
		nextNeg[e] = epn[e]
	}
	a, b, gamma := p.A, p.B, p.RepulsionStrength
	seedKey := splitmix(uint64(p.Seed))
	for epoch := 0; epoch < p.NEpochs; epoch++ {
		alpha := float32(p.LearningRate * (1 - float64(epoch)/float64(p.NEpochs)))
		fe := float64(epoch)
		epochKey := splitmix(seedKey ^ uint64(epoch))
		for j := 0; j < n; j++ {
			cur := emb[j*dim : (j+1)*dim]
			for e := g.Indptr[j]; e < g.Indptr[j+1]; e++ {
				if eps[e] < 0 || next[e] > fe {
					continue
				}
				k := int(g.Indices[e])
				other := emb[k*dim : (k+1)*dim]
				d2 := float64(sqDist(cur, other))
				var gc float32
				if d2 > 0 {
					pb := math.Pow(d2, b)
					gc = float32(-2 * a * b * (pb / d2) / (a*pb + 1))
				}
				for t := range cur {
					gd := clip4(gc*(cur[t]-other[t])) * alpha
					cur[t] += gd
					other[t] -= gd
				}
				next[e] += eps[e]
				nneg := int((fe - nextNeg[e]) / epn[e])
				r := rng{splitmix(epochKey ^ uint64(e))}
				for s := 0; s < nneg; s++ {
					k := r.intn(n)
					if k == j {
						continue
					}
					other := emb[k*dim : (k+1)*dim]
					d2 := float64(sqDist(cur, other))
					if d2 == 0 { // coincident points: push by 4, as the parallel paths
						for t := range cur {
							cur[t] += 4 * alpha
						}
						continue
					}
					pb := math.Pow(d2, b)
					gc := float32(2 * gamma * b / ((0.001 + d2) * (a*pb + 1)))
					for t := range cur {
						cur[t] += clip4(gc*(cur[t]-other[t])) * alpha
					}
				}
				if nneg > 0 {
					nextNeg[e] += float64(nneg) * epn[e]
				}
			}
		}
	}
}
