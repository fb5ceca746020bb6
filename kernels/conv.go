package kernels

import (
	"fmt"
	"sync"
)

// ConvShape describes a 2-D convolution over NCHW float32 tensors:
// input N x C x H x W, weights K x C x R x S (PyTorch layout), output
// N x K x OutH() x OutW(). Bias, when given, has K entries.
type ConvShape struct {
	N, C, H, W       int
	K, R, S          int
	StrideH, StrideW int
	PadH, PadW       int
}

// OutH is the output height.
func (s ConvShape) OutH() int { return (s.H+2*s.PadH-s.R)/s.StrideH + 1 }

// OutW is the output width.
func (s ConvShape) OutW() int { return (s.W+2*s.PadW-s.S)/s.StrideW + 1 }

// WeightLen is the number of weights, K*C*R*S.
func (s ConvShape) WeightLen() int { return s.K * s.C * s.R * s.S }

// Valid reports whether the shape describes a convolution with a non-empty
// output (strides >= 1, no negative sizes or padding).
func (s ConvShape) Valid() error {
	switch {
	case s.N < 0 || s.C < 0 || s.H < 0 || s.W < 0 || s.K < 0:
		return fmt.Errorf("kernels: conv shape %+v has a negative size", s)
	case s.R < 1 || s.S < 1:
		return fmt.Errorf("kernels: conv shape %+v has an empty filter", s)
	case s.StrideH < 1 || s.StrideW < 1:
		return fmt.Errorf("kernels: conv shape %+v has a stride below 1", s)
	case s.PadH < 0 || s.PadW < 0:
		return fmt.Errorf("kernels: conv shape %+v has negative padding", s)
	case s.H+2*s.PadH < s.R || s.W+2*s.PadW < s.S:
		return fmt.Errorf("kernels: conv shape %+v: filter larger than the padded input", s)
	}
	return nil
}

func (s ConvShape) xLen() int { return s.N * s.C * s.H * s.W }
func (s ConvShape) yLen() int { return s.N * s.K * s.OutH() * s.OutW() }

func (s ConvShape) mustValid(op string) {
	if err := s.Valid(); err != nil {
		panic(op + ": " + err.Error())
	}
}

func convNeed(op, name string, have, need int) {
	if have < need {
		panic(fmt.Sprintf("kernels: %s: %s has %d elements, needs %d", op, name, have, need))
	}
}

// pointwise reports a 1x1, stride-1, unpadded convolution, whose column
// matrix for one image is the image itself.
func (s ConvShape) pointwise() bool {
	return s.R == 1 && s.S == 1 && s.StrideH == 1 && s.StrideW == 1 && s.PadH == 0 && s.PadW == 0
}

// Chunking: several images are lowered into one column matrix so the GEMMs
// have at least about convTargetCols columns (the 3x3 layers of the VGG have
// only 9 or 49 output pixels per image), bounded by convMaxColFloats.
// Variables so tests can force multi-image chunks on small shapes.
var (
	convTargetCols   = 1024
	convMaxColFloats = 1 << 22
)

// convPointwiseMin is the plane size from which 1x1 convs skip lowering and
// run one GEMM per image; below it (the VGG's 3x3 head) per-call overhead of
// many tiny GEMMs costs more than gathering the planes.
var convPointwiseMin = 64

func (s ConvShape) chunk() int {
	ohw := s.OutH() * s.OutW()
	if s.pointwise() && ohw >= convPointwiseMin {
		return 1 // the image is its own column matrix: no copy at all
	}
	return chunkOf(s.N, ohw, s.C*s.R*s.S)
}

// chunkOf is the chunk size for n images of ohw pixels lowered to crs rows.
func chunkOf(n, ohw, crs int) int { return chunkFor(convTargetCols, n, ohw, crs) }

