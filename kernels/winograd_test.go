package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// winoL1 is, per filter (k, c), the sum of its 9 |weights|.
func winoL1(s ConvShape, w []float32) []float64 {
	l1 := make([]float64, s.K*s.C)
	for i := range l1 {
		for _, v := range w[i*9 : i*9+9] {
			l1[i] += math.Abs(float64(v))
		}
	}
	return l1
}

// winoRef is the direct 3x3, stride-1, pad-1 convolution in float64 on NHWC
// data, with its error scale per output: the sum over the window's inputs
// of |x| times the L1 norm of the filter it meets. (Winograd's transformed
// products mix all 9 taps of a filter, so its rounding error follows that
// rather than sum |x*w|: a 1x1 image's output x*w[centre] is computed from
// sums of all 9 weights that cancel.)
func winoRef(s ConvShape, x, w, bias []float32) (y, mag []float64) {
	y = make([]float64, s.N*s.H*s.W*s.K)
	mag = make([]float64, len(y))
	l1 := winoL1(s, w)
	for n := 0; n < s.N; n++ {
		for i := 0; i < s.H; i++ {
			for j := 0; j < s.W; j++ {
				for k := 0; k < s.K; k++ {
					var acc, abs float64
					if bias != nil {
						acc, abs = float64(bias[k]), math.Abs(float64(bias[k]))
					}
					for r := 0; r < 3; r++ {
						for q := 0; q < 3; q++ {
							ih, iw := i-1+r, j-1+q
							if ih < 0 || ih >= s.H || iw < 0 || iw >= s.W {
								continue
							}
							for c := 0; c < s.C; c++ {
								xv := float64(x[((n*s.H+ih)*s.W+iw)*s.C+c])
								acc += xv * float64(w[((k*s.C+c)*3+r)*3+q])
								abs += math.Abs(xv) * l1[k*s.C+c]
							}
						}
					}
					o := ((n*s.H+i)*s.W+j)*s.K + k
					y[o], mag[o] = acc, abs
				}
			}
		}
	}
	return y, mag
}

// winoRefData is the adjoint of winoRef, written as the scatter it is:
// every dy element adds w times itself to the inputs its output read.
func winoRefData(s ConvShape, dy, w []float32) (dx, mag []float64) {
	dx = make([]float64, s.N*s.H*s.W*s.C)
	mag = make([]float64, len(dx))
	l1 := winoL1(s, w)
	for n := 0; n < s.N; n++ {
		for i := 0; i < s.H; i++ {
			for j := 0; j < s.W; j++ {
				for k := 0; k < s.K; k++ {
					g := float64(dy[((n*s.H+i)*s.W+j)*s.K+k])
					for r := 0; r < 3; r++ {
						for q := 0; q < 3; q++ {
							ih, iw := i-1+r, j-1+q
							if ih < 0 || ih >= s.H || iw < 0 || iw >= s.W {
								continue
							}
							for c := 0; c < s.C; c++ {
								o := ((n*s.H+ih)*s.W+iw)*s.C + c
								dx[o] += g * float64(w[((k*s.C+c)*3+r)*3+q])
								mag[o] += math.Abs(g) * l1[k*s.C+c]
							}
						}
					}
				}
			}
		}
	}
	return dx, mag
}

// winoTol: |got - ref| <= winoTol * scale (see winoRef; + a tiny floor).
// F(2x2, 3x3) sums 16 transformed products whose transforms have entries of
// 1 and 1/2 and up to 4 terms per side, so its float32 error is a small
// multiple of the direct GEMM's; measured maxima on these shapes are below
// 4e-8 of the scale (float32 rounding is 6e-8 relative). F(3x3, 3x3) has
// entries up to 4 in A^T, 3 in B^T and 1/6 in G: measured maxima about
// 2e-7, tolerance 2e-6. F(4x4, 3x3) (up to 8 in A^T, 5 in B^T): measured
// about 6e-7, tolerance 5e-6.
var winoTol = map[int]float64{2: 5e-7, 3: 2e-6, 4: 5e-6}

