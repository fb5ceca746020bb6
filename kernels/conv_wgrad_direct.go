package kernels

import "unsafe"

// Weight gradient of a channels-last convolution without a lowered matrix:
// dW (K x RS*C, taps outer) = dY^T (K x pixels) * X~ (pixels x RS*C), where
// X~'s row p holds, tap by tap, the input channels under the tap at output
// pixel p. With C a multiple of winoNR every winoNR-column panel of X~ is
// one tap's winoNR channels: for each pixel a 128-byte run of x (or zeros
// in the padding). So the product's packed B panels are gathered straight
// from x, and dY^T, transposed once (K x pixels, small), is read in place
// by the micro-kernel: no im2row rows are written and read back, and
// nothing is packed twice. Panels are split between threads; each element
// is summed over the pixels in the same order whatever the split, so the
// result does not depend on the thread count.

// wgradDirectMode forces, for tests and A/B runs, the implicit-lowering
// weight gradient on (1: wherever the layout and C allow, with the Go
// micro-kernel where the path has no assembly one) or off (2); 0 is
// wgradDirectFits.
var wgradDirectMode = 0

// wgradKC is the product's depth slice (pixels): a winoNR-column panel of
// it is 32 KiB, and the 12-row slices of dY^T it meets stay in L2. (128 to
// 800 measured within noise of each other: the micro-kernel decides.)
const wgradKC = 256

// wgradMinRun is the shortest run of pixels multiplied on its own; a tap's
// shorter runs (few images) are multiplied as whole rows with zeros.
const wgradMinRun = 32

// wgradDirectFits reports whether weightNHWC runs as wgradDirect. Thread
// CPU time against the im2row product, one thread, the VGG's layers from
// 32 channels (BenchmarkWgradDirect, loaded machine): batch 32 32->128 and
// 128->128 at 7x7 0.74x and 0.77x, 128->256 and 256->256 at 3x3 0.65x and
// 0.56x; batch 128 256->256 0.56x.
func wgradDirectFits(s ConvShape, l ConvLayout) bool {
	if !l.In || !l.Out || s.C%winoNR != 0 || s.C == 0 || s.K == 0 {
		return false
	}
	switch wgradDirectMode {
	case 1:
		return true
	case 2:
		return false
	}
	return s.K >= winoNR && directAKernel().fn != nil
}

// wgradJob computes column panels (units) of out = dyT * X~.
type wgradJob struct {
	s        ConvShape
	x        []float32 // images of the range, channels-last
	dyT      []float32 // kp x ld, pixels ordered (oh, ow, n)
	ld       int       // dyT's row stride (>= pixels)
	kp       int       // K rounded up to winoMR
	out      []float32
	ihs, iws []int32 // per pixel: top-left input row and column of the window
	base     []int32 // per pixel: index of its image's first pixel
	rng      []int32 // per tap, ranges of pixels whose window has the tap inside the input
	roff     []int32 // tap t's ranges: rng[roff[t]:roff[t+1]] (start, end pairs)
	fn, set  func(kc int, a *float32, lda int, b, c *float32, ldc int)
}

// wgradDirect adds to dw the weight gradient of images [n0, n1) (x and dy
// channels-last). Pixels are ordered (output row, output column, image):
// then the pixels whose window puts tap (r, q) inside the input (a range
// of rows times a range of columns) are one run of pixels per output row,
// or a single run when the columns are all in, and the product skips the
// taps that fall in the padding (40% of the work on the 3x3 maps, 18% at
// 7x7) instead of multiplying packed zeros.
func (ws *convWork) wgradDirect(s ConvShape, x, dy []float32, n0, n1 int, dw []float32) {
	oh, ow := s.OutH(), s.OutW()
	ohw := oh * ow
	crs := s.C * s.R * s.S
	nb := n1 - n0
	pixels := nb * ohw
	kp := (s.K + winoMR - 1) / winoMR * winoMR
	ld := (pixels + 15) &^ 15
	if ld%1024 == 0 {
		ld += 16 // 12 rows 4 KiB-multiples apart would share L1 sets
	}
	ws.wgT = growF32(ws.wgT, kp*ld)
	dyT := ws.wgT[:kp*ld]
	for pix := 0; pix < ohw; pix++ { // the images' dy at pixel pix to columns pix*nb..
		transposeTo(dyT[pix*nb:], ld, dy[(n0*ohw+pix)*s.K:], ohw*s.K, nb, s.K)
	}
	clear(dyT[s.K*ld:])
	ws.dwt = growF32(ws.dwt, kp*crs)
	taps := s.R * s.S
	ws.wgPix = growI32(ws.wgPix, 3*pixels+taps+1+2*taps*max(1, oh))
	pt := ws.wgPix
	ihs, iws, base := pt[:pixels], pt[pixels:2*pixels], pt[2*pixels:3*pixels]
	for p := 0; p < pixels; p++ {
		pix, n := p/nb, p%nb
		ihs[p] = int32(pix/ow*s.StrideH - s.PadH)
		iws[p] = int32(pix%ow*s.StrideW - s.PadW)
		base[p] = int32(n * s.H * s.W)
	}
	roff := pt[3*pixels : 3*pixels+taps+1]
	rng := pt[3*pixels+taps+1 : 3*pixels+taps+1 : len(pt)]
	for t := 0; t < taps; t++ {
		roff[t] = int32(len(rng))
		r0, r1 := inRange(oh, s.StrideH, s.PadH, t/s.S, s.H)
		c0, c1 := inRange(ow, s.StrideW, s.PadW, t%s.S, s.W)
		switch {
		case r0 >= r1 || c0 >= c1:
		case c0 == 0 && c1 == ow || (c1-c0)*nb < wgradMinRun:
			// whole rows (short runs would cost a C tile load and
			// store per few pixels: packed zeros are cheaper)
			rng = append(rng, int32(r0*ow*nb), int32(r1*ow*nb))
		default:
			for r := r0; r < r1; r++ {
				rng = append(rng, int32((r*ow+c0)*nb), int32((r*ow+c1)*nb))
			}
		}
	}
	roff[taps] = int32(len(rng))
	ak := directAKernel()
	if ak.fn == nil {
		ak = aKernel{fn: microAGo, set: microAGoSet}
	}
	ws.wg = wgradJob{s: s, x: x[n0*s.H*s.W*s.C : n1*s.H*s.W*s.C], dyT: dyT, ld: ld, kp: kp,
		out: ws.dwt[:kp*crs], ihs: ihs, iws: iws, base: base, rng: rng, roff: roff, fn: ak.fn, set: ak.set}
	ws.run(crs/winoNR, kp*crs*pixels, &ws.wg)
	ws.wg = wgradJob{}
	ws.perm(s, ws.dwt[:s.K*crs], dw)
}

