package kernels

import (
	"math"
	"unsafe"
)

// Flat direct convolution. Each image is copied into zero-padded planes of
// width wp; output pixel (i, j) is then flat position p = i*wp + j, and tap
// (c, r, q) reads position p + c*plane + r*wp + q for every p alike. A
// kernel call computes a register tile of kc channels x np consecutive flat
// positions (the wp-ow columns past each row's end are computed and
// dropped: 28 of 30 lanes used at 28x28 against 28 of 32 for row-wise
// 16-pixel vectors), into a small buffer copied out row by row. Tiles: 8
// channels x 48 positions (3 input vectors, 8 weight broadcasts per tap)
// for 4+ channels; 3 x 128 for 1-3 channels (backward-data into RGB), where
// one broadcast per channel serves 8 input vectors.

type (
	flatFunc      = func(out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, bias *float32)
	flatWgradFunc = func(part, dy *float32, ldy int, x *float32, offs *int32, nv, nimg, dyImg, xImg int)
	copyRowsFunc  = func(dst, src *float32, rows, n, ldd, lds int)
)

// convFlatMode picks the direct kernels for A/B runs and tests: 0 masked
// tiles where they apply (conv_direct_mask.go), else flat ones (default); 1
// flat tiles only; 2 the older row-wise 16-channel kernels where they apply;
// 3 (tests) masked tiles wherever the geometry allows.
var convFlatMode = 0

// flatTile returns the tile (channels, positions per call) for kout output
// channels and its kernel: the assembly, or the Go twin when forced.
func flatTile(kout int) (kc, np int, fn flatFunc) {
	k83, k38, _, _ := flatKernels()
	if kout <= 3 {
		if k38 == nil {
			k38 = flatConv3x8Go
		}
		return 3, 128, k38
	}
	if k83 == nil {
		k83 = flatConv8x3Go
	}
	return 8, 48, k83
}

// flatCopy is the path's row copy or its Go twin.
func flatCopy() copyRowsFunc {
	if _, _, _, cp := flatKernels(); cp != nil {
		return cp
	}
	return copyRowsGo
}

// flatConvGo is the pure-Go twin of the flat tiles: out[kk*ldo+p] =
// bias[kk] + sum over t < taps (in order) of w[t*kc+kk]*in[offs[t]+p].
func flatConvGo(kc, np int, out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, bias *float32) {
	b := unsafe.Slice(bias, kc)
	ws := unsafe.Slice(w, taps*kc)
	os := unsafe.Slice(offs, taps)
	var acc [128]float32
	for kk := 0; kk < kc; kk++ {
		a := acc[:np]
		for p := range a {
			a[p] = b[kk]
		}
		for t := 0; t < taps; t++ {
			wv := float64(ws[t*kc+kk])
			src := unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(in), int(os[t])*4)), np)
			for p := range a {
				a[p] = float32(math.FMA(float64(src[p]), wv, float64(a[p])))
			}
		}
		copy(unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(out), kk*ldo*4)), np), a)
	}
}

// flatConv8x3Go is the pure-Go twin of FlatConv8x3AVX512.
func flatConv8x3Go(out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, bias *float32) {
	flatConvGo(8, 48, out, ldo, in, offs, taps, w, bias)
}

// flatConv3x8Go is the pure-Go twin of FlatConv3x8AVX512.
func flatConv3x8Go(out *float32, ldo int, in *float32, offs *int32, taps int, w *float32, bias *float32) {
	flatConvGo(3, 128, out, ldo, in, offs, taps, w, bias)
}

// flatWgrad8x3Go is the pure-Go twin of FlatWgrad8x3AVX512.
func flatWgrad8x3Go(part, dy *float32, ldy int, x *float32, offs *int32, nv, nimg, dyImg, xImg int) {
	ps := unsafe.Slice(part, 384)
	os := unsafe.Slice(offs, 3)
	for m := 0; m < nimg; m++ {
		for v := 0; v < nv; v++ {
			for kk := 0; kk < 8; kk++ {
				d := unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(dy), ((m*dyImg)+kk*ldy+v*16)*4)), 16)
				for tt := 0; tt < 3; tt++ {
					xs := unsafe.Slice((*float32)(unsafe.Add(unsafe.Pointer(x), (m*xImg+int(os[tt])+v*16)*4)), 16)
					a := ps[(kk*3+tt)*16 : (kk*3+tt)*16+16]
					for l := range a {
						a[l] = float32(math.FMA(float64(xs[l]), float64(d[l]), float64(a[l])))
					}
				}
			}
		}
	}
}

// copyRowsGo is the pure-Go twin of CopyRowsAVX512.
func copyRowsGo(dst, src *float32, rows, n, ldd, lds int) {
	if rows <= 0 || n <= 0 {
		return
	}
	d := unsafe.Slice(dst, (rows-1)*ldd+n)
	s := unsafe.Slice(src, (rows-1)*lds+n)
	for i := 0; i < rows; i++ {
		copy(d[i*ldd:i*ldd+n], s[i*lds:i*lds+n])
	}
}

// flatState is the flat pass's part of the direct job: the per-call
// geometry and the per-part buffers (kept across calls).
type flatState struct {
	on     bool
	kern   flatFunc
	cp     copyRowsFunc
	kc, np int
	lr     int // flat positions per image rounded up to np: the tile buffer's row stride
	xsize  int // floats of one padded image incl. the tiles' overread
	tmps   [][]float32
}