func winoRand(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

const winoGuard = 37

// withGuard returns a slice of n floats followed by guard values.
func withGuard(n int) ([]float32, []float32) {
	full := make([]float32, n+winoGuard)
	for i := range full {
		full[i] = float32(math.Inf(-1)) // must be overwritten inside, kept outside
	}
	return full[:n], full
}

func checkGuard(t *testing.T, name string, full []float32, n int) {
	t.Helper()
	for i := n; i < len(full); i++ {
		if !math.IsInf(float64(full[i]), -1) {
			t.Fatalf("%s: guard value %d past the end overwritten: %v", name, i-n, full[i])
		}
	}
}

func checkClose(t *testing.T, name string, tol float64, got []float32, ref, mag []float64) float64 {
	t.Helper()
	worst := 0.0
	for i, r := range ref {
		d := math.Abs(float64(got[i]) - r)
		if !(d <= tol*mag[i]+1e-30) {
			t.Fatalf("%s: element %d = %v, want %v (|diff| %.3g, scale %.3g)", name, i, got[i], r, d, mag[i])
		}
		if mag[i] > 0 {
			worst = max(worst, d/mag[i])
		}
	}
	return worst
}

type winoCase struct{ n, h, w, c, k int }

func winoCases() []winoCase {
	sizes := []int{1, 2, 3, 5, 7, 14}
	chans := []int{1, 3, 16, 17, 128}
	var cs []winoCase
	i := 0
	// every pair of plane sizes with small channel counts
	for _, h := range sizes {
		for _, w := range sizes {
			cs = append(cs, winoCase{1 + 2*(i%2), h, w, chans[i%4], chans[(i+1)%4]})
			i++
		}
	}
	// every pair of channel counts on odd and even planes
	for _, c := range chans {
		for _, k := range chans {
			hw := [][2]int{{7, 7}, {3, 3}, {5, 14}, {14, 2}}[i%4]
			n := 1 + 2*(i%2)
			if c*k >= 128*128 && hw[0]*hw[1] > 49 {
				hw = [2]int{7, 5}
			}
			cs = append(cs, winoCase{n, hw[0], hw[1], c, k})
			i++
		}
	}
	// more than winoKC rows (two depth slices) in either pass, odd widths:
	// the filter transform's row blocks cross a slice boundary
	cs = append(cs, winoCase{1, 3, 4, 260, 33}, winoCase{2, 3, 3, 33, 290})
	return cs
}

func winoShapeOf(c winoCase) ConvShape {
	return ConvShape{N: c.n, C: c.c, H: c.h, W: c.w, K: c.k, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
}

func TestWinogradAgainstReference(t *testing.T) {
	defer func(m, a int) { winoMode, winoAlgoMode = m, a }(winoMode, winoAlgoMode)
	r := rand.New(rand.NewPCG(7, 11))
	worstF, worstD := map[int]float64{}, map[int]float64{}
	for ci, c := range winoCases() {
		s := winoShapeOf(c)
		x := winoRand(r, s.xLen())
		w := winoRand(r, s.WeightLen())
		dy := winoRand(r, s.yLen())
		var bias []float32
		if ci%3 != 0 {
			bias = winoRand(r, s.K)
		}
		yRef, yMag := winoRef(s, x, w, bias)
		dxRef, dxMag := winoRefData(s, dy, w)
		for _, mode := range []int{0, 1, 2, 10, 11, 12, 20, 21, 22} {
			if mode%10 != 0 && winoInputFn() == nil && !winoUseKernel() {
				continue // no assembly, no micro-kernel: same as mode 0
			}
			winoMode, winoAlgoMode = mode%10, 2+mode/10
			name := fmt.Sprintf("%+v F(%d) mode %d", c, winoAlgoMode, winoMode)
			y, yFull := withGuard(s.yLen())
			WinogradForwardNHWC(s, x, w, bias, y)
			checkGuard(t, name+" forward", yFull, len(y))
			tol := winoTol[winoAlgoMode]
			worstF[winoAlgoMode] = max(worstF[winoAlgoMode], checkClose(t, name+" forward", tol, y, yRef, yMag))
			dx, dxFull := withGuard(s.xLen())
			WinogradBackwardDataNHWC(s, dy, w, dx)
			checkGuard(t, name+" backward-data", dxFull, len(dx))
			worstD[winoAlgoMode] = max(worstD[winoAlgoMode], checkClose(t, name+" backward-data", tol, dx, dxRef, dxMag))
		}
	}
	for _, a := range []int{2, 3, 4} {
		t.Logf("F(%dx%d): worst |err| / scale: forward %.3g, backward-data %.3g (tolerance %.3g)", a, a, worstF[a], worstD[a], winoTol[a])
	}
}

// TestWinogradDeterministic: repeat runs, thread counts and group sizes all
// give the same bits (each tile's arithmetic does not depend on its group).
func TestWinogradDeterministic(t *testing.T) {
	defer SetThreads(Threads())
	defer func(v, a int) { winoL2Floats, winoAlgoMode = v, a }(winoL2Floats, winoAlgoMode)
	r := rand.New(rand.NewPCG(3, 5))
	base := []winoCase{{5, 7, 7, 32, 128}, {32, 3, 3, 128, 256}, {2, 14, 5, 17, 33}}
	for ci := 0; ci < 3*len(base); ci++ {
		c := base[ci%len(base)]
		winoAlgoMode = 2 + ci/len(base)
		s := winoShapeOf(c)
		x := winoRand(r, s.xLen())
		w := winoRand(r, s.WeightLen())
		bias := winoRand(r, s.K)
		dy := winoRand(r, s.yLen())
		var y0, dx0 []float32
		for _, th := range []int{1, 2, 3, 7} {
			for _, l2 := range []int{1 << 17, 1} { // default groups, then one block per group
				SetThreads(th)
				winoL2Floats = l2
				for rep := 0; rep < 2; rep++ {
					y := make([]float32, s.yLen())
					dx := make([]float32, s.xLen())
					WinogradForwardNHWC(s, x, w, bias, y)
					WinogradBackwardDataNHWC(s, dy, w, dx)
					if y0 == nil {
						y0, dx0 = y, dx
						continue
					}
					for i := range y {
						if math.Float32bits(y[i]) != math.Float32bits(y0[i]) {
							t.Fatalf("%+v F(%d) threads %d l2 %d rep %d: forward differs at %d", c, winoAlgoMode, th, l2, rep, i)
						}
					}
					for i := range dx {
						if math.Float32bits(dx[i]) != math.Float32bits(dx0[i]) {
							t.Fatalf("%+v F(%d) threads %d l2 %d rep %d: backward-data differs at %d", c, winoAlgoMode, th, l2, rep, i)
						}
					}
				}
			}
		}
	}
}

// TestWinogradNaN: a NaN input reaches every output whose 3x3 window holds
// it. With F(2x2) it reaches no other (the transforms are sparse enough to
// match the direct convolution exactly); with F(3x3) and F(4x4) it may
// reach the rest of the tiles whose patch holds it, and no output beyond.
func TestWinogradNaN(t *testing.T) {
	defer func(a int) { winoAlgoMode = a }(winoAlgoMode)
	r := rand.New(rand.NewPCG(9, 9))
	s := winoShapeOf(winoCase{2, 7, 6, 17, 20})
	w := winoRand(r, s.WeightLen())
	for _, algo := range []int{2, 3, 4} {
		winoAlgoMode = algo
		for _, pos := range [][3]int{{0, 0, 0}, {1, 3, 2}, {1, 6, 5}, {0, 4, 5}, {1, 2, 3}} {
			x := winoRand(r, s.xLen())
			x[((pos[0]*s.H+pos[1])*s.W+pos[2])*s.C+5] = float32(math.NaN())
			y := make([]float32, s.yLen())
			WinogradForwardNHWC(s, x, w, nil, y)
			dy := winoRand(r, s.yLen()) // backward: NaN in dy, transposed roles
			dy[((pos[0]*s.H+pos[1])*s.W+pos[2])*s.K+3] = float32(math.NaN())
			dx := make([]float32, s.xLen())
			WinogradBackwardDataNHWC(s, dy, w, dx)
			// inPatch: output row i's tile reads input rows m*(i/m)-1 .. m*(i/m)+m
			inPatch := func(i, p int) bool { return p >= algo*(i/algo)-1 && p <= algo*(i/algo)+algo }
			for _, out := range []struct {
				v  []float32
				ch int
			}{{y, s.K}, {dx, s.C}} {
				for n := 0; n < s.N; n++ {
					for i := 0; i < s.H; i++ {
						for j := 0; j < s.W; j++ {
							near := n == pos[0] && abs(i-pos[1]) <= 1 && abs(j-pos[2]) <= 1
							may := near || algo > 2 && n == pos[0] && inPatch(i, pos[1]) && inPatch(j, pos[2])
							for k := 0; k < out.ch; k++ {
								v := out.v[((n*s.H+i)*s.W+j)*out.ch+k]
								if nan := math.IsNaN(float64(v)); nan && !may || !nan && near {
									t.Fatalf("F(%d) NaN at %v: output (%d,%d,%d,%d) = %v", algo, pos, n, i, j, k, v)
								}
							}
						}
					}
				}
			}
		}
	}
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// TestWinogradTwins: the Go transforms of both algorithms match the path's
// assembly bit for bit (skips where there is none).
func TestWinogradTwins(t *testing.T) {
	f2, f3, f4 := winoAlgos()
	for _, al := range []winoAlgo{f2, f3, f4} {
		if al.in == nil || al.out == nil || al.filt == nil {
			t.Skip("no assembly transforms on this path")
		}
		r := rand.New(rand.NewPCG(1, 2))
		ne, mm := al.ne, al.m*al.m
		for _, c := range []int{1, 3, 15, 16, 17, 32, 33, 48, 100, 128} {
			const nt = 5
			src := winoRand(r, ne*nt*c)
			pin := make([]*float32, ne*nt)
			for i := range pin {
				pin[i] = &src[r.IntN(ne*nt)/c*c]
			}
			lde, ldv := nt*(c+3), c+3
			a, b := make([]float32, ne*lde), make([]float32, ne*lde)
			al.in(&pin[0], nt, c, &a[0], lde, ldv)
			al.inGo(pin, nt, c, b, lde, ldv)
			for i := range a {
				if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
					t.Fatalf("F(%d) input transform c=%d: %d: asm %v, Go %v", al.m, c, i, a[i], b[i])
				}
			}
			for _, neg := range []bool{false, true} {
				ldg := c + 5
				src := winoRand(r, 9*ldg)
				off := 0
				if neg {
					off, ldg = 8*ldg, -ldg
				}
				kb := 3
				ldp := kb * winoNR
				np := (c + winoNR - 1) / winoNR
				lde := np*ldp + 7
				a, b := make([]float32, ne*lde), make([]float32, ne*lde)
				al.filt(&src[off], ldg, c, &a[0], lde, ldp)
				winoFilterRunGo(&al, src, off, ldg, c, b, lde, ldp)
				for i := range a {
					if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
						t.Fatalf("F(%d) filter transform n=%d neg %v: %d: asm %v, Go %v", al.m, c, neg, i, a[i], b[i])
					}
				}
			}
			m := winoRand(r, ne*lde)
			bias := winoRand(r, c)
			for _, bp := range []*float32{nil, &bias[0]} {
				ya, yb := make([]float32, mm*nt*c+winoGuard), make([]float32, mm*nt*c+winoGuard)
				pa, pb := make([]*float32, mm*nt), make([]*float32, mm*nt)
				for i := range pa {
					pa[i], pb[i] = &ya[i*c], &yb[i*c]
				}
				al.out(&m[0], lde, ldv, nt, c, &pa[0], bp)
				al.outGo(m, lde, ldv, nt, c, pb, bp)
				for i := range ya {
					if math.Float32bits(ya[i]) != math.Float32bits(yb[i]) {
						t.Fatalf("F(%d) output transform c=%d bias %v: %d: asm %v, Go %v", al.m, c, bp != nil, i, ya[i], yb[i])
					}
				}
			}
		}
	}
}

// TestWinogradAllocs: no allocations per call once the buffers exist, on
// the tile split and (two threads, few tiles) the column split.
func TestWinogradAllocs(t *testing.T) {
	defer SetThreads(Threads())
	SetThreads(2)
	r := rand.New(rand.NewPCG(4, 4))
	for _, c := range []winoCase{{8, 7, 7, 32, 64}, {32, 3, 3, 64, 128}} {
		s := winoShapeOf(c)
		x, w, b := winoRand(r, s.xLen()), winoRand(r, s.WeightLen()), winoRand(r, s.K)
		y := make([]float32, s.yLen())
		dx := make([]float32, s.xLen())
		f := func() {
			WinogradForwardNHWC(s, x, w, b, y)
			WinogradBackwardDataNHWC(s, y, w, dx)
		}
		f()
		if a := testing.AllocsPerRun(20, f); a > 0 {
			t.Fatalf("%+v: %v allocations per call", c, a)
		}
	}
}

func TestWinogradFits(t *testing.T) {
	defer func(a int) { winoAlgoMode = a }(winoAlgoMode)
	winoAlgoMode = 0
	for _, c := range []struct {
		s    winoCase
		want bool
	}{
		{winoCase{32, 28, 28, 3, 16}, false},  // VGG first layer: 3 channels
		{winoCase{32, 14, 14, 16, 32}, false}, // 16 channels: measured no gain
		{winoCase{32, 14, 14, 32, 32}, true},
		{winoCase{32, 7, 7, 32, 128}, true},
		{winoCase{32, 7, 7, 128, 128}, true},
		{winoCase{32, 3, 3, 128, 256}, true},
		{winoCase{128, 3, 3, 256, 256}, true},
		{winoCase{1, 7, 7, 128, 128}, false}, // batch-1 fine-tuning
		{winoCase{16, 3, 3, 256, 256}, false},
		{winoCase{24, 3, 3, 256, 256}, true},
		{winoCase{4, 7, 7, 128, 128}, false},
		{winoCase{8, 7, 7, 128, 128}, true},
		{winoCase{64, 2, 2, 64, 64}, false},
	} {
		if winoInputFn() == nil || !winoUseKernel() {
			c.want = false // no fast path here
		}
		if got := WinogradFits(winoShapeOf(c.s)); got != c.want {
			t.Errorf("WinogradFits(%+v) = %v, want %v", c.s, got, c.want)
		}
	}
}

func TestWinogradBadShape(t *testing.T) {
	s := ConvShape{N: 1, C: 1, H: 4, W: 4, K: 1, R: 3, S: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1}
	if WinogradFits(s) {
		t.Fatal("stride 2 fits")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("stride-2 shape did not panic")
		}
	}()
	WinogradForwardNHWC(s, make([]float32, 16), make([]float32, 9), nil, make([]float32, 4))
}