// chunkFor is chunkOf for a chunk width of target pixels.
func chunkFor(target, n, ohw, crs int) int {
	nb := (target + ohw - 1) / max(1, ohw)
	if lim := convMaxColFloats / max(1, crs*ohw); nb > lim {
		nb = lim
	}
	nb = max(1, min(nb, n))
	chunks := (n + nb - 1) / nb
	return (n + chunks - 1) / chunks // equal chunks, no small tail
}

// convWork is the reusable workspace of one convolution call.
type convWork struct {
	col, mat []float32
	xt, wt   []float32 // channels-last images; permuted weights
	dwt      []float32 // weight gradient in (tap, channel) order
	offs     []int32   // direct convolution: tap offsets
	part     []float32 // direct weight gradient: lane-wise partial sums
	dyPad    []float32 // direct weight gradient: dy block with padded rows
	bias16   []float32
	pads     [][]float32
	dj       directJob
	bj       biasJob
	bacc     []float64 // biasNHWC; fused direct bias partials (one K block per group)
	bsum     []float32
	ptmp     []float32 // permJob scratch
	wgT      []float32 // wgradDirect: dY^T
	wgPix    []int32   // wgradDirect: per-pixel window origins
	wg       wgradJob
	lx, ly   []float32 // activations converted between layouts
	pj       permJob
	wj       wtJob
	tab      gatherTab
	serial   bool // running inside a batch-split worker: no nested parallelRange
	par      parJob
	split    convSplitJob
	im       im2colJob
	ir       im2rowJob
	c2i      col2imJob
	lay      layoutJob
	nj       nhwcJob
	rj       rowsJob
	nb       nhwcPass
	cb       colPass
}

// Workspaces are kept on a small free list rather than a sync.Pool, which
// drops its contents at every GC and would make a training loop re-grow
// them (allocations per call) after each collection.
var (
	convFreeMu sync.Mutex
	convFree   []*convWork
)

const convFreeMax = 8

func growF32(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n, n+n/8)
	}
	return b[:n]
}

func growF64(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n, n+n/8)
	}
	return b[:n]
}

// lower returns the column matrix (C*R*S x nb*ohw) of images n0..n0+nb-1,
// the input itself when no copy is needed.
func (ws *convWork) lower(s ConvShape, x []float32, n0, nb int) []float32 {
	oh, ow := s.OutH(), s.OutW()
	chw := s.C * s.H * s.W
	if nb == 1 && s.pointwise() {
		return x[n0*chw : (n0+1)*chw]
	}
	crs := s.C * s.R * s.S
	ws.col = growF32(ws.col, crs*nb*oh*ow)
	ws.im = im2colJob{s: s, oh: oh, ow: ow, nb: nb, x: x[n0*chw : (n0+nb)*chw], col: ws.col, tab: ws.table(s)}
	ws.run(crs, crs*nb*oh*ow, &ws.im)
	ws.im = im2colJob{}
	return ws.col
}

// lowerT returns the im2row matrix (nb*ohw x C*R*S) of images n0..n0+nb-1.
func (ws *convWork) lowerT(s ConvShape, x []float32, n0, nb int) []float32 {
	oh, ow := s.OutH(), s.OutW()
	ohw := oh * ow
	chw := s.C * s.H * s.W
	crs := s.C * s.R * s.S
	ws.tab.build(s, true)
	ws.col = growF32(ws.col, nb*ohw*crs)
	ws.ir = im2rowJob{s: s, ohw: ohw, x: x[n0*chw : (n0+nb)*chw], rows: ws.col, tab: &ws.tab}
	ws.run(nb*ohw, nb*ohw*crs, &ws.ir)
	ws.ir = im2rowJob{}
	return ws.col
}

// table returns the gather table for small planes (nil for wide ones),
// rebuilt only when the shape changes.
func (ws *convWork) table(s ConvShape) *gatherTab {
	if !smallPlane(s.OutW()) {
		return nil
	}
	ws.tab.build(s, false)
	return &ws.tab
}

