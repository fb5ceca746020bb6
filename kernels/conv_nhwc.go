package kernels

// Channels-last lowering. The images of a chunk are first transposed to
// H x W x C, so that each (output pixel, filter tap) of the lowered matrix is
// one contiguous run of C floats instead of C scattered ones. The lowered
// matrix is im2row with its columns ordered (tap, channel) and the weights
// are permuted to match; both copies run at memory speed, where the
// channel-major gathers (im2col, col2im) move one float at a time.
// Backward-data of a stride-1 conv is the same lowering applied to dy with
// the transposed weights: a gather instead of col2im's scatter-add.

// convNHWCMode forces the choice for tests: 0 automatic, 1 always (where
// valid), 2 never.
var convNHWCMode = 0

// convNHWCCols is the chunk width (pixels) of the channels-last lowering.
var convNHWCCols = 1024

func chunkNHWC(n, ohw, crs int) int { return chunkFor(convNHWCCols, n, ohw, crs) }

// nhwcFwd selects channels-last lowering for the forward and weight-gradient
// passes: worth it once a channel run is long enough to copy in vectors.
func nhwcFwd(s ConvShape) bool {
	switch convNHWCMode {
	case 1:
		return true
	case 2:
		return false
	}
	return s.C >= 16 && !(s.pointwise() && s.OutH()*s.OutW() >= convPointwiseMin)
}

// nhwcData selects it for backward-data, which it handles for stride 1 only.
// Its product has only C rows, so with few input channels the packing of the
// lowered operand is spread over too little arithmetic: measured (batch 128,
// one core) slower for the VGG's C = 16 and 32 layers, 1.2-1.5x faster from
// C = 128.
func nhwcData(s ConvShape) bool {
	if s.StrideH != 1 || s.StrideW != 1 {
		return false
	}
	switch convNHWCMode {
	case 1:
		return true
	case 2:
		return false
	}
	minC := 64
	if useDirectA() {
		minC = 32 // 32->128x7: 122-143 GFLOP/cpu-s against 90-95 by col2im
	}
	return s.K >= 16 && s.C >= minC && !s.pointwise()
}

// transposeTo sets dst[j*ldd+i] = src[i*lds+j] for i < rows, j < cols, in
// register-transposed blocks where the path has them.
func transposeTo(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	if rows == 0 || cols == 0 {
		return
	}
	_ = dst[(cols-1)*ldd+rows-1]
	_ = src[(rows-1)*lds+cols-1]
	i := 0
	if fn, bh := transBlock(); fn != nil && ldd >= bh {
		for ; i+bh <= rows; i += bh {
			fn(&dst[i], &src[i*lds], lds, cols, bh, ldd, 1)
		}
	}
	if i < rows {
		transposeGo(dst[i:], ldd, src[i*lds:], lds, rows-i, cols, 1)
	}
}

// nhwcJob transposes images (units) from C x HW to HW x C, or back.
type nhwcJob struct {
	c, hw    int
	src, dst []float32
	back     bool // HW x C to C x HW
}

func (j *nhwcJob) runRange(lo, hi int) {
	chw := j.c * j.hw
	for n := lo; n < hi; n++ {
		if j.back {
			transposeTo(j.dst[n*chw:(n+1)*chw], j.hw, j.src[n*chw:(n+1)*chw], j.c, j.hw, j.c)
			continue
		}
		transposeTo(j.dst[n*chw:(n+1)*chw], j.c, j.src[n*chw:(n+1)*chw], j.hw, j.c, j.hw)
	}
}

// convDirectAMode forces, for tests and A/B runs, whether the channels-last
// forward and backward-data products run as pixels x channels with the
// lowered matrix read in place by the micro-kernel (1) or as channels x
// pixels with it packed (2); 0 is automatic.
var convDirectAMode = 0

// useDirectA: reading the lowered rows in place saves their transposing
// pack; the output then comes out pixel-major and is transposed back (a
// tenth of the data or less). Measured at batch 128 on one core, GFLOP/cpu-s
// in place vs packed: 128->128x7 forward 177-179 vs 138-156, backward-data
// 174-182 vs 144-151; 32->128x7 forward 151-153 vs 132-134, backward-data
// 122-143 vs 90-95; 256->256x3 forward 172-173 vs 158-160, backward-data
// 156-172 vs 150-154.
func useDirectA() bool {
	switch convDirectAMode {
	case 1:
		return true
	case 2:
		return false
	}
	return directAKernel().fn != nil
}

