package framework

import (
	"fmt"
	"sort"
)

// Types is a partition of the failures into failure types. Assign[i] is the
// type of failure F[i] (0..K-1), or -1 when the failure was set aside (e.g. a
// metadata value with too few failures); SetAside lists those groups.
type Types struct {
	Method   string     `json:"method"`
	K        int        `json:"k"`
	Names    []string   `json:"names"`
	Assign   []int      `json:"-"`
	SetAside []SetAside `json:"set_aside,omitempty"`
}

// SetAside records a group of failures left out of the analysis, and why.
type SetAside struct {
	Name   string `json:"name"`
	Size   int    `json:"size"`
	Reason string `json:"reason"`
}

// Members returns the failure positions (indices into F) of each type.
func (t *Types) Members() [][]int {
	out := make([][]int, t.K)
	for i, a := range t.Assign {
		if a >= 0 {
			out[a] = append(out[a], i)
		}
	}
	return out
}

func numbered(k int) []string {
	names := make([]string, k)
	for i := range names {
		names[i] = fmt.Sprintf("type %d", i+1)
	}
	return names
}

// RandomTypes is the random baseline: each failure goes to one of k types
// uniformly at random (the paper uses k = 5).
func RandomTypes(nF, k int, seed uint64) (*Types, error) {
	if k < 1 {
		return nil, fmt.Errorf("random types: k = %d, need at least 1", k)
	}
	if nF < k {
		return nil, fmt.Errorf("random types: %d failures cannot fill %d types", nF, k)
	}
	r := newRand(seed, "types/random")
	// A shuffled round-robin gives every type a near-equal size (the
	// expectation of a uniform draw) and none empty.
	perm := r.Perm(nF)
	assign := make([]int, nF)
	for pos, i := range perm {
		assign[i] = pos % k
	}
	return &Types{Method: "random", K: k, Names: numbered(k), Assign: assign}, nil
}

// FPFNTypes is the false-positive / false-negative baseline for binary
// classification: a failure predicted positive is a false positive.
func FPFNTypes(e *Evaluation) (*Types, error) {
	assign := make([]int, len(e.F))
	var n [2]int
	for i, ci := range e.F {
		if e.Cases[ci].Pred == 0 {
			assign[i] = 1 // predicted negative: a missed positive
		}
		n[assign[i]]++
	}
	t := &Types{Method: "fpfn", K: 2, Names: []string{"false positive", "false negative"}, Assign: assign}
	return dropEmpty(t), nil
}

// MetadataTypes makes one type per value of metadata field f. Values with
// fewer than minSize failures are set aside and listed, not silently dropped.
func MetadataTypes(e *Evaluation, f, minSize int) (*Types, error) {
	if f < 0 || f >= len(e.Meta) {
		return nil, fmt.Errorf("metadata types: no metadata field %d (have %d)", f, len(e.Meta))
	}
	field := e.Meta[f]
	count := map[int32]int{}
	for _, ci := range e.F {
		count[e.Cases[ci].Meta[f]]++
	}
	var vals []int32
	for v := range count {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(a, b int) bool { return vals[a] < vals[b] })
	name := func(v int32) string {
		if v >= 0 && int(v) < len(field.Values) {
			return field.Values[v]
		}
		return fmt.Sprint(v)
	}
	t := &Types{Method: "metadata:" + field.Name}
	typeOf := map[int32]int{}
	for _, v := range vals {
		if count[v] < minSize {
			t.SetAside = append(t.SetAside, SetAside{Name: name(v), Size: count[v],
				Reason: fmt.Sprintf("fewer than %d failures", minSize)})
			continue
		}
		typeOf[v] = t.K
		t.Names = append(t.Names, name(v))
		t.K++
	}
	t.Assign = make([]int, len(e.F))
	for i, ci := range e.F {
		if k, ok := typeOf[e.Cases[ci].Meta[f]]; ok {
			t.Assign[i] = k
		} else {
			t.Assign[i] = -1
		}
	}
	if t.K == 0 {
		return nil, fmt.Errorf("metadata types (%s): no value has %d or more failures", field.Name, minSize)
	}
	return t, nil
}

// ClusterTypes wraps cluster labels (0..k-1 per failure) as types.
func ClusterTypes(method string, labels []int32, k int) *Types {
	assign := make([]int, len(labels))
	for i, l := range labels {
		assign[i] = int(l)
	}
	return dropEmpty(&Types{Method: method, K: k, Names: numbered(k), Assign: assign})
}

// dropEmpty removes types without members, renumbering the rest.
func dropEmpty(t *Types) *Types {
	size := make([]int, t.K)
	for _, a := range t.Assign {
		if a >= 0 {
			size[a]++
		}
	}
	remap := make([]int, t.K)
	var names []string
	k := 0
	for i, s := range size {
		if s == 0 {
			remap[i] = -1
			continue
		}
		remap[i] = k
		names = append(names, t.Names[i])
		k++
	}
	for i, a := range t.Assign {
		if a >= 0 {
			t.Assign[i] = remap[a]
		}
	}
	t.K, t.Names = k, names
	return t
}

// SetAsideSmall moves types with fewer than minSize failures (too small to
// split into train, validation and test) out of the analysis, listing them.
func SetAsideSmall(t *Types, minSize int) *Types {
	size := make([]int, t.K)
	for _, a := range t.Assign {
		if a >= 0 {
			size[a]++
		}
	}
	for k, s := range size {
		if s > 0 && s < minSize {
			t.SetAside = append(t.SetAside, SetAside{Name: t.Names[k], Size: s,
				Reason: fmt.Sprintf("fewer than %d failures: too small to split into train, validation and test", minSize)})
			for i, a := range t.Assign {
				if a == k {
					t.Assign[i] = -1
				}
			}
		}
	}
	return dropEmpty(t)
}
