package kernels

// The skinny path serves products where op(A) has at most skinnyRowsMax rows
// or op(B) at most skinnyMax columns (batch-1 layers, a 1x1 conv to 2 classes).
// Packing the long operand and padding it to a register tile would cost more
// than the product itself, so only the short operand is gathered (alpha folded
// in) and the long one is streamed once through dot or axpy primitives.

// gatherSmall fills g.pre with the short operand: alpha*op(A) as m rows of k
// when m <= skinnyRowsMax, else alpha*op(B)^T as n rows of k. The caller returns
// the buffer to gemmBufs.
func (g *gemmArgs) gatherSmall() *gemmBuf {
	buf := gemmBufs.Get().(*gemmBuf)
	k := g.k
	g.skinnyRows = g.m <= skinnyRowsMax
	if g.skinnyRows {
		pre := aligned(&buf.small, g.m*k)
		for i := 0; i < g.m; i++ {
			d := pre[i*k : i*k+k]
			if g.transA {
				for p := range d {
					d[p] = g.alpha * g.a[p*g.lda+i]
				}
			} else {
				for p, v := range g.a[i*g.lda : i*g.lda+k] {
					d[p] = g.alpha * v
				}
			}
		}
		g.pre = pre
		return buf
	}
	pre := aligned(&buf.small, g.n*k)
	for j := 0; j < g.n; j++ {
		d := pre[j*k : j*k+k]
		if g.transB {
			for p, v := range g.b[j*g.ldb : j*g.ldb+k] {
				d[p] = g.alpha * v
			}
		} else {
			for p := range d {
				d[p] = g.alpha * g.b[p*g.ldb+j]
			}
		}
	}
	g.pre = pre
	return buf
}

// skinnyChunk is the width of the C (or scratch) rows updated by axpy per
// pass: m rows of it plus a row of the long operand stay in L1.
const skinnyChunk = 1024

func (g *gemmArgs) runSkinny() {
	dot, axpy := g.p.dot, g.p.axpy
	if dot == nil {
		dot, axpy = dotGo, axpyGo
	}
	m, n, k := g.m, g.n, g.k
	a, b, c, pre := g.a, g.b, g.c, g.pre
	lda, ldb, ldc := g.lda, g.ldb, g.ldc
	if g.skinnyRows {
		// pre = alpha*op(A); C[i,:] += sum_p pre[i,p] * op(B)[p,:].
		if g.transB {
			for j := 0; j < n; j++ {
				bj := b[j*ldb : j*ldb+k]
				for i := 0; i < m; i++ {
					c[i*ldc+j] += dot(pre[i*k:i*k+k], bj)
				}
			}
			return
		}
		for jb := 0; jb < n; jb += skinnyChunk {
			w := min(skinnyChunk, n-jb)
			for p := 0; p < k; p++ {
				brow := b[p*ldb+jb : p*ldb+jb+w]
				for i := 0; i < m; i++ {
					axpy(pre[i*k+p], brow, c[i*ldc+jb:i*ldc+jb+w])
				}
			}
		}
		return
	}
	// pre = alpha*op(B)^T; C[i,j] += op(A)[i,:] . pre[j,:].
	if !g.transA {
		for i := 0; i < m; i++ {
			ai := a[i*lda : i*lda+k]
			for j := 0; j < n; j++ {
				c[i*ldc+j] += dot(ai, pre[j*k:j*k+k])
			}
		}
		return
	}
	// op(A) columns are contiguous: accumulate C^T chunks in a scratch, then add.
	buf := gemmBufs.Get().(*gemmBuf)
	w0 := min(skinnyChunk, m)
	t := aligned(&buf.tile, n*w0)
	for ib := 0; ib < m; ib += w0 {
		w := min(w0, m-ib)
		clear(t)
		for p := 0; p < k; p++ {
			arow := a[p*lda+ib : p*lda+ib+w]
			for j := 0; j < n; j++ {
				axpy(pre[j*k+p], arow, t[j*w0:j*w0+w])
			}
		}
		for i := 0; i < w; i++ {
			row := c[(ib+i)*ldc : (ib+i)*ldc+n]
			for j := range row {
				row[j] += t[j*w0+i]
			}
		}
	}
	gemmBufs.Put(buf)
}

// dotGo and axpyGo are the pure-Go skinny primitives.
func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}