// toNCHW transposes a chunk's pixel-major output (nb images of ohw x c) into
// NCHW dst, in parallel over images.
func (ws *convWork) toNCHW(mat, dst []float32, nb, c, ohw int) {
	ws.nj = nhwcJob{c: c, hw: ohw, src: mat, dst: dst, back: true}
	ws.run(nb, nb*c*ohw, &ws.nj)
	ws.nj = nhwcJob{}
}

// wtJob rearranges weights in parallel. With k == 0 it builds, for output
// channels (units) lo..hi, W'[k][t][c] = W[k][c][t] with row stride kk and
// the bias in column c*rs; with taps, W'[t][k][c] = W[k][c][t] (k output
// channels, units as before); otherwise it transposes W (k x crs) to
// crs x k, a unit being 16 columns of W. With fz.on it runs a fused
// batch-1 product instead (fuseJob).
type wtJob struct {
	c, rs, kk int
	k, crs    int
	taps      bool
	w, bias   []float32
	dst       []float32
	fz        fuseJob
}

// fuseJob is a batch-1 channels-last product run by blocks of output
// columns (units; see fusedProduct): each block's weights are rearranged
// into a scratch that stays in L2, then multiplied, instead of writing all
// the weights out and reading them back for the GEMM's packing.
type fuseJob struct {
	on, data bool
	fb, n    int // block width (a multiple of the register tile), product columns
	depth    int
	rows     []float32 // m x depth, row stride lda, read in place
	lda, m   int
	out      []float32 // m x n, row stride n
	// weight gradient (wg): blocks of output channels (GEMM rows) of
	// dW' = op(a) * rows (depth = pixels) are added to out (dw) through
	// tapAdd while in L2; n is K, m the pixels.
	wg     bool
	a      []float32
	transA bool
	ldA    int
}

func (j *wtJob) runRange(lo, hi int) {
	crs := j.c * j.rs
	if j.fz.on {
		j.fused(lo, hi)
		return
	}
	if j.taps {
		tapTransposeN(j.dst[lo*j.c:], j.k*j.c, j.c, j.w[lo*crs:hi*crs], crs, hi-lo, j.c, j.rs)
		return
	}
	if j.k > 0 {
		c0, c1 := lo*16, min(hi*16, j.crs)
		transposeTo(j.dst[c0*j.k:], j.k, j.w[c0:], j.crs, j.k, c1-c0)
		return
	}
	if hi <= lo {
		return
	}
	tapTransposeN(j.dst[lo*j.kk:], j.c, j.kk, j.w[lo*crs:hi*crs], crs, hi-lo, j.c, j.rs)
	if j.bias != nil {
		for k := lo; k < hi; k++ {
			j.dst[k*j.kk+crs] = j.bias[k]
		}
	}
}

// fused runs blocks lo..hi of a fuseJob, the last block taking the
// remainder of the columns, on a scratch workspace of its own.
func (j *wtJob) fused(lo, hi int) {
	f := &j.fz
	units := max(1, f.n/f.fb)
	crs := j.c * j.rs
	sc := getConvWork()
	for u := lo; u < hi; u++ {
		j0, j1 := u*f.fb, (u+1)*f.fb
		if u == units-1 {
			j1 = f.n
		}
		nb := j1 - j0
		if f.wg {
			sc.dwt = growF32(sc.dwt, nb*crs)
			buf := sc.dwt[:nb*crs]
			var a []float32
			if f.transA {
				a = f.a[j0:]
			} else {
				a = f.a[j0*f.ldA:]
			}
			sgemmT(1, f.transA, false, nb, crs, f.m, 1, a, f.ldA, f.rows, f.lda, 0, buf, crs)
			for k := j0; k < j1; k++ {
				tapAdd(f.out[k*crs:(k+1)*crs], buf[(k-j0)*crs:(k-j0+1)*crs], j.c, j.c, j.rs)
			}
			continue
		}
		if f.data {
			// B = W'[t][k][c0:c1]: filter k's channels j0..j1 are one
			// contiguous run of W.
			sc.wt = growF32(sc.wt, f.depth*nb)
			buf := sc.wt[:f.depth*nb]
			tapTransposeN(buf, j.k*nb, nb, j.w[j0*j.rs:], crs, j.k, nb, j.rs)
			sgemmDirectA(1, f.m, nb, f.depth, f.rows, f.lda, false, buf, nb, 0, f.out[j0:], f.n)
			continue
		}
		// B^T = W'[k0:k1][t][c] (+ bias column), as wtJob's k == 0 mode,
		// with rows padded to whole cache lines so that the rearranging
		// stores are aligned (the padding is never read).
		ld := savedLd(j.kk)
		sc.wt = growF32(sc.wt, nb*ld)
		buf := sc.wt[:nb*ld]
		tapTransposeN(buf, j.c, ld, j.w[j0*crs:j1*crs], crs, nb, j.c, j.rs)
		if j.bias != nil {
			for k := j0; k < j1; k++ {
				buf[(k-j0)*ld+crs] = j.bias[k]
			}
		}
		sgemmDirectA(1, f.m, nb, f.depth, f.rows, f.lda, true, buf, ld, 0, f.out[j0:], f.n)
	}
	putConvWork(sc)
}

