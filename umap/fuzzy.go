package umap

import (
	"fmt"
	"math"
)

// Graph is a sparse n x n matrix in CSR form (columns sorted within a row).
type Graph struct {
	N       int
	Indptr  []int
	Indices []int32
	Data    []float32
}

// NNZ is the number of stored entries.
func (g *Graph) NNZ() int { return len(g.Indices) }

const (
	smoothKTolerance = 1e-5
	minKDistScale    = 1e-3
)

// SmoothKNNDist finds, for each row of the n x k distance matrix (column 0 is
// the point itself), rho_i (the distance to the local_connectivity-th nearest
// neighbour, interpolated) and sigma_i such that
// sum_{j>=1} exp(-max(0, d_ij - rho_i) / sigma_i) = log2(k), by bisection, with
// umap-learn's floor of 1e-3 times the mean distance on sigma.
func SmoothKNNDist(dist []float32, n, k int, localConnectivity float64) (sigma, rho []float64) {
	const nIter = 64
	target := math.Log2(float64(k))
	sigma = make([]float64, n)
	rho = make([]float64, n)
	var total float64
	for _, v := range dist[:n*k] {
		total += float64(v)
	}
	meanAll := total / float64(n*k)
	nz := make([]float64, 0, k)
	for i := 0; i < n; i++ {
		row := dist[i*k : (i+1)*k]
		nz = nz[:0]
		var rowSum float64
		for _, v := range row {
			rowSum += float64(v)
			if v > 0 {
				nz = append(nz, float64(v))
			}
		}
		if float64(len(nz)) >= localConnectivity {
			index := int(math.Floor(localConnectivity))
			interp := localConnectivity - float64(index)
			if index > 0 {
				rho[i] = nz[index-1]
				if interp > smoothKTolerance {
					rho[i] += interp * (nz[index] - nz[index-1])
				}
			} else {
				rho[i] = interp * nz[0]
			}
		} else if len(nz) > 0 {
			rho[i] = nz[len(nz)-1]
		}
		lo, hi, mid := 0.0, math.Inf(1), 1.0
		for it := 0; it < nIter; it++ {
			var psum float64
			for _, v := range row[1:] {
				if dd := float64(v) - rho[i]; dd > 0 {
					psum += math.Exp(-dd / mid)
				} else {
					psum++
				}
			}
			if math.Abs(psum-target) < smoothKTolerance {
				break
			}
			if psum > target {
				hi = mid
				mid = (lo + hi) / 2
			} else {
				lo = mid
				if math.IsInf(hi, 1) {
					mid *= 2
				} else {
					mid = (lo + hi) / 2
				}
			}
		}
		sigma[i] = mid
		floor := minKDistScale * meanAll
		if rho[i] > 0 {
			floor = minKDistScale * rowSum / float64(k)
		}
		if sigma[i] < floor {
			sigma[i] = floor
		}
	}
	return sigma, rho
}

// Memberships returns the directed membership strengths
// exp(-max(0, d_ij - rho_i)/sigma_i) as an n x k matrix aligned with idx
// (0 for the point itself).
func Memberships(idx []int32, dist []float32, n, k int, sigma, rho []float64) []float32 {
	w := make([]float32, n*k)
	for i := 0; i < n; i++ {
		for t := 0; t < k; t++ {
			j := idx[i*k+t]
			var v float64
			switch {
			case j < 0 || int(j) == i:
				v = 0
			case float64(dist[i*k+t])-rho[i] <= 0 || sigma[i] == 0:
				v = 1
			default:
				v = math.Exp(-(float64(dist[i*k+t]) - rho[i]) / sigma[i])
			}
			w[i*k+t] = float32(v)
		}
	}
	return w
}

