package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"
)

// nhwcOf and nchwOf are naive test-side transposes (n images, c channels,
// hw pixels), independent of the kernels' blocked transposes.
func nhwcOf(n, c, hw int, x []float32) []float32 {
	out := make([]float32, len(x))
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			for p := 0; p < hw; p++ {
				out[(i*hw+p)*c+ch] = x[(i*c+ch)*hw+p]
			}
		}
	}
	return out
}

func nchwOf(n, c, hw int, x []float32) []float32 {
	out := make([]float32, len(x))
	for i := 0; i < n; i++ {
		for ch := 0; ch < c; ch++ {
			for p := 0; p < hw; p++ {
				out[(i*c+ch)*hw+p] = x[(i*hw+p)*c+ch]
			}
		}
	}
	return out
}

var testLayouts = []ConvLayout{{In: true}, {Out: true}, {In: true, Out: true}}

// TestConvLayouts checks the channels-last entry points against the float64
// references on the awkward shapes, under every chunking/path forcing, for
// the three non-NCHW layouts (strided backward-data goes through the
// conversion fallback).
func TestConvLayouts(t *testing.T) {
	defer SetConvWinograd(SetConvWinograd(0))
	withChunking(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(31, 32))
		for si, s := range awkwardShapes() {
			SetConvWinograd(1 + si%2) // Winograd where the shape allows, or never
			l := testLayouts[si%3]
			name := fmt.Sprintf("%+v %+v", l, s)
			hw, ohw := s.H*s.W, s.OutH()*s.OutW()
			x, w, dy := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen())
			var bias []float32
			if si%2 == 0 {
				bias = convRand(r, s.K)
			}
			xl, dyl := x, dy
			if l.In {
				xl = nhwcOf(s.N, s.C, hw, x)
			}
			if l.Out {
				dyl = nhwcOf(s.N, s.K, ohw, dy)
			}
			back := func(v []float32, c, p int, nhwc bool) []float32 {
				if nhwc {
					return nchwOf(s.N, c, p, v)
				}
				return v
			}

			// Winograd's transforms round more than a plain sum (up to 8x
			// in F(4x4, 3x3)'s output transform): a wider bound there
			wf := 1
			if useWino(s) {
				wf = 8
			}
			want, mag := convFwd64(s, x, w, bias)
			y, buf := convGuarded(s.yLen(), float32(math.NaN()))
			ConvForwardLayout(s, l, xl, w, bias, y)
			convCheckGuards(t, "fwd "+name, buf)
			convClose(t, "fwd "+name, back(y, s.K, ohw, l.Out), want, mag, wf*s.C*s.R*s.S)

			wantDx, magDx := convBwdData64(s, dy, w)
			dx, buf := convGuarded(s.xLen(), float32(math.NaN()))
			ConvBackwardDataLayout(s, l, dyl, w, dx)
			convCheckGuards(t, "bwd_data "+name, buf)
			convClose(t, "bwd_data "+name, back(dx, s.C, hw, l.In), wantDx, magDx, wf*s.K*s.R*s.S)

			per, magPer, db64 := convBwdWeight64(s, x, dy)
			wl := s.WeightLen()
			wantW, magW := make([]float64, wl), make([]float64, wl)
			for i := range wantW {
				wantW[i], magW[i] = 1, 1
				for n := 0; n < s.N; n++ {
					wantW[i] += per[n*wl+i]
					magW[i] += magPer[n*wl+i]
				}
			}
			dw, bufw := convGuarded(wl, 1)
			db, bufb := convGuarded(s.K, -2)
			ConvBackwardWeightLayout(s, l, xl, dyl, dw, db)
			convCheckGuards(t, "dw "+name, bufw)
			convCheckGuards(t, "db "+name, bufb)
			terms := s.N * ohw
			convClose(t, "bwd_weight "+name, dw, wantW, magW, terms)
			for k := range db64 {
				if d := math.Abs(float64(db[k]) - (db64[k] - 2)); d > 1e-5*float64(terms+2) {
					t.Fatalf("%s: db[%d] = %g, want %g", name, k, db[k], db64[k]-2)
				}
			}

			// the same from the forward's saved lowering (bias from its
			// ones column when the forward had one)
			SetConvWinograd(2) // rows are kept only by the lowering
			ConvForwardLayout(s, l, xl, w, bias, y)
			rows, bufr := convGuarded(ConvRowsLen(s, bias != nil), float32(math.NaN()))
			y2 := make([]float32, s.yLen())
			ConvForwardSave(s, l, xl, w, bias, y2, rows)
			convCheckGuards(t, "rows "+name, bufr)
			if !slices.Equal(y2, y) {
				t.Fatalf("%s: ConvForwardSave output differs from ConvForwardLayout", name)
			}
			dw, bufw = convGuarded(wl, 1)
			db, bufb = convGuarded(s.K, -2)
			ConvBackwardWeightRows(s, l, rows, bias != nil, dyl, dw, db)
			convCheckGuards(t, "dw rows "+name, bufw)
			convCheckGuards(t, "db rows "+name, bufb)
			convClose(t, "bwd_weight rows "+name, dw, wantW, magW, terms+1)
			for k := range db64 {
				if d := math.Abs(float64(db[k]) - (db64[k] - 2)); d > 1e-5*float64(terms+2) {
					t.Fatalf("%s rows: db[%d] = %g, want %g", name, k, db[k], db64[k]-2)
				}
			}
			dw2 := make([]float32, wl)
			ConvBackwardWeightRows(s, l, rows, bias != nil, dyl, dw2, nil)
			for i := range wantW {
				wantW[i]--
			}
			convClose(t, "bwd_weight rows nil db "+name, dw2, wantW, magW, terms+1)

			got, bufp := convGuarded(s.N*wl, float32(math.NaN()))
			ConvPerSampleWeightLayout(s, l, xl, dyl, got)
			convCheckGuards(t, "per_sample "+name, bufp)
			convClose(t, "per_sample "+name, got, per, magPer, ohw)
		}
	})
}

