package framework

import (
	"fmt"
	"io"
	"time"

	"remedy/metrics"
)

// Methods are the failure-typing methods, in report order.
var Methods = []string{"gradient", "feature", "random", "fpfn", "metadata"}

// AnalyzeConfig is everything that decides an analysis' outcome.
type AnalyzeConfig struct {
	Methods  []string       `json:"methods"`
	Protocol Protocol       `json:"protocol"`
	Seed     uint64         `json:"seed"`
	Cluster  ClusterOptions `json:"cluster"`
	Embed    EmbedOptions   `json:"embed"`
	RandomK  int            `json:"random_k"`
	MetaMin  int            `json:"metadata_min_failures"`
	Workers  int            `json:"-"` // fine-tuning runs at once
	Threads  int            `json:"-"` // kernel threads for clustering
	// CheckpointEvery is how often a fine-tuning run saves its state to
	// resume from (0 = DefaultCheckpointEvery, < 0 = never).
	CheckpointEvery time.Duration `json:"-"`
}

// DefaultAnalyzeConfig follows the paper (random baseline with 5 types,
// metadata values with fewer than 3 failures set aside).
func DefaultAnalyzeConfig() AnalyzeConfig {
	return AnalyzeConfig{Methods: Methods, Protocol: FastProtocol(), Cluster: DefaultClusterOptions(),
		Embed: DefaultEmbedOptions(), RandomK: 5, MetaMin: 3, Workers: 1, Threads: 1}
}

// TypeInfo describes one failure type of a method.
type TypeInfo struct {
	Name   string         `json:"name"`
	Size   int            `json:"size"`
	Meta   map[string]int `json:"metadata"` // failures per metadata value
	Labels map[string]int `json:"labels"`   // failures per true label
	Splits [3]int         `json:"split_sizes"`
}

// MethodResult is everything one method found and scored.
type MethodResult struct {
	Name       string             `json:"name"`
	K          int                `json:"k"`
	Types      []TypeInfo         `json:"types"`
	SetAside   []SetAside         `json:"set_aside,omitempty"`
	Clustering *Clustering        `json:"clustering,omitempty"`
	EmbedDim   int                `json:"embedding_dim,omitempty"`
	TypesFrom  *TypesOrigin       `json:"types_from,omitempty"`
	Matrix     [][]float64        `json:"matrix"`
	CTest      []float64          `json:"c_test"`
	Learn      []float64          `json:"learnability"`
	Indep      []Num              `json:"independence"`
	Compat     []float64          `json:"compatibility"`
	Summary    Summary            `json:"summary"`
	PlantedARI *float64           `json:"planted_ari,omitempty"`
	Runs       []TypeRun          `json:"runs"`
	Seconds    map[string]float64 `json:"seconds"`

	types  *Types
	splits *TypeSplits
}

// TypesOf returns the method's types and splits (not serialised whole).
func (m *MethodResult) TypesOf() (*Types, *TypeSplits) { return m.types, m.splits }

// Embedder embeds failures for the clustering methods.
type Embedder interface {
	GradientEmbedding(cases []int, o EmbedOptions, seed uint64, progress io.Writer) ([]float32, int, error)
	FeatureEmbedding(cases []int, o EmbedOptions, seed uint64, progress io.Writer) ([]float32, int, error)
}

// FindTypes runs one typing method on the failures.
func FindTypes(method string, e *Evaluation, emb Embedder, cfg AnalyzeConfig, progress io.Writer, log Progress) (*Types, *Clustering, int, error) {
	// "metadata" types by the first metadata field, "metadata-<field>" by
	// the named one (detection has image type and anatomical location).
	if f := metadataField(e, method); f >= 0 || method == "metadata" {
		if len(e.Meta) == 0 {
			return nil, nil, 0, fmt.Errorf("metadata types: the data has no metadata")
		}
		t, err := MetadataTypes(e, max(f, 0), cfg.MetaMin)
		if err == nil {
			t.Method = method
			for _, s := range t.SetAside {
				log("%s: %q has %d failures (fewer than %d): set aside", method, s.Name, s.Size, cfg.MetaMin)
			}
		}
		return t, nil, 0, err
	}
	switch method {
	case "random":
		t, err := RandomTypes(len(e.F), cfg.RandomK, cfg.Seed)
		return t, nil, 0, err
	case "fpfn":
		t, err := FPFNTypes(e)
		return t, nil, 0, err
	case "gradient", "feature":
		if emb == nil {
			return nil, nil, 0, fmt.Errorf("%s clustering needs a model that can embed its failures", method)
		}
		embed := emb.GradientEmbedding
		if method == "feature" {
			embed = emb.FeatureEmbedding
		}
		x, d, err := embed(e.F, cfg.Embed, cfg.Seed, progress)
		if err != nil {
			return nil, nil, 0, err
		}
		c, err := ClusterFailures(method, x, len(e.F), d, cfg.Cluster, cfg.Seed, cfg.Threads, nil, log)
		if err != nil {
			return nil, nil, 0, err
		}
		log("%s clustering: silhouette best at k = %d", method, c.BestK)
		return c.Types, c, d, nil
	}
	return nil, nil, 0, fmt.Errorf("unknown method %q (want one of %v)", method, Methods)
}

