package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

var specials = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, 3e38, -3e38}

// elemInput returns n values, mostly normal with specials sprinkled in.
func elemInput(r *rand.Rand, n int) []float32 {
	v := convRand(r, n)
	for i := range v {
		if r.IntN(6) == 0 {
			v[i] = specials[r.IntN(len(specials))]
		}
	}
	return v
}

// same reports bitwise equality of float32 values, treating all NaNs alike.
func same(a, b float32) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// sameOrClose: equal as above, or within rel relative error.
func sameOrClose(a float32, b float64, rel float64) bool {
	if same(a, float32(b)) {
		return true
	}
	if math.IsNaN(b) || math.IsInf(b, 0) {
		return false
	}
	return math.Abs(float64(a)-b) <= rel*math.Abs(b)+1e-44
}

func TestElementwiseBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for n := 0; n <= 70; n++ {
		a, b := elemInput(r, n), elemInput(r, n)
		alpha := float32(r.NormFloat64())
		dst, buf := convGuarded(n, 0)
		Add(dst, a, b)
		convCheckGuards(t, "Add", buf)
		for i := range dst {
			if !same(dst[i], float32(float64(a[i])+float64(b[i]))) {
				t.Fatalf("Add n=%d i=%d: %g + %g = %g", n, i, a[i], b[i], dst[i])
			}
		}
		Scale(dst, alpha, a)
		convCheckGuards(t, "Scale", buf)
		for i := range dst {
			if !same(dst[i], float32(float64(alpha)*float64(a[i]))) {
				t.Fatalf("Scale n=%d i=%d: %g * %g = %g", n, i, alpha, a[i], dst[i])
			}
		}
		copy(dst, b)
		Axpy(alpha, a, dst)
		convCheckGuards(t, "Axpy", buf)
		for i := range dst {
			// Fused or not, the result is within one rounding of the exact value.
			want := float64(alpha)*float64(a[i]) + float64(b[i])
			if !sameOrClose(dst[i], want, 1e-6) && !same(dst[i], float32(alpha*a[i])+b[i]) {
				t.Fatalf("Axpy n=%d i=%d: %g*%g + %g = %g, want %g", n, i, alpha, a[i], b[i], dst[i], want)
			}
		}
		// Aliasing: dst == a.
		c := append([]float32(nil), a...)
		Add(c, c, b)
		for i := range c {
			if !same(c[i], a[i]+b[i]) {
				t.Fatalf("Add aliased n=%d i=%d", n, i)
			}
		}
	}
}

func TestRelu(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for n := 0; n <= 40; n++ {
		x, dy := elemInput(r, n), elemInput(r, n)
		y, buf := convGuarded(n, 0)
		Relu(y, x)
		convCheckGuards(t, "Relu", buf)
		for i, v := range x {
			want := float64(v)
			if want <= 0 { // negative and both zeros give +0
				want = 0
			}
			if !same(y[i], float32(want)) {
				t.Fatalf("Relu(%g) = %g", v, y[i])
			}
		}
		dx, bufd := convGuarded(n, float32(math.NaN()))
		ReluBackward(dx, dy, y)
		convCheckGuards(t, "ReluBackward", bufd)
		for i := range dx {
			want := float32(0)
			if float64(y[i]) > 0 {
				want = dy[i]
			}
			if !same(dx[i], want) {
				t.Fatalf("ReluBackward y=%g dy=%g: %g", y[i], dy[i], dx[i])
			}
		}
	}
	nan := float32(math.NaN())
	y := []float32{0}
	Relu(y, []float32{nan})
	if y[0] == y[0] {
		t.Fatal("Relu(NaN) is not NaN")
	}
}

// maxPoolRef: first maximum in row-major window order, first NaN wins.
func maxPoolRef(planes, h, w int, x []float32) ([]float32, []int32) {
	oh, ow := h/2, w/2
	y := make([]float32, planes*oh*ow)
	arg := make([]int32, planes*oh*ow)
	for p := 0; p < planes; p++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				best := -1
				for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
					idx := (2*i+d[0])*w + 2*j + d[1]
					v := float64(x[p*h*w+idx])
					if best < 0 {
						best = idx
						continue
					}
					bv := float64(x[p*h*w+best])
					if math.IsNaN(bv) {
						continue
					}
					if math.IsNaN(v) || v > bv {
						best = idx
					}
				}
				o := p*oh*ow + i*ow + j
				y[o], arg[o] = x[p*h*w+best], int32(best)
			}
		}
	}
	return y, arg
}

