package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// float64 references, written independently of the fast paths.

func convFwd64(s ConvShape, x, w, bias []float32) (y, mag []float64) {
	oh, ow := s.OutH(), s.OutW()
	y = make([]float64, s.N*s.K*oh*ow)
	mag = make([]float64, len(y)) // sum of |terms|, for error bounds
	for n := 0; n < s.N; n++ {
		for k := 0; k < s.K; k++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					var acc, m float64
					if bias != nil {
						acc, m = float64(bias[k]), math.Abs(float64(bias[k]))
					}
					for c := 0; c < s.C; c++ {
						for r := 0; r < s.R; r++ {
							for q := 0; q < s.S; q++ {
								hi, wi := i*s.StrideH-s.PadH+r, j*s.StrideW-s.PadW+q
								if hi < 0 || hi >= s.H || wi < 0 || wi >= s.W {
									continue
								}
								t := float64(x[((n*s.C+c)*s.H+hi)*s.W+wi]) * float64(w[((k*s.C+c)*s.R+r)*s.S+q])
								acc += t
								m += math.Abs(t)
							}
						}
					}
					o := ((n*s.K+k)*oh+i)*ow + j
					y[o], mag[o] = acc, m
				}
			}
		}
	}
	return y, mag
}

func convBwdData64(s ConvShape, dy, w []float32) (dx, mag []float64) {
	oh, ow := s.OutH(), s.OutW()
	dx = make([]float64, s.N*s.C*s.H*s.W)
	mag = make([]float64, len(dx))
	for n := 0; n < s.N; n++ {
		for k := 0; k < s.K; k++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					g := float64(dy[((n*s.K+k)*oh+i)*ow+j])
					for c := 0; c < s.C; c++ {
						for r := 0; r < s.R; r++ {
							for q := 0; q < s.S; q++ {
								hi, wi := i*s.StrideH-s.PadH+r, j*s.StrideW-s.PadW+q
								if hi < 0 || hi >= s.H || wi < 0 || wi >= s.W {
									continue
								}
								t := g * float64(w[((k*s.C+c)*s.R+r)*s.S+q])
								o := ((n*s.C+c)*s.H+hi)*s.W + wi
								dx[o] += t
								mag[o] += math.Abs(t)
							}
						}
					}
				}
			}
		}
	}
	return dx, mag
}

// convBwdWeight64 returns per-sample weight gradients (N x WeightLen) and the
// bias gradient summed over the batch.
func convBwdWeight64(s ConvShape, x, dy []float32) (dwPer, magPer, db []float64) {
	oh, ow := s.OutH(), s.OutW()
	wl := s.WeightLen()
	dwPer = make([]float64, s.N*wl)
	magPer = make([]float64, s.N*wl)
	db = make([]float64, s.K)
	for n := 0; n < s.N; n++ {
		for k := 0; k < s.K; k++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					g := float64(dy[((n*s.K+k)*oh+i)*ow+j])
					db[k] += g
					for c := 0; c < s.C; c++ {
						for r := 0; r < s.R; r++ {
							for q := 0; q < s.S; q++ {
								hi, wi := i*s.StrideH-s.PadH+r, j*s.StrideW-s.PadW+q
								if hi < 0 || hi >= s.H || wi < 0 || wi >= s.W {
									continue
								}
								t := g * float64(x[((n*s.C+c)*s.H+hi)*s.W+wi])
								o := n*wl + ((k*s.C+c)*s.R+r)*s.S + q
								dwPer[o] += t
								magPer[o] += math.Abs(t)
							}
						}
					}
				}
			}
		}
	}
	return dwPer, magPer, db
}

