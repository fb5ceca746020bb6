package framework

import (
	"fmt"
	"io"

	"remedy/kmeans"
	"remedy/umap"
)

// ClusterOptions are the Phase I clustering settings (the paper's code:
// UMAP to 10 dimensions with n_neighbors 5 and min_dist 0, then k-means with
// the best silhouette over k = 3..10).
type ClusterOptions struct {
	Dim        int     `json:"dim"`
	NNeighbors int     `json:"n_neighbors"`
	MinDist    float64 `json:"min_dist"`
	KMin       int     `json:"k_min"`
	KMax       int     `json:"k_max"`
	NInit      int     `json:"n_init"`
}

// DefaultClusterOptions returns the paper's settings.
func DefaultClusterOptions() ClusterOptions {
	return ClusterOptions{Dim: 10, NNeighbors: 5, MinDist: 0, KMin: 3, KMax: 10, NInit: 10}
}

// Clustering is the outcome of clustering the failures' embedding.
type Clustering struct {
	Types       *Types    `json:"-"`
	Ks          []int     `json:"ks"`
	Silhouettes []Num     `json:"silhouettes"`
	Inertias    []float64 `json:"inertias"`
	BestK       int       `json:"best_k"`
	Reduced     []float32 `json:"-"` // n x Dim UMAP embedding that was clustered
	Plane       []float32 `json:"-"` // n x 2 UMAP embedding, for plots only
	Centre      []float64 `json:"-"` // per failure: distance to its type's centre in the reduced space
}

// ClusterFailures reduces an n x d embedding of the failures with UMAP and
// picks the k-means clustering with the best silhouette. The k range is
// narrowed when there are too few failures for it, and that is logged.
func ClusterFailures(method string, x []float32, n, d int, o ClusterOptions, seed uint64, threads int, progress io.Writer, log Progress) (*Clustering, error) {
	if n < 4 {
		return nil, fmt.Errorf("%s clustering: %d failures, need at least 4 to cluster into 3 or more types", method, n)
	}
	kmax := o.KMax
	if kmax > n-1 {
		log("%s clustering: only %d failures, trying k up to %d instead of %d", method, n, n-1, kmax)
		kmax = n - 1
	}
	kmin := min(o.KMin, kmax)
	nn := min(o.NNeighbors, n-1)
	u := umap.Options{NNeighbors: nn, MinDist: o.MinDist, MinDistSet: true, NComponents: o.Dim,
		RandomState: int64(Derive(seed, method+"/umap") >> 1), Threads: threads, Progress: progress}
	red, err := umap.FitTransform(x, n, d, u)
	if err != nil {
		return nil, fmt.Errorf("%s clustering: %w", method, err)
	}
	sel, err := kmeans.Select(red, n, o.Dim, kmin, kmax, kmeans.Options{NInit: o.NInit, Seed: Derive(seed, method+"/kmeans"), Threads: threads})
	if err != nil {
		return nil, fmt.Errorf("%s clustering: %w", method, err)
	}
	var best *kmeans.Result
	for i, k := range sel.Ks {
		if k == sel.BestK {
			best = sel.Results[i]
		}
	}
	u2 := u
	u2.NComponents = 2
	u2.MinDist, u2.NNeighbors = 0.1, min(15, n-1)
	u2.RandomState = int64(Derive(seed, method+"/umap2d") >> 1)
	plane, err := umap.FitTransform(x, n, d, u2)
	if err != nil {
		return nil, fmt.Errorf("%s clustering (2-D view): %w", method, err)
	}
	c := &Clustering{Ks: sel.Ks, Silhouettes: Nums(sel.Silhouettes), Inertias: sel.Inertias, BestK: sel.BestK,
		Reduced: red, Plane: plane, Centre: make([]float64, n)}
	for i, l := range best.Labels {
		var s float64
		for j := 0; j < o.Dim; j++ {
			v := float64(red[i*o.Dim+j] - best.Centers[int(l)*o.Dim+j])
			s += v * v
		}
		c.Centre[i] = s
	}
	c.Types = ClusterTypes(method, best.Labels, best.K)
	return c, nil
}