// TestConvLayoutsVGG runs the channels-last passes on the VGG's own layer
// shapes (small batch) against the references, and checks that repeated
// calls are bit-identical.
func TestConvLayoutsVGG(t *testing.T) {
	defer SetThreads(Threads())
	mk := func(n, c, k, hw, r, pad int) ConvShape {
		return ConvShape{N: n, C: c, H: hw, W: hw, K: k, R: r, S: r, StrideH: 1, StrideW: 1, PadH: pad, PadW: pad}
	}
	r := rand.New(rand.NewPCG(33, 34))
	defer SetConvWinograd(SetConvWinograd(0))
	for _, th := range []int{1, 2, 3} {
		SetThreads(th)
		SetConvWinograd(th % 2 * 2) // automatic (Winograd on these shapes) at 2 threads, off at 1 and 3
		for _, c := range []struct {
			s ConvShape
			l ConvLayout
		}{
			{mk(5, 32, 128, 7, 3, 1), ConvLayout{Out: true}},
			{mk(5, 128, 128, 7, 3, 1), ConvNHWC},
			{mk(6, 128, 256, 3, 3, 1), ConvNHWC},
			{mk(7, 256, 256, 3, 3, 1), ConvNHWC},
			{mk(7, 256, 2, 3, 1, 0), ConvNHWC},
		} {
			s, l := c.s, c.l
			name := fmt.Sprintf("threads=%d %+v %+v", th, l, s)
			hw, ohw := s.H*s.W, s.OutH()*s.OutW()
			x, w, dy, bias := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen()), convRand(r, s.K)
			xl, dyl := x, nhwcOf(s.N, s.K, ohw, dy)
			if l.In {
				xl = nhwcOf(s.N, s.C, hw, x)
			}
			run := func() (y, dx, dw, db []float32) {
				y, dx = make([]float32, s.yLen()), make([]float32, s.xLen())
				dw, db = make([]float32, s.WeightLen()), make([]float32, s.K)
				if ConvSavesRows(s, l) {
					rows := make([]float32, ConvRowsLen(s, true))
					ConvForwardSave(s, l, xl, w, bias, y, rows)
					ConvBackwardWeightRows(s, l, rows, true, dyl, dw, db)
				} else {
					ConvForwardLayout(s, l, xl, w, bias, y)
					ConvBackwardWeightLayout(s, l, xl, dyl, dw, db)
				}
				ConvBackwardDataLayout(s, l, dyl, w, dx)
				return
			}
			y, dx, dw, db := run()
			wf := 1
			if useWino(s) {
				wf = 8 // see TestConvLayouts
			}
			want, mag := convFwd64(s, x, w, bias)
			convClose(t, "fwd "+name, nchwOf(s.N, s.K, ohw, y), want, mag, wf*s.C*s.R*s.S)
			if l.In {
				dx = nchwOf(s.N, s.C, hw, dx)
			}
			wantDx, magDx := convBwdData64(s, dy, w)
			convClose(t, "bwd_data "+name, dx, wantDx, magDx, wf*s.K*s.R*s.S)
			per, magPer, _ := convBwdWeight64(s, x, dy)
			wl := s.WeightLen()
			wantW, magW := make([]float64, wl), make([]float64, wl)
			for i := range wantW {
				for n := 0; n < s.N; n++ {
					wantW[i] += per[n*wl+i]
					magW[i] += magPer[n*wl+i]
				}
			}
			convClose(t, "bwd_weight "+name, dw, wantW, magW, s.N*ohw)
			y2, dx2, dw2, db2 := run()
			if l.In {
				dx2 = nchwOf(s.N, s.C, hw, dx2)
			}
			for i, pair := range [][2][]float32{{y, y2}, {dx, dx2}, {dw, dw2}, {db, db2}} {
				if !slices.Equal(pair[0], pair[1]) {
					t.Fatalf("%s: output %d differs between two calls", name, i)
				}
			}
		}
	}
}

