package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// tapValues fills x with random values mixed with NaNs (distinct payloads,
// a signalling one), infinities, signed zeros and subnormals.
func tapValues(rng *rand.Rand, x []float32) {
	special := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0,
		math.Float32frombits(0x7fc00001), math.Float32frombits(0xffc12345), math.Float32frombits(0x7f800abc),
		math.Float32frombits(0x00000003), math.Float32frombits(0x80400000)}
	for i := range x {
		if rng.IntN(8) == 0 {
			x[i] = special[rng.IntN(len(special))]
			continue
		}
		x[i] = float32(rng.NormFloat64())
	}
}

var tapShapesC = []int{1, 3, 15, 16, 17, 31, 32, 33, 64, 255, 256}
var tapShapesRS = []int{1, 4, 9, 25}

// TestTapTranspose checks every path against index-by-index moves, bit for
// bit (the 1- and 9-tap kernels even for signalling NaNs), with padded
// destination rows, one or several filters with gaps between them, and
// unaligned slices, and that nothing outside the destination rows is
// written.
func TestTapTranspose(t *testing.T) {
	old := Path()
	defer UsePath(old)
	rng := rand.New(rand.NewPCG(1, 2))
	const sentinel = 0x7fbadbad
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, c := range tapShapesC {
			for _, rs := range tapShapesRS {
				for _, pad := range []int{0, 5, 3 * c} { // ldd = c + pad
					for _, off := range []int{0, 1, 3} {
						for _, n := range []int{1, 3} {
							ldd := c + pad
							dk := (rs-1)*ldd + c + off // gap of off floats between filters
							sk := c*rs + 2*off
							src := make([]float32, off+(n-1)*sk+c*rs)[off:]
							tapValues(rng, src)
							buf := make([]float32, off+(n-1)*dk+(rs-1)*ldd+c+7)
							for i := range buf {
								buf[i] = math.Float32frombits(sentinel)
							}
							dst := buf[off : off+(n-1)*dk+(rs-1)*ldd+c]
							if n == 1 {
								tapTranspose(dst, ldd, src, c, rs)
							} else {
								tapTransposeN(dst, ldd, dk, src, sk, n, c, rs)
							}
							name := fmt.Sprintf("%s c=%d rs=%d ldd=%d off=%d n=%d", p, c, rs, ldd, off, n)
							want := make([]uint32, len(dst))
							for i := range want {
								want[i] = sentinel
							}
							for f := 0; f < n; f++ {
								for tt := 0; tt < rs; tt++ {
									for i := 0; i < c; i++ {
										want[f*dk+tt*ldd+i] = math.Float32bits(src[f*sk+i*rs+tt])
									}
								}
							}
							for i, w := range want {
								got := math.Float32bits(dst[i])
								// The general transposes (other rs) scale by 1,
								// which quiets a signalling NaN.
								quieted := rs != 1 && rs != 9 && w != sentinel && got == w|0x00400000
								if got != w && !quieted {
									t.Fatalf("%s: dst[%d] = %#x, want %#x", name, i, got, w)
								}
							}
							for i := off + len(dst); i < len(buf); i++ {
								if math.Float32bits(buf[i]) != sentinel {
									t.Fatalf("%s: wrote past the destination at %d", name, i-off)
								}
							}
						}
					}
				}
			}
		}
	}
}

// addRef is one float32 sum through float64 (exact for two float32s, so its
// rounding to float32 is the single float32 add's).
func addRef(a, b float32) float32 { return float32(float64(a) + float64(b)) }