func TestMaxPool2x2(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	type hw struct{ h, w int }
	var sizes []hw
	for h := 0; h <= 7; h++ {
		for w := 0; w <= 7; w++ {
			sizes = append(sizes, hw{h, w})
		}
	}
	// wide rows reach the SIMD path (8 windows per group)
	sizes = append(sizes, hw{2, 16}, hw{3, 17}, hw{4, 33}, hw{6, 40}, hw{28, 28}, hw{5, 50}, hw{2, 70})
	for _, planes := range []int{0, 1, 3} {
		for _, sz := range sizes {
			h, w := sz.h, sz.w
			for _, nanRate := range []int{0, 1, 40} {
				x := convRand(r, planes*h*w)
				for i := range x {
					switch {
					case r.IntN(3) == 0: // ties: equal maxima, signed zeros
						x[i] = float32(r.IntN(3)) * []float32{1, -1}[r.IntN(2)]
					case nanRate == 1 && r.IntN(6) == 0:
						x[i] = specials[r.IntN(len(specials))]
					case nanRate > 1 && r.IntN(nanRate) == 0:
						x[i] = float32(math.NaN())
					}
				}
				wantY, wantA := maxPoolRef(planes, h, w, x)
				y, bufy := convGuarded(len(wantY), 0)
				arg := make([]int32, len(wantA)+1)
				arg[len(wantA)] = -99
				MaxPool2x2(planes, h, w, x, y, arg)
				convCheckGuards(t, "MaxPool2x2", bufy)
				if arg[len(wantA)] != -99 {
					t.Fatal("MaxPool2x2 wrote past arg")
				}
				for i := range wantY {
					if !same(y[i], wantY[i]) || arg[i] != wantA[i] {
						t.Fatalf("planes=%d h=%d w=%d out %d: got %g@%d want %g@%d", planes, h, w, i, y[i], arg[i], wantY[i], wantA[i])
					}
				}
				dy := convRand(r, len(wantY))
				dx, bufx := convGuarded(planes*h*w, float32(math.NaN()))
				MaxPool2x2Backward(planes, h, w, dy, arg, dx)
				convCheckGuards(t, "MaxPool2x2Backward", bufx)
				want := make([]float32, planes*h*w)
				oh, ow := h/2, w/2
				for p := 0; p < planes; p++ {
					for o := 0; o < oh*ow; o++ {
						want[p*h*w+int(wantA[p*oh*ow+o])] = dy[p*oh*ow+o]
					}
				}
				for i := range want {
					if !same(dx[i], want[i]) {
						t.Fatalf("MaxPool2x2Backward planes=%d h=%d w=%d i=%d: %g want %g", planes, h, w, i, dx[i], want[i])
					}
				}
			}
		}
	}
}

// TestMaxPoolRowSIMDTwin: the SIMD row kernel against its Go twin, bit for
// bit, with NaN groups, ties and signed zeros.
func TestMaxPoolRowSIMDTwin(t *testing.T) {
	if !elemSIMD() {
		t.Skipf("path %s has no element-wise SIMD kernels", Path())
	}
	r := rand.New(rand.NewPCG(33, 34))
	for ow := 0; ow <= 70; ow++ {
		for _, w := range []int{2 * ow, 2*ow + 1, 2*ow + 5} {
			xp := convRand(r, 2*w+3)
			for i := range xp {
				switch r.IntN(8) {
				case 0:
					xp[i] = float32(math.NaN())
				case 1, 2:
					xp[i] = float32(r.IntN(2)) * []float32{1, -1}[r.IntN(2)]
				}
			}
			if r.IntN(2) == 0 { // half the rows without NaN
				for i := range xp {
					if xp[i] != xp[i] {
						xp[i] = 1
					}
				}
			}
			row0 := r.IntN(3) // unaligned starts
			if row0+w+2*ow > len(xp) {
				row0 = 0
			}
			ys, yg := make([]float32, ow), make([]float32, ow)
			as, ag := make([]int32, ow), make([]int32, ow)
			k := maxPoolRowSIMD(xp, row0, w, ys, as)
			if k != ow&^7 {
				t.Fatalf("ow=%d: SIMD did %d windows", ow, k)
			}
			maxPoolRowGo(xp, row0, w, yg, ag)
			for j := 0; j < k; j++ {
				if !same(ys[j], yg[j]) || as[j] != ag[j] {
					t.Fatalf("ow=%d w=%d j=%d: SIMD %g@%d, Go %g@%d", ow, w, j, ys[j], as[j], yg[j], ag[j])
				}
			}
		}
	}
}

