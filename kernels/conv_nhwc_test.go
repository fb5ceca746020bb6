package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestTransposeTo checks the blocked transpose (assembly blocks where the
// path has them) element by element, and that nothing outside the
// destination matrix is written, on every path this CPU runs.
func TestTransposeTo(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewPCG(21, 22))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, d := range []struct{ rows, cols, ldd, lds int }{
			{1, 1, 1, 1}, {3, 9, 3, 9}, {16, 9, 16, 9}, {17, 9, 20, 9}, {128, 9, 128, 9},
			{40, 49, 40, 49}, {256, 1, 256, 1}, {16, 2304, 16, 2304}, {33, 784, 35, 790}, {7, 5, 8, 6},
		} {
			src := make([]float32, (d.rows-1)*d.lds+d.cols)
			for i := range src {
				src[i] = r.Float32() - 0.5
			}
			n := (d.cols-1)*d.ldd + d.rows
			dst := make([]float32, n+40)
			for i := range dst {
				dst[i] = -7
			}
			transposeTo(dst[:n], d.ldd, src, d.lds, d.rows, d.cols)
			for j := 0; j < d.cols; j++ {
				for i := 0; i < d.ldd && j*d.ldd+i < len(dst); i++ {
					got := dst[j*d.ldd+i]
					want := float32(-7)
					if i < d.rows {
						want = src[i*d.lds+j]
					}
					if got != want {
						t.Fatalf("%s %+v: dst[%d][%d] = %g, want %g", p, d, j, i, got, want)
					}
				}
			}
			for i := n; i < len(dst); i++ {
				if dst[i] != -7 {
					t.Fatalf("%s %+v: wrote past the end at %d", p, d, i-n)
				}
			}
		}
	}
}

// TestConvNHWCPaths compares the channels-last passes with the channel-major
// ones on the VGG-like shapes (bit patterns differ: the sums run in another
// order), on every path, including the dispatch choice in automatic mode.
func TestConvNHWCPaths(t *testing.T) {
	old, oldMode := Path(), convNHWCMode
	defer func() { UsePath(old); convNHWCMode = oldMode }()
	r := rand.New(rand.NewPCG(23, 24))
	mk := func(n, c, k, hw int) ConvShape {
		return ConvShape{N: n, C: c, H: hw, W: hw, K: k, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	}
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, s := range []ConvShape{mk(3, 16, 32, 14), mk(5, 32, 48, 7), mk(4, 64, 32, 3), mk(2, 20, 17, 5)} {
			x, w, dy := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen())
			want, mag := convFwd64(s, x, w, nil)
			wantDx, magDx := convBwdData64(s, dy, w)
			for _, mode := range []int{0, 1} {
				convNHWCMode = mode
				name := fmt.Sprintf("%s mode=%d %+v", p, mode, s)
				y := make([]float32, s.yLen())
				ConvForward(s, x, w, nil, y)
				convClose(t, "fwd "+name, y, want, mag, s.C*9)
				dx := make([]float32, s.xLen())
				ConvBackwardData(s, dy, w, dx)
				convClose(t, "bwd_data "+name, dx, wantDx, magDx, s.K*9)
			}
		}
	}
}

