package umap

import (
	"errors"
	"math"
	"sort"
)

// ConnectedComponents labels the components of the (symmetric) graph.
func ConnectedComponents(g *Graph) (labels []int32, count int) {
	labels = make([]int32, g.N)
	for i := range labels {
		labels[i] = -1
	}
	stack := []int32{}
	for s := 0; s < g.N; s++ {
		if labels[s] >= 0 {
			continue
		}
		labels[s] = int32(count)
		stack = append(stack[:0], int32(s))
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for p := g.Indptr[v]; p < g.Indptr[v+1]; p++ {
				if j := g.Indices[p]; labels[j] < 0 {
					labels[j] = int32(count)
					stack = append(stack, j)
				}
			}
		}
		count++
	}
	return labels, count
}

var errSpectral = errors.New("umap: spectral initialisation did not converge")

// SpectralLayout returns the dim eigenvectors (n x dim, row-major) of the
// normalised Laplacian I - D^-1/2 W D^-1/2 for its smallest non-zero
// eigenvalues. It runs Lanczos with full reorthogonalisation on
// M = D^-1/2 W D^-1/2 with the known top eigenvector D^1/2 1 projected out,
// restarting from the wanted Ritz vectors until their residuals are below
// tol. The graph must be connected; an error means the caller should fall
// back to a random layout.
func SpectralLayout(g *Graph, dim int, seed int64, threads int) ([]float64, error) {
	n := g.N
	threads = defaultThreads(threads)
	if n < dim+2 {
		return nil, errors.New("umap: too few points for a spectral layout")
	}
	if _, nc := ConnectedComponents(g); nc > 1 {
		return nil, errors.New("umap: graph is disconnected")
	}
	deg := make([]float64, n)
	for i := 0; i < n; i++ {
		for p := g.Indptr[i]; p < g.Indptr[i+1]; p++ {
			deg[i] += float64(g.Data[p])
		}
		if deg[i] <= 0 {
			return nil, errors.New("umap: graph has an isolated vertex")
		}
	}
	dinv := make([]float64, n)
	u0 := make([]float64, n) // trivial eigenvector, eigenvalue 1 of M
	var s float64
	for i := range deg {
		dinv[i] = 1 / math.Sqrt(deg[i])
		u0[i] = math.Sqrt(deg[i])
		s += deg[i]
	}
	for i := range u0 {
		u0[i] /= math.Sqrt(s)
	}
	matvec := func(x, y []float64) {
		parallelRange(threads, n, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				var acc float64
				for p := g.Indptr[i]; p < g.Indptr[i+1]; p++ {
					j := g.Indices[p]
					acc += float64(g.Data[p]) * dinv[j] * x[j]
				}
				y[i] = dinv[i] * acc
			}
		})
	}
	m := max(2*dim+1, int(math.Sqrt(float64(n))), 4*dim+20)
	if m > n-1 {
		m = n - 1
	}
	const tol = 1e-4
	const maxRestarts = 30
	v := make([]float64, n)
	r := newRNG(uint64(seed), 0x737065)
	for i := range v {
		v[i] = r.norm()
	}
	var ritz []float64
	for restart := 0; restart <= maxRestarts; restart++ {
		vals, vecs, res, err := lanczos(matvec, u0, v, m, dim, threads)
		if err != nil {
			return nil, err
		}
		ritz = vecs
		ok := true
		for _, e := range res {
			if e > tol {
				ok = false
			}
		}
		_ = vals
		if ok {
			return ritz, nil
		}
		// restart from the sum of the wanted Ritz vectors, with a larger
		// Krylov space (up to 400 vectors): a single-vector restart alone
		// stalls on dense spectra, where ARPACK's implicit restarts (which
		// umap-learn uses) keep more of the space
		m = min(2*m, max(m, 400), n-1)
		for i := range v {
			var acc float64
			for c := 0; c < dim; c++ {
				acc += ritz[i*dim+c]
			}
			v[i] = acc
		}
	}
	return nil, errSpectral
}