// convFuseFloats bounds a fused block's rearranged weights (floats): with
// the GEMM's packed panel and the lowered rows they stay in a 1 MB L2.
var convFuseFloats = 96 << 10

// fuseBlock is the block width of a fused product of depth d and n columns
// on t threads: L2-sized, at least one register tile, and small enough to
// give every thread a block.
func fuseBlock(d, n, t int) int {
	nr := cur.gemm.nr
	fb := max(nr, convFuseFloats/max(d, 1)/nr*nr)
	if t > 1 {
		fb = min(fb, max(nr, (n+t*nr-1)/(t*nr)*nr))
	}
	return fb
}

// fuseOK reports whether a batch-1 pass with m output pixels, n output
// channels and depth d runs fused. Each block's product is then the same
// blocked in-place-A GEMM as the whole one restricted to its columns: its
// blocks start at multiples of the register tile, no block is narrower than
// min(n, fb) > skinnyMax and m > skinnyRowsMax (no skinny path), so every
// tile and every depth slice, hence every result bit, is unchanged.
func fuseOK(m, n, d int) bool {
	return !convFuseOff && useDirectA() && m > skinnyRowsMax && n > skinnyMax && n > fuseBlock(d, n, 1)
}

// wgFuseBlock is the block height (output channels, a multiple of the
// register tile's rows above the skinny limit) of a fused batch-1 weight
// gradient with crs columns and K rows on t threads.
func wgFuseBlock(crs, k, t int) int {
	mr := cur.gemm.mr
	lo := (skinnyRowsMax/mr + 1) * mr
	fb := max(lo, convFuseFloats/max(crs, 1)/mr*mr)
	if t > 1 {
		fb = min(fb, max(lo, (k+t*mr-1)/(t*mr)*mr))
	}
	return fb
}

// wgFuseOK reports whether a batch-1 weight gradient runs fused: its
// product by blocks of rows is the whole one's restricted to them (blocks
// start at multiples of the register tile and none is skinny), and each
// block is added to dw by tapAdd while it is in L2 instead of going
// through a K x CRS scratch.
func wgFuseOK(s ConvShape) bool {
	crs := s.C * s.R * s.S
	return !convFuseOff && tapAddFast(s.R*s.S) && crs > skinnyMax && s.K > wgFuseBlock(crs, s.K, 1)
}

// convFuseOff turns the fused batch-1 products off (tests: the result must
// not change).
var convFuseOff = false

// fusedProduct runs pass p's product (one chunk of one image) by blocks of
// output columns into c (m x n): see fuseJob.
func (ws *convWork) fusedProduct(p *nhwcPass, rows []float32, lda, m, n int, c []float32) {
	fb := fuseBlock(p.depth, n, ws.threads())
	ws.wj = wtJob{c: p.s.C, rs: p.s.R * p.s.S, kk: p.depth, k: p.s.K, w: p.w, bias: p.bias,
		fz: fuseJob{on: true, data: p.data, fb: fb, n: n, depth: p.depth, rows: rows, lda: lda, m: m, out: c}}
	ws.run(max(1, n/fb), m*n*p.depth, &ws.wj)
	ws.wj = wtJob{}
}

