package kernels

import (
	"math"
	"unsafe"
)

// Masked direct convolution: for "same" convolutions (stride 1, output as
// large as the input, as in all of the VGG's 3x3 layers) the flat position
// p = i*W + j of the output plane reads p + (r-padH)*W + (q-padW) of the
// input plane for tap (r, q), so the kernels read the caller's planes in
// place; lanes whose tap falls outside the plane (the padding, and the row
// wrap-around) are masked to zero. Against the padded flat tiles this drops
// the copies into padded planes and out of the tile buffer, which measured
// as costly as the arithmetic on the 3->16 layer (perf: CopyRowsAVX512 25%
// of the forward pass, FlatConv8x3AVX512 25%).

type (
	mconvFunc  = func(out *float32, ldo int, in *float32, ldc, nc int, rsoff *int32, nrs int, masks *uint16, ldm int, w *float32, bias *float32, smask *uint16)
	mwgradFunc = func(part, dy *float32, ldy int, x *float32, offs *int32, masks *uint16, nv, nimg, dyImg, xImg int)
)

// maskedFits: the masked kernels apply (same-size stride-1 convolution and
// the masked tiles selected) and compute at least 5% fewer positions than
// the padded flat tiles for kout output channels (3->16x28 forward 784
// against 864, 14x14 208 against 240). Fastest of 40 alternating calls at
// batch 128 on one core (busy machine), GFLOP/s masked / flat: 3->16x28
// forward 128-182 / 105-138, backward-data 131-184 / 111-119, 16->32x14
// forward 184-192 / 150-162, backward-data 137-193 / 133-162.
func maskedFits(s ConvShape, kout int) bool {
	if (convFlatMode != 0 && convFlatMode != 3) || s.StrideH != 1 || s.StrideW != 1 || s.OutH() != s.H || s.OutW() != s.W || s.H*s.W == 0 {
		return false
	}
	if convFlatMode == 3 {
		return true
	}
	_, nvt, _, one := maskedTile(kout)
	_, np, _ := flatTile(kout)
	nv := (s.H*s.W + 15) / 16
	masked := (nv + nvt - 1) / nvt * nvt * 16
	if one != nil {
		masked = nv * 16 // the last vectors by the one-vector tile
	}
	wp := s.W + 2*(s.S-1-s.PadW) // backward-data pads by S-1-PadW (= PadW for same-size)
	flat := (s.H*wp + np - 1) / np * np
	return masked*20 <= flat*19
}

// maskedTile is flatTile for the masked kernels: 8 channels x 3 vectors
// (and 8 x 1 for a plane's last vectors: 14x14 = 12.25 vectors runs as
// 4x3+1, not 5x3), or 3 x 7 for 1-3 output channels (7 masks fill K1-K7).
func maskedTile(kout int) (kc, nvt int, fn, one mconvFunc) {
	m83, m37, m81, _ := maskedKernels()
	if kout <= 3 {
		if m37 == nil {
			m37 = mConv3x7Go
		}
		return 3, 7, m37, nil
	}
	if m83 == nil {
		m83, m81 = mConv8x3Go, mConv8x1Go
	}
	return 8, 3, m83, m81
}

// mconvGo is the pure-Go twin of the masked tiles (same FMA order; masked
// lanes multiply zero, as the assembly does).
func mconvGo(kc, nvt int, out *float32, ldo int, in *float32, ldc, nc int, rsoff *int32, nrs int, masks *uint16, ldm int, w *float32, bias *float32, smask *uint16) {
	b := unsafe.Slice(bias, kc)
	ro := unsafe.Slice(rsoff, nrs)
	ws := unsafe.Slice(w, nrs*nc*kc)
	sm := unsafe.Slice(smask, nvt)
	var ms []uint16
	if nrs > 0 {
		ms = unsafe.Slice(masks, (nrs-1)*ldm+nvt)
	}
	for kk := 0; kk < kc; kk++ {
		for v := 0; v < nvt; v++ {
			for l := 0; l < 16; l++ {
				acc := b[kk]
				for rs := 0; rs < nrs; rs++ {
					on := ms[rs*ldm+v]>>l&1 != 0
					for c := 0; c < nc; c++ {
						var x float32
						if on {
							x = *(*float32)(unsafe.Add(unsafe.Pointer(in), (c*ldc+int(ro[rs])+v*16+l)*4))
						}
						acc = float32(math.FMA(float64(x), float64(ws[(rs*nc+c)*kc+kk]), float64(acc)))
					}
				}
				if sm[v]>>l&1 != 0 {
					*(*float32)(unsafe.Add(unsafe.Pointer(out), (kk*ldo+v*16+l)*4)) = acc
				}
			}
		}
	}
}

