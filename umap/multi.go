package umap

import (
	"math"
)

// InitLayout is UMAP's spectral initialisation for any graph: a connected
// graph gets SpectralLayout; a disconnected one gets umap-learn's
// multi-component layout (each component's own spectral layout, scaled to
// half the gap between components and placed at a meta-position: the
// vertices of a cross when there are at most 2*dim components, else a
// spectral layout of the components' centroids in data space). x (n x d) is
// only needed for that last case; components too small or whose eigensolve
// fails get uniform noise around their meta-position. ok is false when the
// connected graph's eigensolve failed (the caller should use a random init).
func InitLayout(x []float32, d int, g *Graph, dim int, metric string, seed int64, threads int) (emb []float64, ok bool) {
	n := g.N
	labels, nc := ConnectedComponents(g)
	if nc == 1 {
		v, err := SpectralLayout(g, dim, seed, threads)
		return v, err == nil
	}
	meta := make([]float64, nc*dim)
	if nc <= 2*dim {
		k := (nc + 1) / 2
		for c := 0; c < nc; c++ {
			if c < k {
				meta[c*dim+c] = 1
			} else {
				meta[c*dim+c-k] = -1
			}
		}
	} else {
		meta = componentLayout(x, d, labels, nc, dim, metric)
	}
	emb = make([]float64, n*dim)
	r := newRNG(uint64(seed), 0x6d756c7469)
	members := make([][]int32, nc)
	for i, l := range labels {
		members[l] = append(members[l], int32(i))
	}
	local := make([]int32, n)
	for _, m := range members {
		for a, i := range m {
			local[i] = int32(a)
		}
	}
	for c := 0; c < nc; c++ {
		// half the distance to the nearest other meta-position
		dr := math.Inf(1)
		for o := 0; o < nc; o++ {
			var s float64
			for t := 0; t < dim; t++ {
				e := meta[c*dim+t] - meta[o*dim+t]
				s += e * e
			}
			if s > 0 {
				dr = math.Min(dr, math.Sqrt(s))
			}
		}
		if math.IsInf(dr, 1) {
			dr = 2
		}
		dr /= 2
		m := members[c]
		var vecs []float64
		if len(m) >= 2*dim && len(m) > dim+1 {
			sub := &Graph{N: len(m), Indptr: make([]int, len(m)+1)}
			for a, i := range m {
				for p := g.Indptr[i]; p < g.Indptr[i+1]; p++ {
					sub.Indices = append(sub.Indices, local[g.Indices[p]])
					sub.Data = append(sub.Data, g.Data[p])
				}
				sub.Indptr[a+1] = len(sub.Indices)
			}
			if v, err := SpectralLayout(sub, dim, seed+int64(c), threads); err == nil {
				vecs = v
			}
		}
		if vecs != nil {
			var mx float64
			for _, v := range vecs {
				mx = math.Max(mx, math.Abs(v))
			}
			for a, i := range m {
				for t := 0; t < dim; t++ {
					emb[int(i)*dim+t] = vecs[a*dim+t]*dr/mx + meta[c*dim+t]
				}
			}
		} else {
			for _, i := range m {
				for t := 0; t < dim; t++ {
					emb[int(i)*dim+t] = -dr + 2*dr*r.float64() + meta[c*dim+t]
				}
			}
		}
	}
	return emb, true
}

// componentLayout embeds the component centroids: the eigenvectors of the
// normalised Laplacian of the affinity exp(-dist^2) for its smallest
// non-trivial eigenvalues, scaled to a maximum of 1.
func componentLayout(x []float32, d int, labels []int32, nc, dim int, metric string) []float64 {
	cent := make([]float64, nc*d)
	cnt := make([]float64, nc)
	for i, l := range labels {
		cnt[l]++
		for t := 0; t < d; t++ {
			cent[int(l)*d+t] += float64(x[i*d+t])
		}
	}
	for c := 0; c < nc; c++ {
		for t := 0; t < d; t++ {
			cent[c*d+t] /= cnt[c]
		}
	}
	A := make([]float64, nc*nc)
	for a := 0; a < nc; a++ {
		for b := 0; b < nc; b++ {
			var dist float64
			if metric == Cosine {
				var dot, na, nb float64
				for t := 0; t < d; t++ {
					dot += cent[a*d+t] * cent[b*d+t]
					na += cent[a*d+t] * cent[a*d+t]
					nb += cent[b*d+t] * cent[b*d+t]
				}
				if na > 0 && nb > 0 {
					dist = 1 - dot/math.Sqrt(na*nb)
				}
			} else {
				for t := 0; t < d; t++ {
					e := cent[a*d+t] - cent[b*d+t]
					dist += e * e
				}
				dist = math.Sqrt(dist)
			}
			A[a*nc+b] = math.Exp(-dist * dist)
		}
	}
	deg := make([]float64, nc)
	for a := 0; a < nc; a++ {
		for b := 0; b < nc; b++ {
			deg[a] += A[a*nc+b]
		}
	}
	L := make([]float64, nc*nc)
	for a := 0; a < nc; a++ {
		for b := 0; b < nc; b++ {
			L[a*nc+b] = -A[a*nc+b] / math.Sqrt(deg[a]*deg[b])
		}
		L[a*nc+a]++
	}
	ev, vec := jacobiEigen(L, nc)
	order := make([]int, nc)
	for i := range order {
		order[i] = i
	}
	for a := 1; a < nc; a++ { // insertion sort by eigenvalue, ties by index
		for b := a; b > 0 && ev[order[b]] < ev[order[b-1]]; b-- {
			order[b], order[b-1] = order[b-1], order[b]
		}
	}
	meta := make([]float64, nc*dim)
	var mx float64
	for c := 0; c < dim && c+1 < nc; c++ {
		e := order[c+1]
		for a := 0; a < nc; a++ {
			meta[a*dim+c] = vec[a*nc+e]
			mx = math.Max(mx, meta[a*dim+c])
		}
	}
	if mx > 0 {
		for i := range meta {
			meta[i] /= mx
		}
	}
	return meta
}