// nhwcGeom maps output pixels and taps to source pixels.
type nhwcGeom struct {
	c, h, w    int // source images, h x w x c after the transpose
	oh, ow     int // pixel grid of the lowered rows
	r, s       int // taps
	sh, sw     int
	dir        int // +1: source row i*sh - padH + r; -1 (transposed conv, sh = 1): i + padH - r
	padH, padW int
}

func fwdGeom(s ConvShape) nhwcGeom {
	return nhwcGeom{c: s.C, h: s.H, w: s.W, oh: s.OutH(), ow: s.OutW(), r: s.R, s: s.S,
		sh: s.StrideH, sw: s.StrideW, dir: 1, padH: s.PadH, padW: s.PadW}
}

// dataGeom lowers dy for backward-data: dx = conv(dy, flipped w) over the
// input's pixel grid (stride 1 only).
func dataGeom(s ConvShape) nhwcGeom {
	return nhwcGeom{c: s.K, h: s.OutH(), w: s.OutW(), oh: s.H, ow: s.W, r: s.R, s: s.S,
		sh: 1, sw: 1, dir: -1, padH: s.PadH, padW: s.PadW}
}

// rowsJob fills im2row rows (units = pixels of the chunk, image-major), each
// r*s runs of c floats in tap order, then with ones a 1 (the bias column).
type rowsJob struct {
	g    nhwcGeom
	xt   []float32 // images, h x w x c
	rows []float32 // pixels x r*s*c (+1)
	ones bool
	ld   int // row stride when larger than r*s*c (+1); the gap is not written
}

func (j *rowsJob) runRange(lo, hi int) {
	g := j.g
	c := g.c
	ohw := g.oh * g.ow
	hwc := g.h * g.w * c
	rsc := g.r * g.s * c
	ld := rsc
	if j.ones {
		ld++
	}
	ld = max(ld, j.ld)
	for u := lo; u < hi; u++ {
		n, p := u/ohw, u%ohw
		i, jj := p/g.ow, p%g.ow
		xn := j.xt[n*hwc : (n+1)*hwc]
		dst := j.rows[u*ld : u*ld+rsc]
		if j.ones {
			j.rows[u*ld+rsc] = 1
		}
		for r := 0; r < g.r; r++ {
			var ih, iw0 int
			if g.dir > 0 {
				ih, iw0 = i*g.sh-g.padH+r, jj*g.sw-g.padW
			} else {
				ih, iw0 = i+g.padH-r, jj+g.padW
			}
			drow := dst[r*g.s*c : (r+1)*g.s*c]
			if ih < 0 || ih >= g.h {
				clear(drow)
				continue
			}
			xrow := xn[ih*g.w*c : (ih+1)*g.w*c]
			for q := 0; q < g.s; q++ {
				iw := iw0 + q*g.dir
				d := drow[q*c : (q+1)*c]
				if iw < 0 || iw >= g.w {
					clear(d)
					continue
				}
				copyRun(d, xrow[iw*c:(iw+1)*c])
			}
		}
	}
}

// copyRun copies len(d) floats; short runs inline rather than through a
// memmove call.
func copyRun(d, s []float32) {
	s = s[:len(d)]
	if len(d) > 64 {
		copy(d, s)
		return
	}
	for len(d) >= 16 {
		*(*[16]float32)(d) = *(*[16]float32)(s)
		d, s = d[16:], s[16:]
	}
	for i := range d {
		d[i] = s[i]
	}
}

// lowerNHWC returns the im2row matrix (nb*oh*ow x r*s*c, columns (tap,
// channel)) of source images n0..n0+nb-1 (NCHW, c x h x w each, or already
// channels-last when srcNHWC); with ones, each row has a final 1 (row stride
// r*s*c+1) so a bias folds into the GEMM. A channels-last 1x1 source without
// the ones column is its own im2row matrix.
func (ws *convWork) lowerNHWC(g nhwcGeom, src []float32, n0, nb int, ones, srcNHWC bool) []float32 {
	return ws.lowerNHWCTo(g, src, n0, nb, ones, srcNHWC, nil)
}

