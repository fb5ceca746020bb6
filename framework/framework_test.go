package framework

import (
	"encoding/json"
	"math"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestScoreByHand(t *testing.T) {
	// Worked by hand: row 0 has L=0.9, I=((0.9-0.5)+(0.9-0.3))/2=0.5.
	m := [][]float64{{0.9, 0.5, 0.3}, {0.2, 0.8, 0.2}, {0.1, 0.1, 0.7}}
	s, err := Score(m, []float64{0.95, 0.9, 0.85})
	require.NoError(t, err)
	require.Equal(t, []float64{0.9, 0.8, 0.7}, s.Learnability)
	want := []float64{0.5, 0.6, 0.6}
	for i := range want {
		require.InDelta(t, want[i], float64(s.Independence[i]), 1e-12)
	}
	require.InDelta(t, 0.8, float64(s.Summary.Learnability.Mean), 1e-12)
	// population std of {0.9,0.8,0.7} = sqrt(2/300)
	require.InDelta(t, math.Sqrt(0.02/3), float64(s.Summary.Learnability.Std), 1e-12)
	require.InDelta(t, 0.9, float64(s.Summary.Compatibility.Mean), 1e-12)

	_, err = Score(m, []float64{1})
	require.Error(t, err)
	_, err = Score([][]float64{{1, 2}}, []float64{1})
	require.Error(t, err)
}

func TestSplitSetFractionsStrataAndSeed(t *testing.T) {
	ids := make([]int, 100)
	strata := make([]int32, 100)
	for i := range ids {
		ids[i] = 1000 + i
		if i < 30 {
			strata[i] = 1
		}
	}
	p, err := SplitSet(ids, strata, 7, "C")
	require.NoError(t, err)
	require.Equal(t, [3]int{64, 16, 20}, p.Sizes())
	all := append(append(append([]int(nil), p.Train...), p.Val...), p.Test...)
	sort.Ints(all)
	require.Equal(t, ids, all, "parts must partition the ids")
	count1 := func(part []int) int {
		n := 0
		for _, id := range part {
			if id-1000 < 30 {
				n++
			}
		}
		return n
	}
	// 30% positives: each part within one member of its proportional share.
	require.InDelta(t, 0.3*64, float64(count1(p.Train)), 1.01)
	require.InDelta(t, 0.3*16, float64(count1(p.Val)), 1.01)
	require.InDelta(t, 0.3*20, float64(count1(p.Test)), 1.01)

	q, _ := SplitSet(ids, strata, 7, "C")
	require.Equal(t, p, q, "same seed, same split")
	r, _ := SplitSet(ids, strata, 8, "C")
	require.NotEqual(t, p.Train, r.Train, "another seed, another split")
}

func TestSplitSetTiny(t *testing.T) {
	_, err := SplitSet([]int{1, 2}, nil, 1, "type 3")
	require.ErrorContains(t, err, "type 3 has 2 members")
	p, err := SplitSet([]int{1, 2, 3}, nil, 1, "t")
	require.NoError(t, err)
	require.Equal(t, [3]int{1, 1, 1}, p.Sizes())
}

func evalFixture() *Evaluation {
	e := &Evaluation{Meta: []MetaField{{Name: "tissue", Values: []string{"ADI", "BACK", "STR"}}}}
	// 6 failures: 4 STR (3 FN, 1 FP), 1 ADI, 1 BACK; 2 correct.
	add := func(label, pred, tissue int32) {
		e.Cases = append(e.Cases, Case{Index: len(e.Cases), Label: label, Pred: pred, Correct: label == pred, Meta: []int32{tissue}, Planted: -1})
	}
	add(1, 0, 2)
	add(1, 0, 2)
	add(1, 0, 2)
	add(0, 1, 2)
	add(0, 1, 0)
	add(0, 1, 1)
	add(0, 0, 0)
	add(1, 1, 2)
	return e
}

func TestBaselines(t *testing.T) {
	e := evalFixture()
	require.NoError(t, e.Split())
	require.Len(t, e.F, 6)
	require.InDelta(t, 0.25, e.Accuracy(), 1e-12)

	fp, err := FPFNTypes(e)
	require.NoError(t, err)
	require.Equal(t, []int{1, 1, 1, 0, 0, 0}, fp.Assign)

	md, err := MetadataTypes(e, 0, 3)
	require.NoError(t, err)
	require.Equal(t, 1, md.K)
	require.Equal(t, []string{"STR"}, md.Names)
	require.Equal(t, []int{0, 0, 0, 0, -1, -1}, md.Assign)
	require.Len(t, md.SetAside, 2, "ADI and BACK are listed, not dropped silently")

	_, err = MetadataTypes(e, 0, 5)
	require.Error(t, err)

	rt, err := RandomTypes(6, 5, 1)
	require.NoError(t, err)
	sizes := make([]int, 5)
	for _, a := range rt.Assign {
		sizes[a]++
	}
	for _, s := range sizes {
		require.GreaterOrEqual(t, s, 1)
	}
	_, err = RandomTypes(3, 5, 1)
	require.Error(t, err)
}

func TestEvaluationSplitErrors(t *testing.T) {
	e := &Evaluation{}
	require.ErrorContains(t, e.Split(), "empty")
	e = &Evaluation{Cases: []Case{{Correct: true}}}
	require.ErrorContains(t, e.Split(), "no mistakes")
	e = &Evaluation{Cases: []Case{{Correct: false}}}
	require.ErrorContains(t, e.Split(), "none of")
}

func TestClusterTypesDropsEmpty(t *testing.T) {
	ty := ClusterTypes("gradient", []int32{0, 2, 2, 0}, 3)
	require.Equal(t, 2, ty.K)
	require.Equal(t, []int{0, 1, 1, 0}, ty.Assign)
}

func TestNumJSON(t *testing.T) {
	b, err := json.Marshal([]Num{1.5, Num(math.NaN()), Num(math.Inf(1))})
	require.NoError(t, err)
	require.Equal(t, "[1.5,null,null]", string(b))
	var back []Num
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, Num(1.5), back[0])
	require.True(t, math.IsNaN(float64(back[1])))
	s, err := Score([][]float64{{0.7}}, []float64{0.9})
	require.NoError(t, err)
	_, err = json.Marshal(s) // a lone type's Independence is undefined, not an error
	require.NoError(t, err)
}