// TestTapAdd checks every path's dst[i][t] += src[t][i] against addRef
// with the same shapes as TestTapTranspose. NaNs must stay NaNs; where both
// operands are NaNs the assembly must return dst's (quieted), as Add does.
func TestTapAdd(t *testing.T) {
	old := Path()
	defer UsePath(old)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, c := range tapShapesC {
			for _, rs := range tapShapesRS {
				if !tapAddFast(rs) {
					continue
				}
				for _, pad := range []int{0, 5, 3 * c} {
					for _, off := range []int{0, 1, 3} {
						lds := c + pad
						src := make([]float32, off+(rs-1)*lds+c)[off:]
						tapValues(rng, src)
						buf := make([]float32, off+c*rs+7)
						dst := buf[off : off+c*rs]
						tapValues(rng, buf)
						d0 := append([]float32(nil), dst...)
						tail := append([]float32(nil), buf[off+c*rs:]...)
						tapAdd(dst, src, lds, c, rs)
						name := fmt.Sprintf("%s c=%d rs=%d lds=%d off=%d", p, c, rs, lds, off)
						asm := p == "avx512" && (rs == 1 || rs == 9)
						for i := 0; i < c; i++ {
							for tt := 0; tt < rs; tt++ {
								a, b := d0[i*rs+tt], src[tt*lds+i]
								got, want := dst[i*rs+tt], addRef(a, b)
								gb, wb := math.Float32bits(got), math.Float32bits(want)
								if a != a || b != b {
									if got == got {
										t.Fatalf("%s: [%d][%d] %v + %v = %v, want NaN", name, i, tt, a, b, got)
									}
									if asm && a != a && gb != math.Float32bits(a)|0x00400000 {
										t.Fatalf("%s: [%d][%d] NaN %#x + %#x = %#x, want the first operand's", name, i, tt,
											math.Float32bits(a), math.Float32bits(b), gb)
									}
									continue
								}
								if gb != wb {
									t.Fatalf("%s: [%d][%d] %v + %v = %v (%#x), want %v (%#x)", name, i, tt, a, b, got, gb, want, wb)
								}
							}
						}
						for i, v := range buf[off+c*rs:] {
							if math.Float32bits(v) != math.Float32bits(tail[i]) {
								t.Fatalf("%s: wrote past the destination", name)
							}
						}
					}
				}
			}
		}
	}
}

// TestTapTable checks the permute tables against their definition: each
// de-interleave lane names x[3i+j], each interleave lane d_{m%3}[m/3].
func TestTapTable(t *testing.T) {
	if len(tapTab) < 198 {
		t.Skip("no assembly tables on this build")
	}
	for j := 0; j < 3; j++ {
		for i := 0; i < 16; i++ {
			src := int(tapTab[j*16+i])
			if tapTab[192+j]>>i&1 == 1 {
				src = 32 + int(tapTab[48+j*16+i])
			}
			if src != 3*i+j {
				t.Fatalf("de-interleave %d lane %d reads %d, want %d", j, i, src, 3*i+j)
			}
		}
	}
	for q := 0; q < 3; q++ {
		for i := 0; i < 16; i++ {
			m := 16*q + i
			var d, n int
			if tapTab[195+q]>>i&1 == 1 {
				d, n = 2, int(tapTab[144+q*16+i])
			} else {
				v := int(tapTab[96+q*16+i])
				d, n = v/16, v%16
			}
			if d != m%3 || n != m/3 {
				t.Fatalf("interleave %d lane %d reads d%d[%d], want d%d[%d]", q, i, d, n, m%3, m/3)
			}
		}
	}
}

// BenchmarkTapTranspose: one 256->256 3x3 layer's weights, [k][c][t] to
// [k][t][c], by the tap kernel (new) and by the general transpose (old).
func BenchmarkTapTranspose(b *testing.B) {
	const k, c, rs = 256, 256, 9
	w := make([]float32, k*c*rs)
	tapValues(rand.New(rand.NewPCG(1, 1)), w)
	dst := make([]float32, len(w))
	for _, mode := range []string{"new", "old"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(int64(8 * len(w)))
			for i := 0; i < b.N; i++ {
				for kk := 0; kk < k; kk++ {
					d, s := dst[kk*c*rs:(kk+1)*c*rs], w[kk*c*rs:(kk+1)*c*rs]
					if mode == "new" {
						tapTranspose(d, c, s, c, rs)
					} else {
						transposeTo(d, c, s, rs, c, rs)
					}
				}
			}
		})
	}
}

