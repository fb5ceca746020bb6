package kernels

import (
	"fmt"
	"sync"
	"unsafe"
)

// Winograd convolution F(m x m, 3 x 3), m = 2, 3 or 4, on channels-last
// (N x H x W x C) tensors, for 3x3 filters with stride 1 and padding 1.
// The output is cut into m x m tiles; each tile's a x a input patch d
// (a = m + 2) becomes V = B^T d B, the filters U = G g G^T, and the a*a
// elements e of the transformed tiles multiply independently: M[e]
// (tiles x K) = V[e] (tiles x C) * U[e] (C x K), a*a GEMMs with a*a*C*K
// multiplies per tile instead of 9*m*m*C*K for the direct form; the tile
// comes back as A^T M A. With NHWC every transform is element-wise over a
// contiguous channel run. The plane picks m (fewest multiplies: F(4x4) at
// 7x7 and 14x14, F(3x3) at 3x3 and 5x5).
//
// Tiles are numbered image-major (n, tile row, tile column) and processed
// in groups of whole 12-tile blocks (the register tile height of the GEMM),
// sized so a group's V and M stay in L2; groups are claimed by threads, or
// with few tiles the products are split by column panels instead. Each
// tile's arithmetic is the same whatever group or thread handles it, so
// results do not depend on the thread count.
//
// F(2x2, 3x3) transforms (per channel; exact in the order written, so the
// assembly and Go versions agree bit for bit); F(3x3) and F(4x4) are in
// winograd5.go and winograd6.go, generated with their assembly by
// asm/internal/wingen (go generate in kernels/asm):
//
//	B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//	G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//	A^T = [1 1 1 0; 0 1 -1 -1]
//
// Rounding: F(2x2) stays within 4e-8, F(3x3) 2e-7, F(4x4) 6e-7 of
// sum |x| * L1(filter) over the window (measured; see winograd_test.go). A
// NaN or Inf input reaches every output of the F(3x3)/F(4x4) tiles whose
// patch holds it (F(2x2): exactly the direct convolution's outputs).

const (
	winoMR = 12 // GEMM register tile of the in-place-A kernel: rows (tiles)
	winoNR = 32 // and columns (output channels)
	winoKC = 256
)

// winoL2Floats bounds a group's transformed input and output (V and M),
// in floats: half the 1 MB L2, leaving room for the weights being read.
var winoL2Floats = 1 << 17

// winoUReuse sets the group size where the weights dominate (see run).
var winoUReuse = 1

// winoUPad separates U's planes (floats). Unpadded, their stride
// cin*kp*4 bytes is a multiple of 64 KiB for the VGG's layers, so the ne
// write streams of the filter transform (and the GEMM's reads) all map to
// the same L1 and L2 sets; two cache lines apart they do not. (With the
// row blocks below, thread CPU time of the filter transform, one thread:
// 256->256 F(3x3) 550 -> 150 us forward, 500 -> 210 us backward-data;
// 128->128 F(4x4) 225 -> 50-60 us; BenchmarkWinoFilter.)
var winoUPad = 32

// winoFB is the filter transform's block of GEMM rows (9*winoFB*winoNR
// floats of transposed taps: 18 KiB, in L1).
const winoFB = 16

// winoMode forces paths for tests and A/B runs: 0 automatic, 1 the GEMMs
// through sgemmT, 2 the Go transforms.
var winoMode = 0

