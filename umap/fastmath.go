package umap

import "math"

// powPos returns x^y for x > 0 (finite, normal) to about 3e-7*|y| relative
// error, as exp2(y*log2(x)) with short polynomials and no branches on the
// value. The layout needs one power per sampled pair, and math.Pow (or Exp
// and Log) dominated its profile; float32 coordinates need no more.
//
// log2: the bits are re-based at sqrt(1/2) so the mantissa m lands in
// [sqrt(1/2), sqrt(2)) without a branch; log2(m) is a degree-7
// least-squares polynomial in m-1 (max abs error 3.4e-7). exp2: 2^k times a
// degree-5 polynomial for 2^f, f in [-1/2, 1/2] (max rel error 1.1e-7).
// Both were fitted offline with numpy on Chebyshev nodes.
func powPos(x, y float64) float64 {
	const c = 0x3fe6a09e667f3bcd // bits of sqrt(1/2)
	u := math.Float64bits(x) - c
	e := float64(int64(u) >> 52)
	t := math.Float64frombits(u&(1<<52-1)+c) - 1
	l := e + t*(1.4427010104140439+t*(-0.7213683925876191+t*(0.4804023763152262+t*(-0.35920394768505276+
		t*(0.2982603980299137+t*(-0.270926706970203+t*0.16517534650383306))))))
	z := y * l
	if z < -1022 {
		return 0
	}
	if z > 1023 {
		return math.Inf(1)
	}
	k := int64(z+1023.5) - 1023 // floor(z + 1/2): z + 1023.5 > 0
	f := z - float64(k)
	p := 1.0000000754953489 + f*(0.6931472067106206+f*(0.2402210735583028+f*(0.055503272142087764+
		f*(0.009676037097878232+f*0.0013400432165428457))))
	return p * math.Float64frombits(uint64(k+1023)<<52)
}
