package kernels

import (
	"sync"
	"unsafe"
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major float32
// matrices, where op(X) is X or its transpose. op(A) is m x k, op(B) is k x n,
// C is m x n; lda, ldb, ldc are the row strides of A, B, C as stored.
// As in BLAS, beta == 0 overwrites C without reading it (NaN in C does not
// propagate), and alpha == 0 skips the product.
//
// Work is split over Threads() goroutines by rows or columns of C only, never
// over k, and split points fall on register-tile boundaries, so every element
// of C sees the same sequence of operations whatever the thread count: results
// are bit-identical across thread counts (for a given kernel path).
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemmT(0, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemmT is Sgemm on at most nt goroutines (nt < 1: Threads()). Callers that
// already run one part of a batch split pass 1: a nested split would put
// more goroutines than cores on the work and move data between cores. The
// split never changes the result.
func sgemmT(nt int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	g := gemmArgs{p: &cur, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, nt: nt}
	g.skinny = m <= skinnyRowsMax || n <= skinnyMax
	// With beta == 0 the packed path can write C on the first kc slice
	// instead of clearing it first.
	g.overwrite = beta == 0 && alpha != 0 && k > 0 && !g.skinny && g.p.gemm.set != nil
	if !g.overwrite {
		scaleC(m, n, beta, c, ldc)
	}
	if alpha == 0 || k == 0 {
		return
	}
	runGemm(&g)
}

func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("kernels: Sgemm negative dimension")
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	need := func(name string, rows, cols, ld, have int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic("kernels: Sgemm leading dimension of " + name + " smaller than its width")
		}
		if have < (rows-1)*ld+cols {
			panic("kernels: Sgemm slice " + name + " too short")
		}
	}
	need("A", ar, ac, lda, len(a))
	need("B", br, bc, ldb, len(b))
	need("C", m, n, ldc, len(c))
}

// scaleC applies beta to C before any product is added.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// Cache blocking, in elements. A kc x nr panel of B~ (32 KiB: kc = 256 for
// the 12x32 kernel, 512 for 6x16) stays in the 48 KiB L1 while the mc x kc
// block of A~ (192-384 KiB) streams from the 1 MiB L2, and B~'s kc x nc block
// sits in L3. blockKC == 0 picks kc from nr. Variables so tests can shrink
// them and cross every block boundary with small matrices.
var (
	blockKC = 0
	blockMC = 192
	blockNC = 2048
)

func kcFor(nr int) int {
	if blockKC > 0 {
		return blockKC
	}
	return min(512, max(128, 8192/nr))
}

// Products with n <= skinnyMax or m <= skinnyRowsMax take the unpacked
// skinny path. Measured on Zen 5 (k = 256..512, n or m = 4096): at m = 8
// the packed path is twice as fast as streaming axpys, at m = 4 they tie,
// while for small n the skinny path wins up to 8 (the packed tile is 32
// wide there).
var (
	skinnyMax     = 8
	skinnyRowsMax = 4
)

// minParallelWork (multiply-adds) below which Sgemm stays on one goroutine.
var minParallelWork = 1 << 18

type gemmArgs struct {
	p              *impl
	skinny         bool
	overwrite      bool // beta == 0 and C not cleared: the first kc slice stores
	skinnyRows     bool // skinny with m <= skinnyRowsMax (else n <= skinnyMax); fixed before splitting
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int
	pre            []float32 // skinny path: the small operand, gathered once
	ak             aKernel   // when set, A (not transposed, alpha 1) is read in place
	nt             int       // goroutines at most; < 1: Threads()
}

// aKernel is a micro-kernel pair that reads A in place (row i, column p at
// a[i*lda+p]) instead of from a packed panel; see sgemmDirectA.
type aKernel struct {
	fn, set func(kc int, a *float32, lda int, b, c *float32, ldc int)
}

