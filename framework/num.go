package framework

import (
	"encoding/json"
	"math"
)

// Num is a float64 that JSON-encodes NaN and Inf as null (encoding/json
// refuses them), so an undefined score (Independence of a lone type, the
// silhouette of a degenerate clustering) is written as "no value".
type Num float64

// MarshalJSON writes null for NaN and Inf.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// UnmarshalJSON reads null as NaN.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	var f float64
	err := json.Unmarshal(b, &f)
	*n = Num(f)
	return err
}

// Nums converts a float64 slice.
func Nums(v []float64) []Num {
	out := make([]Num, len(v))
	for i, x := range v {
		out[i] = Num(x)
	}
	return out
}
