package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"time"
)

// flatTol: the Go twins compute each FMA in float64 and round to float32,
// which can differ from the hardware's single rounding in rare
// double-rounding cases; anything beyond that is a bug.
func flatTol(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range got {
		if !(math.Abs(float64(got[i]-want[i])) <= 1e-6*(1+math.Abs(float64(want[i])))) {
			t.Fatalf("%s: element %d = %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestFlatConvTiles checks the assembly flat tiles against their Go twins:
// random offsets, tap counts 0..300, an output row stride larger than the
// tile, and guard values between and after the rows.
func TestFlatConvTiles(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewPCG(41, 42))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		k83, k38, _, _ := flatKernels()
		if k83 == nil {
			continue
		}
		for _, tile := range []struct {
			kc, np int
			asm    flatFunc
			twin   flatFunc
		}{{8, 48, k83, flatConv8x3Go}, {3, 128, k38, flatConv3x8Go}} {
			for _, taps := range []int{0, 1, 3, 27, 144, 300} {
				in := convRand(r, 5000)
				offs := make([]int32, taps+1)
				for i := range offs {
					offs[i] = int32(r.IntN(5000 - tile.np))
				}
				w := convRand(r, taps*tile.kc+1)
				bias := convRand(r, tile.kc)
				ldo := tile.np + 1 + r.IntN(20)
				got := make([]float32, tile.kc*ldo+7)
				for i := range got {
					got[i] = -9
				}
				want := append([]float32(nil), got...)
				tile.asm(&got[0], ldo, &in[0], &offs[0], taps, &w[0], &bias[0])
				tile.twin(&want[0], ldo, &in[0], &offs[0], taps, &w[0], &bias[0])
				what := fmt.Sprintf("%s %dx%d taps=%d", p, tile.kc, tile.np/16, taps)
				flatTol(t, what, got, want)
				for i, v := range got {
					if i%ldo >= tile.np && v != -9 {
						t.Fatalf("%s: wrote outside the tile at %d", what, i)
					}
				}
				// and the twin against a float64 sum
				for kk := 0; kk < tile.kc; kk++ {
					for q := 0; q < tile.np; q++ {
						s, mag := float64(bias[kk]), math.Abs(float64(bias[kk]))
						for tp := 0; tp < taps; tp++ {
							v := float64(w[tp*tile.kc+kk]) * float64(in[int(offs[tp])+q])
							s += v
							mag += math.Abs(v)
						}
						if d := math.Abs(float64(want[kk*ldo+q]) - s); d > 4e-7*float64(taps+4)*mag+1e-30 {
							t.Fatalf("%s: twin channel %d position %d = %g, float64 sum %g", what, kk, q, want[kk*ldo+q], s)
						}
					}
				}
			}
		}
	}
}

// TestFlatWgradTile checks FlatWgrad8x3AVX512 against its Go twin and the
// twin against float64 sums, over several images with their own strides.
func TestFlatWgradTile(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewPCG(43, 44))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		_, _, wg, _ := flatKernels()
		if wg == nil {
			continue
		}
		for _, d := range []struct{ nv, nimg, ldy, dyImg, xImg int }{
			{1, 1, 16, 0, 0}, {53, 1, 848, 0, 0}, {14, 3, 224, 8 * 224, 300}, {0, 2, 16, 128, 40}, {5, 0, 80, 0, 0}, {7, 2, 117, 1000, 777},
		} {
			dy := convRand(r, max(1, d.nimg)*max(d.dyImg, 8*d.ldy)+16)
			x := convRand(r, max(1, d.nimg)*d.xImg+400+d.nv*16)
			offs := []int32{int32(r.IntN(300)), int32(r.IntN(300)), int32(r.IntN(300))}
			got := convRand(r, 384)
			want := append([]float32(nil), got...)
			init := append([]float32(nil), got...)
			wg(&got[0], &dy[0], d.ldy, &x[0], &offs[0], d.nv, d.nimg, d.dyImg, d.xImg)
			flatWgrad8x3Go(&want[0], &dy[0], d.ldy, &x[0], &offs[0], d.nv, d.nimg, d.dyImg, d.xImg)
			what := fmt.Sprintf("%s %+v", p, d)
			flatTol(t, what, got, want)
			for kk := 0; kk < 8; kk++ {
				for tt := 0; tt < 3; tt++ {
					for l := 0; l < 16; l++ {
						s := float64(init[(kk*3+tt)*16+l])
						mag := math.Abs(s)
						for m := 0; m < d.nimg; m++ {
							for v := 0; v < d.nv; v++ {
								a := float64(dy[m*d.dyImg+kk*d.ldy+v*16+l]) * float64(x[m*d.xImg+int(offs[tt])+v*16+l])
								s += a
								mag += math.Abs(a)
							}
						}
						i := (kk*3+tt)*16 + l
						if dd := math.Abs(float64(want[i]) - s); dd > 4e-7*float64(d.nv*d.nimg+4)*mag+1e-30 {
							t.Fatalf("%s: twin part[%d] = %g, float64 %g", what, i, want[i], s)
						}
					}
				}
			}
		}
	}
}

