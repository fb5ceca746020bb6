package umap

import "math"

// powTable evaluates x^b for float32 x > 0 (normal) with two table lookups:
// x = 2^E * m, so x^b = (2^b)^E * m^b, the first from a table over the 254
// normal exponents, the second by linear interpolation between 257 samples
// of m^b on [1, 2] (relative error < (1/256)^2 |b(b-1)| / 8: 1.4e-7 for
// b = 0.895). The layout needs one power per sampled pair; math.Pow (or Exp
// and Log) dominated its profile, and float32 coordinates need no more
// precision.
type powTable struct {
	te    [256]float64
	tm    [257]float64
	slope [256]float64
}

func newPowTable(b float64) *powTable {
	t := &powTable{}
	for e := range t.te {
		t.te[e] = math.Pow(2, float64(e-127)*b)
	}
	for i := range t.tm {
		t.tm[i] = math.Pow(1+float64(i)/256, b)
	}
	for i := range t.slope {
		t.slope[i] = t.tm[i+1] - t.tm[i]
	}
	return t
}

// pow returns x^b for a positive normal float32 x.
func (t *powTable) pow(x float32) float64 {
	bits := math.Float32bits(x)
	i := (bits >> 15) & 0xff
	f := float64(bits&0x7fff) * (1.0 / 32768)
	return t.te[(bits>>23)&0xff] * (t.tm[i] + f*t.slope[i])
}