// gatherDy returns dy of images n0..n0+nb-1 as K x nb*ohw (row stride
// nb*ohw), dy itself when nb == 1.
func (ws *convWork) gatherDy(s ConvShape, dy []float32, n0, nb int) []float32 {
	ohw := s.OutH() * s.OutW()
	kohw := s.K * ohw
	if nb == 1 {
		return dy[n0*kohw : (n0+1)*kohw]
	}
	ws.mat = growF32(ws.mat, nb*kohw)
	ws.lay = layoutJob{k: s.K, nb: nb, ohw: ohw, mat: ws.mat, nchw: dy[n0*kohw : (n0+nb)*kohw]}
	ws.run(s.K*nb, nb*kohw, &ws.lay)
	ws.lay = layoutJob{}
	return ws.mat
}

// threads is how many goroutines this workspace's work may use: 1 inside
// a batch split, else Threads().
func (ws *convWork) threads() int {
	if ws.serial {
		return 1
	}
	return Threads()
}

// nt is the goroutine limit for this workspace's GEMMs: 1 inside a batch
// split, else 0 (Threads()).
func (ws *convWork) nt() int {
	if ws.serial {
		return 1
	}
	return 0
}

func (ws *convWork) run(n, work int, j rangeJob) {
	if ws.serial {
		j.runRange(0, n)
		return
	}
	parallelRange(&ws.par, n, work, j)
}

func getConvWork() *convWork {
	convFreeMu.Lock()
	defer convFreeMu.Unlock()
	if n := len(convFree); n > 0 {
		w := convFree[n-1]
		convFree = convFree[:n-1]
		return w
	}
	return new(convWork)
}

func putConvWork(w *convWork) {
	convFreeMu.Lock()
	defer convFreeMu.Unlock()
	if len(convFree) < convFreeMax {
		convFree = append(convFree, w)
	}
}

// fwdArgs checks the arguments of a forward entry point (panicking with
// op's name) and reports whether there is any output to compute.
func fwdArgs(op string, s ConvShape, x, w, bias, y []float32) bool {
	s.mustValid(op)
	convNeed(op, "x", len(x), s.xLen())
	convNeed(op, "w", len(w), s.WeightLen())
	convNeed(op, "y", len(y), s.yLen())
	if bias != nil {
		convNeed(op, "bias", len(bias), s.K)
	}
	return s.N > 0 && s.K*s.OutH()*s.OutW() > 0
}

// dataArgs checks the arguments of a backward-data entry point and reports
// whether there is a product to compute; with no output channels dx is
// just cleared.
func dataArgs(op string, s ConvShape, dy, w, dx []float32) bool {
	s.mustValid(op)
	convNeed(op, "dy", len(dy), s.yLen())
	convNeed(op, "w", len(w), s.WeightLen())
	convNeed(op, "dx", len(dx), s.xLen())
	if s.N == 0 || s.C*s.H*s.W == 0 {
		return false
	}
	if s.K == 0 {
		clear(dx[:s.xLen()])
		return false
	}
	return true
}

// ConvForward computes y = conv(x, w) + bias. bias may be nil.
func ConvForward(s ConvShape, x, w, bias, y []float32) {
	if !fwdArgs("ConvForward", s, x, w, bias, y) {
		return
	}
	ws := getConvWork()
	if kern := useDirectFwd(s); kern != nil {
		ws.directFwd(s, kern, x, w, bias, y)
		putConvWork(ws)
		return
	}
	if useWino(s) { // NCHW ends converted around the channels-last kernels
		ws.winoForward(s, ConvLayout{}, x, w, bias, y)
		putConvWork(ws)
		return
	}
	if nhwcFwd(s) {
		ws.forwardNHWC(s, ConvLayout{}, x, w, bias, y, nil)
		putConvWork(ws)
		return
	}
	ws.colBatch(colPass{s: s, in: x, w: w, bias: bias, out: y})
	putConvWork(ws)
}