// TestCopyRows checks CopyRowsAVX512 and its twin against a plain loop,
// with guards around every row.
func TestCopyRows(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewPCG(45, 46))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, d := range []struct{ rows, n int }{{0, 5}, {3, 0}, {1, 1}, {2, 15}, {3, 16}, {4, 17}, {5, 28}, {2, 33}, {3, 64}} {
			ldd, lds := d.n+3, d.n+5
			src := convRand(r, max(1, d.rows)*lds+1)
			got := make([]float32, max(1, d.rows)*ldd+1)
			for i := range got {
				got[i] = -9
			}
			cp := flatCopy()
			cp(&got[0], &src[0], d.rows, d.n, ldd, lds)
			for i, v := range got {
				row, col := i/ldd, i%ldd
				want := float32(-9)
				if row < d.rows && col < d.n {
					want = src[row*lds+col]
				}
				if v != want {
					t.Fatalf("%s %+v: element %d = %g, want %g", p, d, i, v, want)
				}
			}
		}
	}
}

// TestConvFlatShapes runs the direct passes with the flat tiles (forced, so
// the Go twins run on the generic path) on awkward stride-1 shapes with 1-3
// and 8-33 channels, at 1-3 threads, against the float64 references, with
// guards around the outputs; the row-wise kernels (convFlatMode 2) on the
// same shapes agree with the references too.
func TestConvFlatShapes(t *testing.T) {
	old, oldMode, oldFlat, oldTh := Path(), convDirectMode, convFlatMode, Threads()
	defer func() { UsePath(old); convDirectMode = oldMode; convFlatMode = oldFlat; SetThreads(oldTh) }()
	r := rand.New(rand.NewPCG(47, 48))
	shapes := []ConvShape{
		{N: 3, C: 3, H: 28, W: 28, K: 16, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 3, C: 16, H: 14, W: 14, K: 32, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 2, C: 1, H: 9, W: 17, K: 8, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 2, C: 2, H: 5, W: 33, K: 17, R: 3, S: 1, StrideH: 1, StrideW: 1, PadH: 2, PadW: 0},
	}
	for len(shapes) < 28 {
		s := ConvShape{N: 1 + r.IntN(3), C: []int{1, 2, 3, 8, 16, 17}[r.IntN(6)], H: 1 + r.IntN(20), W: 1 + r.IntN(20),
			K: []int{1, 3, 8, 16, 24, 33}[r.IntN(6)], R: []int{1, 2, 3, 5}[r.IntN(4)], S: []int{1, 3}[r.IntN(2)],
			StrideH: 1, StrideW: 1, PadH: r.IntN(3), PadW: r.IntN(3)}
		if r.IntN(2) == 0 { // same-size, where the masked tiles apply
			s.PadH, s.PadW = (s.R-1)/2, (s.S-1)/2
			s.R, s.S = s.PadH*2+1, s.PadW*2+1
		}
		if s.Valid() == nil {
			shapes = append(shapes, s)
		}
	}
	convDirectMode = 1
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, flat := range []int{0, 1, 2, 3} {
			convFlatMode = flat
			for i, s := range shapes {
				SetThreads(1 + i%3)
				what := fmt.Sprintf("%s flat=%d threads=%d %+v", p, flat, Threads(), s)
				x, w, dy, bias := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen()), convRand(r, s.K)
				want, mag := convFwd64(s, x, w, bias)
				y, yb := convGuarded(s.yLen(), 3)
				ConvForward(s, x, w, bias, y)
				convCheckGuards(t, what+" fwd", yb)
				convClose(t, what+" fwd", y, want, mag, s.C*s.R*s.S)
				wantDx, magDx := convBwdData64(s, dy, w)
				dx, dxb := convGuarded(s.xLen(), 3)
				ConvBackwardData(s, dy, w, dx)
				convCheckGuards(t, what+" bwd_data", dxb)
				convClose(t, what+" bwd_data", dx, wantDx, magDx, s.K*s.R*s.S)
				per, magPer, _ := convBwdWeight64(s, x, dy)
				wl := s.WeightLen()
				wantW, magW := make([]float64, wl), make([]float64, wl)
				for j := range wantW {
					wantW[j], magW[j] = 0.5, 0.5
					for n := 0; n < s.N; n++ {
						wantW[j] += per[n*wl+j]
						magW[j] += magPer[n*wl+j]
					}
				}
				dw, dwb := convGuarded(wl, 0.5)
				ConvBackwardWeight(s, x, dy, dw, nil)
				convCheckGuards(t, what+" bwd_weight", dwb)
				convClose(t, what+" bwd_weight", dw, wantW, magW, s.N*s.OutH()*s.OutW())
			}
		}
	}
}

