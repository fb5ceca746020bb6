package kernels

import (
	"math"
	"unsafe"
)

// Direct convolution for layers with few output channels (the VGG's 3->16
// and 16->32 layers, backward-data into 3 or 16 channels, the detector's
// 8- and 16-channel layers), where a GEMM of the lowered input has too few
// rows to pay for lowering and packing it. Stride 1 only. Three kernel
// families, chosen per shape (convFlatMode forces one for tests and A/B):
//   - masked tiles (conv_direct_mask.go): same-size convolutions, planes
//     read in place, padding by load masks; the default where they apply;
//   - flat tiles (conv_direct_flat.go): images copied into zero-padded
//     planes, output rows computed as one flat run per image;
//   - the row-wise kernels below: 16 output channels x up to 16 pixels of
//     one output row (the first version; kept for A/B runs, convFlatMode 2).

// convDirectMode forces the choice for tests: 0 automatic, 1 always (where
// valid; the Go kernel on paths without the assembly), 2 never.
var convDirectMode = 0

type directFunc = func(out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, n, kn int, bias *float32)

// directFor returns the kernel to use, nil for none.
func directFor(mode int) directFunc {
	if fn := directKernel(); fn != nil {
		return fn
	}
	if mode == 1 {
		return convDirect16Go
	}
	return nil
}

// directFits: 8..32 output channels (a 16-channel block at least half used)
// and at most 512 taps (a block's weights, 32 KiB, stay in L1). Measured at
// batch 128 on one core: 3->16x28 forward 109 GFLOP/cpu-s against 44 lowered,
// 16->32x14 forward 114 against 56-61, its backward-data 111 against 61; but
// 74 against 129 for 32->128 (K = 128) and 71 against 95 for backward-data
// of 32->128 (1152 taps), 24 against 45 for backward-data into 3 channels.
func directFits(kout, taps, ow int) bool {
	return kout >= 8 && kout <= 32 && taps <= 512 && ow >= 8
}

// directFitsFew: 1-3 output channels (backward-data into RGB) by the 3x7
// masked or 3x8 flat tile (the row-wise kernel left 13 of 16 broadcasts
// idle). Measured at batch 128 on one core (fastest of 40 calls, busy
// machine): 3->16x28 backward-data 131-184 GFLOP/s masked, 111-119 flat,
// 55 row-wise; the im2col path measured 42-48 GFLOP/cpu-s.
func directFitsFew(kout, taps, ow int) bool {
	return convFlatMode != 2 && kout >= 1 && kout <= 3 && taps <= 512 && ow >= 8
}

// useDirectFwd selects direct convolution for the forward pass.
func useDirectFwd(s ConvShape) directFunc {
	if s.StrideH != 1 || s.StrideW != 1 || convDirectMode == 2 {
		return nil
	}
	if convDirectMode == 1 {
		return directFor(1)
	}
	if directFits(s.K, s.C*s.R*s.S, s.OutW()) {
		return directFor(0)
	}
	return nil
}

// useDirectData: backward-data as a direct conv of dy (stride 1, padding at
// most the filter size minus one).
func useDirectData(s ConvShape) directFunc {
	if s.StrideH != 1 || s.StrideW != 1 || s.PadH > s.R-1 || s.PadW > s.S-1 || convDirectMode == 2 {
		return nil
	}
	if convDirectMode == 1 {
		return directFor(1)
	}
	if directFits(s.C, s.K*s.R*s.S, s.W) || directFitsFew(s.C, s.K*s.R*s.S, s.W) {
		return directFor(0)
	}
	return nil
}

// convDirect16Go is the pure-Go twin of ConvDirect16AVX512.
func convDirect16Go(out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, n, kn int, bias *float32) {
	b := unsafe.Slice(bias, 16)
	ws := unsafe.Slice(w, taps*16)
	os := unsafe.Slice(offs, taps)
	for kk := 0; kk < kn; kk++ {
		o := unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(out), kk*ldo*4)), n)
		for p := 0; p < n; p++ {
			acc := b[kk]
			for t := 0; t < taps; t++ {
				x := *(*float32)(unsafe.Add(unsafe.Pointer(in), (int(os[t])+p)*4))
				acc = float32(math.FMA(float64(x), float64(ws[t*16+kk]), float64(acc)))
			}
			o[p] = acc
		}
	}
}