func TestSumAndMean(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for n := 0; n <= 100; n += 7 {
		x := convRand(r, n)
		var want float64
		for _, v := range x {
			want += float64(v)
		}
		if got := Sum(x); !sameOrClose(got, want, 1e-6) {
			t.Fatalf("Sum n=%d: %g want %g", n, got, want)
		}
	}
	if v := Sum([]float32{1, float32(math.NaN()), 2}); v == v {
		t.Fatal("Sum with NaN is not NaN")
	}
	if v := Sum([]float32{1, float32(math.Inf(1)), 2}); !math.IsInf(float64(v), 1) {
		t.Fatal("Sum with +Inf is not +Inf")
	}
	// float64 accumulation: 1e8 + many 1s is exact.
	big := make([]float32, 1001)
	big[0] = 1e8
	for i := 1; i < len(big); i++ {
		big[i] = 1
	}
	if got := Sum(big); got != 1e8+1000 {
		t.Fatalf("Sum loses small terms: %g", got)
	}
	x := convRand(r, 3*10)
	dst := make([]float32, 3)
	SpatialMean(dst, x, 3, 10)
	for p := 0; p < 3; p++ {
		var s float64
		for _, v := range x[p*10 : (p+1)*10] {
			s += float64(v)
		}
		if !sameOrClose(dst[p], s/10, 1e-6) {
			t.Fatalf("SpatialMean plane %d: %g want %g", p, dst[p], s/10)
		}
	}
}

func TestSoftmaxCrossEntropy(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	for _, scale := range []float64{1, 30, 1e4} {
		for _, c := range []int{1, 2, 5, 17} {
			n := 4
			logits := make([]float32, n*c)
			for i := range logits {
				logits[i] = float32(scale * r.NormFloat64())
			}
			labels := make([]int32, n)
			for i := range labels {
				labels[i] = int32(r.IntN(c))
			}
			loss, bufl := convGuarded(n, 0)
			grad, bufg := convGuarded(n*c, 0)
			SoftmaxCrossEntropy(n, c, logits, labels, loss, grad)
			convCheckGuards(t, "loss", bufl)
			convCheckGuards(t, "grad", bufg)
			for i := 0; i < n; i++ {
				row := logits[i*c : (i+1)*c]
				// float64 log-sum-exp with its own max shift
				m := math.Inf(-1)
				for _, v := range row {
					m = math.Max(m, float64(v))
				}
				var z float64
				for _, v := range row {
					z += math.Exp(float64(v) - m)
				}
				lse := m + math.Log(z)
				want := lse - float64(row[labels[i]])
				if math.IsNaN(float64(loss[i])) || math.IsInf(float64(loss[i]), 0) ||
					math.Abs(float64(loss[i])-want) > 1e-6*math.Max(1, math.Abs(want)) {
					t.Fatalf("scale %g c %d row %d: loss %g want %g", scale, c, i, loss[i], want)
				}
				var gs float64
				for j, v := range row {
					p := math.Exp(float64(v) - lse)
					if j == int(labels[i]) {
						p--
					}
					gs += float64(grad[i*c+j])
					if math.Abs(float64(grad[i*c+j])-p) > 1e-6 {
						t.Fatalf("scale %g c %d row %d grad %d: %g want %g", scale, c, i, j, grad[i*c+j], p)
					}
				}
				if math.Abs(gs) > 1e-5 {
					t.Fatalf("gradient row sums to %g", gs)
				}
			}
			SoftmaxCrossEntropy(n, c, logits, labels, loss, nil) // grad optional
		}
	}
	// NaN logit -> NaN loss; bad label -> panic.
	loss := []float32{0}
	SoftmaxCrossEntropy(1, 3, []float32{1, float32(math.NaN()), 2}, []int32{0}, loss, nil)
	if loss[0] == loss[0] {
		t.Fatal("NaN logit gave a finite loss")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("label out of range did not panic")
		}
	}()
	SoftmaxCrossEntropy(1, 3, []float32{1, 2, 3}, []int32{3}, loss, nil)
}