// colPass is a forward (data false) or backward-data pass through im2col /
// col2im over a range of images.
type colPass struct {
	s                ConvShape
	data             bool
	in, w, bias, out []float32
	t                int // batch groups (colBatch)
}

// colBatch runs p over the batch, split into one group of images per thread
// when each group has enough work (128 output pixels and minParallelWork
// multiply-adds), as nhwcBatch: the chunk loop otherwise hands off three
// small parallel steps per chunk (the 3->16 layer's backward-data at batch
// 32 was slower on 2 threads than on 1). Each image's arithmetic does not
// depend on the chunking, so results depend only on the thread count.
func (ws *convWork) colBatch(p colPass) {
	s := p.s
	pix := s.OutH() * s.OutW()
	if p.data {
		pix = s.H * s.W
	}
	t := 1
	if !ws.serial {
		t = min(Threads(), s.N)
	}
	if t > 1 && s.N/t*pix >= convNHWCSplitMin && s.N/t*s.OutH()*s.OutW()*s.K*s.C*s.R*s.S >= minParallelWork {
		p.t = t
		ws.cb = p
		parallelRange(&ws.par, t, 1<<30, &ws.cb)
		ws.cb = colPass{}
		return
	}
	ws.colRange(&p, 0, s.N)
}

func (p *colPass) runRange(lo, hi int) {
	for g := lo; g < hi; g++ {
		w := getConvWork()
		w.serial = true
		w.colRange(p, g*p.s.N/p.t, (g+1)*p.s.N/p.t)
		w.serial = false
		putConvWork(w)
	}
}

// colRange runs p for images [n0, n1) in chunks.
func (ws *convWork) colRange(p *colPass, n0, n1 int) {
	if p.data {
		ws.dataRange(p.s, p.in, p.w, p.out, n0, n1)
		return
	}
	s, x, w, bias, y := p.s, p.in, p.w, p.bias, p.out
	ohw := s.OutH() * s.OutW()
	kohw := s.K * ohw
	crs := s.C * s.R * s.S
	sub := s
	sub.N = n1 - n0
	nb := sub.chunk()
	for c0 := n0; c0 < n1; c0 += nb {
		n0 := c0
		b := min(nb, n1-n0)
		cols := b * ohw
		col := ws.lower(s, x, n0, b)
		if b == 1 {
			yn := y[n0*kohw : (n0+1)*kohw]
			sgemmT(ws.nt(), false, false, s.K, cols, crs, 1, w, crs, col, cols, 0, yn, cols)
			if bias != nil {
				for k := 0; k < s.K; k++ {
					addConst(yn[k*ohw:(k+1)*ohw], bias[k])
				}
			}
			continue
		}
		ws.mat = growF32(ws.mat, s.K*cols)
		sgemmT(ws.nt(), false, false, s.K, cols, crs, 1, w, crs, col, cols, 0, ws.mat, cols)
		ws.lay = layoutJob{k: s.K, nb: b, ohw: ohw, mat: ws.mat, nchw: y[n0*kohw : (n0+b)*kohw], bias: bias, toNCHW: true}
		ws.run(s.K*b, b*kohw, &ws.lay)
		ws.lay = layoutJob{}
	}
}

func addConst(x []float32, b float32) {
	for i := range x {
		x[i] += b
	}
}

// ConvBackwardData computes dx = conv_transpose(dy, w), overwriting dx.
func ConvBackwardData(s ConvShape, dy, w, dx []float32) {
	if !dataArgs("ConvBackwardData", s, dy, w, dx) {
		return
	}
	ws := getConvWork()
	if kern := useDirectData(s); kern != nil {
		ws.directData(s, kern, dy, w, dx)
		putConvWork(ws)
		return
	}
	if useWino(s) {
		ws.winoData(s, ConvLayout{}, dy, w, dx)
		putConvWork(ws)
		return
	}
	if nhwcData(s) {
		ws.backwardDataNHWC(s, ConvLayout{}, dy, w, dx)
		putConvWork(ws)
		return
	}
	ws.colBatch(colPass{s: s, data: true, in: dy, w: w, out: dx})
	putConvWork(ws)
}

