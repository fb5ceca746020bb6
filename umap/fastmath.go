package umap

import "math"

// powPos returns x^y for x > 0 (finite, normal), accurate to about 1e-8
// relative, through log2 (atanh series) and exp2 (Taylor series). The layout
// needs one power per sampled pair, and math.Exp/math.Log dominate its
// profile otherwise.
func powPos(x, y float64) float64 { return exp2Fast(y * log2Fast(x)) }

func log2Fast(x float64) float64 {
	bits := math.Float64bits(x)
	e := int((bits>>52)&0x7ff) - 1023
	m := math.Float64frombits(bits&(1<<52-1) | 1023<<52) // [1, 2)
	if m > math.Sqrt2 {
		m *= 0.5
		e++
	}
	// ln m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716
	s := (m - 1) / (m + 1)
	s2 := s * s
	p := 1 + s2*(1.0/3+s2*(1.0/5+s2*(1.0/7+s2*(1.0/9))))
	return float64(e) + 2*s*p*math.Log2E
}

func exp2Fast(y float64) float64 {
	if y < -1022 {
		return 0
	}
	if y > 1023 {
		return math.Inf(1)
	}
	k := math.Floor(y + 0.5)
	z := (y - k) * math.Ln2 // |z| <= 0.347
	// e^z, Taylor to degree 8 (truncation < 2.1e-10 relative)
	p := 1 + z*(1+z*(1.0/2+z*(1.0/6+z*(1.0/24+z*(1.0/120+z*(1.0/720+z*(1.0/5040+z*(1.0/40320))))))))
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}
