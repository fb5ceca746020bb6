package kernels

import "unsafe"

// genericMicro is the pure-Go micro-kernel, the twin every assembly
// micro-kernel is tested against.
var genericMicro = microKernel{mr: 4, nr: 4, fn: func(kc int, a, b, c *float32, ldc int) {
	microRef(4, 4, kc, unsafe.Slice(a, 4*kc), unsafe.Slice(b, 4*kc), unsafe.Slice(c, 3*ldc+4), ldc)
}}

// microRef computes C[mr x nr] += A~ * B~ for any tile size (see microKernel).
func microRef(mr, nr, kc int, a, b, c []float32, ldc int) {
	for i := 0; i < mr; i++ {
		for j := 0; j < nr; j++ {
			var s float32
			for p := 0; p < kc; p++ {
				s += a[p*mr+i] * b[p*nr+j]
			}
			c[i*ldc+j] += s
		}
	}
}
