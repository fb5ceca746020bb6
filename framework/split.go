package framework

import (
	"fmt"
	"sort"
)

// Fractions of each type (and of C) used for train / validation / test.
const (
	FracTrain = 0.64
	FracVal   = 0.16
)

// Parts holds one set's train, validation and test members.
type Parts struct {
	Train []int `json:"train"`
	Val   []int `json:"val"`
	Test  []int `json:"test"`
}

// Sizes reports the three sizes.
func (p Parts) Sizes() [3]int { return [3]int{len(p.Train), len(p.Val), len(p.Test)} }

// SplitSet splits ids 64/16/20 at random, stratified by strata when given
// (e.g. the true label, so each part keeps the set's class balance). Every
// part gets at least one member, so a set needs at least three.
func SplitSet(ids []int, strata []int32, seed uint64, name string) (Parts, error) {
	if len(ids) < 3 {
		return Parts{}, fmt.Errorf("%s has %d members: too small to split into train, validation and test (need 3)", name, len(ids))
	}
	r := newRand(seed, "split/"+name)
	groups := map[int32][]int{}
	for i, id := range ids {
		var s int32
		if strata != nil {
			s = strata[i]
		}
		groups[s] = append(groups[s], id)
	}
	keys := make([]int32, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool { return keys[a] < keys[b] })
	// Shuffle each stratum, then interleave them so that cutting the order at
	// the fractions gives each part its share of every stratum.
	for _, k := range keys {
		g := groups[k]
		r.Shuffle(len(g), func(a, b int) { g[a], g[b] = g[b], g[a] })
	}
	order := interleave(groups, keys)
	n := len(order)
	nVal := max(1, int(FracVal*float64(n)+0.5))
	nTest := max(1, int((1-FracTrain-FracVal)*float64(n)+0.5))
	nTrain := n - nVal - nTest
	if nTrain < 1 {
		nTrain, nVal, nTest = 1, 1, n-2
	}
	// Each part is kept sorted so that it reads back from types.csv as is.
	p := Parts{
		Train: append([]int(nil), order[:nTrain]...),
		Val:   append([]int(nil), order[nTrain:nTrain+nVal]...),
		Test:  append([]int(nil), order[nTrain+nVal:]...),
	}
	sort.Ints(p.Train)
	sort.Ints(p.Val)
	sort.Ints(p.Test)
	return p, nil
}

// interleave orders the members so that every prefix holds the strata in
// proportion: member j of a stratum of size s sits at position (j+0.5)/s.
func interleave(groups map[int32][]int, keys []int32) []int {
	type item struct {
		pos float64
		key int32
		id  int
	}
	var items []item
	for _, k := range keys {
		g := groups[k]
		for j, id := range g {
			items = append(items, item{(float64(j) + 0.5) / float64(len(g)), k, id})
		}
	}
	sort.SliceStable(items, func(a, b int) bool {
		if items[a].pos != items[b].pos {
			return items[a].pos < items[b].pos
		}
		return items[a].key < items[b].key
	})
	out := make([]int, len(items))
	for i, it := range items {
		out[i] = it.id
	}
	return out
}
