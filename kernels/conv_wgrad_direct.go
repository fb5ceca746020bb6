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

// wgradDirectFits reports whether weightNHWC runs as wgradDirect. Thread
// CPU time against the im2row product, one thread, the VGG's layers from
// 32 channels (BenchmarkWgradDirect, loaded machine): batch 32 32->128 and
// 128->128 at 7x7 0.84x and 0.84x, 128->256 and 256->256 at 3x3 0.97x and
// 0.92x; batch 128 256->256 0.85x.
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
	dyT      []float32 // kp x ld
	ld       int       // dyT's row stride (>= pixels)
	pixels   int
	kp       int // K rounded up to winoMR
	out      []float32
	ihs, iws []int32 // per pixel: top-left input row and column of the window
	base     []int32 // per pixel: index of its image's first pixel
	fn, set  func(kc int, a *float32, lda int, b, c *float32, ldc int)
}

// wgradDirect adds to dw the weight gradient of images [n0, n1) (x and dy
// channels-last).
func (ws *convWork) wgradDirect(s ConvShape, x, dy []float32, n0, n1 int, dw []float32) {
	oh, ow := s.OutH(), s.OutW()
	ohw := oh * ow
	crs := s.C * s.R * s.S
	pixels := (n1 - n0) * ohw
	kp := (s.K + winoMR - 1) / winoMR * winoMR
	ld := (pixels + 15) &^ 15
	if ld%1024 == 0 {
		ld += 16 // 12 rows 4 KiB-multiples apart would share L1 sets
	}
	ws.wgT = growF32(ws.wgT, kp*ld)
	dyT := ws.wgT[:kp*ld]
	transposeTo(dyT, ld, dy[n0*ohw*s.K:n1*ohw*s.K], s.K, pixels, s.K)
	clear(dyT[s.K*ld:])
	ws.dwt = growF32(ws.dwt, kp*crs)
	ws.wgPix = growI32(ws.wgPix, 3*pixels)
	ihs, iws, base := ws.wgPix[:pixels], ws.wgPix[pixels:2*pixels], ws.wgPix[2*pixels:3*pixels]
	for p := 0; p < pixels; p++ {
		n, r := p/ohw, p%ohw
		ihs[p] = int32(r/ow*s.StrideH - s.PadH)
		iws[p] = int32(r%ow*s.StrideW - s.PadW)
		base[p] = int32(n * s.H * s.W)
	}
	ak := directAKernel()
	if ak.fn == nil {
		ak = aKernel{fn: microAGo, set: microAGoSet}
	}
	ws.wg = wgradJob{s: s, x: x[n0*s.H*s.W*s.C : n1*s.H*s.W*s.C], dyT: dyT, ld: ld, pixels: pixels, kp: kp,
		out: ws.dwt[:kp*crs], ihs: ihs, iws: iws, base: base, fn: ak.fn, set: ak.set}
	ws.run(crs/winoNR, kp*crs*pixels, &ws.wg)
	ws.wg = wgradJob{}
	ws.perm(s, ws.dwt[:s.K*crs], dw)
}

func (j *wgradJob) runRange(lo, hi int) {
	s := j.s
	crs := s.C * s.R * s.S
	sc := getWinoScratch()
	sc.taps = growF32(sc.taps, wgradKC*winoNR)
	bp := sc.taps[:wgradKC*winoNR]
	nk := (j.pixels + wgradKC - 1) / wgradKC
	kc := (j.pixels + nk - 1) / nk
	for ps := 0; ps < j.pixels; ps += kc {
		kb := min(kc, j.pixels-ps)
		fn := j.fn
		if ps == 0 {
			fn = j.set
		}
		for panel := lo; panel < hi; panel++ {
			jr := panel * winoNR
			t, c0 := jr/s.C, jr%s.C
			r, q := int32(t/s.S), int32(t%s.S)
			h, w := int32(s.H), int32(s.W)
			for k := 0; k < kb; k++ {
				p := ps + k
				ih, iw := j.ihs[p]+r, j.iws[p]+q
				dst := (*[winoNR]float32)(bp[k*winoNR:])
				if ih < 0 || ih >= h || iw < 0 || iw >= w {
					*dst = [winoNR]float32{}
					continue
				}
				o := int(j.base[p]+ih*w+iw)*s.C + c0
				*dst = *(*[winoNR]float32)(j.x[o:])
			}
			for ir := 0; ir < j.kp; ir += winoMR {
				a := j.dyT[ir*j.ld+ps : (ir+winoMR-1)*j.ld+ps+kb]
				c := j.out[ir*crs+jr : (ir+winoMR-1)*crs+jr+winoNR]
				fn(kb, &a[0], j.ld, &bp[0], &c[0], crs)
			}
		}
	}
	putWinoScratch(sc)
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