func convRand(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

const convGuardN = 7
const convGuardVal = float32(-7.77e30)

// convGuarded returns a slice of length n inside a buffer with guard values on
// both sides, pre-filled with fill, and the buffer.
func convGuarded(n int, fill float32) (inner, buf []float32) {
	buf = make([]float32, n+2*convGuardN)
	for i := range buf {
		buf[i] = convGuardVal
	}
	inner = buf[convGuardN : convGuardN+n]
	for i := range inner {
		inner[i] = fill
	}
	return inner, buf
}

func convCheckGuards(t *testing.T, what string, buf []float32) {
	t.Helper()
	n := len(buf) - 2*convGuardN
	for i := 0; i < convGuardN; i++ {
		if buf[i] != convGuardVal || buf[convGuardN+n+i] != convGuardVal {
			t.Fatalf("%s: guard overwritten", what)
		}
	}
}

// convClose checks got against want within a bound scaled by the sum of the
// absolute values of the terms (float32 accumulation over that many terms).
func convClose(t *testing.T, what string, got []float32, want, mag []float64, terms int) {
	t.Helper()
	for i := range want {
		tol := 4e-7*float64(terms+4)*mag[i] + 1e-30
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol) {
			t.Fatalf("%s: element %d = %g, want %g (|diff| %g > tol %g)", what, i, got[i], want[i], d, tol)
		}
	}
}

// awkwardShapes returns a deterministic sample of awkward conv shapes plus
// the VGG-like and detector-like ones at a small batch.
func awkwardShapes() []ConvShape {
	r := rand.New(rand.NewPCG(1, 2))
	chans := []int{1, 3, 5, 17}
	var out []ConvShape
	for len(out) < 120 {
		rs := []int{1, 3}[r.IntN(2)]
		s := ConvShape{
			N: 1 + r.IntN(3), C: chans[r.IntN(4)], H: 1 + r.IntN(9), W: 1 + r.IntN(9),
			K: chans[r.IntN(4)], R: rs, S: []int{1, 3}[r.IntN(2)],
			StrideH: 1 + r.IntN(2), StrideW: 1 + r.IntN(2), PadH: r.IntN(3), PadW: r.IntN(3),
		}
		if r.IntN(2) == 0 { // square filter, same stride/pad, as in real nets
			s.S, s.StrideW, s.PadW = s.R, s.StrideH, s.PadH
		}
		if s.Valid() != nil {
			continue
		}
		out = append(out, s)
	}
	return append(out,
		ConvShape{N: 2, C: 3, H: 28, W: 28, K: 16, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		ConvShape{N: 3, C: 16, H: 7, W: 7, K: 8, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		ConvShape{N: 3, C: 32, H: 3, W: 3, K: 2, R: 1, S: 1, StrideH: 1, StrideW: 1},
		ConvShape{N: 2, C: 1, H: 16, W: 16, K: 8, R: 3, S: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1},
		ConvShape{N: 2, C: 8, H: 9, W: 9, K: 16, R: 1, S: 1, StrideH: 2, StrideW: 2},
		ConvShape{N: 1, C: 2, H: 5, W: 4, K: 3, R: 5, S: 4, StrideH: 3, StrideW: 1, PadH: 2, PadW: 0},
	)
}

// withChunking runs f under several chunk policies, so multi-image chunks
// and the single-image no-copy paths are both exercised on small shapes.
func withChunking(t *testing.T, f func(t *testing.T)) {
	oldT, oldM, oldS, oldTh, oldV, oldP, oldN, oldD, oldA := convTargetCols, convMaxColFloats, convSmallOW, Threads(), convWeightLayout, convPointwiseMin, convNHWCMode, convDirectMode, convDirectAMode
	defer func() {
		convTargetCols, convMaxColFloats, convSmallOW, convWeightLayout, convPointwiseMin, convNHWCMode, convDirectMode, convDirectAMode = oldT, oldM, oldS, oldV, oldP, oldN, oldD, oldA
		SetThreads(oldTh)
	}()
	for i, p := range []struct{ target, max, small, threads int }{
		{1, 1 << 22, 0, 1}, {40, 1 << 22, 0, 2}, {1 << 20, 1 << 22, 0, 3}, {1 << 20, 100, 0, 2},
		{1, 1 << 22, 1 << 20, 3}, {40, 1 << 22, 1 << 20, 1}, {1 << 20, 1 << 22, 1 << 20, 2},
	} {
		convTargetCols, convMaxColFloats, convSmallOW = p.target, p.max, p.small
		SetThreads(p.threads)
		convPointwiseMin = 1 + 1000*(p.threads-1) // 1x1 per image on the threads=1 runs
		switch {
		case p.target == 40 || p.max == 100:
			convWeightLayout = 1 // im2col for the weight gradients
		case p.threads == 3:
			convWeightLayout = 0 // automatic choice
		default:
			convWeightLayout = 2 // im2row
		}
		// channels-last lowering and direct convolution forced (1), off (2), automatic (0)
		convNHWCMode = []int{1, 2, 0, 1, 2, 0, 1}[i]
		convDirectMode = []int{2, 1, 0, 2, 1, 1, 0}[i]
		convDirectAMode = []int{1, 0, 2, 2, 1, 0, 1}[i] // channels-last products reading A in place
		t.Run(fmt.Sprintf("cols=%d,max=%d,small=%d,threads=%d,nhwc=%d,direct=%d", p.target, p.max, p.small, p.threads, convNHWCMode, convDirectMode), f)
	}
}

func TestConvForward(t *testing.T) {
	withChunking(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, s := range awkwardShapes() {
			x := convRand(r, s.xLen())
			w := convRand(r, s.WeightLen())
			var bias []float32
			if r.IntN(2) == 0 {
				bias = convRand(r, s.K)
			}
			want, mag := convFwd64(s, x, w, bias)
			y, buf := convGuarded(s.yLen(), float32(math.NaN()))
			ConvForward(s, x, w, bias, y)
			convCheckGuards(t, fmt.Sprintf("%+v", s), buf)
			convClose(t, fmt.Sprintf("fwd %+v", s), y, want, mag, s.C*s.R*s.S)
		}
	})
}

func TestConvBackwardData(t *testing.T) {
	withChunking(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, s := range awkwardShapes() {
			dy := convRand(r, s.yLen())
			w := convRand(r, s.WeightLen())
			want, mag := convBwdData64(s, dy, w)
			dx, buf := convGuarded(s.xLen(), float32(math.NaN()))
			ConvBackwardData(s, dy, w, dx)
			convCheckGuards(t, fmt.Sprintf("%+v", s), buf)
			convClose(t, fmt.Sprintf("bwd_data %+v", s), dx, want, mag, s.K*s.R*s.S)
		}
	})
}