// mConv8x3Go is the pure-Go twin of MConv8x3AVX512.
func mConv8x3Go(out *float32, ldo int, in *float32, ldc, nc int, rsoff *int32, nrs int, masks *uint16, ldm int, w *float32, bias *float32, smask *uint16) {
	mconvGo(8, 3, out, ldo, in, ldc, nc, rsoff, nrs, masks, ldm, w, bias, smask)
}

// mConv3x7Go is the pure-Go twin of MConv3x7AVX512.
func mConv3x7Go(out *float32, ldo int, in *float32, ldc, nc int, rsoff *int32, nrs int, masks *uint16, ldm int, w *float32, bias *float32, smask *uint16) {
	mconvGo(3, 7, out, ldo, in, ldc, nc, rsoff, nrs, masks, ldm, w, bias, smask)
}

// mConv8x1Go is the pure-Go twin of MConv8x1AVX512.
func mConv8x1Go(out *float32, ldo int, in *float32, ldc, nc int, rsoff *int32, nrs int, masks *uint16, ldm int, w *float32, bias *float32, smask *uint16) {
	mconvGo(8, 1, out, ldo, in, ldc, nc, rsoff, nrs, masks, ldm, w, bias, smask)
}

// mWgrad8x3Go is the pure-Go twin of MWgrad8x3AVX512.
func mWgrad8x3Go(part, dy *float32, ldy int, x *float32, offs *int32, masks *uint16, nv, nimg, dyImg, xImg int) {
	ps := unsafe.Slice(part, 384)
	os := unsafe.Slice(offs, 3)
	if nv <= 0 {
		return
	}
	ms := unsafe.Slice(masks, nv*4)
	for m := 0; m < nimg; m++ {
		for v := 0; v < nv; v++ {
			for kk := 0; kk < 8; kk++ {
				for l := 0; l < 16; l++ {
					var d float32
					if ms[v*4+3]>>l&1 != 0 {
						d = *(*float32)(unsafe.Add(unsafe.Pointer(dy), (m*dyImg+kk*ldy+v*16+l)*4))
					}
					for tt := 0; tt < 3; tt++ {
						var xv float32
						if ms[v*4+tt]>>l&1 != 0 {
							xv = *(*float32)(unsafe.Add(unsafe.Pointer(x), (m*xImg+int(os[tt])+v*16+l)*4))
						}
						a := &ps[(kk*3+tt)*16+l]
						*a = float32(math.FMA(float64(xv), float64(d), float64(*a)))
					}
				}
			}
		}
	}
}

// shiftMasks writes, for vectors m < len(dst), the lanes l of flat output
// positions p = 16m+l < oh*ow whose input (i+dr, j+dq) lies in the hin x
// win plane.
func shiftMasks(dst []uint16, oh, ow, hin, win, dr, dq int) {
	for m := range dst {
		var bits uint16
		for l := 0; l < 16; l++ {
			p := m*16 + l
			if p >= oh*ow {
				break
			}
			i, j := p/ow+dr, p%ow+dq
			if i >= 0 && i < hin && j >= 0 && j < win {
				bits |= 1 << l
			}
		}
		dst[m] = bits
	}
}

// mState is the masked pass's part of the direct job.
type mState struct {
	on       bool
	kern     mconvFunc
	one      mconvFunc // one-vector tile for the last vectors, or nil
	kc, nvt  int
	nrs, ldm int
	nvec     int // vectors per plane
	rsoff    []int32
	masks    []uint16    // nrs x ldm
	smask    []uint16    // ldm
	tmps     [][]float32 // per part: a partial channel block's tile
}