// sgemmDirectA is Sgemm(false, transB, m, n, k, 1, ...) for an A operand the
// micro-kernel reads in place, unpacked: for a lowered convolution input, A
// is large and every element is used by few B panels, so packing it (a
// transposing copy) costs more than broadcasting from its rows. Falls back
// to Sgemm where the path has no such kernel.
// nt is as for sgemmT.
func sgemmDirectA(nt, m, n, k int, a []float32, lda int, transB bool, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ak := directAKernel()
	if ak.fn == nil || m <= skinnyRowsMax || n <= skinnyMax || k == 0 {
		sgemmT(nt, false, transB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
		return
	}
	checkGemm(false, transB, m, n, k, a, lda, b, ldb, c, ldc)
	g := gemmArgs{p: &cur, transB: transB, m: m, n: n, k: k, alpha: 1,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, ak: ak, nt: nt}
	g.overwrite = beta == 0 && g.p.gemm.set != nil && ak.set != nil
	if !g.overwrite {
		scaleC(m, n, beta, c, ldc)
	}
	runGemm(&g)
}

// gemmJob is the pooled per-call state of a multi-threaded Sgemm: its parts
// are the pieces of a parallel call (conv_par.go), claimed by whichever
// goroutine is free.
type gemmJob struct {
	par   parJob
	parts []gemmArgs
}

func (j *gemmJob) runRange(lo, hi int) {
	for i := lo; i < hi; i++ {
		j.parts[i].run()
	}
}

var gemmJobs = sync.Pool{New: func() any { return new(gemmJob) }}

// runGemm splits C into parts along its larger dimension (at multiples of the
// register tile) and runs them on the calling goroutine and the workers.
func runGemm(g *gemmArgs) {
	t := Threads()
	if g.nt > 0 {
		t = min(t, g.nt)
	}
	if work := g.m * g.n * g.k; work < minParallelWork*t {
		t = max(1, work/minParallelWork)
	}
	var skinnyBuf *gemmBuf
	if g.skinny {
		skinnyBuf = g.gatherSmall()
		defer gemmBufs.Put(skinnyBuf)
	}
	alongN := g.n >= g.m
	if g.ak.fn != nil && g.n >= 2*t*g.p.gemm.nr {
		// A is read in place, so splitting columns packs nothing twice,
		// where splitting rows would have every part pack all of B.
		alongN = true
	}
	if g.skinny {
		alongN = g.skinnyRows // split the long side; pre covers the short one
	}
	dim, unit := g.m, g.p.gemm.mr
	if alongN {
		dim, unit = g.n, g.p.gemm.nr
	}
	if g.skinny {
		unit = 64
	}
	chunk := (dim + t - 1) / t
	chunk = (chunk + unit - 1) / unit * unit
	parts := (dim + chunk - 1) / chunk
	if parts <= 1 {
		g.run()
		return
	}
	job := gemmJobs.Get().(*gemmJob)
	if cap(job.parts) < parts {
		job.parts = make([]gemmArgs, parts)
	}
	job.parts = job.parts[:parts]
	for i := range job.parts {
		lo := i * chunk
		hi := min(dim, lo+chunk)
		job.parts[i] = g.sub(alongN, lo, hi)
	}
	job.par.run(parts, parts, min(t, parts), job)
	clear(job.parts) // drop references to the caller's slices
	gemmJobs.Put(job)
}

// sub is the part of the product covering C columns (alongN) or rows lo..hi.
// The skinny path's gathered operand (pre) is never split.
func (g *gemmArgs) sub(alongN bool, lo, hi int) gemmArgs {
	s := *g
	if alongN {
		s.n = hi - lo
		s.c = g.c[lo:]
		if g.transB {
			s.b = g.b[lo*g.ldb:]
		} else {
			s.b = g.b[lo:]
		}
		return s
	}
	s.m = hi - lo
	s.c = g.c[lo*g.ldc:]
	if g.transA {
		s.a = g.a[lo:]
	} else {
		s.a = g.a[lo*g.lda:]
	}
	return s
}

func (g *gemmArgs) run() {
	if g.skinny {
		g.runSkinny()
		return
	}
	buf := gemmBufs.Get().(*gemmBuf)
	g.blocked(buf)
	gemmBufs.Put(buf)
}

// gemmBuf holds one goroutine's packing buffers, reused through gemmBufs.
type gemmBuf struct {
	a, b, tile, small []float32
}

var gemmBufs = sync.Pool{New: func() any { return new(gemmBuf) }}

// aligned returns a zero-offset-from-64-bytes slice of length n backed by *buf,
// growing *buf when needed (full cache lines keep the kernels' loads whole).
func aligned(buf *[]float32, n int) []float32 {
	if cap(*buf) < n+16 {
		*buf = make([]float32, n+16)
	}
	s := (*buf)[:cap(*buf)]
	off := int(uintptr(unsafe.Pointer(&s[0]))&63) / 4
	if off != 0 {
		off = 16 - off
	}
	return s[off : off+n]
}

// blocked is the Goto/BLIS loop nest: for each nc-wide block of columns and
// kc-deep slice of k, pack B~ once; for each mc-high block of rows pack A~
// (alpha folded in) and sweep the register tiles.
func (g *gemmArgs) blocked(buf *gemmBuf) {
	uk := g.p.gemm
	mr, nr := uk.mr, uk.nr
	kc := kcFor(nr)
	// Equal kc slices: k = 300 runs as 150+150, not 256 + a 44-deep slice
	// that would pay a full C-tile load and store for few FMAs.
	nk := (g.k + kc - 1) / kc
	kc = (g.k + nk - 1) / nk
	mc := max(mr, blockMC/mr*mr)
	nc := max(nr, blockNC/nr*nr)
	nbMax := min(nc, (g.n+nr-1)/nr*nr)
	mbMax := min(mc, (g.m+mr-1)/mr*mr)
	kbMax := min(kc, g.k)
	// +8: asm packing may write a few floats past the last panel.
	pb := aligned(&buf.b, kbMax*nbMax+8)
	pa := aligned(&buf.a, kbMax*mbMax+8)
	tile := aligned(&buf.tile, mr*nr)
	for jc := 0; jc < g.n; jc += nc {
		nb := min(nc, g.n-jc)
		for pc := 0; pc < g.k; pc += kc {
			kb := min(kc, g.k-pc)
			packB(g.p, pb, g.transB, g.b, g.ldb, pc, jc, kb, nb, nr)
			for ic := 0; ic < g.m; ic += mc {
				mb := min(mc, g.m-ic)
				if g.ak.fn != nil {
					g.macroTileA(g.overwrite && pc == 0, ic, pc, mb, nb, kb, pa, pb, g.c[ic*g.ldc+jc:], tile)
					continue
				}
				packA(g.p, pa, g.transA, g.a, g.lda, ic, pc, mb, kb, mr, g.alpha)
				macroTile(uk, g.overwrite && pc == 0, mb, nb, kb, pa, pb, g.c[ic*g.ldc+jc:], g.ldc, tile)
			}
		}
	}
}

// macroTile runs the micro-kernel over an mb x nb block of C from packed
// panels; partial tiles go through the scratch tile so the kernel never
// touches C outside the block.
// With set, C is overwritten (beta == 0, first kc slice) and never read.
func macroTile(uk microKernel, set bool, mb, nb, kb int, pa, pb, c []float32, ldc int, tile []float32) {
	mr, nr := uk.mr, uk.nr
	fn := uk.fn
	if set {
		fn = uk.set
	}
	for jr := 0; jr < nb; jr += nr {
		nw := min(nr, nb-jr)
		bp := &pb[jr*kb]
		for ir := 0; ir < mb; ir += mr {
			mw := min(mr, mb-ir)
			ap := &pa[ir*kb]
			if mw == mr && nw == nr {
				_ = c[(ir+mr-1)*ldc+jr+nr-1]
				fn(kb, ap, bp, &c[ir*ldc+jr], ldc)
				continue
			}
			clear(tile)
			uk.fn(kb, ap, bp, &tile[0], nr)
			for i := 0; i < mw; i++ {
				dst := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+nw]
				src := tile[i*nr : i*nr+nw]
				if set {
					copy(dst, src)
					continue
				}
				for j, v := range src {
					dst[j] += v
				}
			}
		}
	}
}