func TestBCEWithLogits(t *testing.T) {
	z := []float32{0, 1, -1, 30, -30, 1e4, -1e4, 0.5, float32(math.NaN())}
	tg := []float32{0, 1, 0, 1, 0, 0, 1, 0.3, 1}
	loss := make([]float32, len(z))
	grad := make([]float32, len(z))
	BCEWithLogits(z, tg, loss, grad)
	for i := range z {
		zz, tt := float64(z[i]), float64(tg[i])
		// direct formula in float64 via log-sigmoids, computed stably
		logSig := func(v float64) float64 { // log(sigmoid(v))
			if v >= 0 {
				return -math.Log1p(math.Exp(-v))
			}
			return v - math.Log1p(math.Exp(v))
		}
		want := -(tt*logSig(zz) + (1-tt)*logSig(-zz))
		wantG := 1/(1+math.Exp(-zz)) - tt
		if math.IsNaN(zz) {
			if loss[i] == loss[i] || grad[i] == grad[i] {
				t.Fatalf("NaN logit: loss %g grad %g", loss[i], grad[i])
			}
			continue
		}
		if math.Abs(float64(loss[i])-want) > 1e-6*math.Max(1, want) || math.Abs(float64(grad[i])-wantG) > 1e-6 {
			t.Fatalf("z=%g t=%g: loss %g (want %g) grad %g (want %g)", zz, tt, loss[i], want, grad[i], wantG)
		}
	}
}

func TestSmoothL1(t *testing.T) {
	p := []float32{0, 0.5, -0.5, 2, -2, 1, float32(math.Inf(1)), float32(math.NaN())}
	q := []float32{0, 0, 0, 0, 0, 0, 0, 0}
	loss := make([]float32, len(p))
	grad := make([]float32, len(p))
	SmoothL1(p, q, 1, loss, grad)
	want := []float64{0, 0.125, 0.125, 1.5, 1.5, 0.5, math.Inf(1), math.NaN()}
	wantG := []float64{0, 0.5, -0.5, 1, -1, 1, 1, math.NaN()}
	for i := range p {
		if !sameOrClose(loss[i], want[i], 1e-7) && !(math.IsNaN(want[i]) && loss[i] != loss[i]) {
			t.Fatalf("SmoothL1(%g): %g want %g", p[i], loss[i], want[i])
		}
		if !sameOrClose(grad[i], wantG[i], 1e-7) && !(math.IsNaN(wantG[i]) && grad[i] != grad[i]) {
			t.Fatalf("SmoothL1'(%g): %g want %g", p[i], grad[i], wantG[i])
		}
	}
}