// flatPrepare sets up j (whose geometry, offsets and source are set) for the
// flat kernels: the weights wt must be laid out by flatWeights.
func (j *directJob) flatPrepare(kc, np int, kern flatFunc) {
	f := &j.flat
	f.on, f.kern, f.cp, f.kc, f.np = true, kern, flatCopy(), kc, np
	l := j.oh * j.wp
	f.lr = (l + np - 1) / np * np
	maxOff := 0
	for _, o := range j.offs {
		maxOff = max(maxOff, int(o))
	}
	f.xsize = max(j.cin*j.hp*j.wp, maxOff+f.lr)
}

// flatRun handles images of part g with the flat tiles.
func (j *directJob) flatRun(g int) {
	f := &j.flat
	taps := len(j.offs)
	plane := j.hp * j.wp
	ohw := j.oh * j.ow
	xp := j.pads[g][:f.xsize]
	tmp := f.tmps[g][:f.kc*f.lr]
	clear(xp) // the borders stay zero: only the interiors are rewritten
	hw := j.hin * j.win
	for n := g * j.n / j.parts; n < (g+1)*j.n/j.parts; n++ {
		src := j.src[n*j.cin*hw : (n+1)*j.cin*hw]
		if j.hin > 0 && j.win > 0 {
			for c := 0; c < j.cin; c++ {
				_ = xp[c*plane+(j.pt+j.hin-1)*j.wp+j.pl+j.win-1]
				f.cp(&xp[c*plane+j.pt*j.wp+j.pl], &src[c*hw], j.hin, j.win, j.wp, j.win)
			}
		}
		on := j.out[n*j.kout*ohw : (n+1)*j.kout*ohw]
		for kb := 0; kb*f.kc < j.kout; kb++ {
			wk, bk := &j.wt[kb*taps*f.kc], &j.bias[kb*f.kc]
			for p := 0; p < f.lr; p += f.np {
				f.kern(&tmp[p], f.lr, &xp[p], &j.offs[0], taps, wk, bk)
			}
			for kk := 0; kk < f.kc && kb*f.kc+kk < j.kout; kk++ {
				o := (kb*f.kc + kk) * ohw
				_ = on[o+ohw-1]
				f.cp(&on[o], &tmp[kk*f.lr], j.oh, j.ow, j.ow, j.wp)
			}
		}
	}
}

// flatBuffers sizes the per-part buffers of j for parts parts.
func (ws *convWork) flatBuffers(j *directJob, parts int) {
	f := &j.flat
	for len(ws.pads) < parts {
		ws.pads = append(ws.pads, nil)
	}
	for len(f.tmps) < parts {
		f.tmps = append(f.tmps, nil)
	}
	for g := 0; g < parts; g++ {
		ws.pads[g] = growF32(ws.pads[g], f.xsize)
		f.tmps[g] = growF32(f.tmps[g], f.kc*f.lr)
	}
}

// flatWeight adds the weight gradient of images [n0, n1) to dw with the
// flat tile: dy is copied into zero-padded flat rows of width wp (the
// columns past ow stay zero, so they add nothing), and each call sums 8
// channels x 3 taps lane-wise over whole images; lanes are reduced at the
// end.
func (ws *convWork) flatWeight(s ConvShape, x, dy []float32, n0, n1 int, dw []float32) {
	_, _, kern, _ := flatKernels()
	if kern == nil {
		kern = flatWgrad8x3Go
	}
	cp := flatCopy()
	oh, ow := s.OutH(), s.OutW()
	ohw := oh * ow
	hp, wp := s.H+2*s.PadH, s.W+2*s.PadW
	plane := hp * wp
	crs := s.C * s.R * s.S
	tg := (crs + 2) / 3
	kbs := (s.K + 7) / 8
	nv := (oh*wp + 15) / 16
	ldy := nv * 16
	ws.offs = growI32(ws.offs, tg*3)
	maxOff := 0
	for c := 0; c < s.C; c++ {
		for r := 0; r < s.R; r++ {
			for q := 0; q < s.S; q++ {
				o := c*plane + r*wp + q
				ws.offs[(c*s.R+r)*s.S+q] = int32(o)
				maxOff = max(maxOff, o)
			}
		}
	}
	for t := crs; t < tg*3; t++ {
		ws.offs[t] = 0 // padding taps: computed, never read back
	}
	ximg := max(s.C*plane, maxOff+ldy)
	ws.part = growF32(ws.part, kbs*tg*384)
	clear(ws.part)
	if len(ws.pads) == 0 {
		ws.pads = append(ws.pads, nil)
	}
	xp := growF32(ws.pads[0], ximg)
	ws.pads[0] = xp
	clear(xp)
	dyf := aligned(&ws.dyPad, kbs*8*ldy)
	clear(dyf)
	chw := s.C * s.H * s.W
	for n := n0; n < n1; n++ {
		if s.H > 0 && s.W > 0 {
			for c := 0; c < s.C; c++ {
				_ = xp[c*plane+(s.PadH+s.H-1)*wp+s.PadW+s.W-1]
				cp(&xp[c*plane+s.PadH*wp+s.PadW], &x[n*chw+c*s.H*s.W], s.H, s.W, wp, s.W)
			}
		}
		for k := 0; k < s.K; k++ {
			_ = dyf[k*ldy+(oh-1)*wp+ow-1]
			cp(&dyf[k*ldy], &dy[(n*s.K+k)*ohw], oh, ow, wp, ow)
		}
		for kb := 0; kb < kbs; kb++ {
			for g := 0; g < tg; g++ {
				kern(&ws.part[(kb*tg+g)*384], &dyf[kb*8*ldy], ldy, &xp[0], &ws.offs[g*3], nv, 1, 0, 0)
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