// BenchmarkTapAdd: one 256->256 3x3 layer's weight gradient added back,
// fused (new) or transposed into scratch and added (old).
func BenchmarkTapAdd(b *testing.B) {
	const k, c, rs = 256, 256, 9
	src := make([]float32, k*c*rs)
	tapValues(rand.New(rand.NewPCG(1, 1)), src)
	dst := make([]float32, len(src))
	tmp := make([]float32, c*rs)
	for _, mode := range []string{"new", "old"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(int64(12 * len(src)))
			for i := 0; i < b.N; i++ {
				for kk := 0; kk < k; kk++ {
					d, s := dst[kk*c*rs:(kk+1)*c*rs], src[kk*c*rs:(kk+1)*c*rs]
					if mode == "new" {
						tapAdd(d, s, c, c, rs)
					} else if fn := transFewFn(); fn != nil {
						fn(&tmp[0], &s[0], c, c, rs, rs, 1)
						Add(d, d, tmp)
					}
				}
			}
		})
	}
}

// TestDataTapsSameBits checks that channels-last backward-data gives the
// same bits with its weights as (RS*K) x C (dataTaps) as with the
// transposed C x (RS*K) layout it replaces, on every path and thread count.
func TestDataTapsSameBits(t *testing.T) {
	oldPath, oldTh, oldOff := Path(), Threads(), convDataTapsOff
	defer func() { UsePath(oldPath); SetThreads(oldTh); convDataTapsOff = oldOff }()
	rng := rand.New(rand.NewPCG(5, 6))
	shapes := []ConvShape{
		{N: 1, C: 256, H: 3, W: 3, K: 256, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 32, H: 7, W: 7, K: 128, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 3, C: 33, H: 5, W: 4, K: 40, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 0},
		{N: 2, C: 17, H: 2, W: 2, K: 9, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 64, H: 1, W: 1, K: 32, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 256, H: 3, W: 3, K: 2, R: 1, S: 1, StrideH: 1, StrideW: 1},
		{N: 2, C: 48, H: 4, W: 4, K: 20, R: 1, S: 1, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 16, H: 6, W: 6, K: 16, R: 5, S: 5, StrideH: 1, StrideW: 1, PadH: 2, PadW: 2},
	}
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, th := range []int{1, 2} {
			SetThreads(th)
			for _, s := range shapes {
				for _, l := range []ConvLayout{{In: true, Out: true}, {In: false, Out: true}, {In: true, Out: false}} {
					dy := make([]float32, s.yLen())
					w := make([]float32, s.WeightLen())
					for i := range dy {
						dy[i] = float32(rng.NormFloat64())
					}
					for i := range w {
						w[i] = float32(rng.NormFloat64())
					}
					dx0 := make([]float32, s.xLen())
					dx1 := make([]float32, s.xLen())
					convDataTapsOff = true
					ConvBackwardDataLayout(s, l, dy, w, dx0)
					convDataTapsOff = false
					ConvBackwardDataLayout(s, l, dy, w, dx1)
					for i := range dx0 {
						if math.Float32bits(dx0[i]) != math.Float32bits(dx1[i]) {
							t.Fatalf("%s threads=%d %+v %+v: dx[%d] = %v with dataTaps, %v without", p, th, s, l, i, dx1[i], dx0[i])
						}
					}
				}
			}
		}
	}
}

// forFuseCases runs check for every shape in every channels-last layout,
// on every path, at 1 and 2 threads, with the real block size and a small
// one (so that every shape has several blocks), restoring the settings.
func forFuseCases(t *testing.T, shapes []ConvShape, check func(name string, s ConvShape, l ConvLayout)) {
	oldPath, oldTh, oldOff, oldFloats := Path(), Threads(), convFuseOff, convFuseFloats
	defer func() { UsePath(oldPath); SetThreads(oldTh); convFuseOff = oldOff; convFuseFloats = oldFloats }()
	for _, p := range Paths() {
		if err := UsePath(p); err != nil {
			t.Fatal(err)
		}
		for _, th := range []int{1, 2} {
			SetThreads(th)
			for _, floats := range []int{96 << 10, 2000} {
				convFuseFloats = floats
				for _, s := range shapes {
					for _, l := range []ConvLayout{{In: true, Out: true}, {In: false, Out: true}, {In: true, Out: false}} {
						check(fmt.Sprintf("%s threads=%d block floats=%d %+v %+v", p, th, floats, s, l), s, l)
					}
				}
			}
		}
	}
}