// BenchmarkNHWCChunk sweeps the channels-last chunk width on VGG layers at
// batch 32 (interleaved, GFLOP per CPU-second).
func BenchmarkNHWCChunk(b *testing.B) {
	old := convNHWCCols
	defer func() { convNHWCCols = old }()
	mk := func(n, c, k, hw int) ConvShape {
		return ConvShape{N: n, C: c, H: hw, W: hw, K: k, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	}
	r := rand.New(rand.NewPCG(25, 26))
	for _, s := range []ConvShape{mk(32, 32, 128, 7), mk(32, 128, 128, 7), mk(32, 256, 256, 3)} {
		x, w, dy := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen())
		bias := convRand(r, s.K)
		y, dx, dw := make([]float32, s.yLen()), make([]float32, s.xLen()), make([]float32, s.WeightLen())
		flops := 6 * float64(s.N*s.K*s.C*s.R*s.S*s.OutH()*s.OutW())
		for _, cols := range []int{256, 512, 1024, 2048} {
			b.Run(fmt.Sprintf("C=%d/K=%d/hw=%d/cols=%d", s.C, s.K, s.H, cols), func(b *testing.B) {
				convNHWCCols = cols
				for i := 0; i < b.N; i++ {
					ConvForward(s, x, w, bias, y)
					ConvBackwardData(s, dy, w, dx)
					ConvBackwardWeight(s, x, dy, dw, nil)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// TestAddRows checks addRows (assembly where the path has it) against its
// pure-Go twin and that nothing outside the rows is touched.
func TestAddRows(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewPCG(27, 28))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, d := range []struct{ rows, n, ldd, lds int }{
			{1, 1, 1, 1}, {3, 3, 5, 3}, {14, 14, 14, 14}, {13, 12, 14, 14}, {7, 16, 20, 16}, {2, 17, 30, 40}, {28, 28, 28, 28}, {4, 33, 33, 35},
		} {
			src := convRand(r, (d.rows-1)*d.lds+d.n)
			dst := convRand(r, (d.rows-1)*d.ldd+d.n+20)
			want := append([]float32(nil), dst...)
			addRowsGo(want, d.ldd, src, d.lds, d.rows, d.n)
			for i := 0; i < d.rows; i++ { // the twin against a plain sum
				for j := 0; j < d.n; j++ {
					if w := dst[i*d.ldd+j] + src[i*d.lds+j]; want[i*d.ldd+j] != w {
						t.Fatalf("addRowsGo %+v: [%d][%d] = %g, want %g", d, i, j, want[i*d.ldd+j], w)
					}
				}
			}
			n := (d.rows-1)*d.ldd + d.n
			addRows(dst[:n], d.ldd, src, d.lds, d.rows, d.n)
			for i := range dst {
				if dst[i] != want[i] {
					t.Fatalf("%s %+v: element %d = %g, want %g", p, d, i, dst[i], want[i])
				}
			}
		}
	}
}

// BenchmarkCol2imRows: backward-data of the VGG's 16->32 and 32->128 layers
// at batch 32, col2im by vector row blocks against the scalar paths
// (interleaved; compare the minima).
func BenchmarkCol2imRows(b *testing.B) {
	defer func() { convCol2imTable = false }()
	mk := func(n, c, k, hw int) ConvShape {
		return ConvShape{N: n, C: c, H: hw, W: hw, K: k, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	}
	r := rand.New(rand.NewPCG(29, 30))
	for _, s := range []ConvShape{mk(32, 16, 32, 14), mk(32, 32, 128, 7)} {
		w, dy := convRand(r, s.WeightLen()), convRand(r, s.yLen())
		dx := make([]float32, s.xLen())
		for rep := 0; rep < 3; rep++ {
			for _, table := range []bool{false, true} {
				b.Run(fmt.Sprintf("C=%d/hw=%d/table=%v", s.C, s.H, table), func(b *testing.B) {
					convCol2imTable = table
					for i := 0; i < b.N; i++ {
						ConvBackwardData(s, dy, w, dx)
					}
				})
			}
		}
	}
}

// TestConvDirect16 checks the assembly direct-convolution row kernel against
// its Go twin (FMAs in the same order; the twin's float64 FMA may round
// differently in rare double-rounding cases, hence the tiny tolerance).
func TestConvDirect16(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewPCG(31, 32))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		kern := directKernel()
		if kern == nil {
			continue
		}
		for _, d := range []struct{ taps, n, kn int }{{1, 1, 1}, {27, 16, 16}, {27, 12, 16}, {144, 14, 16}, {9, 7, 5}, {300, 16, 3}, {0, 16, 16}} {
			in := convRand(r, 4000)
			offs := make([]int32, d.taps)
			for i := range offs {
				offs[i] = int32(r.IntN(4000 - 16))
			}
			w := convRand(r, d.taps*16+1)
			bias := convRand(r, 16)
			const ldo = 37
			got := make([]float32, 16*ldo+16)
			want := make([]float32, len(got))
			for i := range got {
				got[i], want[i] = -9, -9
			}
			var op, wp *int32
			if d.taps > 0 {
				op, wp = &offs[0], &offs[0]
			} else {
				op, wp = new(int32), new(int32)
			}
			kern(&got[0], ldo, &in[0], op, d.taps, &w[0], d.n, d.kn, &bias[0])
			convDirect16Go(&want[0], ldo, &in[0], wp, d.taps, &w[0], d.n, d.kn, &bias[0])
			for i := range got {
				if diff := math.Abs(float64(got[i] - want[i])); diff > 1e-6*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%s %+v: element %d (channel %d, pixel %d) = %g, want %g", p, d, i, i/ldo, i%ldo, got[i], want[i])
				}
			}
		}
	}
}

// TestWgradDirect16 checks the assembly direct weight-gradient kernel
// against its Go twin.
func TestWgradDirect16(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewPCG(33, 34))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		kern := wgradKernel()
		if kern == nil {
			continue
		}
		for _, d := range []struct{ rows, ow, wp int }{{1, 1, 1}, {28, 28, 30}, {14, 14, 16}, {3, 16, 18}, {5, 33, 35}, {7, 7, 9}, {0, 5, 7}} {
			ldr := (d.ow + 15) / 16 * 16
			ldy := max(1, d.rows)*ldr + 3
			dy := convRand(r, 16*ldy)
			x := convRand(r, max(1, d.rows)*d.wp+16)
			got := convRand(r, 256)
			want := append([]float32(nil), got...)
			kern(&got[0], &dy[0], ldy, ldr, &x[0], d.rows, d.ow, d.wp)
			wgradDirect16Go(&want[0], &dy[0], ldy, ldr, &x[0], d.rows, d.ow, d.wp)
			for i := range got {
				if diff := math.Abs(float64(got[i] - want[i])); diff > 1e-6*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%s %+v: part[%d] = %g, want %g", p, d, i, got[i], want[i])
				}
			}
		}
	}
}

