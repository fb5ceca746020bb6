package kernels

// im2col and col2im for a chunk of nb images. The column matrix has one row
// per weight position (c, r, q) — C*R*S rows — and one column per output
// pixel of each image in the chunk — nb*OH*OW columns, image-major — so that
// W (K x CRS) times it gives the chunk's outputs as K x (nb*OH*OW).

// validCols returns the range [j0, j1) of output columns j whose input column
// j*stride - pad + q lies inside [0, w).
func validCols(ow, w, stride, pad, q int) (j0, j1 int) {
	if d := pad - q; d > 0 {
		j0 = (d + stride - 1) / stride
	}
	if num := w - 1 + pad - q; num >= 0 {
		j1 = num/stride + 1
	}
	j0 = min(j0, ow)
	j1 = min(j1, ow)
	return j0, max(j0, j1)
}

type im2colJob struct {
	s      ConvShape
	oh, ow int
	nb     int
	x      []float32  // nb images, C x H x W each
	col    []float32  // C*R*S x nb*oh*ow
	tab    *gatherTab // small planes: grouped by tap; nil for the row-copy path
}

// smallPlane selects the gather-table path: for narrow outputs the per-row
// copy/clear calls of the general path cost more than the data they move.
func smallPlane(ow int) bool { return ow < convSmallOW }

// convSmallOW is a variable so tests can run both paths on any shape.
var convSmallOW = 16

// gatherTab maps, for each group (a filter tap for im2col, an output pixel
// for im2row) and each of its m members, to the in-plane input offset read.
// Padding entries point at offset 0 and are listed separately, so the copy
// loops run without branches and then zero the (few) padding entries.
type gatherTab struct {
	src           []int32 // groups x m offsets, 0 for padding
	pad, padOff   []int32 // members in padding, group g at pad[padOff[g]:padOff[g+1]]
	valid, valOff []int32 // members inside the input, likewise

	built   bool // memo: the table is for key (N ignored) and byPixel
	key     ConvShape
	byPixel bool
}

// build fills the table for shape s; byPixel selects im2row grouping
// (group = output pixel, members = taps) over im2col's (group = tap,
// members = output pixels).
func (g *gatherTab) build(s ConvShape, byPixel bool) {
	key := s
	key.N = 0
	if g.built && g.key == key && g.byPixel == byPixel {
		return
	}
	g.built, g.key, g.byPixel = true, key, byPixel
	oh, ow := s.OutH(), s.OutW()
	ohw, rs := oh*ow, s.R*s.S
	groups, m := rs, ohw
	if byPixel {
		groups, m = ohw, rs
	}
	g.src = growI32(g.src, groups*m)
	g.padOff = growI32(g.padOff, groups+1)
	g.valOff = growI32(g.valOff, groups+1)
	g.pad, g.valid = g.pad[:0], g.valid[:0]
	for grp := 0; grp < groups; grp++ {
		g.padOff[grp], g.valOff[grp] = int32(len(g.pad)), int32(len(g.valid))
		for t := 0; t < m; t++ {
			pix, tap := t, grp
			if byPixel {
				pix, tap = grp, t
			}
			i, j := pix/ow, pix%ow
			r, q := tap/s.S, tap%s.S
			hi, wi := i*s.StrideH-s.PadH+r, j*s.StrideW-s.PadW+q
			if hi < 0 || hi >= s.H || wi < 0 || wi >= s.W {
				g.src[grp*m+t] = 0
				g.pad = append(g.pad, int32(t))
			} else {
				g.src[grp*m+t] = int32(hi*s.W + wi)
				g.valid = append(g.valid, int32(t))
			}
		}
	}
	g.padOff[groups], g.valOff[groups] = int32(len(g.pad)), int32(len(g.valid))
}

func growI32(b []int32, n int) []int32 {
	if cap(b) < n {
		return make([]int32, n)
	}
	return b[:n]
}

// gatherRow copies xp[src[t]] into d[t] and zeroes the padding members.
func gatherRow(d, xp []float32, src, pads []int32) {
	d = d[:len(src)]
	if len(xp) == 0 { // empty input plane: everything is padding
		clear(d)
		return
	}
	for t, o := range src {
		d[t] = xp[o]
	}
	for _, t := range pads {
		d[t] = 0
	}
}