// Describe summarises each type's make-up and split sizes.
func Describe(e *Evaluation, t *Types, sp *TypeSplits, labelNames []string) []TypeInfo {
	out := make([]TypeInfo, t.K)
	for k, members := range t.Members() {
		ti := TypeInfo{Name: t.Names[k], Size: len(members), Meta: map[string]int{}, Labels: map[string]int{}}
		for _, m := range members {
			c := e.Cases[e.F[m]]
			if len(e.Meta) > 0 {
				ti.Meta[metaName(e.Meta[0], c.Meta[0])]++
			}
			ti.Labels[name(labelNames, c.Label)]++
		}
		if sp != nil {
			ti.Splits = sp.Types[k].Sizes()
		}
		out[k] = ti
	}
	return out
}

func metaName(f MetaField, v int32) string { return name(f.Values, v) }

func name(names []string, v int32) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprint(v)
}

// PlantedARI is the adjusted Rand index between the types and the known
// planted failure types, over the failures not set aside; nil when the
// truth is unknown.
func PlantedARI(e *Evaluation, t *Types) *float64 {
	var truth, got []int32
	for i, ci := range e.F {
		p := e.Cases[ci].Planted
		if p < 0 {
			return nil
		}
		if t.Assign[i] < 0 {
			continue
		}
		truth = append(truth, p)
		got = append(got, int32(t.Assign[i]))
	}
	if len(truth) == 0 {
		return nil
	}
	ari, err := metrics.AdjustedRand(truth, got)
	if err != nil {
		return nil
	}
	return &ari
}

// AnalyzeMethod finds one method's types and scores them.
func AnalyzeMethod(method string, base Learner, emb Embedder, e *Evaluation, labelNames []string, cfg AnalyzeConfig, store *Store, progress io.Writer, log Progress) (*MethodResult, error) {
	res := &MethodResult{Name: method, Seconds: map[string]float64{}}
	t0 := time.Now()
	t, c, d, origin, err := findTypesStored(method, base, emb, e, cfg, store, progress, log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	res.TypesFrom = origin
	res.Seconds["types"] = time.Since(t0).Seconds()
	t = SetAsideSmall(t, 3)
	if t.K == 0 {
		return nil, fmt.Errorf("%s: every type has fewer than 3 failures; nothing to score", method)
	}
	sp, err := MakeSplits(e, t, cfg.Seed)
	if err != nil {
		return nil, err
	}
	res.types, res.splits = t, sp
	res.K, res.SetAside, res.Clustering, res.EmbedDim = t.K, t.SetAside, c, d
	res.Types = Describe(e, t, sp, labelNames)
	res.PlantedARI = PlantedARI(e, t)
	log("%s: %d types of sizes %v", method, t.K, sizes(res.Types))
	t1 := time.Now()
	s, runs, err := Quality(base, sp, cfg.Protocol, cfg.Seed, store, method, cfg.Workers, log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	res.Seconds["quality"] = time.Since(t1).Seconds()
	res.Matrix, res.CTest, res.Runs = s.Matrix, s.CTest, runs
	res.Learn, res.Indep, res.Compat, res.Summary = s.Learnability, s.Independence, s.Compatibility, s.Summary
	log("%s: Learnability %s, Independence %s, Compatibility %s", method, s.Summary.Learnability, s.Summary.Independence, s.Summary.Compatibility)
	return res, nil
}

func sizes(t []TypeInfo) []int {
	out := make([]int, len(t))
	for i, ti := range t {
		out[i] = ti.Size
	}
	return out
}