// maskedPrepare sets up j (geometry and source/out set; pt, pl the input
// offsets of the taps) for the masked kernels over an r x s filter; the
// weights must then be laid out as wt[kb][rs][cin][kc].
func (j *directJob) maskedPrepare(r, s int) {
	m := &j.m
	m.on = true
	m.kc, m.nvt, m.kern, m.one = maskedTile(j.kout)
	nvec := (j.oh*j.ow + 15) / 16
	m.nvec = nvec
	m.ldm = (nvec + m.nvt - 1) / m.nvt * m.nvt
	m.nrs = r * s
	m.rsoff = growI32(m.rsoff, m.nrs)
	if cap(m.masks) < m.nrs*m.ldm {
		m.masks = make([]uint16, m.nrs*m.ldm)
	}
	m.masks = m.masks[:m.nrs*m.ldm]
	if cap(m.smask) < m.ldm {
		m.smask = make([]uint16, m.ldm)
	}
	m.smask = m.smask[:m.ldm]
	for rr := 0; rr < r; rr++ {
		for q := 0; q < s; q++ {
			rs := rr*s + q
			m.rsoff[rs] = int32((rr-j.pt)*j.win + q - j.pl)
			shiftMasks(m.masks[rs*m.ldm:(rs+1)*m.ldm], j.oh, j.ow, j.hin, j.win, rr-j.pt, q-j.pl)
		}
	}
	shiftMasks(m.smask, j.oh, j.ow, j.oh, j.ow, 0, 0)
}

// maskedRun handles the images of part g with the masked kernels.
func (j *directJob) maskedRun(g int) {
	m := &j.m
	hw := j.hin * j.win
	ohw := j.oh * j.ow
	wb := m.nrs * j.cin * m.kc
	n1 := (g + 1) * j.n / j.parts
	calls := (j.kout + m.kc - 1) / m.kc * ((m.nvec + m.nvt - 1) / m.nvt)
	var pf pfCursor
	for n := g * j.n / j.parts; n < n1; n++ {
		if n+1 < n1 {
			pf.set(j.src[(n+1)*j.cin*hw:(n+2)*j.cin*hw], j.out[(n+1)*j.kout*ohw:(n+2)*j.kout*ohw], calls)
		} else {
			pf.set(nil, nil, 1)
		}
		src := &j.src[n*j.cin*hw]
		for kb := 0; kb*m.kc < j.kout; kb++ {
			o := (n*j.kout + kb*m.kc) * ohw
			for v := 0; v < m.nvec; {
				// channels past kout in the last block: their stores would
				// land in the next image (or past the end), so that block
				// runs through a scratch copy below
				if kb*m.kc+m.kc > j.kout {
					j.maskedTail(g, n, kb, v)
					v += m.nvt
					continue
				}
				kern, step := m.kern, m.nvt
				if m.one != nil && m.nvec-v < m.nvt {
					kern, step = m.one, 1
				}
				pf.step()
				kern(&j.out[o+v*16], ohw, (*float32)(unsafe.Add(unsafe.Pointer(src), v*64)), hw, j.cin,
					&m.rsoff[0], m.nrs, &m.masks[v], m.ldm, &j.wt[kb*wb], &j.bias[kb*m.kc], &m.smask[v])
				v += step
			}
		}
	}
}

// maskedTail runs one tile of a partial channel block into the tile buffer
// and copies the real channels out.
func (j *directJob) maskedTail(g, n, kb, v int) {
	m := &j.m
	hw := j.hin * j.win
	ohw := j.oh * j.ow
	src := unsafe.Add(unsafe.Pointer(&j.src[n*j.cin*hw]), v*64)
	np := m.nvt * 16
	tmp := m.tmps[g][:m.kc*np]
	var full [7]uint16
	for i := range full[:m.nvt] {
		full[i] = 0xffff
	}
	m.kern(&tmp[0], np, (*float32)(src), hw, j.cin, &m.rsoff[0], m.nrs, &m.masks[v], m.ldm,
		&j.wt[kb*m.nrs*j.cin*m.kc], &j.bias[kb*m.kc], &full[0])
	cnt := min(np, ohw-v*16)
	for kk := 0; kb*m.kc+kk < j.kout; kk++ {
		o := (n*j.kout+kb*m.kc+kk)*ohw + v*16
		copy(j.out[o:o+cnt], tmp[kk*np:kk*np+cnt])
	}
}