// directJob runs the direct convolution of src (n images, cin planes of
// hin x win) into out (kout planes of oh x ow each), split into parts of
// whole images; part g pads into pads[g].
type directJob struct {
	kern           directFunc
	n, parts       int
	cin, hin, win  int
	pt, pl, hp, wp int // padding above / left of the source in the padded planes, their size
	src            []float32
	kout, oh, ow   int
	offs           []int32   // per tap: offset in the padded image
	wt             []float32 // ceil(kout/16) blocks x taps x 16
	bias           []float32 // ceil(kout/16)*16
	out            []float32
	pads           [][]float32
	flat           flatState // flat tiles (conv_direct_flat.go) when flat.on
	m              mState    // masked tiles (conv_direct_mask.go) when m.on
}

func (j *directJob) runRange(lo, hi int) {
	taps := len(j.offs)
	plane := j.hp * j.wp
	ohw := j.oh * j.ow
	for g := lo; g < hi; g++ {
		if j.m.on {
			j.maskedRun(g)
			continue
		}
		if j.flat.on {
			j.flatRun(g)
			continue
		}
		xp := j.pads[g]
		for n := g * j.n / j.parts; n < (g+1)*j.n/j.parts; n++ {
			src := j.src[n*j.cin*j.hin*j.win : (n+1)*j.cin*j.hin*j.win]
			clear(xp)
			for c := 0; c < j.cin; c++ {
				for i := 0; i < j.hin; i++ {
					copy(xp[c*plane+(i+j.pt)*j.wp+j.pl:], src[(c*j.hin+i)*j.win:(c*j.hin+i+1)*j.win])
				}
			}
			on := j.out[n*j.kout*ohw : (n+1)*j.kout*ohw]
			for kb := 0; kb*16 < j.kout; kb++ {
				kn := min(16, j.kout-kb*16)
				wk, bk := &j.wt[kb*taps*16], &j.bias[kb*16]
				for i := 0; i < j.oh; i++ {
					for j0 := 0; j0 < j.ow; j0 += 16 {
						nn := min(16, j.ow-j0)
						_ = on[(kb*16+kn-1)*ohw+i*j.ow+j0+nn-1]
						j.kern(&on[kb*16*ohw+i*j.ow+j0], ohw, &xp[i*j.wp+j0], &j.offs[0], taps, wk, nn, kn, bk)
					}
				}
			}
		}
	}
}

// direct runs j (its weights, offsets and bias already set) over the batch.
func (ws *convWork) direct(j *directJob) {
	parts := max(1, min(ws.threads(), j.n))
	j.parts = parts
	if j.flat.on {
		ws.flatBuffers(j, parts)
	} else {
		size := j.cin*j.hp*j.wp + 16 // slack: masked loads never need it, but keep it cheap to reason about
		for len(ws.pads) < parts {
			ws.pads = append(ws.pads, nil)
		}
		for g := 0; g < parts; g++ {
			ws.pads[g] = growF32(ws.pads[g], size)
		}
	}
	j.pads = ws.pads[:parts]
	ws.run(parts, j.n*j.kout*j.oh*j.ow*len(j.offs), j)
	*j = j.keep()
}

// directFwd is ConvForward by direct convolution.
func (ws *convWork) directFwd(s ConvShape, kern directFunc, x, w, bias, y []float32) {
	if maskedFits(s, s.K) {
		ws.maskedFwd(s, x, w, bias, y)
		return
	}
	crs := s.C * s.R * s.S
	hp, wp := s.H+2*s.PadH, s.W+2*s.PadW
	kb := (s.K + 15) / 16
	ws.offs = growI32(ws.offs, crs)
	for c := 0; c < s.C; c++ {
		for r := 0; r < s.R; r++ {
			for q := 0; q < s.S; q++ {
				ws.offs[(c*s.R+r)*s.S+q] = int32(c*hp*wp + r*wp + q)
			}
		}
	}
	kc, np, fn := 16, 0, flatFunc(nil)
	if convFlatMode != 2 {
		kc, np, fn = flatTile(s.K)
		kb = (s.K + kc - 1) / kc
	}
	ws.wt = growF32(ws.wt, kb*crs*kc)
	ws.bias16 = growF32(ws.bias16, kb*kc)
	clear(ws.wt)
	clear(ws.bias16)
	for k := 0; k < s.K; k++ {
		blk := ws.wt[(k/kc)*crs*kc:]
		for t := 0; t < crs; t++ {
			blk[t*kc+k%kc] = w[k*crs+t]
		}
		if bias != nil {
			ws.bias16[k] = bias[k]
		}
	}
	keep := ws.dj.keep()
	ws.dj = directJob{kern: kern, n: s.N, cin: s.C, hin: s.H, win: s.W, pt: s.PadH, pl: s.PadW, hp: hp, wp: wp,
		src: x, kout: s.K, oh: s.OutH(), ow: s.OutW(), offs: ws.offs[:crs], wt: ws.wt, bias: ws.bias16, out: y,
		flat: keep.flat, m: keep.m}
	if fn != nil {
		ws.dj.flatPrepare(kc, np, fn)
	}
	ws.direct(&ws.dj)
}