// TestConvFlatDeterminism: the VGG's first two layers give bit-identical
// results on repeated calls at a given thread count, and the forward and
// backward-data passes (split over whole images) also across thread counts.
func TestConvFlatDeterminism(t *testing.T) {
	oldTh := Threads()
	defer SetThreads(oldTh)
	r := rand.New(rand.NewPCG(49, 50))
	for _, s := range []ConvShape{
		{N: 5, C: 3, H: 28, W: 28, K: 16, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 5, C: 16, H: 14, W: 14, K: 32, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
	} {
		x, w, dy, bias := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen()), convRand(r, s.K)
		run := func() (y, dx, dw []float32) {
			y, dx, dw = make([]float32, s.yLen()), make([]float32, s.xLen()), make([]float32, s.WeightLen())
			ConvForward(s, x, w, bias, y)
			ConvBackwardData(s, dy, w, dx)
			ConvBackwardWeight(s, x, dy, dw, nil)
			return
		}
		var y1, dx1 []float32
		for th := 1; th <= 3; th++ {
			SetThreads(th)
			y, dx, dw := run()
			y2, dx2, dw2 := run()
			for i := range dw {
				if math.Float32bits(dw[i]) != math.Float32bits(dw2[i]) {
					t.Fatalf("%+v threads=%d: dw[%d] differs between calls", s, th, i)
				}
			}
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(y2[i]) || (y1 != nil && math.Float32bits(y[i]) != math.Float32bits(y1[i])) {
					t.Fatalf("%+v threads=%d: y[%d] differs", s, th, i)
				}
			}
			for i := range dx {
				if math.Float32bits(dx[i]) != math.Float32bits(dx2[i]) || (dx1 != nil && math.Float32bits(dx[i]) != math.Float32bits(dx1[i])) {
					t.Fatalf("%+v threads=%d: dx[%d] differs", s, th, i)
				}
			}
			y1, dx1 = y, dx
		}
	}
}

// BenchmarkConvFlat compares the flat tiles (flat=0) with the row-wise
// kernels (flat=2) on the VGG's first two layers at batch 128.
func BenchmarkConvFlat(b *testing.B) {
	old := convFlatMode
	defer func() { convFlatMode = old }()
	r := rand.New(rand.NewPCG(51, 52))
	for _, s := range []ConvShape{
		{N: 128, C: 3, H: 28, W: 28, K: 16, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 128, C: 16, H: 14, W: 14, K: 32, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
	} {
		x, w, dy, bias := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen()), convRand(r, s.K)
		y, dx, dw, db := make([]float32, s.yLen()), make([]float32, s.xLen()), make([]float32, s.WeightLen()), make([]float32, s.K)
		flops := 2 * float64(s.N*s.K*s.C*s.R*s.S*s.OutH()*s.OutW())
		for _, pass := range []string{"fwd", "bwd_data", "bwd_weight", "bias"} {
			for _, mode := range []int{0, 1, 2, 3} {
				b.Run(fmt.Sprintf("layer=%d-%d/pass=%s/flat=%d", s.C, s.K, pass, mode), func(b *testing.B) {
					convFlatMode = mode
					fn := map[string]func(){
						"fwd":        func() { ConvForward(s, x, w, bias, y) },
						"bwd_data":   func() { ConvBackwardData(s, dy, w, dx) },
						"bwd_weight": func() { ConvBackwardWeight(s, x, dy, dw, db) },
						"bias":       func() { sb := s; sb.C = 0; ConvBackwardWeight(sb, nil, dy, nil, db) }, // the bias part alone
					}[pass]
					fn()
					b.ResetTimer()
					c0 := flatCPU()
					for i := 0; i < b.N; i++ {
						fn()
					}
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					if cpu := flatCPU() - c0; cpu > 0 {
						b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
					}
				})
			}
		}
	}
}

