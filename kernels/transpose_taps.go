package kernels

// Filter-tap rearrangements of the channels-last convolution: a filter's
// weights W[c][t] (PyTorch order, t < rs taps) become W'[t][c] and its
// weight gradient goes back. Both happen every training step for every
// filter, so for 3x3 filters (rs = 9, where a generic 16x16 transpose wastes
// 7 of 16 columns) the avx512 path has dedicated kernels; they only move
// floats (and add, in the same operand order as Add), so every path gives
// the same bits.

// tapTranspose sets dst[t*ldd+i] = src[i*rs+t] for i < c, t < rs
// (ldd >= c).
func tapTranspose(dst []float32, ldd int, src []float32, c, rs int) {
	tapTransposeN(dst, ldd, 0, src, 0, 1, c, rs)
}

// tapTransposeN is tapTranspose for n filters: filter f reads src[f*sk:]
// and writes dst[f*dk:] (the regions of different filters must not
// overlap).
func tapTransposeN(dst []float32, ldd, dk int, src []float32, sk, n, c, rs int) {
	if n == 0 || c == 0 || rs == 0 {
		return
	}
	_ = dst[(n-1)*dk+(rs-1)*ldd+c-1]
	_ = src[(n-1)*sk+c*rs-1]
	i := 0
	if fn := tap9Fn(); rs == 9 && fn != nil && c >= 16 && ldd >= c {
		b := c / 16
		fn(&dst[0], ldd, dk, &src[0], sk, b, n, &tapTab[0])
		i = b * 16
	}
	for f := 0; f < n && i < c; f++ {
		d, s := dst[f*dk+i:], src[f*sk+i*rs:]
		switch {
		case rs == 1:
			copy(d[:c-i], s[:c-i])
		case rs == 9:
			tapTransposeGo(d, ldd, s, c-i, rs)
		default:
			transposeTo(d, ldd, s, rs, c-i, rs)
		}
	}
}

// tapAddFast reports whether tapAdd has a direct kernel for rs taps on this
// path (else callers keep their own transpose-then-add).
func tapAddFast(rs int) bool { return rs == 1 || rs == 9 && tapAdd9Fn() != nil }

// tapAdd sets dst[i*rs+t] = dst[i*rs+t] + src[t*lds+i] for i < c, t < rs
// (lds >= c).
func tapAdd(dst, src []float32, lds, c, rs int) {
	if c == 0 || rs == 0 {
		return
	}
	_ = dst[c*rs-1]
	_ = src[(rs-1)*lds+c-1]
	if rs == 1 {
		Add(dst[:c], dst[:c], src[:c])
		return
	}
	i := 0
	if fn := tapAdd9Fn(); rs == 9 && fn != nil && c >= 16 && lds >= c {
		b := c / 16
		fn(&dst[0], &src[0], lds, b, &tapTab[0])
		i = b * 16
	}
	if i < c {
		tapAddGo(dst[i*rs:], src[i:], lds, c-i, rs)
	}
}

// tapTransposeGo is tapTranspose in plain Go (the assembly's twin).
func tapTransposeGo(dst []float32, ldd int, src []float32, c, rs int) {
	src = src[:c*rs]
	for t := 0; t < rs; t++ {
		d := dst[t*ldd : t*ldd+c]
		for i := range d {
			d[i] = src[i*rs+t]
		}
	}
}

// tapAddGo is tapAdd in plain Go (the assembly's twin).
func tapAddGo(dst, src []float32, lds, c, rs int) {
	for i := 0; i < c; i++ {
		d := dst[i*rs : (i+1)*rs]
		for t := range d {
			d[t] = d[t] + src[t*lds+i]
		}
	}
}