// FuzzySimplicialSet builds UMAP's symmetric fuzzy graph from a k-NN result
// (n x k, self first): smoothed memberships A, then
// mix*(A + A^T - A∘A^T) + (1-mix)*(A∘A^T).
func FuzzySimplicialSet(idx []int32, dist []float32, n, k int, localConnectivity, setOpMixRatio float64) (*Graph, error) {
	if n <= 0 || k <= 0 || len(idx) != n*k || len(dist) != n*k {
		return nil, fmt.Errorf("umap: fuzzy set: k-NN arrays have %d/%d entries, want n*k = %d*%d", len(idx), len(dist), n, k)
	}
	for t, j := range idx {
		if int(j) >= n {
			return nil, fmt.Errorf("umap: fuzzy set: neighbour index %d at row %d out of range [0,%d)", j, t/k, n)
		}
	}
	sigma, rho := SmoothKNNDist(dist, n, k, localConnectivity)
	w := Memberships(idx, dist, n, k, sigma, rho)
	a := directedCSR(idx, w, n, k)
	at := transposeCSR(a)
	return fuzzyUnion(a, at, setOpMixRatio), nil
}

// directedCSR turns the n x k membership matrix into CSR with sorted columns,
// dropping zeros (self and empty slots).
func directedCSR(idx []int32, w []float32, n, k int) *Graph {
	g := &Graph{N: n, Indptr: make([]int, n+1)}
	type ent struct {
		j int32
		v float32
	}
	row := make([]ent, 0, k)
	for i := 0; i < n; i++ {
		row = row[:0]
		for t := 0; t < k; t++ {
			if w[i*k+t] != 0 && idx[i*k+t] >= 0 {
				row = append(row, ent{idx[i*k+t], w[i*k+t]})
			}
		}
		// insertion sort: k is small
		for a := 1; a < len(row); a++ {
			for b := a; b > 0 && row[b].j < row[b-1].j; b-- {
				row[b], row[b-1] = row[b-1], row[b]
			}
		}
		for a, e := range row {
			if a > 0 && e.j == row[a-1].j { // duplicate neighbour: keep the first
				continue
			}
			g.Indices = append(g.Indices, e.j)
			g.Data = append(g.Data, e.v)
		}
		g.Indptr[i+1] = len(g.Indices)
	}
	return g
}

func transposeCSR(a *Graph) *Graph {
	n := a.N
	t := &Graph{N: n, Indptr: make([]int, n+1), Indices: make([]int32, a.NNZ()), Data: make([]float32, a.NNZ())}
	for _, j := range a.Indices {
		t.Indptr[j+1]++
	}
	for i := 0; i < n; i++ {
		t.Indptr[i+1] += t.Indptr[i]
	}
	pos := append([]int(nil), t.Indptr[:n]...)
	for i := 0; i < n; i++ {
		for p := a.Indptr[i]; p < a.Indptr[i+1]; p++ {
			j := a.Indices[p]
			t.Indices[pos[j]] = int32(i)
			t.Data[pos[j]] = a.Data[p]
			pos[j]++
		}
	}
	return t
}

func fuzzyUnion(a, at *Graph, mix float64) *Graph {
	n := a.N
	g := &Graph{N: n, Indptr: make([]int, n+1)}
	put := func(j int32, u, v float64) {
		val := mix*(u+v-u*v) + (1-mix)*u*v
		if val != 0 {
			g.Indices = append(g.Indices, j)
			g.Data = append(g.Data, float32(val))
		}
	}
	for i := 0; i < n; i++ {
		p, pe := a.Indptr[i], a.Indptr[i+1]
		q, qe := at.Indptr[i], at.Indptr[i+1]
		for p < pe || q < qe {
			switch {
			case q >= qe || (p < pe && a.Indices[p] < at.Indices[q]):
				put(a.Indices[p], float64(a.Data[p]), 0)
				p++
			case p >= pe || at.Indices[q] < a.Indices[p]:
				put(at.Indices[q], 0, float64(at.Data[q]))
				q++
			default:
				put(a.Indices[p], float64(a.Data[p]), float64(at.Data[q]))
				p++
				q++
			}
		}
		g.Indptr[i+1] = len(g.Indices)
	}
	return g
}