// WinogradFits reports whether the Winograd kernels apply to s (3x3,
// stride 1, padding 1) and are expected to beat the GEMM lowering in both
// the forward and the backward-data pass. Measured (GFLOP/cpu-s counted as
// direct convolution, Winograd against the better of the NHWC and NCHW
// GEMM paths, batch 32 and 128, 1 and 2 threads): 32->128 and 128->128 at
// 7x7 (F(4x4)) 1.5-2.2x, 128->256 and 256->256 at 3x3 (F(3x3)) 1.2-2.25x
// (the low end at batch 32 on 2 threads); but 16->32 at 14x14 0.8-1.8x
// forward and 0.55-0.75x backward-data (16- or 32-deep products, 16 output
// channels in a 32-wide register tile).
// Every call transforms the weights (up to 36*C*K floats), which few tiles
// do not repay: 16 tiles (batch 4 at 7x7, 16 at 3x3) measured 0.85-0.9x,
// 24-32 tiles 1.3x; hence at least 24 tiles. Planes under 3x3 waste most
// of each tile. Without the AVX-512 transforms and micro-kernel (other
// paths, purego) the kernels run but are not expected to pay.
func WinogradFits(s ConvShape) bool {
	if !winoShape(s) || s.H < 3 || s.W < 3 || s.C < 32 || s.K < 32 {
		return false
	}
	if winoInputFn() == nil || !winoUseKernel() {
		return false
	}
	al := winoAlgoFor(s.H, s.W)
	return s.N*((s.H+al.m-1)/al.m)*((s.W+al.m-1)/al.m) >= 24
}

func winoShape(s ConvShape) bool {
	return s.R == 3 && s.S == 3 && s.StrideH == 1 && s.StrideW == 1 && s.PadH == 1 && s.PadW == 1
}

func winoCheck(op string, s ConvShape) {
	s.mustValid(op)
	if !winoShape(s) {
		panic(fmt.Sprintf("kernels: %s: shape %+v is not a 3x3, stride-1, pad-1 convolution", op, s))
	}
}

// winoAlgo is one Winograd algorithm F(m x m, 3 x 3): a x a input patches
// (a = m + 2), ne = a*a elements, and its transforms: in assembly (nil
// where the path has none) and the Go twins.
type winoAlgo struct {
	m, a, ne int
	in       func(pin **float32, nt, c int, v *float32, lde, ldv int)
	out      func(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32)
	filt     func(src *float32, ldg, n int, dst *float32, lde, ldp int)
	inGo     func(pin []*float32, nt, c int, v []float32, lde, ldv int)
	outGo    func(m []float32, lde, ldm, nt, c int, pout []*float32, bias *float32)
}

// winoAlgos returns F(2x2, 3x3), F(3x3, 3x3) and F(4x4, 3x3) with the
// assembly of the current path (the path can change between calls).
func winoAlgos() (f2, f3, f4 winoAlgo) {
	f2 = winoAlgo{m: 2, a: 4, ne: 16, inGo: winoInputGo, outGo: winoOutputGo,
		in: winoInputFn(), out: winoOutputFn(), filt: winoFilterFn()}
	f3 = winoAlgo{m: 3, a: 5, ne: 25, inGo: wino5InputGo, outGo: wino5OutputGo,
		in: wino5InputFn(), out: wino5OutputFn(), filt: wino5FilterFn()}
	f4 = winoAlgo{m: 4, a: 6, ne: 36, inGo: wino6InputGo, outGo: wino6OutputGo,
		in: wino6InputFn(), out: wino6OutputFn(), filt: wino6FilterFn()}
	return f2, f3, f4
}

// winoAlgoMode forces the algorithm for tests and A/B runs: 0 automatic,
// 2 F(2x2, 3x3), 3 F(3x3, 3x3), 4 F(4x4, 3x3).
var winoAlgoMode = 0

// SetWinogradAlgo forces F(2x2, 3x3) (2), F(3x3, 3x3) (3) or F(4x4, 3x3)
// (4), or restores
// the automatic choice (0), returning the previous setting. It exists for
// A/B benchmarks; results are correct either way.
func SetWinogradAlgo(m int) int {
	old := winoAlgoMode
	winoAlgoMode = m
	return old
}

// winoAlgoFor picks the algorithm for an h x w plane: the one with fewest
// multiplies per channel pair (tiles x elements), the smaller tile on a tie.
func winoAlgoFor(h, w int) winoAlgo {
	f2, f3, f4 := winoAlgos()
	switch winoAlgoMode {
	case 2:
		return f2
	case 3:
		return f3
	case 4:
		return f4
	}
	best := f2
	for _, al := range []winoAlgo{f3, f4} {
		if winoMults(al, h, w) < winoMults(best, h, w) {
			best = al
		}
	}
	return best
}