// flatCPU is the process's user+system CPU time (less sensitive than wall
// time to other processes on a shared machine).
func flatCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestMaskedTiles checks the masked assembly tiles against their Go twins
// (random masks, including all-off and all-on, negative tap offsets, stores
// only in the smask lanes) and the twins against float64 sums.
func TestMaskedTiles(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewPCG(53, 54))
	randMask := func() uint16 {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return 0xffff
		}
		return uint16(r.Uint32())
	}
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		m83, m37, m81, mwg := maskedKernels()
		if m83 == nil {
			continue
		}
		for _, tile := range []struct {
			kc, nvt   int
			asm, twin mconvFunc
		}{{8, 3, m83, mConv8x3Go}, {3, 7, m37, mConv3x7Go}, {8, 1, m81, mConv8x1Go}} {
			for _, d := range []struct{ nc, nrs int }{{0, 9}, {1, 0}, {1, 1}, {3, 9}, {16, 9}, {5, 4}} {
				const base = 600
				in := convRand(r, 3000)
				ldc := 100 + r.IntN(50)
				rsoff := make([]int32, d.nrs+1)
				for i := range rsoff {
					rsoff[i] = int32(r.IntN(400) - 200)
				}
				ldm := tile.nvt + r.IntN(3)
				masks := make([]uint16, max(1, d.nrs)*ldm)
				for i := range masks {
					masks[i] = randMask()
				}
				smask := make([]uint16, tile.nvt)
				for i := range smask {
					smask[i] = randMask()
				}
				w := convRand(r, d.nrs*d.nc*tile.kc+1)
				bias := convRand(r, tile.kc)
				ldo := tile.nvt*16 + r.IntN(9)
				got := make([]float32, tile.kc*ldo+5)
				for i := range got {
					got[i] = -9
				}
				want := append([]float32(nil), got...)
				tile.asm(&got[0], ldo, &in[base], ldc, d.nc, &rsoff[0], d.nrs, &masks[0], ldm, &w[0], &bias[0], &smask[0])
				tile.twin(&want[0], ldo, &in[base], ldc, d.nc, &rsoff[0], d.nrs, &masks[0], ldm, &w[0], &bias[0], &smask[0])
				what := fmt.Sprintf("%s masked %dx%d %+v", p, tile.kc, tile.nvt, d)
				flatTol(t, what, got, want)
				for kk := 0; kk < tile.kc; kk++ {
					for q := 0; q < ldo; q++ {
						v, l := q/16, q%16
						g := want[kk*ldo+q]
						if q >= tile.nvt*16 || smask[v]>>l&1 == 0 {
							if g != -9 || got[kk*ldo+q] != -9 {
								t.Fatalf("%s: wrote a masked lane (channel %d position %d)", what, kk, q)
							}
							continue
						}
						s, mag := float64(bias[kk]), math.Abs(float64(bias[kk]))
						for rs := 0; rs < d.nrs; rs++ {
							if masks[rs*ldm+v]>>l&1 == 0 {
								continue
							}
							for c := 0; c < d.nc; c++ {
								a := float64(w[(rs*d.nc+c)*tile.kc+kk]) * float64(in[base+c*ldc+int(rsoff[rs])+q])
								s += a
								mag += math.Abs(a)
							}
						}
						if dd := math.Abs(float64(g) - s); dd > 4e-7*float64(d.nrs*d.nc+4)*mag+1e-30 {
							t.Fatalf("%s: twin channel %d position %d = %g, float64 %g", what, kk, q, g, s)
						}
					}
				}
			}
		}
		for _, d := range []struct{ nv, nimg, ldy, dyImg, xImg int }{{1, 1, 16, 0, 0}, {49, 1, 784, 0, 0}, {13, 2, 196, 8 * 196, 3 * 196}, {0, 1, 16, 0, 0}, {3, 0, 50, 0, 0}} {
			const base = 300
			dy := convRand(r, max(1, d.nimg)*max(d.dyImg, 8*d.ldy)+16*d.nv+16)
			x := convRand(r, base+max(1, d.nimg)*d.xImg+300+16*d.nv)
			offs := []int32{int32(r.IntN(500) - 250), int32(r.IntN(500) - 250), int32(r.IntN(500) - 250)}
			masks := make([]uint16, max(1, d.nv)*4)
			for i := range masks {
				masks[i] = randMask()
			}
			got := convRand(r, 384)
			want := append([]float32(nil), got...)
			init := append([]float32(nil), got...)
			mwg(&got[0], &dy[0], d.ldy, &x[base], &offs[0], &masks[0], d.nv, d.nimg, d.dyImg, d.xImg)
			mWgrad8x3Go(&want[0], &dy[0], d.ldy, &x[base], &offs[0], &masks[0], d.nv, d.nimg, d.dyImg, d.xImg)
			what := fmt.Sprintf("%s masked wgrad %+v", p, d)
			flatTol(t, what, got, want)
			for kk := 0; kk < 8; kk++ {
				for tt := 0; tt < 3; tt++ {
					for l := 0; l < 16; l++ {
						i := (kk*3+tt)*16 + l
						s := float64(init[i])
						mag := math.Abs(s)
						for m := 0; m < d.nimg; m++ {
							for v := 0; v < d.nv; v++ {
								if masks[v*4+3]>>l&1 == 0 || masks[v*4+tt]>>l&1 == 0 {
									continue
								}
								a := float64(dy[m*d.dyImg+kk*d.ldy+v*16+l]) * float64(x[base+m*d.xImg+int(offs[tt])+v*16+l])
								s += a
								mag += math.Abs(a)
							}
						}
						if dd := math.Abs(float64(want[i]) - s); dd > 4e-7*float64(d.nv*d.nimg+4)*mag+1e-30 {
							t.Fatalf("%s: twin part[%d] = %g, float64 %g", what, i, want[i], s)
						}
					}
				}
			}
		}
	}
}

