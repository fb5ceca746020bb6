package kernels

// sgemmRef is the plain reference: a triple loop with float32 accumulation.
func sgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			if alpha != 0 {
				for p := 0; p < k; p++ {
					var av, bv float32
					if transA {
						av = a[p*lda+i]
					} else {
						av = a[i*lda+p]
					}
					if transB {
						bv = b[j*ldb+p]
					} else {
						bv = b[p*ldb+j]
					}
					s += av * bv
				}
			}
			ci := &c[i*ldc+j]
			switch {
			case beta == 0:
				*ci = alpha * s
			default:
				*ci = alpha*s + beta**ci
			}
		}
	}
}

// gemmA12x32Go is the pure-Go twin of the in-place-A micro-kernel
// (Sgemm12x32AVX512A): C[12x32] += A*B~ with A row i at a[i*lda:], B~ a
// packed kc x 32 panel. Products are summed in k order per element.
func gemmA12x32Go(kc int, a []float32, lda int, b, c []float32, ldc int) {
	for i := 0; i < 12; i++ {
		for j := 0; j < 32; j++ {
			var acc float32
			for p := 0; p < kc; p++ {
				acc += a[i*lda+p] * b[p*32+j]
			}
			c[i*ldc+j] += acc
		}
	}
}