func winoMults(al winoAlgo, h, w int) int {
	return (h + al.m - 1) / al.m * ((w + al.m - 1) / al.m) * al.ne
}

// WinogradForwardNHWC computes y = conv(x, w) + bias for a 3x3, stride-1,
// pad-1 convolution with x (N x H x W x C) and y (N x H x W x K) channels
// last; w is in PyTorch's K x C x 3 x 3 layout, bias (K) may be nil.
func WinogradForwardNHWC(s ConvShape, x, w, bias, y []float32) {
	const op = "WinogradForwardNHWC"
	winoCheck(op, s)
	if !fwdArgs(op, s, x, w, bias, y) {
		return
	}
	if s.C == 0 {
		y = y[:s.yLen()]
		for i := 0; i < len(y); i += s.K {
			if bias != nil {
				copy(y[i:i+s.K], bias)
			} else {
				clear(y[i : i+s.K])
			}
		}
		return
	}
	wc := getWinoCall()
	wc.run(winoPass{n: s.N, h: s.H, w: s.W, cin: s.C, cout: s.K, src: x, dst: y, bias: bias}, w, false)
	putWinoCall(wc)
}

// WinogradBackwardDataNHWC computes dx = conv_transpose(dy, w) for the
// convolution of WinogradForwardNHWC, overwriting dx (N x H x W x C); dy
// is N x H x W x K. It is the same Winograd convolution of dy with the
// flipped, transposed filters.
func WinogradBackwardDataNHWC(s ConvShape, dy, w, dx []float32) {
	const op = "WinogradBackwardDataNHWC"
	winoCheck(op, s)
	if !dataArgs(op, s, dy, w, dx) {
		return
	}
	wc := getWinoCall()
	wc.run(winoPass{n: s.N, h: s.H, w: s.W, cin: s.K, cout: s.C, src: dy, dst: dx}, w, true)
	putWinoCall(wc)
}

// winoPass is one Winograd convolution: src (n x h x w x cin) to dst
// (n x h x w x cout) with transformed weights u.
type winoPass struct {
	n, h, w    int
	cin, cout  int
	src, dst   []float32
	bias       []float32
	al         winoAlgo
	u          []float32 // ne x cin x kp, packed for the micro-kernel when packed
	packed     bool
	kp         int // cout rounded up to winoNR
	ule        int // U plane stride (floats): cin*kp plus winoUPad
	kc         int // GEMM depth slice (packed layout)
	th, tw     int // tile rows and columns per image
	tiles      int
	blocks     int // winoMR-tile blocks
	groups     int
	wt         []float32 // raw weights (weight transform)
	transposed bool      // backward-data: u from flipped, transposed w
}

// winoCall is the pooled state of one call.
type winoCall struct {
	u   []float32
	par parJob
	p   winoPass
	wj  winoWeightJob
	cj  winoColJob
}

type winoWeightJob struct{ p *winoPass }

var (
	winoCallMu   sync.Mutex
	winoCallFree []*winoCall
	winoScrMu    sync.Mutex
	winoScrFree  []*winoScratch
)

func getWinoCall() *winoCall {
	winoCallMu.Lock()
	defer winoCallMu.Unlock()
	if n := len(winoCallFree); n > 0 {
		c := winoCallFree[n-1]
		winoCallFree = winoCallFree[:n-1]
		return c
	}
	return new(winoCall)
}

func putWinoCall(c *winoCall) {
	c.p = winoPass{}
	c.wj = winoWeightJob{}
	winoCallMu.Lock()
	defer winoCallMu.Unlock()
	if len(winoCallFree) < convFreeMax {
		winoCallFree = append(winoCallFree, c)
	}
}

// winoScratch is one goroutine's buffers for a group of tiles.
type winoScratch struct {
	v, m       []float32
	taps       []float32  // filter: a block of rows' taps, transposed
	zero, sink []float32  // read for taps in the padding; written for outputs past the edge
	pin, pout  []*float32 // per tile: a*a input runs, m*m output runs
	_          [8]uint64  // keep hot fields of different scratches apart
}