// keep returns j's reusable buffers in a fresh directJob.
func (j *directJob) keep() directJob {
	return directJob{flat: flatState{tmps: j.flat.tmps},
		m: mState{rsoff: j.m.rsoff, masks: j.m.masks, smask: j.m.smask, tmps: j.m.tmps}}
}

// runMasked runs j (prepared, weights set) over the batch in parts of whole
// images, one per thread.
func (ws *convWork) runMasked(j *directJob) {
	parts := max(1, min(ws.threads(), j.n))
	j.parts = parts
	for len(j.m.tmps) < parts {
		j.m.tmps = append(j.m.tmps, nil)
	}
	for g := 0; g < parts; g++ {
		j.m.tmps[g] = growF32(j.m.tmps[g], j.m.kc*j.m.nvt*16)
	}
	ws.run(parts, j.n*j.kout*j.oh*j.ow*j.cin*j.m.nrs, j)
	*j = j.keep()
}

// maskedFwd is ConvForward by the masked kernels (maskedFits(s)).
func (ws *convWork) maskedFwd(s ConvShape, x, w, bias, y []float32) {
	j := &ws.dj
	*j = j.keep()
	j.n, j.cin, j.hin, j.win, j.pt, j.pl = s.N, s.C, s.H, s.W, s.PadH, s.PadW
	j.src, j.kout, j.oh, j.ow, j.out = x, s.K, s.OutH(), s.OutW(), y
	j.maskedPrepare(s.R, s.S)
	kc, rs := j.m.kc, s.R*s.S
	kb := (s.K + kc - 1) / kc
	ws.wt = growF32(ws.wt, kb*rs*s.C*kc)
	ws.bias16 = growF32(ws.bias16, kb*kc)
	clear(ws.wt)
	clear(ws.bias16)
	for k := 0; k < s.K; k++ {
		for c := 0; c < s.C; c++ {
			for t := 0; t < rs; t++ {
				ws.wt[(((k/kc)*rs+t)*s.C+c)*kc+k%kc] = w[(k*s.C+c)*rs+t]
			}
		}
		if bias != nil {
			ws.bias16[k] = bias[k]
		}
	}
	j.wt, j.bias = ws.wt, ws.bias16
	ws.runMasked(j)
}

// maskedData is ConvBackwardData by the masked kernels: a same-size
// convolution of dy with the flipped, channel-transposed weights.
func (ws *convWork) maskedData(s ConvShape, dy, w, dx []float32) {
	j := &ws.dj
	*j = j.keep()
	j.n, j.cin, j.hin, j.win, j.pt, j.pl = s.N, s.K, s.OutH(), s.OutW(), s.R-1-s.PadH, s.S-1-s.PadW
	j.src, j.kout, j.oh, j.ow, j.out = dy, s.C, s.H, s.W, dx
	j.maskedPrepare(s.R, s.S)
	kc, rs := j.m.kc, s.R*s.S
	cb := (s.C + kc - 1) / kc
	ws.wt = growF32(ws.wt, cb*rs*s.K*kc)
	ws.bias16 = growF32(ws.bias16, cb*kc)
	clear(ws.wt)
	clear(ws.bias16)
	for k := 0; k < s.K; k++ {
		for c := 0; c < s.C; c++ {
			src := w[(k*s.C+c)*rs : (k*s.C+c+1)*rs]
			for r := 0; r < s.R; r++ {
				for q := 0; q < s.S; q++ {
					ws.wt[(((c/kc)*rs+r*s.S+q)*s.K+k)*kc+c%kc] = src[(s.R-1-r)*s.S+s.S-1-q]
				}
			}
		}
	}
	j.wt, j.bias = ws.wt, ws.bias16
	ws.runMasked(j)
}