// dataRange is the im2col backward-data pass for images [n0, n1).
func (ws *convWork) dataRange(s ConvShape, dy, w, dx []float32, n0, n1 int) {
	oh, ow := s.OutH(), s.OutW()
	ohw := oh * ow
	chw := s.C * s.H * s.W
	crs := s.C * s.R * s.S
	sub := s
	sub.N = n1 - n0
	nb := sub.chunk()
	for c0 := n0; c0 < n1; c0 += nb {
		n0 := c0
		b := min(nb, n1-n0)
		cols := b * ohw
		g := ws.gatherDy(s, dy, n0, b)
		if b == 1 && s.pointwise() {
			sgemmT(ws.nt(), true, false, crs, cols, s.K, 1, w, crs, g, cols, 0, dx[n0*chw:(n0+1)*chw], cols)
			continue
		}
		ws.col = growF32(ws.col, crs*cols)
		sgemmT(ws.nt(), true, false, crs, cols, s.K, 1, w, crs, g, cols, 0, ws.col, cols)
		ws.c2i = col2imJob{s: s, oh: oh, ow: ow, nb: b, col: ws.col, dx: dx[n0*chw : (n0+b)*chw]}
		if s.StrideH == 1 && s.StrideW == 1 && ow >= 7 && addRowsFn() != nil && !convCol2imTable {
			ws.c2i.unit = true
		} else {
			ws.c2i.tab = ws.table(s)
		}
		ws.run(b*s.C, crs*cols, &ws.c2i)
		ws.c2i = col2imJob{}
	}
}

// ConvBackwardWeight accumulates the batch-summed weight gradient into dw
// (dw += sum_n ...) and, when db is non-nil, the bias gradient into db.
// Images are processed in fixed chunks in order, so the result is
// bit-identical for a given thread count.
func ConvBackwardWeight(s ConvShape, x, dy, dw, db []float32) {
	convBackwardWeight("ConvBackwardWeight", s, ConvLayout{}, x, dy, dw, db, nil, false)
}

// convBackwardWeight is the weight (and bias) gradient from x, or, when rows
// is non-nil, from the forward's saved channels-last lowering of x (see
// ConvForwardSave; ones: that forward had a bias).
func convBackwardWeight(op string, s ConvShape, l ConvLayout, x, dy, dw, db, rows []float32, ones bool) {
	s.mustValid(op)
	if rows != nil {
		convNeed(op, "rows", len(rows), ConvRowsLen(s, ones))
	} else {
		convNeed(op, "x", len(x), s.xLen())
	}
	convNeed(op, "dy", len(dy), s.yLen())
	convNeed(op, "dw", len(dw), s.WeightLen())
	if db != nil {
		convNeed(op, "db", len(db), s.K)
	}
	ohw := s.OutH() * s.OutW()
	crs := s.C * s.R * s.S
	if s.N == 0 || s.K == 0 || ohw == 0 {
		return
	}
	ws := getConvWork()
	ld := 0
	if rows != nil {
		ld = savedLd(crs + b2iInt(ones))
	}
	// The direct weight gradient sums the bias while each image's dy is in
	// cache (the separate bias pass re-read all of dy: ~19% of the 3->16x28
	// weight-gradient pass); each group's float64 sums are added in group
	// order, so db depends only on the thread count.
	fuse := db != nil && rows == nil && !l.In && !l.Out && crs > 0 && maskedWeightFits(s) && useDirectWeight(s) != nil
	if crs > 0 {
		if t := splitThreads(s); t > 1 {
			ws.split = convSplitJob{s: s, l: l, x: x, dy: dy, dw: dw, t: t, rows: rows, ld: ld}
			if fuse {
				ws.bacc = growF64(ws.bacc, t*s.K)
				clear(ws.bacc[:t*s.K])
				ws.split.db64 = ws.bacc[:t*s.K]
			}
			wl := s.WeightLen()
			ws.col = growF32(ws.col, (t-1)*wl)
			ws.split.parts = ws.col
			parallelRange(&ws.par, t, s.N*wl, &ws.split)
			ws.split = convSplitJob{}
			for p := 0; p < t-1; p++ { // fixed order: thread 0's images first
				for i, v := range ws.col[p*wl : (p+1)*wl] {
					dw[i] += v
				}
			}
			if fuse {
				addGroupSums(db, ws.bacc[:t*s.K], t)
			}
		} else if rows != nil {
			ws.weightRows(s, l, rows, ld, dy, 0, s.N, dw)
		} else if fuse {
			ws.bacc = growF64(ws.bacc, s.K)
			clear(ws.bacc[:s.K])
			ws.directWeightBias(s, x, dy, 0, s.N, dw, ws.bacc[:s.K])
			addGroupSums(db, ws.bacc[:s.K], 1)
		} else {
			ws.weightRange(s, l, x, dy, 0, s.N, dw)
		}
	}
	switch {
	case db == nil || fuse: // none, or summed with the weight gradient
	case l.Out:
		ws.biasNHWC(s.K, s.N, ohw, dy, db)
	default:
		ws.bj = biasJob{s: s, dy: dy, db: db}
		ws.run(s.K, s.N*s.K*ohw, &ws.bj) // channels are independent sums
		ws.bj = biasJob{}
	}
	putConvWork(ws)
}