// lowerNHWCTo is lowerNHWC writing the rows into dst, with row stride
// savedLd(depth), when dst is non-nil (the identity shortcut is then not
// taken).
func (ws *convWork) lowerNHWCTo(g nhwcGeom, src []float32, n0, nb int, ones, srcNHWC bool, dst []float32) []float32 {
	chw := g.c * g.h * g.w
	xt := src[n0*chw : (n0+nb)*chw]
	if !srcNHWC {
		ws.xt = growF32(ws.xt, nb*chw)
		ws.nj = nhwcJob{c: g.c, hw: g.h * g.w, src: xt, dst: ws.xt}
		ws.run(nb, nb*chw, &ws.nj)
		ws.nj = nhwcJob{}
		xt = ws.xt
	} else if !ones && g.identity() && dst == nil {
		return xt
	}
	n := nb * g.oh * g.ow
	rsc := g.r * g.s * g.c
	if ones {
		rsc++
	}
	ld := rsc
	if dst == nil {
		ws.col = growF32(ws.col, n*rsc)
		dst = ws.col
	} else {
		ld = savedLd(rsc)
	}
	dst = dst[:n*ld]
	ws.rj = rowsJob{g: g, xt: xt, rows: dst, ones: ones, ld: ld}
	ws.run(n, n*rsc, &ws.rj)
	ws.rj = rowsJob{}
	return dst
}

// identity reports a lowering whose rows are the source pixels themselves.
func (g nhwcGeom) identity() bool {
	return g.r == 1 && g.s == 1 && g.sh == 1 && g.sw == 1 && g.padH == 0 && g.padW == 0 && g.oh == g.h && g.ow == g.w
}

// forwardNHWC is ConvForward through channels-last lowering:
// Y (K x pixels) = [W' bias] (K x RSC+1) * [rows 1]^T.
func (ws *convWork) forwardNHWC(s ConvShape, l ConvLayout, x, w, bias, y, save []float32) {
	rs := s.R * s.S
	crs := s.C * rs
	kk := crs // GEMM depth: the bias is one more
	if bias != nil {
		kk++
	}
	p := nhwcPass{s: s, src: x, depth: kk, ones: bias != nil, dst: y,
		srcNHWC: l.In, dstNHWC: l.Out, save: save}
	if s.N == 1 && fuseOK(s.OutH()*s.OutW(), s.K, kk) {
		p.w, p.bias = w, bias
		ws.nhwcBatch(p)
		return
	}
	ws.wt = growF32(ws.wt, s.K*kk)
	ws.wj = wtJob{c: s.C, rs: rs, kk: kk, w: w, bias: bias, dst: ws.wt}
	ws.run(s.K, s.K*crs, &ws.wj)
	ws.wj = wtJob{}
	p.wt = ws.wt[:s.K*kk]
	ws.nhwcBatch(p)
}

// backwardDataNHWC is ConvBackwardData for stride 1 as a convolution of dy:
// dx (C x pixels) = W^T viewed as C x (RS*K) times rows(dy)^T, where row
// (pixel i, j; tap r, q) holds dy at (i+padH-r, j+padW-q).
func (ws *convWork) backwardDataNHWC(s ConvShape, l ConvLayout, dy, w, dx []float32) {
	rs := s.R * s.S
	crs := s.C * rs
	rsk := rs * s.K
	p := nhwcPass{s: s, data: true, src: dy, depth: rsk, dst: dx, srcNHWC: l.Out, dstNHWC: l.In}
	if dataTaps(s) {
		// (RS*K) x C, the product's B operand itself, so the GEMM packs
		// it by copying rather than transposing again.
		p.wtT = true
		if rs == 1 {
			p.wt = w[:s.K*s.C]
		} else if s.N == 1 && fuseOK(s.H*s.W, s.C, rsk) {
			p.w = w
		} else {
			ws.wt = growF32(ws.wt, s.K*crs)
			ws.wj = wtJob{c: s.C, rs: rs, k: s.K, taps: true, w: w, dst: ws.wt}
			ws.run(s.K, s.K*crs, &ws.wj)
			ws.wj = wtJob{}
			p.wt = ws.wt[:s.K*crs]
		}
		ws.nhwcBatch(p)
		return
	}
	ws.wt = growF32(ws.wt, s.K*crs)
	ws.wj = wtJob{k: s.K, crs: crs, w: w, dst: ws.wt} // CRS x K
	ws.run((crs+15)/16, s.K*crs, &ws.wj)
	ws.wj = wtJob{}
	p.wt = ws.wt[:s.K*crs]
	ws.nhwcBatch(p)
}