// runRange fills rows [lo, hi) of the column matrix.
func (j *im2colJob) runRange(lo, hi int) {
	s := j.s
	oh, ow := j.oh, j.ow
	ohw := oh * ow
	cols := j.nb * ohw
	hw := s.H * s.W
	chw := s.C * hw
	if tab := j.tab; tab != nil {
		rs := s.R * s.S
		for row := lo; row < hi; row++ {
			c, tap := row/rs, row%rs
			src := tab.src[tap*ohw : (tap+1)*ohw]
			pads := tab.pad[tab.padOff[tap]:tab.padOff[tap+1]]
			dst := j.col[row*cols : (row+1)*cols]
			for n := 0; n < j.nb; n++ {
				gatherRow(dst[n*ohw:(n+1)*ohw], j.x[n*chw+c*hw:n*chw+(c+1)*hw], src, pads)
			}
		}
		return
	}
	for row := lo; row < hi; row++ {
		q := row % s.S
		r := (row / s.S) % s.R
		c := row / (s.R * s.S)
		j0, j1 := validCols(ow, s.W, s.StrideW, s.PadW, q)
		dst := j.col[row*cols : (row+1)*cols]
		for n := 0; n < j.nb; n++ {
			xp := j.x[n*chw+c*hw : n*chw+(c+1)*hw]
			d := dst[n*ohw : (n+1)*ohw]
			for i := 0; i < oh; i++ {
				drow := d[i*ow : (i+1)*ow]
				hi := i*s.StrideH - s.PadH + r
				if hi < 0 || hi >= s.H || j0 == j1 {
					clear(drow)
					continue
				}
				clear(drow[:j0])
				clear(drow[j1:])
				src := xp[hi*s.W : (hi+1)*s.W]
				base := j0*s.StrideW - s.PadW + q
				if s.StrideW == 1 {
					copy(drow[j0:j1], src[base:base+j1-j0])
				} else {
					out := drow[j0:j1]
					for t := range out {
						out[t] = src[base+t*s.StrideW]
					}
				}
			}
		}
	}
}

type col2imJob struct {
	s      ConvShape
	oh, ow int
	nb     int
	col    []float32  // C*R*S x nb*oh*ow
	dx     []float32  // nb images, overwritten
	tab    *gatherTab // as im2colJob.tab
	unit   bool       // stride 1 with a vector addRows: row blocks, no table
}

// addRows sets dst[i*ldd+j] += src[i*lds+j] for i < rows, j < n.
func addRows(dst []float32, ldd int, src []float32, lds, rows, n int) {
	if rows <= 0 || n <= 0 {
		return
	}
	_ = dst[(rows-1)*ldd+n-1]
	_ = src[(rows-1)*lds+n-1]
	if fn := addRowsFn(); fn != nil {
		fn(&dst[0], &src[0], rows, n, ldd, lds)
		return
	}
	addRowsGo(dst, ldd, src, lds, rows, n)
}

// addRowsGo is addRows in pure Go, the twin of the assembly.
func addRowsGo(dst []float32, ldd int, src []float32, lds, rows, n int) {
	for i := 0; i < rows; i++ {
		d := dst[i*ldd : i*ldd+n]
		for j, v := range src[i*lds : i*lds+n] {
			d[j] += v
		}
	}
}

