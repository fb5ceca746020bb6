package framework

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"remedy/kernels"
)

// The embedding methods' types (gradient, feature) are stored beside the
// fine-tuning runs: a resumed analysis starts at once instead of embedding
// and running UMAP again, and it keeps the types its stored runs were
// trained on even when a newer build (other rounding, other UMAP layout)
// would find different ones.
type storedTypes struct {
	Method   string     `json:"method"`
	K        int        `json:"k"`
	Names    []string   `json:"names"`
	Assign   []int      `json:"assign"`
	SetAside []SetAside `json:"set_aside,omitempty"`
	Dim      int        `json:"embed_dim"`

	Ks          []int     `json:"ks"`
	Silhouettes []Num     `json:"silhouettes"`
	Inertias    []float64 `json:"inertias"`
	BestK       int       `json:"best_k"`
	Reduced     []float32 `json:"reduced"`
	Plane       []float32 `json:"plane"`
	Centre      []float64 `json:"centre"`

	Made    string `json:"made"`    // when, UTC
	Kernels string `json:"kernels"` // kernel path of the run that made them
	Build   string `json:"build"`   // binary that made them (empty before it was recorded)
}

// TypesOrigin says where a method's types came from: made by this run, or
// reused from the store (then when, and by which build).
type TypesOrigin struct {
	Reused  bool   `json:"reused"`
	Made    string `json:"made"`
	Build   string `json:"build"`
	Kernels string `json:"kernels"`
}

func typesKey(method string) string { return method + "/types" }

// typesFingerprint identifies what the types depend on: the method and its
// settings, the failures, and the model's parameters when the learner can
// hash them.
func typesFingerprint(method string, e *Evaluation, cfg AnalyzeConfig, base Learner) (string, error) {
	model := ""
	if c, ok := base.(Checkpointer); ok {
		var err error
		if model, err = paramHash(c); err != nil {
			return "", err
		}
	}
	return Fingerprint(struct {
		Method  string
		Seed    uint64
		Cluster ClusterOptions
		Embed   EmbedOptions
		F       []int
		Model   string
	}{method, cfg.Seed, cfg.Cluster, cfg.Embed, e.F, model}), nil
}

// check rejects a stored record that does not fit the failures.
func (s *storedTypes) check(n int) error {
	switch {
	case len(s.Assign) != n:
		return fmt.Errorf("%d assignments for %d failures", len(s.Assign), n)
	case s.K < 1 || len(s.Names) != s.K:
		return fmt.Errorf("k %d with %d names", s.K, len(s.Names))
	case len(s.Centre) != n || len(s.Plane) != 2*n || s.Dim < 0:
		return fmt.Errorf("clustering arrays of the wrong size")
	case s.BestK < 1 || len(s.Reduced)%n != 0:
		return fmt.Errorf("best k %d, %d reduced values for %d failures", s.BestK, len(s.Reduced), n)
	}
	for i, a := range s.Assign {
		if a < -1 || a >= s.K {
			return fmt.Errorf("failure %d assigned to type %d of %d", i, a, s.K)
		}
	}
	return nil
}

// findTypesStored is FindTypes, reusing and saving the embedding methods'
// types through the store.
func findTypesStored(method string, base Learner, emb Embedder, e *Evaluation, cfg AnalyzeConfig, store *Store, progress io.Writer, log Progress) (*Types, *Clustering, int, *TypesOrigin, error) {
	if (method != "gradient" && method != "feature") || store == nil || store.Dir == "" {
		// Baselines are cheap and the same under any build: no origin to
		// record (a timestamp would only make reruns differ).
		t, c, d, err := FindTypes(method, e, emb, cfg, progress, log)
		return t, c, d, nil, err
	}
	now := &TypesOrigin{Made: time.Now().UTC().Format("2006-01-02 15:04"), Build: Build(), Kernels: kernels.Path()}
	fp, err := typesFingerprint(method, e, cfg, base)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	key := typesKey(method)
	path := filepath.Join(store.Dir, key+".json")
	var s storedTypes
	if store.Load(key, fp, &s) {
		if err := s.check(len(e.F)); err != nil {
			log("%s: ignoring %s: %v", method, path, err)
		} else {
			build := s.Build
			if build == "" {
				build = "build not recorded"
			}
			log("%s: types reused from %s (made %s, %s, %s kernels)", method, path, s.Made, build, s.Kernels)
			t := &Types{Method: s.Method, K: s.K, Names: s.Names, Assign: s.Assign, SetAside: s.SetAside}
			c := &Clustering{Types: t, Ks: s.Ks, Silhouettes: s.Silhouettes, Inertias: s.Inertias, BestK: s.BestK,
				Reduced: s.Reduced, Plane: s.Plane, Centre: s.Centre}
			return t, c, s.Dim, &TypesOrigin{Reused: true, Made: s.Made, Build: s.Build, Kernels: s.Kernels}, nil
		}
	}
	t, c, d, err := FindTypes(method, e, emb, cfg, progress, log)
	if err != nil {
		return t, c, d, nil, err
	}
	s = storedTypes{Method: t.Method, K: t.K, Names: t.Names, Assign: t.Assign, SetAside: t.SetAside, Dim: d,
		Made: now.Made, Kernels: now.Kernels, Build: now.Build}
	if c != nil {
		s.Ks, s.Silhouettes, s.Inertias, s.BestK = c.Ks, c.Silhouettes, c.Inertias, c.BestK
		s.Reduced, s.Plane, s.Centre = c.Reduced, c.Plane, c.Centre
	}
	if err := store.Save(key, fp, &s); err != nil {
		return nil, nil, 0, nil, err
	}
	return t, c, d, now, nil
}