// dataTaps reports whether backward-data takes its weights as (RS*K) x C
// (nhwcPass.wtT): where the tap kernels make that rearrangement cheap, and
// only for products that run the in-place-A blocked GEMM, whose result does
// not depend on how B is stored (every chunk has at least H*W > 4 rows and
// C > 8 columns, so sgemmDirectA never takes the skinny path, where it
// would).
func dataTaps(s ConvShape) bool {
	rs := s.R * s.S
	return !convDataTapsOff && useDirectA() && (rs == 1 || rs == 9 && tap9Fn() != nil) &&
		s.H*s.W > skinnyRowsMax && s.C > skinnyMax
}

// convDataTapsOff turns dataTaps off (tests: the result must not change).
var convDataTapsOff = false

// nhwcPass is a channels-last forward (data false) or backward-data product
// with its weights already rearranged (wt is outC x depth, or depth x outC
// with wtT), or, with w set, rearranged block by block as the batch-1
// product goes (fuseJob).
type nhwcPass struct {
	s        ConvShape
	data     bool
	src, dst []float32
	wt       []float32
	depth    int
	wtT      bool // wt is depth x outC (only with useDirectA; see dataTaps)
	// w (and bias) set, wt nil: the batch-1 product runs fused (fuseJob)
	w, bias []float32
	ones    bool // forward with bias: rows end in a 1
	t       int  // batch groups (nhwcBatch)
	// activations already channels-last: src is not transposed, and dst is
	// written pixel-major as the product comes out
	srcNHWC, dstNHWC bool
	save             []float32 // forward: keep the lowered rows here (all images)
}

// geometry returns the lowering, the output channels and pixels per image.
func (p *nhwcPass) geometry() (g nhwcGeom, outC, opix int) {
	if p.data {
		return dataGeom(p.s), p.s.C, p.s.H * p.s.W
	}
	return fwdGeom(p.s), p.s.K, p.s.OutH() * p.s.OutW()
}

// convNHWCSplitMin is the output pixels per thread from which the
// channels-last forward and backward-data passes split the batch (each
// thread lowers, multiplies and transposes its own images: one hand-off per
// call, and each image's data stays on one core) rather than running each
// step split over threads (the GEMM by output channels). Below it the
// duplicated packing of the weights costs more than the hand-offs. Measured
// at 2 threads, batch 32, 3x3 layers (144 pixels per thread), us per pass,
// split vs not: 128->256 forward 633-648 vs 709-717, backward-data 674-714
// vs 754-757; 256->256 forward 1251-1294 vs 1298-1317, backward-data equal.
var convNHWCSplitMin = 128

// nhwcBatch runs pass p over the batch, split into groups of images when
// there are enough pixels; the images of a group go through the same
// chunking and kernels whichever goroutine runs it, so the result depends
// only on the thread count.
func (ws *convWork) nhwcBatch(p nhwcPass) {
	_, _, opix := p.geometry()
	t := 1
	if !ws.serial {
		t = min(Threads(), p.s.N)
	}
	if t > 1 && p.s.N/t*opix >= convNHWCSplitMin {
		p.t = t
		ws.nb = p
		parallelRange(&ws.par, t, 1<<30, &ws.nb)
		ws.nb = nhwcPass{}
		return
	}
	ws.nhwcRange(&p, 0, p.s.N)
}

// runRange runs batch groups lo..hi of p, each on its own serial workspace.
func (p *nhwcPass) runRange(lo, hi int) {
	for g := lo; g < hi; g++ {
		w := getConvWork()
		w.serial = true
		w.nhwcRange(p, g*p.s.N/p.t, (g+1)*p.s.N/p.t)
		w.serial = false
		putConvWork(w)
	}
}