// TestConvDirectShapes runs the direct passes (forced, so the Go kernels
// run on paths without the assembly) on awkward stride-1 shapes with 16 or
// 32 output channels against the float64 references.
func TestConvDirectShapes(t *testing.T) {
	old, oldMode, oldTh := Path(), convDirectMode, Threads()
	defer func() { UsePath(old); convDirectMode = oldMode; SetThreads(oldTh) }()
	r := rand.New(rand.NewPCG(35, 36))
	var shapes []ConvShape
	for len(shapes) < 24 {
		s := ConvShape{N: 1 + r.IntN(3), C: []int{1, 3, 16, 17}[r.IntN(4)], H: 1 + r.IntN(20), W: 1 + r.IntN(20),
			K: []int{16, 32, 8, 17}[r.IntN(4)], R: []int{1, 3, 5}[r.IntN(3)], S: []int{1, 3}[r.IntN(2)],
			StrideH: 1, StrideW: 1, PadH: r.IntN(3), PadW: r.IntN(3)}
		if s.Valid() == nil {
			shapes = append(shapes, s)
		}
	}
	convDirectMode = 1
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for i, s := range shapes {
			SetThreads(1 + i%3)
			x, w, dy, bias := convRand(r, s.xLen()), convRand(r, s.WeightLen()), convRand(r, s.yLen()), convRand(r, s.K)
			want, mag := convFwd64(s, x, w, bias)
			y := make([]float32, s.yLen())
			ConvForward(s, x, w, bias, y)
			convClose(t, fmt.Sprintf("%s fwd %+v", p, s), y, want, mag, s.C*s.R*s.S)
			wantDx, magDx := convBwdData64(s, dy, w)
			dx := make([]float32, s.xLen())
			ConvBackwardData(s, dy, w, dx)
			convClose(t, fmt.Sprintf("%s bwd_data %+v", p, s), dx, wantDx, magDx, s.K*s.R*s.S)
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
			dw := make([]float32, wl)
			for j := range dw {
				dw[j] = 0.5
			}
			ConvBackwardWeight(s, x, dy, dw, nil)
			convClose(t, fmt.Sprintf("%s bwd_weight %+v", p, s), dw, wantW, magW, s.N*s.OutH()*s.OutW())
		}
	}
}

// TestWtJobSplit: the weight rearrangements give the same result whether
// their units run in one range or in several (as on several threads).
func TestWtJobSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	for _, d := range []struct{ k, c, rs int }{{16, 3, 9}, {32, 17, 9}, {128, 64, 9}, {5, 7, 15}} {
		crs := d.c * d.rs
		w, bias := convRand(r, d.k*crs), convRand(r, d.k)
		for _, tr := range []bool{false, true} {
			var j1, j2 wtJob
			units := d.k
			if tr {
				j1 = wtJob{k: d.k, crs: crs, w: w, dst: make([]float32, d.k*crs)}
				units = (crs + 15) / 16
			} else {
				j1 = wtJob{c: d.c, rs: d.rs, kk: crs + 1, w: w, bias: bias, dst: make([]float32, d.k*(crs+1))}
			}
			j2 = j1
			j2.dst = make([]float32, len(j1.dst))
			j1.runRange(0, units)
			for lo := 0; lo < units; lo += 3 {
				j2.runRange(lo, min(units, lo+3))
			}
			for i := range j1.dst {
				if j1.dst[i] != j2.dst[i] {
					t.Fatalf("%+v transpose=%v: element %d differs", d, tr, i)
				}
			}
			// and against the definition
			for k := 0; k < d.k; k++ {
				for c := 0; c < d.c; c++ {
					for q := 0; q < d.rs; q++ {
						v := w[k*crs+c*d.rs+q]
						if tr && j1.dst[(c*d.rs+q)*d.k+k] != v {
							t.Fatalf("%+v: transpose wrong at k=%d c=%d t=%d", d, k, c, q)
						}
						if !tr && j1.dst[k*(crs+1)+q*d.c+c] != v {
							t.Fatalf("%+v: permute wrong at k=%d c=%d t=%d", d, k, c, q)
						}
					}
				}
				if !tr && j1.dst[k*(crs+1)+crs] != bias[k] {
					t.Fatalf("%+v: bias wrong at k=%d", d, k)
				}
			}
		}
	}
}

// TestSumBias: the assembly block sum is bit-identical to its Go twin, and
// sumBias matches a float64 reference closely.
func TestSumBias(t *testing.T) {
	old := Path()
	defer UsePath(old)
	r := rand.New(rand.NewPCG(39, 40))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 31, 32, 33, 196, 784, 4097} {
			x := convRand(r, n)
			var ref float64
			for _, v := range x {
				ref += float64(v)
			}
			if got := sumBias(x); math.Abs(got-ref) > 1e-12*float64(n+1) {
				t.Fatalf("%s n=%d: %g, want %g", p, n, got, ref)
			}
			if fn := sumBlocksFn(); fn != nil && n >= 32 {
				nb := n / 32
				if a, b := fn(&x[0], nb), sum64BlocksGo(x[:nb*32]); math.Float64bits(a) != math.Float64bits(b) {
					t.Fatalf("%s n=%d: asm %v, twin %v", p, n, a, b)
				}
			}
		}
	}
}