func getWinoScratch() *winoScratch {
	winoScrMu.Lock()
	defer winoScrMu.Unlock()
	if n := len(winoScrFree); n > 0 {
		s := winoScrFree[n-1]
		winoScrFree = winoScrFree[:n-1]
		return s
	}
	return new(winoScratch)
}

func putWinoScratch(s *winoScratch) {
	winoScrMu.Lock()
	defer winoScrMu.Unlock()
	if len(winoScrFree) < convFreeMax {
		winoScrFree = append(winoScrFree, s)
	}
}

// winoUseKernel reports whether the GEMMs run on the in-place-A AVX-512
// micro-kernel with pre-packed weights (else through sgemmT).
func winoUseKernel() bool {
	if winoMode == 1 {
		return false
	}
	ak := directAKernel()
	return ak.fn != nil && cur.gemm.mr == winoMR && cur.gemm.nr == winoNR
}

// weightLayout picks the algorithm and lays out the transformed weights U:
// columns padded to the micro-kernel's width when it is used, depth slices
// of at most winoKC, planes pad floats apart.
func (p *winoPass) weightLayout(pad int) {
	p.al = winoAlgoFor(p.h, p.w)
	p.packed = winoUseKernel()
	p.kp = p.cout
	if p.packed {
		p.kp = (p.cout + winoNR - 1) / winoNR * winoNR
	}
	nk := (p.cin + winoKC - 1) / winoKC
	p.kc = (p.cin + nk - 1) / nk
	p.ule = p.cin*p.kp + pad
}

func (wc *winoCall) run(p winoPass, w []float32, transposed bool) {
	p.weightLayout(winoUPad)
	ne := p.al.ne
	p.th, p.tw = (p.h+p.al.m-1)/p.al.m, (p.w+p.al.m-1)/p.al.m
	p.tiles = p.n * p.th * p.tw
	p.blocks = (p.tiles + winoMR - 1) / winoMR
	// Tiles per group: V and M of all ne elements stay in L2, or, where
	// the weights are the larger operand (3x3 maps), enough that streaming
	// U (ne*cin*kp) once per group costs at most 1/winoUReuse of the
	// group's own V and M traffic. (A/B on one core within noise at 7x7,
	// up to 1.2x better at 3x3.)
	g := max(winoL2Floats/(ne*(p.cin+p.kp)), winoUReuse*p.cin*p.kp/(p.cin+p.kp))
	per := max(1, (g+winoMR-1)/winoMR) // blocks per group
	groups := (p.blocks + per - 1) / per
	t := Threads()
	if t > 1 && p.blocks >= t {
		groups = max(groups, min(p.blocks, 2*t))
	}
	p.groups = min(groups, p.blocks, 0xffff)

	ul := ne * p.ule
	wc.u = growF32(wc.u, ul)
	if p.kp > p.cout {
		clear(wc.u) // padding columns stay zero
	}
	p.u = wc.u[:ul]
	p.wt = w
	p.transposed = transposed
	wc.p = p
	work := p.tiles * ne * p.cin * p.cout
	if panels := (p.kp + winoNR - 1) / winoNR; t > 1 && work >= convMinParallel && p.blocks < 2*t && panels >= 2*t {
		wc.splitColumns(panels, t)
		return
	}
	wc.wj = winoWeightJob{p: &wc.p}
	parallelRange(&wc.par, p.cin, ne*p.cin*p.cout, &wc.wj)
	if t <= 1 || work < convMinParallel {
		wc.p.runRange(0, p.groups)
		return
	}
	// One piece per group, claimed by whichever thread is free: a tile's
	// result does not depend on its group, so neither does the output.
	wc.par.run(p.groups, p.groups, min(t, p.groups), &wc.p)
}

// splitColumns runs the pass as one group split over threads step by
// step: transforms by tiles, products by column panels. For few tiles (the
// 3x3 maps at batch 32: 32 tiles, 3 register-tile blocks) a split by tiles
// leaves one thread a block short or pads the blocks. Every element is
// computed as in the tile split, so results do not change.
func (wc *winoCall) splitColumns(panels, t int) {
	p := &wc.p
	sc := getWinoScratch()
	// Piece i transforms tiles and filters (its own column panels), then
	// multiplies its panels, then transforms its tiles back.
	np := min(t, panels)
	gs := p.prepare(sc, 0, p.blocks, np)
	wc.cj = winoColJob{p: p, gs: gs, pieces: np, panels: panels}
	for step := 0; step < 3; step++ {
		wc.cj.step = step
		wc.par.run(np, np, np, &wc.cj)
	}
	wc.cj = winoColJob{}
	clear(sc.pin)
	clear(sc.pout)
	putWinoScratch(sc)
}