// TestElementwiseSIMDTwins checks the SIMD kernels bit for bit against their
// pure-Go twins (NaN against NaN), on every length up to 100 and at
// unaligned offsets, with guard values after the output.
func TestElementwiseSIMDTwins(t *testing.T) {
	if !elemSIMD() {
		t.Skipf("path %s has no element-wise SIMD kernels", Path())
	}
	r := rand.New(rand.NewPCG(31, 32))
	for n := 0; n <= 100; n++ {
		for off := 0; off < 3; off++ {
			a := elemInput(r, n+off)[off:]
			b := elemInput(r, n+off)[off:]
			alpha := []float32{0.75, -2, 0, float32(math.NaN())}[r.IntN(4)]
			check := func(name string, simd func(dst []float32) int, twin func(dst []float32)) {
				got, buf := convGuarded(n, 0)
				want := make([]float32, n)
				k := simd(got)
				if k != n&^7 {
					t.Fatalf("%s n=%d: handled %d elements", name, n, k)
				}
				convCheckGuards(t, name, buf)
				twin(want)
				for i := 0; i < k; i++ {
					if !same(got[i], want[i]) {
						t.Fatalf("%s n=%d off=%d i=%d: simd %g, Go %g", name, n, off, i, got[i], want[i])
					}
				}
			}
			check("Relu", func(d []float32) int { return reluSIMD(d, a) }, func(d []float32) { reluGo(d, a) })
			check("ReluBackward", func(d []float32) int { return reluBackwardSIMD(d, b, a) }, func(d []float32) { reluBackwardGo(d, b, a) })
			check("Add", func(d []float32) int { return addSIMD(d, a, b) }, func(d []float32) { addGo(d, a, b) })
			check("Scale", func(d []float32) int { return scaleSIMD(d, alpha, a) }, func(d []float32) { scaleGo(d, alpha, a) })
		}
	}
}

// TestMaxPoolPathsAgree runs MaxPool2x2 and its backward on every available
// path and compares them bit for bit (NaN against NaN) with the generic
// path and the reference, over many widths and heights (odd ones included),
// several planes, unaligned starts, ties, signed zeros and NaNs, with
// guard values around every output.
func TestMaxPoolPathsAgree(t *testing.T) {
	defer func(p string) {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
	}(Path())
	r := rand.New(rand.NewPCG(35, 36))
	for trial := 0; trial < 300; trial++ {
		planes, h, w := 1+r.IntN(4), 2+r.IntN(12), 2+r.IntN(45)
		off := r.IntN(3)
		x := convRand(r, planes*h*w+off)[off:]
		for i := range x {
			switch r.IntN(10) {
			case 0:
				x[i] = float32(math.NaN())
			case 1, 2, 3:
				x[i] = float32(r.IntN(2)) * []float32{1, -1}[r.IntN(2)]
			}
		}
		if trial%3 == 0 {
			for i := range x {
				if x[i] != x[i] {
					x[i] = 2
				}
			}
		}
		nout := planes * (h / 2) * (w / 2)
		dy := convRand(r, nout)
		wantY, wantA := maxPoolRef(planes, h, w, x)
		var refDx []float32
		for _, p := range Paths() {
			if err := UsePath(p); err != nil {
				t.Fatal(err)
			}
			y, bufy := convGuarded(nout, 0)
			argBuf := make([]int32, nout+2)
			argBuf[0], argBuf[nout+1] = -99, -99
			arg := argBuf[1 : nout+1]
			MaxPool2x2(planes, h, w, x, y, arg)
			convCheckGuards(t, p+" MaxPool2x2", bufy)
			if argBuf[0] != -99 || argBuf[nout+1] != -99 {
				t.Fatalf("%s: MaxPool2x2 wrote outside arg", p)
			}
			for i := range y {
				if !same(y[i], wantY[i]) || arg[i] != wantA[i] {
					t.Fatalf("%s planes=%d h=%d w=%d out %d: got %g@%d want %g@%d", p, planes, h, w, i, y[i], arg[i], wantY[i], wantA[i])
				}
			}
			dx, bufx := convGuarded(planes*h*w, float32(math.NaN()))
			MaxPool2x2Backward(planes, h, w, dy, arg, dx)
			convCheckGuards(t, p+" MaxPool2x2Backward", bufx)
			if refDx == nil {
				refDx = append([]float32(nil), dx...)
				// independent check of the first path: dy at the winner, 0 elsewhere
				want := make([]float32, len(dx))
				for pl := 0; pl < planes; pl++ {
					for o := 0; o < nout/planes; o++ {
						want[pl*h*w+int(wantA[pl*(nout/planes)+o])] = dy[pl*(nout/planes)+o]
					}
				}
				for i := range want {
					if !same(dx[i], want[i]) {
						t.Fatalf("%s backward planes=%d h=%d w=%d i=%d: %g want %g", p, planes, h, w, i, dx[i], want[i])
					}
				}
				continue
			}
			for i := range dx {
				if !same(dx[i], refDx[i]) {
					t.Fatalf("%s backward planes=%d h=%d w=%d i=%d: %g, first path %g", p, planes, h, w, i, dx[i], refDx[i])
				}
			}
		}
	}
}