// macroTileA is macroTile with A read in place by g.ak; only a last partial
// row tile is packed (the in-place kernel reads all mr rows).
func (g *gemmArgs) macroTileA(set bool, ic, pc, mb, nb, kb int, pa, pb, c, tile []float32) {
	uk := g.p.gemm
	mr, nr, ldc := uk.mr, uk.nr, g.ldc
	full := mb / mr * mr
	if full < mb {
		packA(g.p, pa, false, g.a, g.lda, ic+full, pc, mb-full, kb, mr, 1)
	}
	fn := g.ak.fn
	if set {
		fn = g.ak.set
	}
	for jr := 0; jr < nb; jr += nr {
		nw := min(nr, nb-jr)
		bp := &pb[jr*kb]
		for ir := 0; ir < mb; ir += mr {
			mw := min(mr, mb-ir)
			if mw == mr && nw == nr {
				_ = c[(ir+mr-1)*ldc+jr+nr-1]
				ar := g.a[(ic+ir)*g.lda+pc:]
				_ = ar[(mr-1)*g.lda+kb-1]
				fn(kb, &ar[0], g.lda, bp, &c[ir*ldc+jr], ldc)
				continue
			}
			clear(tile)
			if mw == mr {
				ar := g.a[(ic+ir)*g.lda+pc:]
				_ = ar[(mr-1)*g.lda+kb-1]
				g.ak.fn(kb, &ar[0], g.lda, bp, &tile[0], nr)
			} else {
				uk.fn(kb, &pa[0], bp, &tile[0], nr)
			}
			for i := 0; i < mw; i++ {
				dst := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+nw]
				src := tile[i*nr : i*nr+nw]
				if set {
					copy(dst, src)
					continue
				}
				for j, v := range src {
					dst[j] += v
				}
			}
		}
	}
}