// weightRange adds the weight gradient of images [n0, n1) to dw.
func (ws *convWork) weightRange(s ConvShape, l ConvLayout, x, dy []float32, n0, n1 int, dw []float32) {
	if n1 <= n0 {
		return
	}
	if l.In || l.Out {
		ws.weightNHWC(s, l, x, dy, n0, n1, dw)
		return
	}
	if kern := useDirectWeight(s); kern != nil {
		ws.directWeight(s, kern, x, dy, n0, n1, dw)
		return
	}
	if nhwcFwd(s) {
		ws.weightNHWC(s, l, x, dy, n0, n1, dw)
		return
	}
	ohw := s.OutH() * s.OutW()
	crs := s.C * s.R * s.S
	sub := s
	sub.N = n1 - n0
	nb := sub.chunk()
	for c0 := n0; c0 < n1; c0 += nb {
		b := min(nb, n1-c0)
		cols := b * ohw
		g := ws.gatherDy(s, dy, c0, b)
		if weightViaCol(s) {
			col := ws.lower(s, x, c0, b)
			sgemmT(ws.nt(), false, true, s.K, crs, cols, 1, g, cols, col, cols, 1, dw, crs)
			continue
		}
		rows := ws.lowerT(s, x, c0, b)
		sgemmT(ws.nt(), false, false, s.K, crs, cols, 1, g, cols, rows, crs, 1, dw, crs)
	}
}

// weightViaCol chooses, for the weight gradients dW = dY * lowered^T, the
// im2col layout (a transposed GEMM operand: packing it gathers columns) over
// im2row (a plain operand). Lowering copies runs of OH*OW floats per
// (channel, tap) for im2col but only R*S per (pixel, channel) for im2row, so
// im2col wins unless the planes are tiny (the VGG's 3x3-pixel layers, where
// the plain GEMM operand decides); for tiny weight tensors (the detector's
// first layers) it is a dot-product form that wins outright.
func weightViaCol(s ConvShape) bool {
	switch convWeightLayout {
	case 1:
		return true
	case 2:
		return false
	}
	return s.K*s.C*s.R*s.S <= 1024 || s.OutH()*s.OutW() >= 2*s.R*s.S
}

// convCol2imTable keeps col2im on the scalar paths (benchmarks and tests).
var convCol2imTable = false