func TestToNHWCToNCHW(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	for _, d := range [][3]int{{1, 1, 1}, {2, 3, 5}, {3, 32, 49}, {2, 17, 9}, {4, 256, 9}, {1, 40, 784}} {
		n, c, hw := d[0], d[1], d[2]
		x := convRand(r, n*c*hw)
		got := make([]float32, len(x))
		ToNHWC(n, c, hw, x, got)
		if !slices.Equal(got, nhwcOf(n, c, hw, x)) {
			t.Fatalf("ToNHWC %v wrong", d)
		}
		back := make([]float32, len(x))
		ToNCHW(n, c, hw, got, back)
		if !slices.Equal(back, x) {
			t.Fatalf("ToNCHW %v wrong", d)
		}
	}
}

// TestMaxPoolNHWC compares the channels-last pool with the NCHW one (itself
// tested against brute force) on transposed data, ties and NaNs included,
// and the backward passes with the NCHW ones.
func TestMaxPoolNHWC(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	for _, d := range [][4]int{{1, 2, 2, 1}, {2, 7, 7, 5}, {3, 5, 4, 17}, {2, 6, 9, 128}, {1, 3, 3, 2}} {
		n, h, w, c := d[0], d[1], d[2], d[3]
		x := convRand(r, n*c*h*w)
		for i := range x {
			switch r.IntN(10) {
			case 0:
				x[i] = 0.5 // ties
			case 1:
				x[i] = 0
			}
		}
		if len(x) > 20 {
			x[7] = float32(math.NaN())
		}
		oh, ow := h/2, w/2
		yc, ac := make([]float32, n*c*oh*ow), make([]int32, n*c*oh*ow)
		MaxPool2x2(n*c, h, w, x, yc, ac)
		xl := nhwcOf(n, c, h*w, x)
		yl, al := make([]float32, len(yc)), make([]int32, len(yc))
		MaxPool2x2NHWC(n, h, w, c, xl, yl, al)
		got := nchwOf(n, c, oh*ow, yl)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(yc[i]) {
				t.Fatalf("%v: pooled %d = %g, want %g", d, i, got[i], yc[i])
			}
		}
		// winners: the NHWC index must point at the NCHW winner
		for img := 0; img < n; img++ {
			for ch := 0; ch < c; ch++ {
				for o := 0; o < oh*ow; o++ {
					pc := ac[(img*c+ch)*oh*ow+o] // in-plane pixel
					pl := al[(img*oh*ow+o)*c+ch]
					if int(pl) != int(pc)*c+ch {
						t.Fatalf("%v: winner of image %d channel %d output %d: %d, want %d", d, img, ch, o, pl, int(pc)*c+ch)
					}
				}
			}
		}
		dy := convRand(r, len(yc))
		dxc := make([]float32, len(x))
		MaxPool2x2Backward(n*c, h, w, dy, ac, dxc)
		dxl := convRand(r, len(x)) // garbage: overwritten
		MaxPool2x2NHWCBackward(n, h, w, c, nhwcOf(n, c, oh*ow, dy), al, dxl)
		if !slices.Equal(nchwOf(n, c, h*w, dxl), dxc) {
			t.Fatalf("%v: pool backward differs", d)
		}
		MaxPool2x2ReluBackward(n*c, h, w, dy, yc, ac, dxc)
		for i := range dxl {
			dxl[i] = float32(math.NaN()) // every element must be written
		}
		MaxPool2x2NHWCReluBackward(n, h, w, c, nhwcOf(n, c, oh*ow, dy), yl, al, dxl)
		if !slices.Equal(nchwOf(n, c, h*w, dxl), dxc) {
			t.Fatalf("%v: pool+relu backward differs", d)
		}
	}
}