// convWgradAlignDy: copy misaligned dy planes (see maskedWeightBias).
var convWgradAlignDy = true

// convMaskedWgradVecs is about how many vectors a masked weight-gradient
// call covers (whole images).
var convMaskedWgradVecs = 64

// maskedWeightFits: the masked weight gradient needs whole 8-channel
// blocks of dy (it reads dy in place). Measured (batch 128, one core,
// GFLOP/cpu-s, best of 8 on a busy machine): 3->16x28 123 against 99 for
// the flat tile, 16->32x14 (4 images per call) 89-112 against 76-102.
func maskedWeightFits(s ConvShape) bool {
	return (convFlatMode == 0 || convFlatMode == 3) && s.StrideH == 1 && s.StrideW == 1 && s.OutH() == s.H && s.OutW() == s.W &&
		s.H*s.W > 0 && s.K%8 == 0
}

// maskedWeight adds the weight gradient of images [n0, n1) to dw, reading x
// and dy in place: per image, 8-channel block and group of 3 taps, lane-wise
// partial sums over the plane; lanes reduced at the end.
func (ws *convWork) maskedWeight(s ConvShape, x, dy []float32, n0, n1 int, dw []float32) {
	ws.maskedWeightBias(s, x, dy, n0, n1, dw, nil)
}

// directWeightBias is the direct weight gradient of images [n0, n1) (added
// to dw) fused with the bias gradient: db64[k] += the float64 sum of dy's
// channel k over those images (sumBias per plane, images in order, as
// biasJob sums them), taken while each image's dy is still in cache; the
// separate bias pass re-read all of dy from memory, 19% of the 3->16x28
// weight-gradient pass (perf). It reports false, doing nothing, where the
// masked weight gradient does not apply. A hook for conv.go.
func (ws *convWork) directWeightBias(s ConvShape, x, dy []float32, n0, n1 int, dw []float32, db64 []float64) bool {
	if !maskedWeightFits(s) || useDirectWeight(s) == nil {
		return false
	}
	ws.maskedWeightBias(s, x, dy, n0, n1, dw, db64)
	return true
}