// directData is ConvBackwardData as a direct convolution of dy padded by
// R-1-PadH (S-1-PadW) with the flipped, channel-transposed weights.
func (ws *convWork) directData(s ConvShape, kern directFunc, dy, w, dx []float32) {
	if maskedFits(s, s.C) {
		ws.maskedData(s, dy, w, dx)
		return
	}
	oh, ow := s.OutH(), s.OutW()
	rs := s.R * s.S
	taps := s.K * rs
	pt, pl := s.R-1-s.PadH, s.S-1-s.PadW
	hp, wp := oh+2*pt, ow+2*pl
	cb := (s.C + 15) / 16
	ws.offs = growI32(ws.offs, taps)
	for k := 0; k < s.K; k++ {
		for r := 0; r < s.R; r++ {
			for q := 0; q < s.S; q++ {
				ws.offs[(k*s.R+r)*s.S+q] = int32(k*hp*wp + r*wp + q)
			}
		}
	}
	kc, np, fn := 16, 0, flatFunc(nil)
	if convFlatMode != 2 {
		kc, np, fn = flatTile(s.C)
		cb = (s.C + kc - 1) / kc
	}
	ws.wt = growF32(ws.wt, cb*taps*kc)
	ws.bias16 = growF32(ws.bias16, cb*kc)
	clear(ws.wt)
	clear(ws.bias16)
	crs := s.C * rs
	for k := 0; k < s.K; k++ {
		for c := 0; c < s.C; c++ {
			blk := ws.wt[(c/kc)*taps*kc:]
			src := w[k*crs+c*rs : k*crs+(c+1)*rs]
			for r := 0; r < s.R; r++ {
				for q := 0; q < s.S; q++ {
					// tap (k, r, q) of the padded dy meets weight (R-1-r, S-1-q)
					blk[((k*s.R+r)*s.S+q)*kc+c%kc] = src[(s.R-1-r)*s.S+s.S-1-q]
				}
			}
		}
	}
	keep := ws.dj.keep()
	ws.dj = directJob{kern: kern, n: s.N, cin: s.K, hin: oh, win: ow, pt: pt, pl: pl, hp: hp, wp: wp,
		src: dy, kout: s.C, oh: s.H, ow: s.W, offs: ws.offs[:taps], wt: ws.wt, bias: ws.bias16, out: dx,
		flat: keep.flat, m: keep.m}
	if fn != nil {
		ws.dj.flatPrepare(kc, np, fn)
	}
	ws.direct(&ws.dj)
}

// SetConvDirect forces direct convolution on (1) or off (2), or restores the
// automatic per-shape choice (0), returning the previous setting; for A/B
// benchmarks. On (1) uses the Go kernel where the path has no assembly.
func SetConvDirect(mode int) int {
	old := convDirectMode
	convDirectMode = mode
	return old
}

type wgradFunc = func(part, dy *float32, ldy, ldr int, x *float32, rows, ow, wp int)

// useDirectWeight selects the direct weight gradient: stride 1, otherwise as
// directFits (the row-wise kernel, convFlatMode 2, also needs a multiple of
// 16 output channels). Measured with the row-wise kernel (batch 128, one
// core, GFLOP/cpu-s): 3->16x28 41-51 against 29-35 lowered, 16->32x14 80
// against 62 channels-last, detector 16->16x32 48-64 against 30-32; the
// masked tile is 2-3x faster again (conv_direct_mask.go).
func useDirectWeight(s ConvShape) wgradFunc {
	if s.StrideH != 1 || s.StrideW != 1 || convDirectMode == 2 || (convFlatMode == 2 && s.K%16 != 0) {
		return nil
	}
	fn := wgradKernel()
	if fn == nil && convDirectMode == 1 {
		fn = wgradDirect16Go
	}
	if convDirectMode == 1 || directFits(s.K, s.C*s.R*s.S, s.OutW()) {
		return fn
	}
	return nil
}

