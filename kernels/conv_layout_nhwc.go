package kernels

// Convolutions over channels-last activations. A network that keeps its
// activations N x H x W x C between layers that use the channels-last
// lowering skips the per-layer transposes of the input (before lowering)
// and of the output (after the product, which comes out pixel-major).

// ConvLayout gives the memory order of a convolution's activations: In for
// x and dx, Out for y and dy; false is NCHW, true NHWC (channels-last: each
// image is H x W x C). The shape (ConvShape) and the weights (K x C x R x S)
// are the same in every layout.
type ConvLayout struct{ In, Out bool }

// ConvNHWC is the layout with input and output channels-last.
var ConvNHWC = ConvLayout{In: true, Out: true}

func (l ConvLayout) nchw() bool { return !l.In && !l.Out }

// convWinoMode forces, for tests and A/B runs, the Winograd kernels on (1,
// wherever the shape is 3x3 stride 1 pad 1) or off (2) for the
// channels-last forward and backward-data passes; 0 is WinogradFits.
var convWinoMode = 0

// SetConvWinograd sets convWinoMode and returns the previous setting.
func SetConvWinograd(mode int) int {
	old := convWinoMode
	convWinoMode = mode
	return old
}

// useWino reports whether the forward and backward-data of s (either layout)
// run as Winograd convolutions (WinogradForwardNHWC and
// WinogradBackwardDataNHWC: fewer multiplies, no lowering).
func useWino(s ConvShape) bool {
	switch convWinoMode {
	case 1:
		return winoShape(s)
	case 2:
		return false
	}
	return WinogradFits(s)
}

// ConvSavesRows reports whether ConvForwardSave applies to s in layout l:
// a channels-last layout whose forward lowers the input (not Winograd).
func ConvSavesRows(s ConvShape, l ConvLayout) bool { return !l.nchw() && !useWino(s) }

// winoForward runs the forward as Winograd, converting an NCHW input or
// output through workspace buffers.
func (ws *convWork) winoForward(s ConvShape, l ConvLayout, x, w, bias, y []float32) {
	if !l.In {
		ws.lx = growF32(ws.lx, s.xLen())
		ws.layout(s.N, s.C, s.H*s.W, x, ws.lx, true)
		x = ws.lx
	}
	if l.Out {
		WinogradForwardNHWC(s, x, w, bias, y)
		return
	}
	ws.ly = growF32(ws.ly, s.yLen())
	WinogradForwardNHWC(s, x, w, bias, ws.ly)
	ws.layout(s.N, s.K, s.OutH()*s.OutW(), ws.ly, y, false)
}

// winoData is winoForward for backward-data.
func (ws *convWork) winoData(s ConvShape, l ConvLayout, dy, w, dx []float32) {
	if !l.Out {
		ws.ly = growF32(ws.ly, s.yLen())
		ws.layout(s.N, s.K, s.OutH()*s.OutW(), dy, ws.ly, true)
		dy = ws.ly
	}
	if l.In {
		WinogradBackwardDataNHWC(s, dy, w, dx)
		return
	}
	ws.lx = growF32(ws.lx, s.xLen())
	WinogradBackwardDataNHWC(s, dy, w, ws.lx)
	ws.layout(s.N, s.C, s.H*s.W, ws.lx, dx, false)
}

// ConvForwardLayout is ConvForward with activations in layout l.
func ConvForwardLayout(s ConvShape, l ConvLayout, x, w, bias, y []float32) {
	if l.nchw() {
		ConvForward(s, x, w, bias, y)
		return
	}
	if !fwdArgs("ConvForwardLayout", s, x, w, bias, y) {
		return
	}
	ws := getConvWork()
	if useWino(s) {
		ws.winoForward(s, l, x, w, bias, y)
	} else {
		ws.forwardNHWC(s, l, x, w, bias, y, nil)
	}
	putConvWork(ws)
}

// ConvRowsLen is the number of floats ConvForwardSave keeps: the
// channels-last lowering of the input, one row of C*R*S (+1 with a bias)
// per output pixel.
func ConvRowsLen(s ConvShape, bias bool) int {
	return s.N * s.OutH() * s.OutW() * savedLd(s.C*s.R*s.S+b2iInt(bias))
}

func b2iInt(b bool) int { return int(b2i(b)) }

// ConvForwardSave is ConvForwardLayout for a shape and layout where
// ConvSavesRows holds that also keeps the lowered input in rows
// (ConvRowsLen(s, bias != nil) floats), so that ConvBackwardWeightRows need
// not lower x again.
func ConvForwardSave(s ConvShape, l ConvLayout, x, w, bias, y, rows []float32) {
	const op = "ConvForwardSave"
	if !ConvSavesRows(s, l) {
		panic("kernels: " + op + " on a shape or layout that does not lower its input (see ConvSavesRows)")
	}
	work := fwdArgs(op, s, x, w, bias, y)
	convNeed(op, "rows", len(rows), ConvRowsLen(s, bias != nil))
	if !work {
		return
	}
	ws := getConvWork()
	ws.forwardNHWC(s, l, x, w, bias, y, rows)
	putConvWork(ws)
}

// ConvBackwardWeightRows is ConvBackwardWeightLayout from the rows that
// ConvForwardSave kept for the same shape and layout; bias tells whether
// that forward had a bias (its rows are then one column longer).
func ConvBackwardWeightRows(s ConvShape, l ConvLayout, rows []float32, bias bool, dy, dw, db []float32) {
	if l.nchw() {
		panic("kernels: ConvBackwardWeightRows needs a channels-last input or output")
	}
	convBackwardWeight("ConvBackwardWeightRows", s, l, nil, dy, dw, db, rows, bias)
}