// TestWinogradConcurrent: calls from several goroutines at once (each with
// its own pooled state) give the results of calls made one at a time.
func TestWinogradConcurrent(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	cases := []winoCase{{6, 7, 7, 32, 64}, {32, 3, 3, 64, 96}, {3, 14, 14, 16, 32}}
	type run struct {
		s       ConvShape
		x, w, b []float32
		want    []float32
	}
	runs := make([]run, len(cases))
	for i, c := range cases {
		s := winoShapeOf(c)
		rn := run{s: s, x: winoRand(r, s.xLen()), w: winoRand(r, s.WeightLen()), b: winoRand(r, s.K), want: make([]float32, s.yLen())}
		WinogradForwardNHWC(s, rn.x, rn.w, rn.b, rn.want)
		runs[i] = rn
	}
	errs := make(chan string, 3*len(runs))
	done := make(chan bool)
	for g := 0; g < 3*len(runs); g++ {
		go func(rn run) {
			y := make([]float32, len(rn.want))
			for rep := 0; rep < 5; rep++ {
				WinogradForwardNHWC(rn.s, rn.x, rn.w, rn.b, y)
				for i := range y {
					if math.Float32bits(y[i]) != math.Float32bits(rn.want[i]) {
						errs <- fmt.Sprintf("%+v: element %d differs", rn.s, i)
						done <- true
						return
					}
				}
			}
			done <- true
		}(runs[g%len(runs)])
	}
	for g := 0; g < 3*len(runs); g++ {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestWinogradEmpty: no channels in gives the bias (or zeros), no channels
// out or no images touch nothing.
func TestWinogradEmpty(t *testing.T) {
	s := winoShapeOf(winoCase{1, 2, 4, 0, 3})
	y := []float32{9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 7}
	WinogradForwardNHWC(s, nil, nil, []float32{1, 2, 3}, y)
	for i, v := range y[:24] {
		if v != float32(1+i%3) {
			t.Fatalf("C=0 with bias: y[%d] = %v", i, v)
		}
	}
	WinogradForwardNHWC(s, nil, nil, nil, y)
	for i, v := range y[:24] {
		if v != 0 {
			t.Fatalf("C=0: y[%d] = %v", i, v)
		}
	}
	if y[24] != 7 {
		t.Fatal("C=0 wrote past the output")
	}
	dx := []float32{5}
	WinogradBackwardDataNHWC(s, make([]float32, 24), nil, dx) // no input channels: nothing to write
	s = winoShapeOf(winoCase{1, 2, 4, 3, 0})
	WinogradBackwardDataNHWC(s, nil, nil, y) // K = 0: dx = 0
	for i, v := range y[:24] {
		if v != 0 {
			t.Fatalf("K=0: dx[%d] = %v", i, v)
		}
	}
	s = winoShapeOf(winoCase{0, 3, 4, 3, 3})
	WinogradForwardNHWC(s, nil, make([]float32, 81), nil, nil)
	if dx[0] != 5 {
		t.Fatal("touched dx")
	}
}