// winoColJob is one step of splitColumns for pieces (units) lo..hi: 0
// input transform of the piece's tiles and filter transform of its column
// panels, 1 products of its panels, 2 output transform of its tiles.
type winoColJob struct {
	p              *winoPass
	gs             winoGroup
	step           int
	pieces, panels int
}

func (j *winoColJob) runRange(lo, hi int) {
	p, gs := j.p, j.gs
	ne, mm := p.al.ne, p.al.m*p.al.m
	for i := lo; i < hi; i++ {
		t0, t1 := i*gs.nt/j.pieces, (i+1)*gs.nt/j.pieces
		j0, j1 := i*j.panels/j.pieces*winoNR, (i+1)*j.panels/j.pieces*winoNR
		switch j.step {
		case 0:
			p.al.input(gs.pin[t0*ne:t1*ne], t1-t0, p.cin, gs.v[t0*p.cin:], gs.gp*p.cin, p.cin)
			p.filter(0, p.cin, j0, min(j1, p.cout))
		case 1:
			p.gemms(gs, j0, min(j1, p.kp))
		case 2:
			var bias *float32
			if p.bias != nil {
				bias = &p.bias[0]
			}
			p.al.output(gs.m[t0*p.kp:], gs.gp*p.kp, p.kp, t1-t0, p.cout, gs.pout[t0*mm:t1*mm], bias)
		}
	}
}

// uRow is the offset of U[e] row row, column 0.
func (p *winoPass) uRow(e, row int) int {
	if !p.packed {
		return e*p.ule + row*p.kp
	}
	ps := row / p.kc * p.kc
	return e*p.ule + ps*p.kp + (row-ps)*winoNR
}

// runRange transforms the weights of GEMM rows (input channels of the
// pass) lo..hi into U: first a transpose so that each tap of the row's
// filters is a contiguous run over the columns, then the filter transform
// over those runs.
func (j *winoWeightJob) runRange(lo, hi int) { j.p.filter(lo, hi, 0, j.p.cout) }

// filter transforms the weights of GEMM rows [lo, hi) and columns [c0, c1)
// (c0 a multiple of winoNR) into U. It goes panel by panel (winoNR
// columns) and, within a panel, in blocks of winoFB rows: each block's
// taps are first transposed into an L1-sized buffer so that tap t of the
// panel's filters is one contiguous run (a whole-matrix transpose would
// send 9*cin*cout floats through memory twice), then transformed into U,
// each plane of U written as one sequential run per panel.
func (p *winoPass) filter(lo, hi, c0, c1 int) {
	w, cin, cout := p.wt, p.cin, p.cout
	al := &p.al
	fn := al.filt
	if winoMode == 2 {
		fn = nil
	}
	sc := getWinoScratch()
	sc.taps = growF32(sc.taps, winoFB*9*winoNR)
	tmp := sc.taps
	lde := p.ule
	for j0 := c0; j0 < c1; j0 += winoNR {
		n := min(winoNR, c1-j0)
		for r0 := lo; r0 < hi; r0 += winoFB {
			r1 := min(hi, r0+winoFB)
			// tap t of filter j0+j of row r to tmp[((r-r0)*9+t)*winoNR+j]
			if !p.transposed {
				// w is cout x cin*9: rows j0.., columns r0*9..r1*9
				transposeTo(tmp, winoNR, w[j0*cin*9+r0*9:], cin*9, n, (r1-r0)*9)
			} else {
				// the filters of row (output channel) r are w[r][j] over j
				for row := r0; row < r1; row++ {
					transposeTo(tmp[(row-r0)*9*winoNR:], winoNR, w[(row*cout+j0)*9:], 9, n, 9)
				}
			}
			for row := r0; row < r1; row++ {
				off, ldg := (row-r0)*9*winoNR, winoNR
				if p.transposed {
					off, ldg = off+8*winoNR, -winoNR // taps flipped: last first
				}
				ldp := winoNR
				if p.packed {
					ldp = min(p.kc, p.cin-row/p.kc*p.kc) * winoNR
				}
				dst := p.u[p.uRow(0, row)+j0/winoNR*ldp:]
				_ = dst[(al.ne-1)*lde+n-1]
				if fn != nil {
					fn(&tmp[off], ldg, n, &dst[0], lde, ldp)
					continue
				}
				winoFilterRunGo(al, tmp, off, ldg, n, dst, lde, ldp)
			}
		}
	}
	putWinoScratch(sc)
}