// ConvBackwardDataLayout is ConvBackwardData with activations in layout l.
func ConvBackwardDataLayout(s ConvShape, l ConvLayout, dy, w, dx []float32) {
	if l.nchw() {
		ConvBackwardData(s, dy, w, dx)
		return
	}
	if !dataArgs("ConvBackwardDataLayout", s, dy, w, dx) {
		return
	}
	ws := getConvWork()
	defer putConvWork(ws)
	if useWino(s) {
		ws.winoData(s, l, dy, w, dx)
		return
	}
	if s.StrideH == 1 && s.StrideW == 1 {
		ws.backwardDataNHWC(s, l, dy, w, dx)
		return
	}
	// Strided: the channels-last lowering of dy handles stride 1 only, so
	// convert to NCHW around the channel-major pass (not a hot path).
	dyc := dy
	if l.Out {
		ws.ly = growF32(ws.ly, s.yLen())
		ws.layout(s.N, s.K, s.OutH()*s.OutW(), dy, ws.ly, false)
		dyc = ws.ly
	}
	dxc := dx
	if l.In {
		ws.lx = growF32(ws.lx, s.xLen())
		dxc = ws.lx
	}
	ConvBackwardData(s, dyc, w, dxc)
	if l.In {
		ws.layout(s.N, s.C, s.H*s.W, dxc, dx, true)
	}
}

// ConvBackwardWeightLayout is ConvBackwardWeight with activations in layout
// l (results bit-identical for a given thread count, as there).
func ConvBackwardWeightLayout(s ConvShape, l ConvLayout, x, dy, dw, db []float32) {
	convBackwardWeight("ConvBackwardWeightLayout", s, l, x, dy, dw, db, nil, false)
}

// ConvPerSampleWeightLayout is ConvPerSampleWeight with activations in
// layout l. The per-sample pass is bound by writing its N weight-sized rows;
// converting the activations to NCHW first costs little beside that.
func ConvPerSampleWeightLayout(s ConvShape, l ConvLayout, x, dy, dwPer []float32) {
	if l.nchw() {
		ConvPerSampleWeight(s, x, dy, dwPer)
		return
	}
	const op = "ConvPerSampleWeightLayout"
	s.mustValid(op)
	convNeed(op, "x", len(x), s.xLen())
	convNeed(op, "dy", len(dy), s.yLen())
	ws := getConvWork()
	defer putConvWork(ws)
	if l.In {
		ws.lx = growF32(ws.lx, s.xLen())
		ws.layout(s.N, s.C, s.H*s.W, x, ws.lx, false)
		x = ws.lx
	}
	if l.Out {
		ws.ly = growF32(ws.ly, s.yLen())
		ws.layout(s.N, s.K, s.OutH()*s.OutW(), dy, ws.ly, false)
		dy = ws.ly
	}
	ConvPerSampleWeight(s, x, dy, dwPer)
}

// layout transposes n images between c x hw (NCHW) and hw x c (NHWC):
// toNHWC from src NCHW to dst NHWC, else from src NHWC to dst NCHW.
func (ws *convWork) layout(n, c, hw int, src, dst []float32, toNHWC bool) {
	ws.nj = nhwcJob{c: c, hw: hw, src: src[:n*c*hw], dst: dst[:n*c*hw], back: !toNHWC}
	ws.run(n, n*c*hw, &ws.nj)
	ws.nj = nhwcJob{}
}

// ToNHWC writes the n images of src (C x HW each) channels-last into dst
// (HW x C each).
func ToNHWC(n, c, hw int, src, dst []float32) { transposeImages(n, c, hw, src, dst, true) }

// ToNCHW writes the n channels-last images of src (HW x C each) into dst
// (C x HW each).
func ToNCHW(n, c, hw int, src, dst []float32) { transposeImages(n, c, hw, src, dst, false) }

func transposeImages(n, c, hw int, src, dst []float32, toNHWC bool) {
	convNeed("ToNHWC/ToNCHW", "src", len(src), n*c*hw)
	convNeed("ToNHWC/ToNCHW", "dst", len(dst), n*c*hw)
	if n*c*hw == 0 {
		return
	}
	ws := getConvWork()
	ws.layout(n, c, hw, src, dst, toNHWC)
	putConvWork(ws)
}

// biasNHWC adds to db[k] the sum of channels-last dy (n images of ohw
// pixels x k channels) over its pixels: each image's pixels summed in
// float32 with the vector Add, the images in float64 in order (a fixed
// order whatever the thread count).
func (ws *convWork) biasNHWC(k, n, ohw int, dy, db []float32) {
	ws.bsum = growF32(ws.bsum, k)
	acc := ws.bsum
	ws.bacc = growF64(ws.bacc, k)
	tot := ws.bacc
	clear(tot)
	for img := 0; img < n; img++ {
		base := img * ohw * k
		copy(acc, dy[base:base+k])
		for p := 1; p < ohw; p++ {
			Add(acc, acc, dy[base+p*k:base+(p+1)*k])
		}
		for i, v := range acc {
			tot[i] += float64(v)
		}
	}
	for i, v := range tot {
		db[i] += float32(v)
	}
}