// nhwcRange runs pass p for images [n0, n1) in chunks.
func (ws *convWork) nhwcRange(p *nhwcPass, n0, n1 int) {
	g, outC, opix := p.geometry()
	per := outC * opix
	nb := chunkNHWC(n1-n0, opix, p.depth)
	for c0 := n0; c0 < n1; c0 += nb {
		b := min(nb, n1-c0)
		cols := b * opix
		var keep []float32
		lda := p.depth
		if p.save != nil {
			lda = savedLd(p.depth)
			keep = p.save[c0*opix*lda : (c0+b)*opix*lda]
		}
		rows := ws.lowerNHWCTo(g, p.src, c0, b, p.ones, p.srcNHWC, keep)
		out := p.dst[c0*per : (c0+b)*per]
		if p.w != nil {
			if p.dstNHWC {
				ws.fusedProduct(p, rows, lda, cols, outC, out)
				continue
			}
			ws.mat = growF32(ws.mat, outC*cols)
			ws.fusedProduct(p, rows, lda, cols, outC, ws.mat)
			ws.toNCHW(ws.mat, out, b, outC, opix)
			continue
		}
		transB, ldb := true, p.depth
		if p.wtT {
			transB, ldb = false, outC
		}
		if p.dstNHWC {
			// pixels x outC is the channels-last output itself
			if useDirectA() {
				sgemmDirectA(ws.nt(), cols, outC, p.depth, rows, lda, transB, p.wt, ldb, 0, out, outC)
			} else {
				sgemmT(ws.nt(), false, true, cols, outC, p.depth, 1, rows, lda, p.wt, p.depth, 0, out, outC)
			}
			continue
		}
		if useDirectA() {
			ws.mat = growF32(ws.mat, outC*cols)
			sgemmDirectA(ws.nt(), cols, outC, p.depth, rows, lda, transB, p.wt, ldb, 0, ws.mat, outC)
			ws.toNCHW(ws.mat, out, b, outC, opix)
			continue
		}
		if b == 1 {
			sgemmT(ws.nt(), false, true, outC, cols, p.depth, 1, p.wt, p.depth, rows, lda, 0, out, cols)
			continue
		}
		ws.mat = growF32(ws.mat, outC*cols)
		sgemmT(ws.nt(), false, true, outC, cols, p.depth, 1, p.wt, p.depth, rows, lda, 0, ws.mat, cols)
		ws.lay = layoutJob{k: outC, nb: b, ohw: opix, mat: ws.mat, nchw: out, toNCHW: true}
		ws.run(outC*b, b*per, &ws.lay)
		ws.lay = layoutJob{}
	}
}

// weightNHWC adds the weight gradient of images [n0, n1) to dw:
// dW' (K x RSC) = dY (K x pixels) * rows, then dw[k][c][t] += dW'[k][t][c].
// With l.Out, dy is channels-last (pixels x K) and enters transposed.
func (ws *convWork) weightNHWC(s ConvShape, l ConvLayout, x, dy []float32, n0, n1 int, dw []float32) {
	if wgradDirectFits(s, l) {
		ws.wgradDirect(s, x, dy, n0, n1, dw)
		return
	}
	ohw := s.OutH() * s.OutW()
	rs := s.R * s.S
	crs := s.C * rs
	kohw := s.K * ohw
	ws.dwt = growF32(ws.dwt, s.K*crs)
	g := fwdGeom(s)
	nb := chunkNHWC(n1-n0, ohw, crs)
	beta := float32(0)
	for c0 := n0; c0 < n1; c0 += nb {
		b := min(nb, n1-c0)
		cols := b * ohw
		rows := ws.lowerNHWC(g, x, c0, b, false, l.In)
		if l.Out {
			sgemmT(ws.nt(), true, false, s.K, crs, cols, 1, dy[c0*kohw:(c0+b)*kohw], s.K, rows, crs, beta, ws.dwt, crs)
		} else {
			gd := ws.gatherDy(s, dy, c0, b)
			sgemmT(ws.nt(), false, false, s.K, crs, cols, 1, gd, cols, rows, crs, beta, ws.dwt, crs)
		}
		beta = 1
	}
	ws.perm(s, ws.dwt[:s.K*crs], dw)
}

// perm adds src (K x RS x C) to dw (K x C x RS).
func (ws *convWork) perm(s ConvShape, src, dw []float32) {
	rs := s.R * s.S
	crs := s.C * rs
	if !tapAddFast(rs) {
		ws.ptmp = growF32(ws.ptmp, s.K*crs)
	}
	ws.pj = permJob{c: s.C, rs: rs, ld: crs, src: src, dst: dw, tmp: ws.ptmp}
	ws.run(s.K, s.K*crs, &ws.pj)
	ws.pj = permJob{}
}

// savedLd is the row stride of saved rows of depth d: a whole number of
// 64-byte lines, so the weight gradient's product reads aligned rows and
// has no one-column tail (the bias column of the forward is not part of it).
func savedLd(d int) int { return (d + 15) &^ 15 }

