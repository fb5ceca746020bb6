//go:build !purego

package kernels

import "remedy/kernels/asm"

// adamSIMD runs the AVX-512 (16 lanes) or AVX2 (8 lanes) Adam kernel over
// the leading whole vectors and returns how many elements it handled.
func adamSIMD(w, g, m, v []float32, c *AdamCoef) int {
	switch cur.name {
	case "avx512":
		n := len(w) &^ 15
		if n > 0 {
			asm.AdamAVX512(&w[0], &g[0], &m[0], &v[0], n, &c.Beta1)
		}
		return n
	case "avx2":
		n := len(w) &^ 7
		if n > 0 {
			asm.AdamAVX2(&w[0], &g[0], &m[0], &v[0], n, &c.Beta1)
		}
		return n
	}
	return 0
}