// lanczos builds an m-step Krylov basis of M from v (orthogonal to u0), and
// returns the dim largest Ritz values, their vectors (n x dim) and residual
// norms |beta_m * s_m|.
func lanczos(matvec func(x, y []float64), u0, v0 []float64, m, dim, threads int) ([]float64, []float64, []float64, error) {
	n := len(u0)
	norm := func(x []float64) float64 { return math.Sqrt(vdot(x, x)) }
	V := make([][]float64, 0, m+1)
	alpha := make([]float64, 0, m)
	beta := make([]float64, 0, m)
	w := make([]float64, n)
	q := append([]float64(nil), v0...)
	// Row chunks of fixed size: partial dot products are summed in chunk
	// order, so the result does not depend on the thread count.
	const chunk = 2048
	nch := (n + chunk - 1) / chunk
	var partial []float64
	orth := func(x []float64, basis [][]float64) {
		// classical Gram-Schmidt against u0 and the basis; a second pass
		// only when the first removed most of x (Kahan's "twice is enough")
		all := append([][]float64{u0}, basis...)
		nb := len(all)
		coef := make([]float64, nb)
		if cap(partial) < nch*nb {
			partial = make([]float64, nch*nb)
		}
		partial = partial[:nch*nb]
		for pass := 0; pass < 2; pass++ {
			before := norm(x)
			parallelTasks(threads, nch, func(_, c int) {
				lo, hi := c*chunk, min((c+1)*chunk, n)
				for b, vb := range all {
					partial[c*nb+b] = vdot(vb[lo:hi], x[lo:hi])
				}
			})
			for b := range coef {
				coef[b] = 0
				for c := 0; c < nch; c++ {
					coef[b] += partial[c*nb+b]
				}
			}
			parallelTasks(threads, nch, func(_, c int) {
				lo, hi := c*chunk, min((c+1)*chunk, n)
				for b, vb := range all {
					vaxpy(-coef[b], vb[lo:hi], x[lo:hi])
				}
			})
			if norm(x) > 0.7*before {
				break
			}
		}
	}
	orth(q, nil)
	nq := norm(q)
	if nq == 0 || math.IsNaN(nq) {
		return nil, nil, nil, errSpectral
	}
	for i := range q {
		q[i] /= nq
	}
	V = append(V, q)
	var lastBeta float64
	for j := 0; j < m; j++ {
		matvec(V[j], w)
		alpha = append(alpha, vdot(w, V[j]))
		orth(w, V)
		b := norm(w)
		lastBeta = b
		if j == m-1 {
			break
		}
		if b < 1e-10 { // invariant subspace found
			break
		}
		beta = append(beta, b)
		nv := make([]float64, n)
		for i := range w {
			nv[i] = w[i] / b
		}
		V = append(V, nv)
	}
	k := len(alpha)
	if k < dim {
		return nil, nil, nil, errSpectral
	}
	T := make([]float64, k*k)
	for i := 0; i < k; i++ {
		T[i*k+i] = alpha[i]
		if i+1 < k {
			T[i*k+i+1] = beta[i]
			T[(i+1)*k+i] = beta[i]
		}
	}
	evals, evecs := jacobiEigen(T, k)
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return evals[order[a]] > evals[order[b]] })
	vals := make([]float64, dim)
	res := make([]float64, dim)
	vecs := make([]float64, n*dim)
	for c := 0; c < dim; c++ {
		e := order[c]
		vals[c] = evals[e]
		res[c] = math.Abs(lastBeta * evecs[(k-1)*k+e])
		for t := 0; t < k; t++ {
			coef := evecs[t*k+e]
			vt := V[t]
			for i := 0; i < n; i++ {
				vecs[i*dim+c] += coef * vt[i]
			}
		}
	}
	return vals, vecs, res, nil
}

// jacobiEigen diagonalises the symmetric k x k matrix a (destroyed) by cyclic
// Jacobi rotations; it returns the eigenvalues and the eigenvectors as
// columns of a row-major k x k matrix.
func jacobiEigen(a []float64, k int) ([]float64, []float64) {
	v := make([]float64, k*k)
	for i := 0; i < k; i++ {
		v[i*k+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off, diag float64
		for i := 0; i < k; i++ {
			diag += a[i*k+i] * a[i*k+i]
			for j := i + 1; j < k; j++ {
				off += a[i*k+j] * a[i*k+j]
			}
		}
		if off <= 1e-30*diag || off == 0 {
			break
		}
		for p := 0; p < k; p++ {
			for q := p + 1; q < k; q++ {
				apq := a[p*k+q]
				if math.Abs(apq) < 1e-300 {
					continue
				}
				theta := (a[q*k+q] - a[p*k+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for r := 0; r < k; r++ { // columns p, q
					arp, arq := a[r*k+p], a[r*k+q]
					a[r*k+p] = c*arp - s*arq
					a[r*k+q] = s*arp + c*arq
				}
				for r := 0; r < k; r++ { // rows p, q
					apr, aqr := a[p*k+r], a[q*k+r]
					a[p*k+r] = c*apr - s*aqr
					a[q*k+r] = s*apr + c*aqr
				}
				for r := 0; r < k; r++ {
					vrp, vrq := v[r*k+p], v[r*k+q]
					v[r*k+p] = c*vrp - s*vrq
					v[r*k+q] = s*vrp + c*vrq
				}
			}
		}
	}
	ev := make([]float64, k)
	for i := 0; i < k; i++ {
		ev[i] = a[i*k+i]
	}
	return ev, v
}

// vdot is dot64, in AVX-512 assembly where available.
func vdot(x, y []float64) float64 {
	y = y[:len(x)]
	if len(x) > 0 && useAVX512() {
		return dot64AVX512(&x[0], &y[0], len(x))
	}
	return dot64(x, y)
}

// vaxpy sets y += a*x.
func vaxpy(a float64, x, y []float64) {
	y = y[:len(x)]
	if len(x) > 0 && useAVX512() {
		axpy64AVX512(a, &x[0], &y[0], len(x))
		return
	}
	for i, v := range x {
		y[i] += a * v
	}
}

// dot64 is a float64 dot product with four independent accumulators.
func dot64(a, b []float64) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