// weightRows is weightNHWC from saved rows (all N images, row stride
// savedLd of crs, +1 with a bias): one product over the images [n0, n1).
func (ws *convWork) weightRows(s ConvShape, l ConvLayout, rows []float32, ld int, dy []float32, n0, n1 int, dw []float32) {
	if n1 <= n0 {
		return
	}
	ohw := s.OutH() * s.OutW()
	rs := s.R * s.S
	crs := s.C * rs
	kohw := s.K * ohw
	b := n1 - n0
	cols := b * ohw
	r := rows[n0*ohw*ld : n1*ohw*ld]
	if b == 1 && wgFuseOK(s) {
		f := fuseJob{on: true, wg: true, n: s.K, m: cols, rows: r, lda: ld, out: dw}
		if l.Out {
			f.a, f.transA, f.ldA = dy[n0*kohw:n1*kohw], true, s.K
		} else {
			f.a, f.ldA = ws.gatherDy(s, dy, n0, b), cols
		}
		f.fb = wgFuseBlock(crs, s.K, ws.threads())
		ws.wj = wtJob{c: s.C, rs: rs, fz: f}
		ws.run(max(1, s.K/f.fb), s.K*crs*cols, &ws.wj)
		ws.wj = wtJob{}
		return
	}
	ws.dwt = growF32(ws.dwt, s.K*crs)
	if l.Out {
		sgemmT(ws.nt(), true, false, s.K, crs, cols, 1, dy[n0*kohw:n1*kohw], s.K, r, ld, 0, ws.dwt, crs)
	} else {
		gd := ws.gatherDy(s, dy, n0, b)
		sgemmT(ws.nt(), false, false, s.K, crs, cols, 1, gd, cols, r, ld, 0, ws.dwt, crs)
	}
	ws.perm(s, ws.dwt[:s.K*crs], dw)
}

// permJob adds weights in (tap, channel) order to dst in (channel, tap)
// order, for output channels (units) lo..hi.
type permJob struct {
	c, rs, ld int // ld: row stride of src (>= c*rs)
	src, dst  []float32
	tmp       []float32 // K*c*rs scratch: a range [lo, hi) uses row lo, which no other range has
}

func (j *permJob) runRange(lo, hi int) {
	crs := j.c * j.rs
	if tapAddFast(j.rs) {
		for k := lo; k < hi; k++ {
			tapAdd(j.dst[k*crs:(k+1)*crs], j.src[k*j.ld:k*j.ld+crs], j.c, j.c, j.rs)
		}
		return
	}
	// With a masked transpose of the rs tap rows, each output channel is a
	// vector transpose into scratch and a vector add.
	if fn := transFewFn(); fn != nil && j.rs <= 16 && len(j.tmp) >= hi*crs && j.c > 0 {
		t := j.tmp[lo*crs : (lo+1)*crs]
		for k := lo; k < hi; k++ {
			src := j.src[k*j.ld : k*j.ld+crs]
			fn(&t[0], &src[0], j.c, j.c, j.rs, j.rs, 1) // t[c*rs+tap] = src[tap*c+c]
			d := j.dst[k*crs : (k+1)*crs]
			Add(d, d, t)
		}
		return
	}
	for k := lo; k < hi; k++ {
		src := j.src[k*j.ld : k*j.ld+crs]
		dst := j.dst[k*crs : (k+1)*crs]
		for c := 0; c < j.c; c++ {
			d := dst[c*j.rs : (c+1)*j.rs]
			for t := range d {
				d[t] += src[t*j.c+c]
			}
		}
	}
}

// SetConvDirectA forces the in-place reading of the lowered matrix on (1) or
// off (2) for the channels-last forward and backward-data products, or
// restores the automatic choice (0); returns the previous setting (A/B runs).
func SetConvDirectA(mode int) int {
	old := convDirectAMode
	convDirectAMode = mode
	return old
}

// SetConvChannelsLast forces the channels-last lowering on (1) or off (2),
// or restores the automatic per-shape choice (0), returning the previous
// setting. It exists for A/B benchmarks; results are correct either way.
func SetConvChannelsLast(mode int) int {
	old := convNHWCMode
	convNHWCMode = mode
	return old
}