// wgradDirect16Go is the pure-Go twin of WgradDirect16AVX512.
func wgradDirect16Go(part, dy *float32, ldy, ldr int, x *float32, rows, ow, wp int) {
	if rows <= 0 || ow <= 0 {
		return
	}
	ps := unsafe.Slice(part, 256)
	for kk := 0; kk < 16; kk++ {
		d := unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(dy), kk*ldy*4)), (rows-1)*ldr+ow)
		xs := unsafe.Slice(x, (rows-1)*wp+ow)
		for l := 0; l < 16; l++ {
			acc := ps[kk*16+l]
			for i := 0; i < rows; i++ {
				for j := l; j < ow; j += 16 {
					acc = float32(math.FMA(float64(d[i*ldr+j]), float64(xs[i*wp+j]), float64(acc)))
				}
			}
			ps[kk*16+l] = acc
		}
	}
}

// reduce16 sums 16 lanes in a fixed pairwise order.
func reduce16(v []float32) float32 {
	v = v[:16]
	var h [8]float32
	for i := range h {
		h[i] = v[i] + v[i+8]
	}
	a := (h[0] + h[4]) + (h[2] + h[6])
	b := (h[1] + h[5]) + (h[3] + h[7])
	return a + b
}

// directWeight adds the weight gradient of images [n0, n1) to dw: per image,
// 16-channel block and tap, lane-wise partial sums over the pixels, reduced
// once at the end.
func (ws *convWork) directWeight(s ConvShape, kern wgradFunc, x, dy []float32, n0, n1 int, dw []float32) {
	if maskedWeightFits(s) {
		ws.maskedWeight(s, x, dy, n0, n1, dw)
		return
	}
	if convFlatMode != 2 {
		ws.flatWeight(s, x, dy, n0, n1, dw)
		return
	}
	oh, ow := s.OutH(), s.OutW()
	ohw := oh * ow
	hp, wp := s.H+2*s.PadH, s.W+2*s.PadW
	plane := hp * wp
	crs := s.C * s.R * s.S
	kbs := s.K / 16
	ws.part = growF32(ws.part, kbs*crs*256)
	clear(ws.part)
	if len(ws.pads) == 0 {
		ws.pads = append(ws.pads, nil)
	}
	ws.pads[0] = growF32(ws.pads[0], s.C*plane)
	xp := ws.pads[0]
	chw := s.C * s.H * s.W
	// dy of one 16-channel block, rows padded with zeros to a multiple of
	// 16 floats and 64-byte aligned, so the kernel's loads never split lines
	ldr := (ow + 15) / 16 * 16
	dyp := aligned(&ws.dyPad, 16*oh*ldr)
	clear(dyp)
	for n := n0; n < n1; n++ {
		src := x[n*chw : (n+1)*chw]
		clear(xp)
		for c := 0; c < s.C; c++ {
			for i := 0; i < s.H; i++ {
				copyRun(xp[c*plane+(i+s.PadH)*wp+s.PadW:c*plane+(i+s.PadH)*wp+s.PadW+s.W], src[(c*s.H+i)*s.W:(c*s.H+i+1)*s.W])
			}
		}
		for kb := 0; kb < kbs; kb++ {
			dyk := dy[(n*s.K+kb*16)*ohw : (n*s.K+kb*16+16)*ohw]
			for kk := 0; kk < 16; kk++ {
				for i := 0; i < oh; i++ {
					copyRun(dyp[(kk*oh+i)*ldr:(kk*oh+i)*ldr+ow], dyk[kk*ohw+i*ow:kk*ohw+(i+1)*ow])
				}
			}
			// row blocks whose 16 dy planes fit in 24 KiB stay in L1 across
			// the taps (a whole 28x28 block did not: 52 vs 134 GFLOP/s)
			rb := max(1, 6144/(16*ldr))
			for i0 := 0; i0 < oh; i0 += rb {
				nr := min(rb, oh-i0)
				for c := 0; c < s.C; c++ {
					for r := 0; r < s.R; r++ {
						for q := 0; q < s.S; q++ {
							t := (c*s.R+r)*s.S + q
							o := c*plane + (r+i0)*wp + q
							_ = xp[o+(nr-1)*wp+ow-1]
							kern(&ws.part[(kb*crs+t)*256], &dyp[i0*ldr], oh*ldr, ldr, &xp[o], nr, ow, wp)
						}
					}
				}
			}
		}
	}
	for k := 0; k < s.K; k++ {
		kb, kk := k/16, k%16
		for t := 0; t < crs; t++ {
			dw[k*crs+t] += reduce16(ws.part[(kb*crs+t)*256+kk*16:])
		}
	}
}
