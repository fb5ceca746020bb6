package umap

import "math"

// The layout's per-edge work for embeddings of at most 16 dimensions: each
// row is 16 float32 lanes (zero beyond dim), so one AVX-512 register holds a
// point. edgeGo is the reference and the fallback; edgeAVX512 (amd64) is its
// bit-identical assembly twin. Both round every operation as written
// (explicit conversions keep the Go compiler from fusing into FMAs) and sum
// the 16 squared differences in the same tree.

const kLanes = 16

// layoutConsts is shared by all workers during one epoch. The assembly
// reads it by the offsets checked in TestLayoutConstsOffsets.
type layoutConsts struct {
	te     [256]float64 // powTable
	tm     [257]float64
	slope  [256]float64
	a      float64
	attr   float64 // -2ab: attractive coefficient numerator
	rep    float64 // 2 gamma b: repulsive coefficient numerator
	one    float64
	eps    float64 // 0.001 in the repulsive denominator, as umap-learn
	inv    float64 // 1/32768 for the mantissa fraction
	alpha2 float32 // 2*alpha: attraction counts both directed copies
	alpha  float32
	four   float32
	mfour  float32
	push   [kLanes]float32 // 4*alpha in lanes < dim: push for coincident points
}

func newLayoutConsts(a, b, gamma float64, dim int) *layoutConsts {
	c := &layoutConsts{a: a, attr: -2 * a * b, rep: 2 * gamma * b, one: 1, eps: 0.001, inv: 1.0 / 32768,
		four: 4, mfour: -4}
	pt := newPowTable(b)
	c.te, c.tm, c.slope = pt.te, pt.tm, pt.slope
	_ = dim
	return c
}

// setAlpha sets the epoch's learning rate.
func (c *layoutConsts) setAlpha(alpha float32, dim int) {
	c.alpha, c.alpha2 = alpha, 2*alpha
	for t := range c.push {
		c.push[t] = 0
		if t < dim {
			c.push[t] = 4 * alpha
		}
	}
}

// pow is powTable.pow with its rounding spelled out.
func (c *layoutConsts) pow(x float32) float64 {
	bits := math.Float32bits(x)
	i := (bits >> 15) & 0xff
	f := float64(bits&0x7fff) * c.inv
	return c.te[(bits>>23)&0xff] * (c.tm[i] + float64(f*c.slope[i]))
}

// hsum16 adds 16 lanes as the assembly does: halves, then quarters, ...
func hsum16(q *[kLanes]float32) float32 {
	var s [8]float32
	for t := range s {
		s[t] = q[t] + q[t+8]
	}
	u0, u1, u2, u3 := s[0]+s[4], s[1]+s[5], s[2]+s[6], s[3]+s[7]
	return (u0 + u2) + (u1 + u3)
}

func clamp4(v float32) float32 {
	if v > 4 {
		v = 4
	}
	if v < -4 {
		v = -4
	}
	return v
}

// edgeGo applies one sampled edge (j, k) to cur, the 16-lane row of j: an
// attractive step towards snap row k and one repulsive step from each snap
// row in negs. All of them are computed at cur's position before the edge
// (so the CPU can overlap them; umap-learn moves cur between them, a
// difference far below the SGD noise) and applied in that order. snap rows
// are 16 floats apart.
func edgeGo(cur *[kLanes]float32, snap []float32, k int, negs []int32, c *layoutConsts) {
	var diff, q [kLanes]float32
	c0 := *cur
	o := (*[kLanes]float32)(snap[k*kLanes : k*kLanes+kLanes])
	for t := range diff {
		diff[t] = c0[t] - o[t]
		q[t] = diff[t] * diff[t]
	}
	d2 := hsum16(&q)
	var gc float32
	if d2 > 0 {
		pb := c.pow(d2)
		den := float64(d2) * (float64(c.a*pb) + c.one)
		gc = float32(c.attr * pb / den)
	}
	for t := range cur {
		cur[t] += float32(clamp4(gc*diff[t]) * c.alpha2)
	}
	for _, kn := range negs {
		o := (*[kLanes]float32)(snap[int(kn)*kLanes : int(kn)*kLanes+kLanes])
		for t := range diff {
			diff[t] = c0[t] - o[t]
			q[t] = diff[t] * diff[t]
		}
		d2 := hsum16(&q)
		if !(d2 > 0) {
			for t := range cur {
				cur[t] += c.push[t]
			}
			continue
		}
		pb := c.pow(d2)
		den := (c.eps + float64(d2)) * (float64(c.a*pb) + c.one)
		gc := float32(c.rep / den)
		for t := range cur {
			cur[t] += float32(clamp4(gc*diff[t]) * c.alpha)
		}
	}
}