// TestSpatialMeanNHWC against a float64 mean per channel.
func TestSpatialMeanNHWC(t *testing.T) {
	r := rand.New(rand.NewPCG(39, 40))
	for _, d := range [][3]int{{1, 1, 1}, {2, 9, 256}, {3, 49, 7}, {2, 4, 600}} {
		n, hw, c := d[0], d[1], d[2]
		x := convRand(r, n*hw*c)
		got := make([]float32, n*c)
		SpatialMeanNHWC(got, x, n, hw, c)
		for img := 0; img < n; img++ {
			for ch := 0; ch < c; ch++ {
				var s float64
				for p := 0; p < hw; p++ {
					s += float64(x[(img*hw+p)*c+ch])
				}
				want := s / float64(hw)
				if math.Abs(float64(got[img*c+ch])-want) > 1e-6*(1+math.Abs(want)) {
					t.Fatalf("%v: mean[%d][%d] = %g, want %g", d, img, ch, got[img*c+ch], want)
				}
			}
		}
		dy := convRand(r, n*c)
		dx := make([]float32, len(x))
		SpatialMeanNHWCBackward(dx, dy, n, hw, c)
		for img := 0; img < n; img++ {
			for p := 0; p < hw; p++ {
				for ch := 0; ch < c; ch++ {
					want := float64(dy[img*c+ch]) / float64(hw)
					if math.Abs(float64(dx[(img*hw+p)*c+ch])-want) > 1e-6*math.Abs(want) {
						t.Fatalf("%v: mean backward wrong", d)
					}
				}
			}
		}
	}
}

// BenchmarkConvLayouts times forward + backward-data + weight/bias gradient
// of the VGG's channels-last layers at batch 32 with NCHW activations and
// with channels-last ones (Winograd or saved rows), alternating the two call by call
// and reporting each one's fastest and median pass (wall us), which a
// shared machine's load distorts much less than separate runs.
func BenchmarkConvLayouts(b *testing.B) {
	mk := func(c, k, hw, r, pad int) ConvShape {
		return ConvShape{N: 32, C: c, H: hw, W: hw, K: k, R: r, S: r, StrideH: 1, StrideW: 1, PadH: pad, PadW: pad}
	}
	rng := rand.New(rand.NewPCG(51, 52))
	for _, c := range []struct {
		s  ConvShape
		in bool
	}{{mk(32, 128, 7, 3, 1), false}, {mk(128, 128, 7, 3, 1), true}, {mk(128, 256, 3, 3, 1), true}, {mk(256, 256, 3, 3, 1), true}, {mk(256, 2, 3, 1, 0), true}} {
		s := c.s
		x, w, dy, bias := convRand(rng, s.xLen()), convRand(rng, s.WeightLen()), convRand(rng, s.yLen()), convRand(rng, s.K)
		y, dx, dw, db := make([]float32, s.yLen()), make([]float32, s.xLen()), make([]float32, s.WeightLen()), make([]float32, s.K)
		rows := make([]float32, ConvRowsLen(s, true))
		b.Run(fmt.Sprintf("C=%d/K=%d/hw=%d", s.C, s.K, s.H), func(b *testing.B) {
			var ts [2][]float64
			for i := 0; i < b.N; i++ {
				for v := 0; v < 2; v++ {
					t0 := time.Now()
					if v == 0 {
						ConvForward(s, x, w, bias, y)
						ConvBackwardData(s, dy, w, dx)
						ConvBackwardWeight(s, x, dy, dw, db)
					} else {
						l := ConvLayout{In: c.in, Out: true}
						if ConvSavesRows(s, l) {
							ConvForwardSave(s, l, x, w, bias, y, rows)
							ConvBackwardDataLayout(s, l, dy, w, dx)
							ConvBackwardWeightRows(s, l, rows, true, dy, dw, db)
						} else {
							ConvForwardLayout(s, l, x, w, bias, y)
							ConvBackwardDataLayout(s, l, dy, w, dx)
							ConvBackwardWeightLayout(s, l, x, dy, dw, db)
						}
					}
					ts[v] = append(ts[v], float64(time.Since(t0).Nanoseconds())/1e3)
				}
			}
			for v, name := range []string{"nchw", "nhwc"} {
				slices.Sort(ts[v])
				b.ReportMetric(ts[v][0], name+"-min-us")
				b.ReportMetric(ts[v][len(ts[v])/2], name+"-med-us")
			}
		})
	}
}

// procCPU is the process's user+system CPU time (steadier than wall time on
// a shared machine).
func procCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