// TestConvFlatMinTimes (REMEDY_CONV_AB=1) times the direct-kernel modes on
// the VGG's first two layers, alternating the modes call by call and keeping
// each one's fastest call: on a shared machine the minimum is the least
// disturbed figure.
func TestConvFlatMinTimes(t *testing.T) {
	if os.Getenv("REMEDY_CONV_AB") == "" {
		t.Skip("set REMEDY_CONV_AB=1 to run")
	}
	old, oldPf, oldAl, oldV := convFlatMode, convPrefetch, convWgradAlignDy, convMaskedWgradVecs
	defer func() { convFlatMode, convPrefetch, convWgradAlignDy, convMaskedWgradVecs = old, oldPf, oldAl, oldV }()
	r := rand.New(rand.NewPCG(55, 56))
	// 10: mode 0 without prefetching, 20: without aligning dy, 30: weight
	// gradient calls of about 128 vectors
	modes := []int{0, 1, 2, 10, 20, 30}
	for _, s := range []ConvShape{
		{N: 128, C: 3, H: 28, W: 28, K: 16, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 128, C: 16, H: 14, W: 14, K: 32, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
	} {
		x, w, dy, bias := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen()), convRand(r, s.K)
		y, dx, dw, db := make([]float32, s.yLen()), make([]float32, s.xLen()), make([]float32, s.WeightLen()), make([]float32, s.K)
		flops := 2 * float64(s.N*s.K*s.C*s.R*s.S*s.OutH()*s.OutW())
		db64 := make([]float64, s.K)
		for _, pass := range []string{"fwd", "bwd_data", "bwd_weight", "bias_only", "fused_1t"} {
			fn := map[string]func(){
				"fwd":        func() { ConvForward(s, x, w, bias, y) },
				"bwd_data":   func() { ConvBackwardData(s, dy, w, dx) },
				"bwd_weight": func() { ConvBackwardWeight(s, x, dy, dw, db) },
				"bias_only":  func() { sb := s; sb.C = 0; ConvBackwardWeight(sb, nil, dy, nil, db) },
				"fused_1t": func() { // weight and bias in one pass, on one thread
					ws := getConvWork()
					if !ws.directWeightBias(s, x, dy, 0, s.N, dw, db64) {
						ConvBackwardWeight(s, x, dy, dw, db)
					}
					putConvWork(ws)
				},
			}[pass]
			best := make([]time.Duration, len(modes))
			for rep := 0; rep < 40; rep++ {
				for i, m := range modes {
					convFlatMode, convPrefetch, convWgradAlignDy = m%10, m != 10, m != 20
					convMaskedWgradVecs = oldV
					if m == 30 {
						convMaskedWgradVecs = 128
					}
					t0 := time.Now()
					fn()
					if d := time.Since(t0); best[i] == 0 || d < best[i] {
						best[i] = d
					}
				}
			}
			line := fmt.Sprintf("%d->%d %-10s threads=%d", s.C, s.K, pass, Threads())
			for i, m := range modes {
				line += fmt.Sprintf("  mode %d: %6.1f", m, flops/best[i].Seconds()/1e9)
			}
			t.Log(line)
		}
	}
}