// inRange returns the output positions [lo, hi) of n whose window (stride
// st, padding pad) puts filter offset r inside an input of size in.
func inRange(n, st, pad, r, in int) (lo, hi int) {
	lo, hi = n, n
	for o := 0; o < n; o++ {
		if i := o*st - pad + r; i >= 0 && i < in {
			lo = min(lo, o)
			hi = o + 1
		}
	}
	return lo, min(max(lo, hi), n)
}

func (j *wgradJob) runRange(lo, hi int) {
	s := j.s
	crs := s.C * s.R * s.S
	per := s.C / winoNR // panels per tap
	sc := getWinoScratch()
	sc.taps = growF32(sc.taps, wgradKC*winoNR)
	bp := sc.taps[:wgradKC*winoNR]
	for p0 := lo; p0 < hi; {
		t := p0 / per
		p1 := min(hi, (t+1)*per) // this tap's panels in the range
		rs := j.rng[j.roff[t]:j.roff[t+1]]
		if len(rs) == 0 { // the tap is in the padding for every pixel
			for ir := 0; ir < j.kp; ir++ {
				clear(j.out[ir*crs+p0*winoNR : ir*crs+p1*winoNR])
			}
		}
		first := true
		for ri := 0; ri < len(rs); ri += 2 {
			a0, a1 := int(rs[ri]), int(rs[ri+1])
			nk := (a1 - a0 + wgradKC - 1) / wgradKC
			kc := (a1 - a0 + nk - 1) / nk
			for ps := a0; ps < a1; ps += kc {
				kb := min(kc, a1-ps)
				fn := j.fn
				if first {
					fn, first = j.set, false
				}
				for panel := p0; panel < p1; panel++ {
					j.gemmPanel(panel, ps, kb, bp, fn)
				}
			}
		}
		p0 = p1
	}
	putWinoScratch(sc)
}

// gemmPanel multiplies dyT's pixels [ps, ps+kb), all with the panel's tap
// inside the input rows (columns outside give zeros), into the panel's
// columns of out.
func (j *wgradJob) gemmPanel(panel, ps, kb int, bp []float32, fn func(kc int, a *float32, lda int, b, c *float32, ldc int)) {
	s := j.s
	crs := s.C * s.R * s.S
	jr := panel * winoNR
	t, c0 := jr/s.C, jr%s.C
	r, q := int32(t/s.S), int32(t%s.S)
	w := int32(s.W)
	for k := 0; k < kb; k++ {
		p := ps + k
		dst := (*[winoNR]float32)(bp[k*winoNR:])
		iw := j.iws[p] + q
		if iw < 0 || iw >= w { // a run of whole rows
			*dst = [winoNR]float32{}
			continue
		}
		o := int(j.base[p]+(j.ihs[p]+r)*w+iw)*s.C + c0
		*dst = *(*[winoNR]float32)(j.x[o:])
	}
	for ir := 0; ir < j.kp; ir += winoMR {
		a := j.dyT[ir*j.ld+ps : (ir+winoMR-1)*j.ld+ps+kb]
		c := j.out[ir*crs+jr : (ir+winoMR-1)*crs+jr+winoNR]
		fn(kb, &a[0], j.ld, &bp[0], &c[0], crs)
	}
}

// microAGo is the Go twin of the in-place-A micro-kernel: C[12x32] += A*B
// with A's row i at a[i*lda:] and B packed (row p at b[p*32:]).
func microAGo(kc int, a *float32, lda int, b, c *float32, ldc int) {
	microAGoRun(kc, a, lda, b, c, ldc, true)
}

// microAGoSet is microAGo without reading C.
func microAGoSet(kc int, a *float32, lda int, b, c *float32, ldc int) {
	microAGoRun(kc, a, lda, b, c, ldc, false)
}

func microAGoRun(kc int, a *float32, lda int, b, c *float32, ldc int, acc bool) {
	as := unsafe.Slice(a, (winoMR-1)*lda+kc)
	bs := unsafe.Slice(b, kc*winoNR)
	cs := unsafe.Slice(c, (winoMR-1)*ldc+winoNR)
	for i := 0; i < winoMR; i++ {
		var row [winoNR]float32
		if acc {
			copy(row[:], cs[i*ldc:])
		}
		ai := as[i*lda : i*lda+kc]
		for p, av := range ai {
			br := (*[winoNR]float32)(bs[p*winoNR:])
			for jj := range row {
				row[jj] += av * br[jj]
			}
		}
		copy(cs[i*ldc:i*ldc+winoNR], row[:])
	}
}