// winoFilterRunGo is the pure-Go twin of the assembly filter transform:
// tap t of filter j is src[off+t*ldg+j], U[e] of filter j goes to
// dst[e*lde+(j/32)*ldp+j%32].
func winoFilterRunGo(al *winoAlgo, src []float32, off, ldg, n int, dst []float32, lde, ldp int) {
	var g [9]float32
	var u [36]float32
	for j := 0; j < n; j++ {
		for t := range g {
			g[t] = src[off+t*ldg+j]
		}
		// direct calls: through al.filtGo, g and u would escape
		switch al.m {
		case 2:
			winoFilter(&g, (*[25]float32)(u[:25]))
		case 3:
			wino5Filter(&g, (*[25]float32)(u[:25]))
		default:
			wino6Filter(&g, &u)
		}
		o := j/winoNR*ldp + j%winoNR
		for e, v := range u[:al.ne] {
			dst[e*lde+o] = v
		}
	}
}

// winoFilter sets u[:16] = G g G^T (row-major 4x4) for a row-major 3x3 g.
func winoFilter(g *[9]float32, u *[25]float32) {
	var q [4][3]float32
	for j := 0; j < 3; j++ {
		g0, g1, g2 := g[j], g[3+j], g[6+j]
		q[0][j] = g0
		q[1][j] = (g0 + g1 + g2) * 0.5
		q[2][j] = (g0 - g1 + g2) * 0.5
		q[3][j] = g2
	}
	for i := 0; i < 4; i++ {
		q0, q1, q2 := q[i][0], q[i][1], q[i][2]
		u[i*4+0] = q0
		u[i*4+1] = (q0 + q1 + q2) * 0.5
		u[i*4+2] = (q0 - q1 + q2) * 0.5
		u[i*4+3] = q2
	}
}

// runRange runs groups lo..hi, each on a scratch of its own.
func (p *winoPass) runRange(lo, hi int) {
	sc := getWinoScratch()
	for g := lo; g < hi; g++ {
		p.group(sc, g)
	}
	clear(sc.pin)
	clear(sc.pout)
	putWinoScratch(sc)
}

// group transforms, multiplies and transforms back the tiles of group g.
func (p *winoPass) group(sc *winoScratch, g int) {
	b0, b1 := g*p.blocks/p.groups, (g+1)*p.blocks/p.groups
	gs := p.prepare(sc, b0, b1, 1)
	p.al.input(gs.pin, gs.nt, p.cin, gs.v, gs.gp*p.cin, p.cin)
	p.gemms(gs, 0, p.kp)
	p.output(gs)
}

// winoGroup is the state of a group of tiles between its steps.
type winoGroup struct {
	nt, gp    int // tiles, rows (nt rounded up to whole blocks)
	v, m      []float32
	pin, pout []*float32
}

