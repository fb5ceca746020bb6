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