// TestDirectWeightBias checks the fused weight and bias gradient (the hook
// for conv.go) against the float64 references, and that it declines shapes
// the masked weight gradient does not handle.
func TestDirectWeightBias(t *testing.T) {
	old, oldTh := Path(), Threads()
	defer func() { UsePath(old); SetThreads(oldTh) }()
	r := rand.New(rand.NewPCG(57, 58))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, s := range []ConvShape{
			{N: 3, C: 3, H: 28, W: 28, K: 16, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
			{N: 5, C: 16, H: 14, W: 14, K: 32, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
			{N: 2, C: 5, H: 9, W: 11, K: 8, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		} {
			x, dy := convRand(r, s.xLen()), convRand(r, s.yLen())
			per, magPer, db := convBwdWeight64(s, x, dy)
			wl := s.WeightLen()
			ws := getConvWork()
			dw := make([]float32, wl)
			db64 := make([]float64, s.K)
			for i := range db64 {
				db64[i] = 0.25
			}
			ok := ws.directWeightBias(s, x, dy, 1, s.N, dw, db64)
			putConvWork(ws)
			if !ok {
				if p == "avx512" {
					t.Fatalf("%s %+v: fused pass declined", p, s)
				}
				continue
			}
			want, mag := make([]float64, wl), make([]float64, wl)
			for j := range want {
				for n := 1; n < s.N; n++ {
					want[j] += per[n*wl+j]
					mag[j] += magPer[n*wl+j]
				}
			}
			convClose(t, fmt.Sprintf("%s %+v dw", p, s), dw, want, mag, s.N*s.H*s.W)
			// db from convBwdWeight64 covers all images; take image 0 out
			ohw := s.OutH() * s.OutW()
			for k := 0; k < s.K; k++ {
				w0 := 0.25 + db[k]
				m := 0.25
				for i := 0; i < ohw; i++ {
					w0 -= float64(dy[k*ohw+i])
				}
				for n := 0; n < s.N; n++ {
					for i := 0; i < ohw; i++ {
						m += math.Abs(float64(dy[(n*s.K+k)*ohw+i]))
					}
				}
				if d := math.Abs(db64[k] - w0); d > 1e-12*m {
					t.Fatalf("%s %+v: db[%d] = %g, want %g", p, s, k, db64[k], w0)
				}
			}
		}
		ws := getConvWork()
		if ws.directWeightBias(ConvShape{N: 1, C: 3, H: 8, W: 8, K: 16, R: 3, S: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1},
			make([]float32, 192), make([]float32, 256), 0, 1, make([]float32, 432), make([]float64, 16)) {
			t.Fatalf("%s: fused pass took a stride-2 shape", p)
		}
		putConvWork(ws)
	}
}