// convWeightLayout forces a layout for tests: 1 im2col, 2 im2row, 0 auto.
var convWeightLayout = 0

// convSplitOut is the largest weight count (K*C*R*S) for which the weight
// gradients split the batch over threads: Sgemm splits only over the output,
// and a small output (16 x 27 in the VGG's first layer) gives it nothing to
// split, while the batch always can be.
const convSplitOut = 1 << 16

// splitThreads is how many batch groups a weight-gradient pass uses (1 = let
// Sgemm thread the work). It depends only on the shape and Threads(), so
// results are bit-identical for a given thread count.
func splitThreads(s ConvShape) int {
	if s.WeightLen() > convSplitOut {
		return 1
	}
	return max(1, min(Threads(), s.N))
}

// convSplitJob is one batch group per index: group g covers images
// [g*N/t, (g+1)*N/t). For the batch-summed gradient group 0 accumulates into
// dw and group g > 0 into parts[(g-1)*wl:], reduced afterwards in group
// order; for per-sample gradients each group writes its own rows.
type convSplitJob struct {
	s         ConvShape
	l         ConvLayout
	x, dy     []float32
	dw, parts []float32
	dwPer     []float32 // per-sample mode when non-nil
	rows      []float32 // saved lowering (weightRows) when non-nil
	ld        int       // its row stride
	t         int
	db64      []float64 // fused bias sums, K per group, when non-nil
}

// addGroupSums adds to db[k] the sum, in group order, of the t groups'
// float64 partial sums part[g*K+k].
func addGroupSums(db []float32, part []float64, t int) {
	k := len(part) / t
	for i := 0; i < k; i++ {
		var acc float64
		for g := 0; g < t; g++ {
			acc += part[g*k+i]
		}
		db[i] += float32(acc)
	}
}

func (j *convSplitJob) runRange(lo, hi int) {
	s := j.s
	wl := s.WeightLen()
	for g := lo; g < hi; g++ {
		n0, n1 := g*s.N/j.t, (g+1)*s.N/j.t
		ws := getConvWork()
		ws.serial = true
		if j.dwPer != nil {
			ws.perSampleRange(s, j.x, j.dy, n0, n1, j.dwPer)
		} else {
			dst := j.dw
			if g > 0 {
				dst = j.parts[(g-1)*wl : g*wl]
				clear(dst)
			}
			if j.rows != nil {
				ws.weightRows(s, j.l, j.rows, j.ld, j.dy, n0, n1, dst)
			} else if j.db64 != nil {
				ws.directWeightBias(s, j.x, j.dy, n0, n1, dst, j.db64[g*s.K:(g+1)*s.K])
			} else {
				ws.weightRange(s, j.l, j.x, j.dy, n0, n1, dst)
			}
		}
		ws.serial = false
		putConvWork(ws)
	}
}

// biasJob adds, for channels k (units), the sum over images and pixels of dy
// to db[k], accumulating in float64 in image order.
type biasJob struct {
	s      ConvShape
	dy, db []float32
}

func (j *biasJob) runRange(lo, hi int) {
	s, dy, db := j.s, j.dy, j.db
	ohw := s.OutH() * s.OutW()
	for k := lo; k < hi; k++ {
		var acc float64
		for n := 0; n < s.N; n++ {
			acc += sumBias(dy[(n*s.K+k)*ohw : (n*s.K+k+1)*ohw])
		}
		db[k] += float32(acc)
	}
}

// sum64 sums x in float64 with four independent accumulators.
func sum64(x []float32) float64 {
	var a0, a1, a2, a3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		a0 += float64(v[0])
		a1 += float64(v[1])
		a2 += float64(v[2])
		a3 += float64(v[3])
	}
	for ; i < len(x); i++ {
		a0 += float64(x[i])
	}
	return (a0 + a1) + (a2 + a3)
}