func TestSetAsideSmall(t *testing.T) {
	ty := &Types{Method: "gradient", K: 3, Names: []string{"type 1", "type 2", "type 3"}, Assign: []int{0, 0, 0, 1, 1, 2, 2, 2, 2}}
	ty = SetAsideSmall(ty, 3)
	require.Equal(t, 2, ty.K)
	require.Equal(t, []string{"type 1", "type 3"}, ty.Names)
	require.Equal(t, []int{0, 0, 0, -1, -1, 1, 1, 1, 1}, ty.Assign)
	require.Len(t, ty.SetAside, 1)
	require.Equal(t, "type 2", ty.SetAside[0].Name)
}

func TestFindTypesMetadataByFieldName(t *testing.T) {
	e := &Evaluation{Meta: []MetaField{{Name: "image type", Values: []string{"normal", "faint"}}, {Name: "location", Values: []string{"RA", "LA"}}}}
	for i := 0; i < 8; i++ {
		e.Cases = append(e.Cases, Case{Index: i, Label: 1, Pred: 0, Meta: []int32{int32(i % 2), int32(i / 4)}, Planted: -1})
	}
	e.Cases = append(e.Cases, Case{Index: 8, Label: 1, Pred: 1, Correct: true, Meta: []int32{0, 0}, Planted: -1})
	require.NoError(t, e.Split())
	cfg := DefaultAnalyzeConfig()
	nolog := func(string, ...any) {}
	loc, _, _, err := FindTypes("metadata-location", e, nil, cfg, nil, nolog)
	require.NoError(t, err)
	require.Equal(t, "metadata-location", loc.Method)
	require.Equal(t, []string{"RA", "LA"}, loc.Names)
	require.Equal(t, []int{0, 0, 0, 0, 1, 1, 1, 1}, loc.Assign)
	first, _, _, err := FindTypes("metadata", e, nil, cfg, nil, nolog)
	require.NoError(t, err)
	require.Equal(t, []int{0, 1, 0, 1, 0, 1, 0, 1}, first.Assign, "plain metadata uses the first field")
	_, _, _, err = FindTypes("metadata-nonsense", e, nil, cfg, nil, nolog)
	require.ErrorContains(t, err, "unknown method")
	e.Meta = e.Meta[:1]
	_, _, _, err = FindTypes("metadata-location", e, nil, cfg, nil, nolog)
	require.Error(t, err)
}
