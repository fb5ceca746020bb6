//go:build !purego

package kernels

import "remedy/kernels/asm"

func distSIMD() bool { return cur.name == "avx512" }

func dotSIMD(x, y []float32) float32    { return asm.DotAVX512(&x[0], &y[0], len(x)) }
func sqDistSIMD(x, y []float32) float32 { return asm.SqDistAVX512(&x[0], &y[0], len(x)) }

// dotRowsSIMD runs 4 x 4 register tiles; a partial tile repeats its last
// row (harmless extra work) and keeps only the wanted results.
func dotRowsSIMD(x []float32, d int, ia, ib []int32, out []float32, ldo int) {
	var pa, pb [4]*float32
	var t [16]float32
	for a0 := 0; a0 < len(ia); a0 += 4 {
		ma := min(4, len(ia)-a0)
		for r := range pa {
			pa[r] = &x[int(ia[a0+min(r, ma-1)])*d]
		}
		for b0 := 0; b0 < len(ib); b0 += 4 {
			mb := min(4, len(ib)-b0)
			for c := range pb {
				pb[c] = &x[int(ib[b0+min(c, mb-1)])*d]
			}
			asm.DotTile4x4AVX512(&pa, &pb, d, &t)
			for r := 0; r < ma; r++ {
				copy(out[(a0+r)*ldo+b0:(a0+r)*ldo+b0+mb], t[r*4:r*4+mb])
			}
		}
	}
}