// packA copies the mb x kb block of alpha*op(A) at (i0, p0) into mr-row
// panels stored column by column, zero-padding the last panel.
func packA(im *impl, dst []float32, trans bool, a []float32, lda, i0, p0, mb, kb, mr int, alpha float32) {
	fast := im.packCopy != nil && mr <= im.packMaxW && int64(lda)*int64(mr) < 1<<31
	for ir := 0; ir < mb; ir += mr {
		rows := min(mr, mb-ir)
		panel := dst[ir*kb : ir*kb+mr*kb+8]
		if fast && trans {
			_ = a[(p0+kb-1)*lda+i0+ir+rows-1]
			im.packCopy(&panel[0], &a[p0*lda+i0+ir], lda, kb, rows, mr, alpha)
			continue
		}
		if fast {
			_ = a[(i0+ir+rows-1)*lda+p0+kb-1]
			im.packGather(&panel[0], &a[(i0+ir)*lda+p0], lda, kb, rows, mr, alpha)
			continue
		}
		if trans {
			// op(A)[i][p] = a[p*lda+i]: each k step is a contiguous run.
			for p := 0; p < kb; p++ {
				src := a[(p0+p)*lda+i0+ir:]
				src = src[:rows]
				d := panel[p*mr : p*mr+mr]
				for i, v := range src {
					d[i] = alpha * v
				}
				clear(d[rows:])
			}
			continue
		}
		transposeGo(panel, mr, a[(i0+ir)*lda+p0:], lda, rows, kb, alpha)
		if rows < mr {
			for p := 0; p < kb; p++ {
				clear(panel[p*mr+rows : p*mr+mr])
			}
		}
	}
}

// packB copies the kb x nb block of op(B) at (p0, j0) into nr-column panels
// stored row by row, zero-padding the last panel.
func packB(im *impl, dst []float32, trans bool, b []float32, ldb, p0, j0, kb, nb, nr int) {
	fast := im.packCopy != nil && nr <= im.packMaxW && int64(ldb)*int64(nr) < 1<<31
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		panel := dst[jr*kb : jr*kb+nr*kb+8]
		if fast && !trans {
			_ = b[(p0+kb-1)*ldb+j0+jr+cols-1]
			im.packCopy(&panel[0], &b[p0*ldb+j0+jr], ldb, kb, cols, nr, 1)
			continue
		}
		if fast {
			_ = b[(j0+jr+cols-1)*ldb+p0+kb-1]
			im.packGather(&panel[0], &b[(j0+jr)*ldb+p0], ldb, kb, cols, nr, 1)
			continue
		}
		if !trans {
			for p := 0; p < kb; p++ {
				src := b[(p0+p)*ldb+j0+jr:]
				d := panel[p*nr : p*nr+nr]
				copy(d, src[:cols])
				clear(d[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]
		transposeGo(panel, nr, b[(j0+jr)*ldb+p0:], ldb, cols, kb, 1)
		if cols < nr {
			for p := 0; p < kb; p++ {
				clear(panel[p*nr+cols : p*nr+nr])
			}
		}
	}
}

// transposeGo sets dst[p*w+i] = alpha*src[i*ld+p] for i < rows, p < k: the
// pure-Go transposing pack, four source rows per pass so each k step writes
// four adjacent floats with one bounds check.
func transposeGo(dst []float32, w int, src []float32, ld, rows, k int, alpha float32) {
	i := 0
	for ; i+4 <= rows; i += 4 {
		s0 := src[i*ld : i*ld+k]
		s1 := src[(i+1)*ld : (i+1)*ld+k]
		s2 := src[(i+2)*ld : (i+2)*ld+k]
		s3 := src[(i+3)*ld : (i+3)*ld+k]
		s1, s2, s3 = s1[:len(s0)], s2[:len(s0)], s3[:len(s0)]
		for p := range s0 {
			d := dst[p*w+i : p*w+i+4 : p*w+i+4]
			d[0], d[1], d[2], d[3] = alpha*s0[p], alpha*s1[p], alpha*s2[p], alpha*s3[p]
		}
	}
	for ; i < rows; i++ {
		for p, v := range src[i*ld : i*ld+k] {
			dst[p*w+i] = alpha * v
		}
	}
}
