package framework

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"remedy/metrics"
)

func TestClusterFailuresRecoversPlantedGroups(t *testing.T) {
	// Four well separated Gaussian groups in 40-D, 60 points each.
	const k, per, d = 4, 60, 40
	r := rand.New(rand.NewPCG(1, 2))
	var x []float32
	var truth []int32
	for g := 0; g < k; g++ {
		centre := make([]float64, d)
		for j := range centre {
			centre[j] = 8 * r.NormFloat64()
		}
		for i := 0; i < per; i++ {
			for j := 0; j < d; j++ {
				x = append(x, float32(centre[j]+r.NormFloat64()))
			}
			truth = append(truth, int32(g))
		}
	}
	n := k * per
	c, err := ClusterFailures("gradient", x, n, d, DefaultClusterOptions(), 3, 2, nil, func(string, ...any) {})
	require.NoError(t, err)
	require.Equal(t, 4, c.BestK, "silhouette %v", c.Silhouettes)
	got := make([]int32, n)
	for i, a := range c.Types.Assign {
		got[i] = int32(a)
	}
	ari, err := metrics.AdjustedRand(truth, got)
	require.NoError(t, err)
	require.Greater(t, ari, 0.95)
	require.Len(t, c.Plane, 2*n)
	require.Equal(t, []int{3, 4, 5, 6, 7, 8, 9, 10}, c.Ks)
}

func TestClusterFailuresTooFew(t *testing.T) {
	_, err := ClusterFailures("feature", make([]float32, 3*5), 3, 5, DefaultClusterOptions(), 1, 1, nil, func(string, ...any) {})
	require.ErrorContains(t, err, "3 failures")
	// Six failures: k range narrows to 3..5 and is logged.
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 6*4)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	var logged int
	c, err := ClusterFailures("feature", x, 6, 4, DefaultClusterOptions(), 1, 1, nil, func(string, ...any) { logged++ })
	require.NoError(t, err)
	require.Equal(t, 1, logged)
	require.Equal(t, []int{3, 4, 5}, c.Ks)
}