func TestConvBackwardWeight(t *testing.T) {
	withChunking(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		for _, s := range awkwardShapes() {
			x := convRand(r, s.xLen())
			dy := convRand(r, s.yLen())
			per, magPer, db64 := convBwdWeight64(s, x, dy)
			wl := s.WeightLen()
			// dw starts at 1 and db at -2: the kernel accumulates.
			want := make([]float64, wl)
			mag := make([]float64, wl)
			for i := range want {
				want[i], mag[i] = 1, 1
				for n := 0; n < s.N; n++ {
					want[i] += per[n*wl+i]
					mag[i] += magPer[n*wl+i]
				}
			}
			dw, buf := convGuarded(wl, 1)
			db, bufb := convGuarded(s.K, -2)
			ConvBackwardWeight(s, x, dy, dw, db)
			convCheckGuards(t, "dw", buf)
			convCheckGuards(t, "db", bufb)
			terms := s.N * s.OutH() * s.OutW()
			convClose(t, fmt.Sprintf("bwd_weight %+v", s), dw, want, mag, terms)
			for k := range db64 {
				if d := math.Abs(float64(db[k]) - (db64[k] - 2)); d > 1e-5*float64(terms+2) {
					t.Fatalf("db[%d] = %g, want %g", k, db[k], db64[k]-2)
				}
			}
			// Without db.
			dw2 := make([]float32, wl)
			ConvBackwardWeight(s, x, dy, dw2, nil)
			for i := range dw2 {
				want[i]--
				mag[i]--
			}
			convClose(t, fmt.Sprintf("bwd_weight nil db %+v", s), dw2, want, mag, terms)
		}
	})
}

