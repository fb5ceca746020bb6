package data

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// Origin says where an example came from in the input: the file's split
// ("train", "val", "test", or "synth") and its index within that split,
// and for an image folder the image's file (slash-separated, relative to
// the folder).
type Origin struct {
	Split string
	Index int
	File  string
}

// Set is an in-memory image set ready for a model: uint8 images in
// N x C x H x W planar order, a binary task label per example, and
// metadata (the original class) kept beside it.
type Set struct {
	N, C, H, W int
	Images     []uint8  // N*C*H*W, CHW planar per image
	Labels     []int32  // binary task label (0/1)
	LabelNames []string // names of the task labels, e.g. benign, malignant
	Meta       []int32  // original class (e.g. tissue 0..8)
	MetaNames  []string // name of each Meta value
	Source     []Origin // where each example came from in the input
	// Planted is the known failure type of each example (0 = none) for
	// synthetic sets; nil when unknown.
	Planted      []int32
	PlantedNames []string // name of each Planted value; [0] = "none"
}

// Splits are the three parts a run uses. Test is the analysis set.
type Splits struct {
	Train, Val, Test *Set
	Task             string // "pathmnist", "fashion", "synth", ...
	Note             string // how the splits were built (fractions, seed)
}

// Image returns example i's pixels (C*H*W bytes, planar).
func (s *Set) Image(i int) []uint8 {
	sz := s.C * s.H * s.W
	return s.Images[i*sz : (i+1)*sz]
}

// Validate checks that all per-example slices agree with N and the shape.
func (s *Set) Validate() error {
	if s == nil {
		return fmt.Errorf("nil set")
	}
	if s.N < 0 || s.C <= 0 || s.H <= 0 || s.W <= 0 {
		return fmt.Errorf("bad set shape N=%d C=%d H=%d W=%d", s.N, s.C, s.H, s.W)
	}
	if len(s.Images) != s.N*s.C*s.H*s.W {
		return fmt.Errorf("set has %d image bytes, want %d", len(s.Images), s.N*s.C*s.H*s.W)
	}
	if len(s.Labels) != s.N || len(s.Meta) != s.N || len(s.Source) != s.N {
		return fmt.Errorf("set of %d examples has %d labels, %d meta, %d sources", s.N, len(s.Labels), len(s.Meta), len(s.Source))
	}
	if s.Planted != nil && len(s.Planted) != s.N {
		return fmt.Errorf("set of %d examples has %d planted types", s.N, len(s.Planted))
	}
	for i := 0; i < s.N; i++ {
		if s.Labels[i] < 0 || int(s.Labels[i]) >= max(len(s.LabelNames), 2) {
			return fmt.Errorf("example %d: label %d out of range", i, s.Labels[i])
		}
		if s.Meta[i] < 0 || (len(s.MetaNames) > 0 && int(s.Meta[i]) >= len(s.MetaNames)) {
			return fmt.Errorf("example %d: metadata %d out of range", i, s.Meta[i])
		}
		if s.Planted != nil && (s.Planted[i] < 0 || len(s.PlantedNames) > 0 && int(s.Planted[i]) >= len(s.PlantedNames)) {
			return fmt.Errorf("example %d: planted type %d out of range", i, s.Planted[i])
		}
	}
	return nil
}

// Subset returns a new set with the examples idx (in that order); pixel
// and label data are copied, name tables shared.
func (s *Set) Subset(idx []int) *Set {
	sz := s.C * s.H * s.W
	out := &Set{N: len(idx), C: s.C, H: s.H, W: s.W,
		Images:       make([]uint8, 0, len(idx)*sz),
		Labels:       make([]int32, 0, len(idx)),
		LabelNames:   s.LabelNames,
		Meta:         make([]int32, 0, len(idx)),
		MetaNames:    s.MetaNames,
		Source:       make([]Origin, 0, len(idx)),
		PlantedNames: s.PlantedNames,
	}
	if s.Planted != nil {
		out.Planted = make([]int32, 0, len(idx))
	}
	for _, i := range idx {
		out.Images = append(out.Images, s.Images[i*sz:(i+1)*sz]...)
		out.Labels = append(out.Labels, s.Labels[i])
		out.Meta = append(out.Meta, s.Meta[i])
		out.Source = append(out.Source, s.Source[i])
		if s.Planted != nil {
			out.Planted = append(out.Planted, s.Planted[i])
		}
	}
	return out
}

// Concat appends sets of the same shape into one new set.
func Concat(sets ...*Set) (*Set, error) {
	var out *Set
	n, nb := 0, 0
	for _, s := range sets {
		if s != nil {
			n += s.N
			nb += len(s.Images)
		}
	}
	for _, s := range sets {
		if s == nil {
			continue
		}
		if out == nil {
			out = s.Subset(nil)
			out.Images = make([]uint8, 0, nb)
			out.Labels = make([]int32, 0, n)
			out.Meta = make([]int32, 0, n)
			out.Source = make([]Origin, 0, n)
			if s.Planted != nil {
				out.Planted = make([]int32, 0, n)
			}
		}
		if s.C != out.C || s.H != out.H || s.W != out.W {
			return nil, fmt.Errorf("concat: shape %dx%dx%d differs from %dx%dx%d", s.C, s.H, s.W, out.C, out.H, out.W)
		}
		if (s.Planted == nil) != (out.Planted == nil) {
			return nil, fmt.Errorf("concat: planted types known for only some sets")
		}
		out.N += s.N
		out.Images = append(out.Images, s.Images...)
		out.Labels = append(out.Labels, s.Labels...)
		out.Meta = append(out.Meta, s.Meta...)
		out.Source = append(out.Source, s.Source...)
		if s.Planted != nil {
			out.Planted = append(out.Planted, s.Planted...)
		}
	}
	if out == nil {
		return nil, fmt.Errorf("concat: no sets")
	}
	return out, nil
}

// Gray3 returns a copy with a single channel repeated to three (RGB
// models); sets that already have three channels are returned as is.
func (s *Set) Gray3() *Set {
	if s.C != 1 {
		return s
	}
	out := *s
	out.C = 3
	hw := s.H * s.W
	out.Images = make([]uint8, s.N*3*hw)
	for i := 0; i < s.N; i++ {
		src := s.Images[i*hw : (i+1)*hw]
		for c := 0; c < 3; c++ {
			copy(out.Images[(3*i+c)*hw:], src)
		}
	}
	return &out
}

// Counts returns how many examples have each label value (index = value).
func Counts(v []int32) []int {
	var c []int
	for _, x := range v {
		for int(x) >= len(c) {
			c = append(c, 0)
		}
		c[x]++
	}
	return c
}

// pickSorted chooses k of n indices at random (seeded) and returns the
// chosen and the rest, each in increasing order.
func pickSorted(n, k int, rng *rand.Rand) (chosen, rest []int) {
	perm := rng.Perm(n)
	chosen = append([]int(nil), perm[:k]...)
	rest = append([]int(nil), perm[k:]...)
	sort.Ints(chosen)
	sort.Ints(rest)
	return chosen, rest
}