// runRange overwrites input planes [lo, hi) (unit = channel*nb + image) with
// the sum of their column-matrix entries, always in (r, q, i, j) order so the
// result does not depend on how planes are split over threads.
func (j *col2imJob) runRange(lo, hi int) {
	s := j.s
	oh, ow := j.oh, j.ow
	ohw := oh * ow
	cols := j.nb * ohw
	hw := s.H * s.W
	for p := lo; p < hi; p++ {
		// channel-major order: consecutive planes read consecutive
		// segments of the same column-matrix rows
		c, n := p/j.nb, p%j.nb
		dxp := j.dx[(n*s.C+c)*hw : (n*s.C+c+1)*hw]
		clear(dxp)
		if j.unit {
			// stride 1: each tap adds a shifted block of rows, in the
			// same (r, q, i, j) order as the loops below
			for r := 0; r < s.R; r++ {
				i0, i1 := max(0, s.PadH-r), min(oh, s.H+s.PadH-r)
				if i1 <= i0 {
					continue
				}
				for q := 0; q < s.S; q++ {
					j0, j1 := validCols(ow, s.W, 1, s.PadW, q)
					if j0 == j1 {
						continue
					}
					row := (c*s.R+r)*s.S + q
					src := j.col[row*cols+n*ohw : row*cols+(n+1)*ohw]
					addRows(dxp[(i0-s.PadH+r)*s.W+j0-s.PadW+q:], s.W, src[i0*ow+j0:], ow, i1-i0, j1-j0)
				}
			}
			continue
		}
		if tab := j.tab; tab != nil {
			rs := s.R * s.S
			for tap := 0; tap < rs; tap++ {
				row := c*rs + tap
				col := j.col[row*cols+n*ohw : row*cols+(n+1)*ohw]
				src := tab.src[tap*ohw : (tap+1)*ohw]
				for _, t := range tab.valid[tab.valOff[tap]:tab.valOff[tap+1]] {
					dxp[src[t]] += col[t]
				}
			}
			continue
		}
		for r := 0; r < s.R; r++ {
			for q := 0; q < s.S; q++ {
				row := (c*s.R+r)*s.S + q
				src := j.col[row*cols+n*ohw : row*cols+(n+1)*ohw]
				j0, j1 := validCols(ow, s.W, s.StrideW, s.PadW, q)
				if j0 == j1 {
					continue
				}
				for i := 0; i < oh; i++ {
					hi := i*s.StrideH - s.PadH + r
					if hi < 0 || hi >= s.H {
						continue
					}
					srow := src[i*ow+j0 : i*ow+j1]
					drow := dxp[hi*s.W : (hi+1)*s.W]
					base := j0*s.StrideW - s.PadW + q
					if s.StrideW == 1 {
						d := drow[base : base+len(srow)]
						for t, v := range srow {
							d[t] += v
						}
					} else {
						for t, v := range srow {
							drow[base+t*s.StrideW] += v
						}
					}
				}
			}
		}
	}
}

// layoutJob moves data between NCHW outputs (nb images of K x ohw) and the
// GEMM layout K x (nb*ohw). toNCHW also adds the bias when it is non-nil.
type layoutJob struct {
	k, nb, ohw int
	mat        []float32 // K x nb*ohw
	nchw       []float32 // nb x K x ohw
	bias       []float32
	toNCHW     bool
}

// runRange handles units [lo, hi), unit u = image*K + channel.
func (j *layoutJob) runRange(lo, hi int) {
	cols := j.nb * j.ohw
	for u := lo; u < hi; u++ {
		n, k := u/j.k, u%j.k
		m := j.mat[k*cols+n*j.ohw : k*cols+(n+1)*j.ohw]
		t := j.nchw[u*j.ohw : (u+1)*j.ohw]
		if !j.toNCHW {
			copy(m, t)
			continue
		}
		if j.bias == nil {
			copy(t, m)
			continue
		}
		b := j.bias[k]
		for i, v := range m {
			t[i] = v + b
		}
	}
}

// im2row is the transpose of im2col: one row per output pixel of each image
// (nb*oh*ow rows, image-major) holding its C*R*S inputs. It feeds the weight
// gradients, dW (K x CRS) = dY (K x pixels) * rows, as a non-transposed GEMM
// operand: packing a transposed column matrix is a strided gather.

type im2rowJob struct {
	s    ConvShape
	ohw  int
	x    []float32  // images, C x H x W each
	rows []float32  // nb*ohw x C*R*S
	tab  *gatherTab // grouped by pixel
}

// runRange fills rows [lo, hi).
func (j *im2rowJob) runRange(lo, hi int) {
	s := j.s
	hw := s.H * s.W
	chw := s.C * hw
	rs := s.R * s.S
	crs := s.C * rs
	for u := lo; u < hi; u++ {
		n, p := u/j.ohw, u%j.ohw
		xn := j.x[n*chw : (n+1)*chw]
		src := j.tab.src[p*rs : (p+1)*rs]
		pads := j.tab.pad[j.tab.padOff[p]:j.tab.padOff[p+1]]
		dst := j.rows[u*crs : (u+1)*crs]
		for c := 0; c < s.C; c++ {
			gatherRow(dst[c*rs:(c+1)*rs], xn[c*hw:(c+1)*hw], src, pads)
		}
	}
}
