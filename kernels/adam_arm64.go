//go:build !purego

package kernels

import "remedy/kernels/asm"

// adamSIMD runs the NEON Adam kernel over the leading multiple of 4
// elements and returns how many it handled.
func adamSIMD(w, g, m, v []float32, c *AdamCoef) int {
	if cur.name != "neon" {
		return 0
	}
	n := len(w) &^ 3
	if n > 0 {
		asm.AdamNEON(&w[0], &g[0], &m[0], &v[0], n, &c.Beta1)
	}
	return n
}