// prepare sizes sc for the tiles of blocks [b0, b1) and fills their
// input and output pointer tables. Outputs past the edge go to a sink, one
// per piece when the tiles' output transforms are split into pieces
// (winoColJob), so that no two threads write the same garbage.
func (p *winoPass) prepare(sc *winoScratch, b0, b1, pieces int) winoGroup {
	t0, t1 := b0*winoMR, min(b1*winoMR, p.tiles)
	nt := t1 - t0
	gp := (b1 - b0) * winoMR
	cin, cout := p.cin, p.cout
	al := &p.al
	ne, ta, tm := al.ne, al.a, al.m
	ldv, ldm := cin, p.kp
	sc.v = growF32(sc.v, ne*gp*ldv)
	sc.m = growF32(sc.m, ne*gp*ldm)
	if len(sc.zero) < cin {
		sc.zero = make([]float32, cin)
	}
	sc.sink = growF32(sc.sink, pieces*cout)
	if cap(sc.pin) < 36*gp {
		sc.pin = make([]*float32, 36*gp)
		sc.pout = make([]*float32, 16*gp)
	}
	pin, pout := sc.pin[:ne*nt], sc.pout[:tm*tm*nt]
	zero := &sc.zero[0]
	h, w := p.h, p.w
	for i := 0; i < nt; i++ {
		t := t0 + i
		pc := i * pieces / nt // the piece (winoColJob) whose tiles hold i
		for pc > 0 && pc*nt/pieces > i {
			pc--
		}
		for (pc+1)*nt/pieces <= i {
			pc++
		}
		sink := &sc.sink[pc*cout]
		n, r := t/(p.th*p.tw), t%(p.th*p.tw)
		ti, tj := r/p.tw, r%p.tw
		img := n * h * w
		for a := 0; a < ta; a++ {
			ih := tm*ti - 1 + a
			for b := 0; b < ta; b++ {
				iw := tm*tj - 1 + b
				ptr := zero
				if ih >= 0 && ih < h && iw >= 0 && iw < w {
					ptr = &p.src[(img+ih*w+iw)*cin]
				}
				pin[(i*ta+a)*ta+b] = ptr
			}
		}
		for a := 0; a < tm; a++ {
			oh := tm*ti + a
			for b := 0; b < tm; b++ {
				ow := tm*tj + b
				ptr := sink
				if oh < h && ow < w {
					ptr = &p.dst[(img+oh*w+ow)*cout]
				}
				pout[(i*tm+a)*tm+b] = ptr
			}
		}
	}
	return winoGroup{nt: nt, gp: gp, v: sc.v[:ne*gp*ldv], m: sc.m[:ne*gp*ldm], pin: pin, pout: pout}
}

// gemms runs the ne products of group gs for M's columns [j0, j1).
func (p *winoPass) gemms(gs winoGroup, j0, j1 int) {
	lv, lm := gs.gp*p.cin, gs.gp*p.kp
	for e := 0; e < p.al.ne; e++ {
		p.gemm(gs.v[e*lv:(e+1)*lv], gs.m[e*lm:(e+1)*lm], e, gs.gp, j0, j1)
	}
}

// output transforms group gs's products back into dst.
func (p *winoPass) output(gs winoGroup) {
	var bias *float32
	if p.bias != nil {
		bias = &p.bias[0]
	}
	p.al.output(gs.m, gs.gp*p.kp, p.kp, gs.nt, p.cout, gs.pout, bias)
}

// gemm sets columns [j0, j1) (multiples of winoNR, or j1 = kp) of M[e]
// (gp x kp, row stride kp) = V[e] (gp x cin) * U[e].
func (p *winoPass) gemm(v, m []float32, e, gp, j0, j1 int) {
	cin, kp := p.cin, p.kp
	ue := p.u[e*p.ule : e*p.ule+cin*kp]
	if !p.packed {
		sgemmT(1, false, false, gp, min(j1, p.cout)-j0, cin, 1, v, cin, ue[j0:], kp, 0, m[j0:], kp)
		return
	}
	ak := directAKernel()
	for ps := 0; ps < cin; ps += p.kc {
		kb := min(p.kc, cin-ps)
		fn := ak.fn
		if ps == 0 {
			fn = ak.set
		}
		us := ue[ps*kp : (ps+kb)*kp]
		for jr := j0; jr < j1; jr += winoNR {
			bp := us[jr*kb : (jr+winoNR)*kb]
			for ir := 0; ir < gp; ir += winoMR {
				a := v[ir*cin+ps : (ir+winoMR-1)*cin+ps+kb]
				c := m[ir*kp+jr : (ir+winoMR-1)*kp+jr+winoNR]
				fn(kb, &a[0], cin, &bp[0], &c[0], kp)
			}
		}
	}
}

