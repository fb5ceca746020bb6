package framework

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// countingEmbedder returns three separated groups and counts its calls.
type countingEmbedder struct{ calls int }

func (c *countingEmbedder) GradientEmbedding(cases []int, o EmbedOptions, seed uint64, progress io.Writer) ([]float32, int, error) {
	c.calls++
	const d = 12
	r := rand.New(rand.NewPCG(7, 8))
	x := make([]float32, 0, len(cases)*d)
	for i := range cases {
		for j := 0; j < d; j++ {
			x = append(x, float32(10*float64((i%3)*(j%3))+r.NormFloat64()))
		}
	}
	return x, d, nil
}

func (c *countingEmbedder) FeatureEmbedding(cases []int, o EmbedOptions, seed uint64, progress io.Writer) ([]float32, int, error) {
	return c.GradientEmbedding(cases, o, seed, progress)
}

func typesEval(t *testing.T, nF int) *Evaluation {
	e := &Evaluation{}
	for i := 0; i < nF+5; i++ {
		e.Cases = append(e.Cases, Case{Index: i, Label: 1, Pred: int32(min(1, i/nF)), Correct: i >= nF, Planted: -1})
	}
	require.NoError(t, e.Split())
	return e
}

// typesFixture: 60 failures, k up to 5, an empty store, a counting
// embedder and a log that keeps its lines.
func typesFixture(t *testing.T) (*Evaluation, AnalyzeConfig, *Store, *countingEmbedder, *[]string, Progress) {
	cfg := DefaultAnalyzeConfig()
	cfg.Cluster.KMax = 5
	logs := &[]string{}
	log := func(f string, a ...any) { *logs = append(*logs, fmt.Sprintf(f, a...)) }
	return typesEval(t, 60), cfg, &Store{Dir: t.TempDir()}, &countingEmbedder{}, logs, log
}

func TestStoredTypesReused(t *testing.T) {
	e, cfg, store, emb, logs, log := typesFixture(t)

	t1, c1, d1, o1, err := findTypesStored("gradient", nil, emb, e, cfg, store, nil, log)
	require.NoError(t, err)
	require.Equal(t, 1, emb.calls)
	require.False(t, o1.Reused)
	require.Equal(t, Build(), o1.Build)
	path := filepath.Join(store.Dir, "gradient", "types.json")
	require.FileExists(t, path)

	// A second run takes the stored types: no embedding, same everything
	// the report and the splits use.
	t2, c2, d2, o2, err := findTypesStored("gradient", nil, emb, e, cfg, store, nil, log)
	require.NoError(t, err)
	require.Equal(t, 1, emb.calls, "the embedding was computed again")
	require.Equal(t, TypesOrigin{Reused: true, Made: o1.Made, Build: o1.Build, Kernels: o1.Kernels}, *o2,
		"the reused types must say when and by which build they were made")
	require.Equal(t, t1, t2)
	require.Equal(t, d1, d2)
	require.Equal(t, c1.Ks, c2.Ks)
	require.Equal(t, c1.Silhouettes, c2.Silhouettes)
	require.Equal(t, c1.Inertias, c2.Inertias)
	require.Equal(t, c1.BestK, c2.BestK)
	require.Equal(t, c1.Reduced, c2.Reduced)
	require.Equal(t, c1.Plane, c2.Plane)
	require.Equal(t, c1.Centre, c2.Centre)
	require.Contains(t, (*logs)[len(*logs)-1], "types reused from "+path)

	// Other inputs (another seed, other failures) are not served from it.
	cfg2 := cfg
	cfg2.Seed = 9
	_, _, _, _, err = findTypesStored("gradient", nil, emb, e, cfg2, store, nil, log)
	require.NoError(t, err)
	require.Equal(t, 2, emb.calls)
	_, _, _, _, err = findTypesStored("gradient", nil, emb, typesEval(t, 61), cfg2, store, nil, log)
	require.NoError(t, err)
	require.Equal(t, 3, emb.calls)

	// Baselines are cheap and are not stored, nor given an origin.
	_, _, _, o3, err := findTypesStored("random", nil, emb, e, cfg, store, nil, log)
	require.NoError(t, err)
	require.Nil(t, o3)
	require.NoFileExists(t, filepath.Join(store.Dir, "random", "types.json"))
}

func TestStoredTypesBadFile(t *testing.T) {
	e, cfg, store, emb, logs, log := typesFixture(t)
	want, _, _, _, err := findTypesStored("feature", nil, emb, e, cfg, store, nil, log)
	require.NoError(t, err)
	path := filepath.Join(store.Dir, "feature", "types.json")
	good, err := os.ReadFile(path)
	require.NoError(t, err)

	// Truncated: not JSON, recomputed (and rewritten).
	require.NoError(t, os.WriteFile(path, good[:len(good)/2], 0o644))
	got, _, _, _, err := findTypesStored("feature", nil, emb, e, cfg, store, nil, log)
	require.NoError(t, err)
	require.Equal(t, 2, emb.calls)
	require.Equal(t, want, got)

	// Right fingerprint, inconsistent content: named in the log, recomputed.
	bad := strings.Replace(string(good), `"k": `, `"k": 1`, 1)
	require.NotEqual(t, string(good), bad)
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o644))
	got, _, _, _, err = findTypesStored("feature", nil, emb, e, cfg, store, nil, log)
	require.NoError(t, err)
	require.Equal(t, 3, emb.calls)
	require.Equal(t, want, got)
	found := false
	for _, l := range *logs {
		found = found || strings.Contains(l, "ignoring "+path)
	}
	require.True(t, found, "%q", *logs)
}