// TestFusedSameBits checks that batch-1 channels-last forward and
// backward-data passes give the same bits fused (weights rearranged and
// multiplied block by block) as unfused.
func TestFusedSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := []ConvShape{
		{N: 1, C: 256, H: 3, W: 3, K: 256, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 128, H: 7, W: 7, K: 128, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 33, H: 5, W: 4, K: 72, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 0},
		{N: 1, C: 40, H: 6, W: 6, K: 41, R: 3, S: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1},
		{N: 1, C: 16, H: 2, W: 2, K: 64, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 48, H: 5, W: 5, K: 80, R: 5, S: 5, StrideH: 1, StrideW: 1, PadH: 2, PadW: 2},
		{N: 1, C: 64, H: 4, W: 4, K: 70, R: 1, S: 1, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
	}
	forFuseCases(t, shapes, func(name string, s ConvShape, l ConvLayout) {
		x := make([]float32, s.xLen())
		dy := make([]float32, s.yLen())
		w := make([]float32, s.WeightLen())
		bias := make([]float32, s.K)
		for _, v := range [][]float32{x, dy, w, bias} {
			for i := range v {
				v[i] = float32(rng.NormFloat64())
			}
		}
		for _, b := range [][]float32{bias, nil} {
			y0, y1 := make([]float32, s.yLen()), make([]float32, s.yLen())
			convFuseOff = true
			ConvForwardLayout(s, l, x, w, b, y0)
			convFuseOff = false
			ConvForwardLayout(s, l, x, w, b, y1)
			sameBits(t, name+" forward", y0, y1)
		}
		if s.StrideH == 1 {
			dx0, dx1 := make([]float32, s.xLen()), make([]float32, s.xLen())
			convFuseOff = true
			ConvBackwardDataLayout(s, l, dy, w, dx0)
			convFuseOff = false
			ConvBackwardDataLayout(s, l, dy, w, dx1)
			sameBits(t, name+" backward-data", dx0, dx1)
		}
	})
}

func sameBits(t *testing.T, name string, want, got []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
			t.Fatalf("%s: [%d] = %v fused, %v unfused", name, i, got[i], want[i])
		}
	}
}

// TestFusedWeightSameBits checks that the batch-1 weight gradient from
// saved rows accumulates the same bits into dw fused (block of output
// channels by block, added while in L2) as through the whole K x CRS
// product.
func TestFusedWeightSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	shapes := []ConvShape{
		{N: 1, C: 256, H: 3, W: 3, K: 256, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 128, H: 7, W: 7, K: 128, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 33, H: 5, W: 4, K: 75, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 0},
		{N: 1, C: 40, H: 6, W: 6, K: 41, R: 3, S: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1},
		{N: 1, C: 17, H: 2, W: 1, K: 50, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
		{N: 1, C: 64, H: 4, W: 4, K: 70, R: 1, S: 1, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1},
	}
	forFuseCases(t, shapes, func(name string, s ConvShape, l ConvLayout) {
		if !ConvSavesRows(s, l) {
			return
		}
		x := make([]float32, s.xLen())
		dy := make([]float32, s.yLen())
		w := make([]float32, s.WeightLen())
		dw := make([]float32, s.WeightLen())
		for _, v := range [][]float32{x, dy, w} {
			for i := range v {
				v[i] = float32(rng.NormFloat64())
			}
		}
		tapValues(rng, dw)
		for _, bias := range []bool{true, false} {
			var b, db0, db1 []float32
			if bias {
				b, db0, db1 = make([]float32, s.K), make([]float32, s.K), make([]float32, s.K)
			}
			rows := make([]float32, ConvRowsLen(s, bias))
			ConvForwardSave(s, l, x, w, b, make([]float32, s.yLen()), rows)
			dw0 := append([]float32(nil), dw...)
			dw1 := append([]float32(nil), dw...)
			convFuseOff = true
			ConvBackwardWeightRows(s, l, rows, bias, dy, dw0, db0)
			convFuseOff = false
			ConvBackwardWeightRows(s, l, rows, bias, dy, dw1, db1)
			n := fmt.Sprintf("%s bias=%v", name, bias)
			sameBits(t, n+" dw", dw0, dw1)
			sameBits(t, n+" db", db0, db1)
		}
	})
}