func TestConvPerSampleWeight(t *testing.T) {
	withChunking(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		for _, s := range awkwardShapes() {
			x := convRand(r, s.xLen())
			dy := convRand(r, s.yLen())
			per, magPer, _ := convBwdWeight64(s, x, dy)
			wl := s.WeightLen()
			got, buf := convGuarded(s.N*wl, float32(math.NaN()))
			ConvPerSampleWeight(s, x, dy, got)
			convCheckGuards(t, "dwPer", buf)
			convClose(t, fmt.Sprintf("per_sample %+v", s), got, per, magPer, s.OutH()*s.OutW())

			// Against batch-1 ConvBackwardWeight calls, and the sum against
			// the batch call.
			one := s
			one.N = 1
			xl, yl := s.C*s.H*s.W, s.K*s.OutH()*s.OutW()
			sum := make([]float64, wl)
			for n := 0; n < s.N; n++ {
				dw := make([]float32, wl)
				ConvBackwardWeight(one, x[n*xl:(n+1)*xl], dy[n*yl:(n+1)*yl], dw, nil)
				for i := range dw {
					g := got[n*wl+i]
					if d := math.Abs(float64(dw[i] - g)); d > 1e-5*(magPer[n*wl+i]+1e-30) {
						t.Fatalf("per_sample %+v: sample %d elem %d: %g vs batch-1 %g", s, n, i, g, dw[i])
					}
					sum[i] += float64(g)
				}
			}
			dwb := make([]float32, wl)
			ConvBackwardWeight(s, x, dy, dwb, nil)
			for i := range dwb {
				var m float64
				for n := 0; n < s.N; n++ {
					m += magPer[n*wl+i]
				}
				if d := math.Abs(float64(dwb[i]) - sum[i]); d > 1e-5*(m+1e-30) {
					t.Fatalf("per_sample %+v: sum over samples elem %d: %g vs batch %g", s, i, sum[i], dwb[i])
				}
			}
		}
	})
}

// TestConvGradFiniteDiff checks both backward passes against central
// differences of L = <ConvForward(x, w), dy>, computed in float64 from the
// float32 forward. L is linear in x and in w, so a large step is exact up to
// rounding.
func TestConvGradFiniteDiff(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	shapes := awkwardShapes()
	for si, s := range shapes {
		if si%4 != 0 && si < len(shapes)-6 {
			continue // a quarter of the random shapes plus the named ones
		}
		if s.xLen() > 1500 || s.WeightLen() > 1500 {
			continue
		}
		x := convRand(r, s.xLen())
		w := convRand(r, s.WeightLen())
		dy := convRand(r, s.yLen())
		y := make([]float32, s.yLen())
		loss := func() float64 {
			ConvForward(s, x, w, nil, y)
			var l float64
			for i, v := range y {
				l += float64(v) * float64(dy[i])
			}
			return l
		}
		// tolerance: rounding of the forward, divided by the step.
		var scale float64
		ConvForward(s, x, w, nil, y)
		for i, v := range y {
			scale += math.Abs(float64(v) * float64(dy[i]))
		}
		const h = 0.5
		tol := 1e-5*scale/h + 1e-4

		dx := make([]float32, s.xLen())
		ConvBackwardData(s, dy, w, dx)
		for i := range x {
			old := x[i]
			x[i] = old + h
			lp := loss()
			x[i] = old - h
			lm := loss()
			x[i] = old
			if fd := (lp - lm) / (2 * h); math.Abs(fd-float64(dx[i])) > tol {
				t.Fatalf("%+v: dx[%d] = %g, finite difference %g", s, i, dx[i], fd)
			}
		}
		dw := make([]float32, s.WeightLen())
		ConvBackwardWeight(s, x, dy, dw, nil)
		for i := range w {
			old := w[i]
			w[i] = old + h
			lp := loss()
			w[i] = old - h
			lm := loss()
			w[i] = old
			if fd := (lp - lm) / (2 * h); math.Abs(fd-float64(dw[i])) > tol {
				t.Fatalf("%+v: dw[%d] = %g, finite difference %g", s, i, dw[i], fd)
			}
		}
	}
}