// maskedWeightBias is maskedWeight, also summing the bias gradient into
// db64 when it is non-nil.
func (ws *convWork) maskedWeightBias(s ConvShape, x, dy []float32, n0, n1 int, dw []float32, db64 []float64) {
	_, _, _, kern := maskedKernels()
	if kern == nil {
		kern = mWgrad8x3Go
	}
	hw := s.H * s.W
	ohw := hw
	crs := s.C * s.R * s.S
	rs := s.R * s.S
	tg := (crs + 2) / 3
	kbs := s.K / 8
	nv := (ohw + 15) / 16
	m := &ws.dj.m
	ws.offs = growI32(ws.offs, tg*3)
	if cap(m.masks) < tg*nv*4+nv*(rs+1) {
		m.masks = make([]uint16, tg*nv*4+nv*(rs+1))
	}
	tab := m.masks[:tg*nv*4]
	shift := m.masks[tg*nv*4 : tg*nv*4+nv*(rs+1)]
	for t := 0; t < rs; t++ {
		r, q := t/s.S, t%s.S
		shiftMasks(shift[t*nv:(t+1)*nv], s.H, s.W, s.H, s.W, r-s.PadH, q-s.PadW)
	}
	shiftMasks(shift[rs*nv:], s.H, s.W, s.H, s.W, 0, 0)
	for g := 0; g < tg; g++ {
		for tt := 0; tt < 3; tt++ {
			t := g*3 + tt
			if t >= crs {
				ws.offs[t] = 0
				for v := 0; v < nv; v++ {
					tab[(g*nv+v)*4+tt] = 0 // padding tap: adds nothing
				}
				continue
			}
			c, r, q := t/rs, t%rs/s.S, t%s.S
			ws.offs[t] = int32(c*hw + (r-s.PadH)*s.W + q - s.PadW)
			for v := 0; v < nv; v++ {
				tab[(g*nv+v)*4+tt] = shift[(r*s.S+q)*nv+v]
			}
		}
		for v := 0; v < nv; v++ {
			tab[(g*nv+v)*4+3] = shift[rs*nv+v]
		}
	}
	ws.part = growF32(ws.part, kbs*tg*384)
	clear(ws.part)
	chw := s.C * hw
	// images per call: small planes run several, so the 48 accumulator
	// loads and stores of a call are spread over about 64 vectors
	nb := max(1, min(n1-n0, convMaskedWgradVecs/nv))
	var pf pfCursor
	for n := n0; n < n1; n += nb {
		b := min(nb, n1-n)
		if nn := min(n1, n+b+nb); n+b < nn {
			pf.set(dy[(n+b)*s.K*ohw:nn*s.K*ohw], nil, kbs*tg)
		} else {
			pf.set(nil, nil, 1)
		}
		// planes that are not whole 16-float vectors start mid-line, and
		// 8 of the 11 loads per vector would split lines: such planes are
		// copied to 64-byte aligned rows of nv*16 floats first
		dys, ldy := dy[n*s.K*ohw:], ohw
		if ohw%16 != 0 && convWgradAlignDy {
			ldy = nv * 16
			dys = aligned(&ws.dyPad, b*s.K*ldy)
			for i := 0; i < b*s.K; i++ {
				copy(dys[i*ldy:i*ldy+ohw], dy[(n*s.K+i)*ohw:(n*s.K+i+1)*ohw])
				clear(dys[i*ldy+ohw : (i+1)*ldy])
			}
		}
		for kb := 0; kb < kbs; kb++ {
			d := &dys[kb*8*ldy]
			for g := 0; g < tg; g++ {
				pf.step()
				kern(&ws.part[(kb*tg+g)*384], d, ldy, &x[n*chw], &ws.offs[g*3], &tab[g*nv*4], nv, b, s.K*ldy, chw)
			}
		}
		if db64 != nil {
			for i := n; i < n+b; i++ {
				for k := 0; k < s.K; k++ {
					db64[k] += sumBias(dy[(i*s.K+k)*ohw : (i*s.K+k+1)*ohw])
				}
			}
		}
	}
	for k := 0; k < s.K; k++ {
		kb, kk := k/8, k%8
		for t := 0; t < crs; t++ {
			g, tt := t/3, t%3
			dw[k*crs+t] += reduce16(ws.part[(kb*tg+g)*384+(kk*3+tt)*16:])
		}
	}
}

// convPrefetch: the masked passes prefetch the next image's input (and, for
// the forward and backward-data passes, its output with intent to write)
// spread over the current image's kernel calls, so the memory traffic of the
// first layer (6.4 MB of activations per pass at batch 128) overlaps the
// arithmetic instead of stalling the copies and first loads.
var convPrefetch = true

// pfCursor walks the lines of a read region and then a write region, a
// chunk per step.
type pfCursor struct {
	rd, wr func(p *float32, lines int)
	r, w   []float32
	rl, wl int
	at     int
	chunk  int
}

// set starts the cursor on regions r (read) and w (write), to be covered in
// about calls steps; it is off when the path has no prefetches.
func (c *pfCursor) set(r, w []float32, calls int) {
	c.rd, c.wr = prefetchFns()
	if !convPrefetch || c.rd == nil {
		c.rd, c.wr = nil, nil
		return
	}
	c.r, c.w, c.at = r, w, 0
	c.rl, c.wl = (len(r)+15)/16, (len(w)+15)/16
	c.chunk = (c.rl + c.wl + calls - 1) / max(1, calls)
}

func (c *pfCursor) step() {
	if c.rd == nil {
		return
	}
	if c.at < c.rl {
		n := min(c.chunk, c.rl-c.at)
		c.rd(&c.r[c.at*16], n)
		c.at += n
		return
	}
	if k := c.at - c.rl; k < c.wl {
		n := min(c.chunk, c.wl-k)
		c.wr(&c.w[k*16], n)
		c.at += n
	}
}