// input writes the transformed tiles: for tile i < nt and element e,
// v[e*lde+i*ldv : +c] = (B^T d B)[e] where d's a*a runs of c floats start
// at pin[i*a*a:] (row-major).
func (al *winoAlgo) input(pin []*float32, nt, c int, v []float32, lde, ldv int) {
	if nt == 0 {
		return
	}
	_ = pin[nt*al.ne-1]
	_ = v[(al.ne-1)*lde+(nt-1)*ldv+c-1]
	if al.in != nil && winoMode != 2 {
		al.in(&pin[0], nt, c, &v[0], lde, ldv)
		return
	}
	al.inGo(pin, nt, c, v, lde, ldv)
}

// winoInputGo is the pure-Go twin of the assembly input transform.
func winoInputGo(pin []*float32, nt, c int, v []float32, lde, ldv int) {
	var d [16][]float32
	for i := 0; i < nt; i++ {
		for k := range d {
			d[k] = unsafe.Slice(pin[i*16+k], c)
		}
		o := v[i*ldv:]
		for ch := 0; ch < c; ch++ {
			var t [16]float32
			for s := 0; s < 4; s++ { // columns: t = B^T d
				d0, d1, d2, d3 := d[s][ch], d[4+s][ch], d[8+s][ch], d[12+s][ch]
				t[s] = d0 - d2
				t[4+s] = d1 + d2
				t[8+s] = d2 - d1
				t[12+s] = d1 - d3
			}
			for r := 0; r < 4; r++ { // rows: (B^T d) B
				t0, t1, t2, t3 := t[r*4], t[r*4+1], t[r*4+2], t[r*4+3]
				o[(r*4+0)*lde+ch] = t0 - t2
				o[(r*4+1)*lde+ch] = t1 + t2
				o[(r*4+2)*lde+ch] = t2 - t1
				o[(r*4+3)*lde+ch] = t1 - t3
			}
		}
	}
}

// output writes the output tiles: for tile i < nt, the m x m block
// A^T M A (+ bias) over channels k < c into the runs pout[i*m*m:]
// (row-major), M[e] at m[e*lde+i*ldm : +c].
func (al *winoAlgo) output(m []float32, lde, ldm, nt, c int, pout []*float32, bias *float32) {
	if nt == 0 {
		return
	}
	_ = pout[nt*al.m*al.m-1]
	_ = m[(al.ne-1)*lde+(nt-1)*ldm+c-1]
	if al.out != nil && winoMode != 2 {
		al.out(&m[0], lde, ldm, nt, c, &pout[0], bias)
		return
	}
	al.outGo(m, lde, ldm, nt, c, pout, bias)
}

// winoOutputGo is the pure-Go twin of the assembly output transform.
func winoOutputGo(m []float32, lde, ldm, nt, c int, pout []*float32, bias *float32) {
	var bs []float32
	if bias != nil {
		bs = unsafe.Slice(bias, c)
	}
	var y [4][]float32
	for i := 0; i < nt; i++ {
		for k := range y {
			y[k] = unsafe.Slice(pout[i*4+k], c)
		}
		mi := m[i*ldm:]
		for ch := 0; ch < c; ch++ {
			var s [2][4]float32
			for r := 0; r < 4; r++ { // columns: s = M A
				m0, m1, m2, m3 := mi[(r*4)*lde+ch], mi[(r*4+1)*lde+ch], mi[(r*4+2)*lde+ch], mi[(r*4+3)*lde+ch]
				s[0][r] = m0 + m1 + m2
				s[1][r] = m1 - m2 - m3
			}
			for b := 0; b < 2; b++ { // rows: A^T s
				y0 := s[b][0] + s[b][1] + s[b][2]
				y1 := s[b][1] - s[b][2] - s[b][3]
				if bs != nil {
					y0 += bs[ch]
					y1 += bs[ch]
				}
				y[b][ch] = y0
				y[2+b][ch] = y1
			}
		}
	}
}