// BenchmarkMaxPool: BPVGG's three pooling layers at batch 32, forward and
// backward, on the path in use (REMEDY_KERNELS picks another).
func BenchmarkMaxPool(b *testing.B) {
	r := rand.New(rand.NewPCG(37, 38))
	for _, s := range []struct{ c, hw int }{{16, 28}, {32, 14}, {128, 7}} {
		planes := 32 * s.c
		x := convRand(r, planes*s.hw*s.hw)
		nout := planes * (s.hw / 2) * (s.hw / 2)
		y, arg, dx := make([]float32, nout), make([]int32, nout), make([]float32, len(x))
		MaxPool2x2(planes, s.hw, s.hw, x, y, arg) // real winners for the backward runs
		b.Run(fmt.Sprintf("fwd/%dx%d", s.c, s.hw), func(b *testing.B) {
			b.SetBytes(int64(4 * (len(x) + 2*nout)))
			for i := 0; i < b.N; i++ {
				MaxPool2x2(planes, s.hw, s.hw, x, y, arg)
			}
		})
		b.Run(fmt.Sprintf("bwd/%dx%d", s.c, s.hw), func(b *testing.B) {
			b.SetBytes(int64(4 * (len(x) + 2*nout)))
			for i := 0; i < b.N; i++ {
				MaxPool2x2Backward(planes, s.hw, s.hw, y, arg, dx)
			}
		})
		// pooled ReLU outputs with 40% zeros at random: the mask must not
		// depend on branch prediction
		yr := append([]float32(nil), y...)
		for i := range yr {
			if r.IntN(5) < 2 {
				yr[i] = 0
			}
		}
		b.Run(fmt.Sprintf("bwdrelu/%dx%d", s.c, s.hw), func(b *testing.B) {
			b.SetBytes(int64(4 * (len(x) + 3*nout)))
			for i := 0; i < b.N; i++ {
				MaxPool2x2ReluBackward(planes, s.hw, s.hw, y, yr, arg, dx)
			}
		})
	}
}

// TestMaxPool2x2ReluBackward: the fused kernel (the path's SIMD rows and
// the Go rows) equals ReluBackward after MaxPool2x2Backward bit for bit
// (pooled values <= 0 and NaN pass nothing).
func TestMaxPool2x2ReluBackward(t *testing.T) {
	defer func(m int) { poolBackMode = m }(poolBackMode)
	r := rand.New(rand.NewPCG(39, 40))
	for trial := 0; trial < 200; trial++ {
		poolBackMode = 2 * (trial % 2) // the path's rows, then the Go rows
		planes, h, w := 1+r.IntN(3), 2+r.IntN(9), 2+r.IntN(20)
		if trial%4 >= 2 { // more than one 16-window step per row, tails
			w = 30 + r.IntN(60)
		}
		x := elemInput(r, planes*h*w)
		rx := make([]float32, len(x))
		Relu(rx, x)
		nout := planes * (h / 2) * (w / 2)
		y, arg := make([]float32, nout), make([]int32, nout)
		MaxPool2x2(planes, h, w, rx, y, arg)
		dy := elemInput(r, nout)
		want := make([]float32, len(x))
		MaxPool2x2Backward(planes, h, w, dy, arg, want)
		ReluBackward(want, want, rx)
		got, buf := convGuarded(len(x), float32(math.NaN()))
		MaxPool2x2ReluBackward(planes, h, w, dy, y, arg, got)
		convCheckGuards(t, "MaxPool2x2ReluBackward", buf)
		for i := range want {
			if !same(got[i], want[i]) || math.Signbit(float64(got[i])) != math.Signbit(float64(want[i])) {
				t.Fatalf("planes=%d h=%d w=%d mode %d i=%d: fused %g, two passes %g", planes, h, w, poolBackMode, i, got[i], want[i])
			}
		}
	}
}