// sumBias is the float64 sum of x for the bias gradient: whole 32-float
// blocks in the lane order of Sum64AVX512 (the assembly, or its twin
// sum64BlocksGo), then the rest in order. A long plane is latency-bound in
// scalar code; the vector sum is several times faster.
func sumBias(x []float32) float64 {
	nb := len(x) / 32
	var s float64
	if nb > 0 {
		if fn := sumBlocksFn(); fn != nil {
			s = fn(&x[0], nb)
		} else {
			s = sum64BlocksGo(x[:nb*32])
		}
	}
	for _, v := range x[nb*32:] {
		s += float64(v)
	}
	return s
}

// sum64BlocksGo is the pure-Go twin of Sum64AVX512 (len(x) a multiple of 32).
func sum64BlocksGo(x []float32) float64 {
	var a [4][8]float64
	for i := 0; i+32 <= len(x); i += 32 {
		for j := 0; j < 4; j++ {
			for l := 0; l < 8; l++ {
				a[j][l] += float64(x[i+j*8+l])
			}
		}
	}
	var t [8]float64
	for l := range t {
		t[l] = (a[0][l] + a[1][l]) + (a[2][l] + a[3][l])
	}
	u := [4]float64{t[0] + t[4], t[1] + t[5], t[2] + t[6], t[3] + t[7]}
	v := [2]float64{u[0] + u[2], u[1] + u[3]}
	return v[0] + v[1]
}

// ConvPerSampleWeight writes each example's own weight gradient, without
// summing over the batch: dwPer is N x WeightLen(), row n the gradient of
// example n, overwritten.
func ConvPerSampleWeight(s ConvShape, x, dy, dwPer []float32) {
	const op = "ConvPerSampleWeight"
	s.mustValid(op)
	convNeed(op, "x", len(x), s.xLen())
	convNeed(op, "dy", len(dy), s.yLen())
	convNeed(op, "dwPer", len(dwPer), s.N*s.WeightLen())
	ohw := s.OutH() * s.OutW()
	wl := s.WeightLen()
	if s.N == 0 || wl == 0 {
		return
	}
	if ohw == 0 {
		clear(dwPer[:s.N*wl])
		return
	}
	ws := getConvWork()
	// Small weight tensors split the batch (Sgemm has too little to split);
	// large ones let Sgemm split each sample's product, which measured
	// better than the two nested splits on the write-bound big layers.
	if t := splitThreads(s); t > 1 {
		ws.split = convSplitJob{s: s, x: x, dy: dy, dwPer: dwPer, t: t}
		parallelRange(&ws.par, t, s.N*wl, &ws.split)
		ws.split = convSplitJob{}
	} else {
		ws.perSampleRange(s, x, dy, 0, s.N, dwPer)
	}
	putConvWork(ws)
}

// perSampleRange writes the weight gradients of images [n0, n1) into their
// rows of dwPer. The pass is bound by writing dwPer (300 MB for the VGG's
// last layer at batch 128); computing it in cache-sized column blocks and
// copying them out measured slower than Sgemm straight into it.
func (ws *convWork) perSampleRange(s ConvShape, x, dy []float32, n0, n1 int, dwPer []float32) {
	ohw := s.OutH() * s.OutW()
	kohw := s.K * ohw
	crs := s.C * s.R * s.S
	wl := s.WeightLen()
	for n := n0; n < n1; n++ {
		if weightViaCol(s) {
			col := ws.lower(s, x, n, 1)
			sgemmT(ws.nt(), false, true, s.K, crs, ohw, 1, dy[n*kohw:(n+1)*kohw], ohw, col, ohw, 0, dwPer[n*wl:(n+1)*wl], crs)
			continue
		}
		rows := ws.lowerT(s, x, n, 1)
		sgemmT(ws.nt(), false, false, s.K, crs, ohw, 1, dy[n*kohw:(n+1)*kohw], ohw, rows, crs, 0, dwPer[n*wl:(n+1)*wl], crs)
	}
}