// TestConvDeterminism: for a fixed thread count every pass is bit-identical
// across calls.
func TestConvDeterminism(t *testing.T) {
	defer SetThreads(Threads())
	s := ConvShape{N: 5, C: 16, H: 14, W: 14, K: 32, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	r := rand.New(rand.NewPCG(13, 14))
	x := convRand(r, s.xLen())
	w := convRand(r, s.WeightLen())
	dy := convRand(r, s.yLen())
	run := func() [][]float32 {
		y := make([]float32, s.yLen())
		dx := make([]float32, s.xLen())
		dw := make([]float32, s.WeightLen())
		db := make([]float32, s.K)
		per := make([]float32, s.N*s.WeightLen())
		ConvForward(s, x, w, nil, y)
		ConvBackwardData(s, dy, w, dx)
		ConvBackwardWeight(s, x, dy, dw, db)
		ConvPerSampleWeight(s, x, dy, per)
		return [][]float32{y, dx, dw, db, per}
	}
	for _, nt := range []int{1, 2, 3} {
		SetThreads(nt)
		a, b := run(), run()
		for i := range a {
			for j := range a[i] {
				if math.Float32bits(a[i][j]) != math.Float32bits(b[i][j]) {
					t.Fatalf("threads=%d: output %d element %d differs between runs", nt, i, j)
				}
			}
		}
	}
}

func TestConvBadShapes(t *testing.T) {
	bad := []ConvShape{
		{N: 1, C: 1, H: 3, W: 3, K: 1, R: 3, S: 3, StrideH: 0, StrideW: 1},
		{N: 1, C: 1, H: 2, W: 3, K: 1, R: 3, S: 3, StrideH: 1, StrideW: 1},
		{N: -1, C: 1, H: 3, W: 3, K: 1, R: 3, S: 3, StrideH: 1, StrideW: 1},
		{N: 1, C: 1, H: 3, W: 3, K: 1, R: 0, S: 3, StrideH: 1, StrideW: 1},
		{N: 1, C: 1, H: 3, W: 3, K: 1, R: 1, S: 1, StrideH: 1, StrideW: 1, PadH: -1},
	}
	for _, s := range bad {
		if s.Valid() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
	good := ConvShape{N: 1, C: 1, H: 3, W: 3, K: 1, R: 3, S: 3, StrideH: 1, StrideW: 1}
	defer func() {
		if recover() == nil {
			t.Error("short y did not panic")
		}
	}()
	ConvForward(good, make([]float32, 9), make([]float32, 9), nil, nil)
}

// TestConvConcurrent: calls from several goroutines at once (workspaces and
// workers are shared) give the same bits as calls made one at a time.
func TestConvConcurrent(t *testing.T) {
	s := ConvShape{N: 4, C: 16, H: 9, W: 9, K: 8, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	r := rand.New(rand.NewPCG(15, 16))
	x := convRand(r, s.xLen())
	w := convRand(r, s.WeightLen())
	dy := convRand(r, s.yLen())
	run := func() []float32 {
		y := make([]float32, s.yLen())
		dx := make([]float32, s.xLen())
		dw := make([]float32, s.WeightLen())
		per := make([]float32, s.N*s.WeightLen())
		ConvForward(s, x, w, nil, y)
		ConvBackwardData(s, dy, w, dx)
		ConvBackwardWeight(s, x, dy, dw, nil)
		ConvPerSampleWeight(s, x, dy, per)
		return append(append(append(y, dx...), dw...), per...)
	}
	want := run()
	const g = 6
	got := make([][]float32, g)
	done := make(chan int)
	for i := 0; i < g; i++ {
		go func(i int) {
			for rep := 0; rep < 5; rep++ {
				got[i] = run()
			}
			done <- i
		}(i)
	}
	for i := 0; i < g; i++ {
		<-done
	}
	for i := range got {
		for j := range want {
			if math.Float32bits(got[i][j]) != math.Float32bits(want[j]) {
				t.Fatalf("goroutine %d: element %d differs", i, j)
			}
		}
	}
}

// TestConvRealShapes runs the paper's VGG layers and the detector's shapes at
// a real (if reduced) batch with the default chunking and threads, checking
// randomly sampled elements of every pass against float64 sums computed for
// those elements alone.
func TestConvRealShapes(t *testing.T) {
	mk := func(n, c, k, hw, rs, st, pad int) ConvShape {
		return ConvShape{N: n, C: c, H: hw, W: hw, K: k, R: rs, S: rs, StrideH: st, StrideW: st, PadH: pad, PadW: pad}
	}
	shapes := []ConvShape{
		mk(37, 3, 16, 28, 3, 1, 1), mk(37, 16, 32, 14, 3, 1, 1), mk(37, 32, 128, 7, 3, 1, 1),
		mk(37, 128, 128, 7, 3, 1, 1), mk(37, 128, 256, 3, 3, 1, 1), mk(21, 256, 256, 3, 3, 1, 1),
		mk(37, 256, 2, 3, 1, 1, 0),
		mk(3, 1, 8, 128, 3, 2, 1), mk(3, 8, 8, 64, 3, 1, 1), mk(3, 8, 16, 64, 1, 2, 0), mk(5, 64, 128, 8, 3, 2, 1),
	}
	r := rand.New(rand.NewPCG(17, 18))
	for _, s := range shapes {
		oh, ow := s.OutH(), s.OutW()
		x, w, dy := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen())
		y, dx, dw := make([]float32, s.yLen()), make([]float32, s.xLen()), make([]float32, s.WeightLen())
		per := make([]float32, s.N*s.WeightLen())
		ConvForward(s, x, w, nil, y)
		ConvBackwardData(s, dy, w, dx)
		ConvBackwardWeight(s, x, dy, dw, nil)
		ConvPerSampleWeight(s, x, dy, per)
		xAt := func(n, c, h, ww int) float64 {
			if h < 0 || h >= s.H || ww < 0 || ww >= s.W {
				return 0
			}
			return float64(x[((n*s.C+c)*s.H+h)*s.W+ww])
		}
		check := func(what string, got float32, want, mag float64, terms int) {
			t.Helper()
			if d := math.Abs(float64(got) - want); d > 4e-7*float64(terms+4)*mag+1e-30 {
				t.Fatalf("%+v %s: %g, want %g", s, what, got, want)
			}
		}
		for trial := 0; trial < 60; trial++ {
			// forward element
			n, k, i, j := r.IntN(s.N), r.IntN(s.K), r.IntN(oh), r.IntN(ow)
			var acc, mag float64
			for c := 0; c < s.C; c++ {
				for a := 0; a < s.R; a++ {
					for b := 0; b < s.S; b++ {
						v := xAt(n, c, i*s.StrideH-s.PadH+a, j*s.StrideW-s.PadW+b) * float64(w[((k*s.C+c)*s.R+a)*s.S+b])
						acc += v
						mag += math.Abs(v)
					}
				}
			}
			check("fwd", y[((n*s.K+k)*oh+i)*ow+j], acc, mag, s.C*s.R*s.S)
			// backward-data element
			c, h, ww := r.IntN(s.C), r.IntN(s.H), r.IntN(s.W)
			acc, mag = 0, 0
			for k := 0; k < s.K; k++ {
				for a := 0; a < s.R; a++ {
					for b := 0; b < s.S; b++ {
						ii, jj := h+s.PadH-a, ww+s.PadW-b
						if ii < 0 || jj < 0 || ii%s.StrideH != 0 || jj%s.StrideW != 0 || ii/s.StrideH >= oh || jj/s.StrideW >= ow {
							continue
						}
						v := float64(dy[((n*s.K+k)*oh+ii/s.StrideH)*ow+jj/s.StrideW]) * float64(w[((k*s.C+c)*s.R+a)*s.S+b])
						acc += v
						mag += math.Abs(v)
					}
				}
			}
			check("bwd_data", dx[((n*s.C+c)*s.H+h)*s.W+ww], acc, mag, s.K*s.R*s.S)
			// weight-gradient element, batch-summed and per sample
			k, c = r.IntN(s.K), r.IntN(s.C)
			a, b := r.IntN(s.R), r.IntN(s.S)
			wi := ((k*s.C+c)*s.R+a)*s.S + b
			acc, mag = 0, 0
			for n := 0; n < s.N; n++ {
				var pn, pm float64
				for i := 0; i < oh; i++ {
					for j := 0; j < ow; j++ {
						v := float64(dy[((n*s.K+k)*oh+i)*ow+j]) * xAt(n, c, i*s.StrideH-s.PadH+a, j*s.StrideW-s.PadW+b)
						pn += v
						pm += math.Abs(v)
					}
				}
				check("per_sample", per[n*s.WeightLen()+wi], pn, pm, oh*ow)
				acc += pn
				mag += pm
			}
			check("bwd_weight", dw[wi], acc, mag, s.N*oh*ow)
		}
	}
}
