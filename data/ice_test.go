package data

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

func TestICEDeterministic(t *testing.T) {
	o := ICEOptions{N: 40, Size: 64, Seed: 3}
	a := SimICE(o)
	old := runtime.GOMAXPROCS(1)
	b := SimICE(o)
	runtime.GOMAXPROCS(old)
	if !bytes.Equal(a.Frames, b.Frames) || !slices.Equal(a.Location, b.Location) {
		t.Fatal("not deterministic across GOMAXPROCS")
	}
	for i := range a.Objects {
		if !slices.Equal(a.Objects[i], b.Objects[i]) {
			t.Fatal("objects differ")
		}
	}
	o.Seed = 4
	if bytes.Equal(SimICE(o).Frames, a.Frames) {
		t.Fatal("seed has no effect")
	}
}

func TestICEMetadata(t *testing.T) {
	for _, size := range []int{64, 128} {
		nf := 30000 / size
		s := SimICE(ICEOptions{N: nf, Size: size, Seed: 1, Types: ICETestTypes})
		g := iceGeometry(size)
		empty, two, touching := 0, 0, 0
		for i := 0; i < s.N; i++ {
			if s.Location[i] < 0 || int(s.Location[i]) >= len(s.LocationNames) {
				t.Fatal("bad location")
			}
			objs := s.Objects[i]
			switch len(objs) {
			case 0:
				empty++
			case 2:
				two++
			case 1:
			default:
				t.Fatalf("frame %d has %d catheters", i, len(objs))
			}
			fr := s.Frame(i)
			for _, ob := range objs {
				if !g.inside(float64(ob.X), float64(ob.Y)) {
					t.Fatalf("size %d frame %d: tip (%v,%v) outside the sector", size, i, ob.X, ob.Y)
				}
				// The tip (or, for faint ones, close to it) is brighter
				// than the frame's median inside the sector.
				if ob.Type != ICEFaint && ob.Type != ICENearProbe {
					v := uint8(0)
					for dy := -1; dy <= 1; dy++ {
						for dx := -1; dx <= 1; dx++ {
							v = max(v, fr[(int(ob.Y)+dy)*size+int(ob.X)+dx])
						}
					}
					if v < 120 {
						t.Errorf("size %d frame %d: tip pixel %d is dark for type %d", size, i, v, ob.Type)
					}
				}
				if ob.Type == ICETouching {
					if len(objs) != 2 || objs[0].Type != ICETouching || objs[1].Type != ICETouching {
						t.Fatal("touching catheters must come in pairs")
					}
					// Close, but in different grid cells and beyond
					// non-maximum suppression's reach (3/4 of a cell).
					a, b := objs[0], objs[1]
					d := math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y))
					if d < ICETouchMin-1e-3 || d > ICETouchMax+1e-3 || d <= 0.75*ICECell {
						t.Fatalf("size %d frame %d: touching tips %v px apart", size, i, d)
					}
					if int(a.X)/ICECell == int(b.X)/ICECell && int(a.Y)/ICECell == int(b.Y)/ICECell {
						t.Fatalf("size %d frame %d: touching tips (%v,%v) and (%v,%v) in one grid cell", size, i, a.X, a.Y, b.X, b.Y)
					}
					// The second shaft runs across the first tip.
					if e := segDist(float64(a.X), float64(a.Y), float64(b.X), float64(b.Y), float64(b.TailX), float64(b.TailY)); e > 1e-3 {
						t.Fatalf("size %d frame %d: second shaft passes %v px from the first tip", size, i, e)
					}
					touching++
				}
				if ob.Type == ICENearProbe {
					r, _ := g.polar(float64(ob.X), float64(ob.Y))
					if r > 0.17*g.rmax {
						t.Fatalf("near-probe tip at depth %v", r/g.rmax)
					}
				}
			}
			// Outside the sector is black.
			if fr[size-1] != 0 || fr[0] != 0 {
				t.Fatal("corner inside the sector")
			}
		}
		if lo, hi := nf/15, nf/4; empty < lo || empty > hi || two < nf/10 {
			t.Errorf("size %d: %d empty, %d two-catheter frames of %d", size, empty, two, nf)
		}
		if touching < nf/10 {
			t.Errorf("size %d: %d touching catheters in %d frames", size, touching, nf)
		}
	}
}

// segDist is the distance from (px, py) to the segment (x0, y0)-(x1, y1).
func segDist(px, py, x0, y0, x1, y1 float64) float64 {
	dx, dy := x1-x0, y1-y0
	s := math.Max(0, math.Min(1, ((px-x0)*dx+(py-y0)*dy)/(dx*dx+dy*dy)))
	return math.Hypot(px-x0-s*dx, py-y0-s*dy)
}

func TestICETypeFrequencies(t *testing.T) {
	s := SimICE(ICEOptions{N: 1200, Size: 48, Seed: 2})
	cnt := make([]int, 5)
	frames := make([]int, 5)
	for _, objs := range s.Objects {
		if len(objs) > 0 {
			frames[objs[0].Type]++ // the first catheter's type is drawn by the weights
		}
		for _, o := range objs {
			cnt[o.Type]++
		}
	}
	tot := 0
	for _, c := range frames {
		tot += c
	}
	for k, w := range ICETrainTypes {
		got := float64(frames[k]) / float64(tot)
		if math.Abs(got-w) > 4*math.Sqrt(w*(1-w)/float64(tot))+0.005 {
			t.Errorf("type %s: share %.3f, want %.3f", ICETypeNames[k], got, w)
		}
	}
	t.Logf("objects per type %v over %d frames", cnt, s.N)
	locs := make([]int, 5)
	for _, l := range s.Location {
		locs[l]++
	}
	for _, c := range locs {
		if c < 170 {
			t.Errorf("locations %v not uniform", locs)
		}
	}
}

// TestICEPNG writes a grid of frames with tip markers when REMEDY_PNG_DIR
// is set.
func TestICEPNG(t *testing.T) {
	dir := os.Getenv("REMEDY_PNG_DIR")
	if dir == "" {
		t.Skip("set REMEDY_PNG_DIR to write example grids")
	}
	n, cols := 128, 6
	s := SimICE(ICEOptions{N: 30, Size: n, Seed: 11, Types: ICETestTypes})
	marks := []color.RGBA{{0, 255, 0, 255}, {255, 255, 0, 255}, {0, 255, 255, 255}, {255, 0, 255, 255}, {255, 64, 64, 255}}
	for _, withMarks := range []bool{false, true} {
		im := image.NewRGBA(image.Rect(0, 0, cols*(n+2), (s.N/cols)*(n+2)))
		for i := 0; i < s.N; i++ {
			ox, oy := (i%cols)*(n+2), (i/cols)*(n+2)
			fr := s.Frame(i)
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					v := fr[y*n+x]
					im.Set(ox+x, oy+y, color.RGBA{v, v, v, 255})
				}
			}
			if !withMarks {
				continue
			}
			for _, o := range s.Objects[i] {
				for d := -4; d <= 4; d++ {
					if d > -2 && d < 2 {
						continue
					}
					im.Set(ox+int(o.X)+d, oy+int(o.Y), marks[o.Type])
					im.Set(ox+int(o.X), oy+int(o.Y)+d, marks[o.Type])
				}
			}
			// Location as a row of dots in the corner: 1..5 dots.
			for k := 0; k <= int(s.Location[i]); k++ {
				im.Set(ox+2+3*k, oy+2, color.RGBA{255, 128, 0, 255})
			}
		}
		name := "ice_frames.png"
		if withMarks {
			name = "ice_frames_marked.png"
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		png.Encode(f, im)
		f.Close()
	}
	for i := 0; i < 12; i++ {
		t.Logf("frame %d: %s %v", i, s.LocationNames[s.Location[i]], s.Objects[i])
	}
}

func BenchmarkSimICE(b *testing.B) {
	for i := 0; i < b.N; i++ {
		SimICE(ICEOptions{N: 200, Size: 128, Seed: uint64(i)})
	}
	b.ReportMetric(float64(200*b.N)/b.Elapsed().Seconds(), "frames/s")
}

func TestICEFileRoundTrip(t *testing.T) {
	sp := SimICEDemo(60, 48, 7)
	if sp.Train.N != 33 || sp.Val.N != 3 || sp.Test.N != 24 {
		t.Fatalf("sizes %d %d %d", sp.Train.N, sp.Val.N, sp.Test.N)
	}
	p := filepath.Join(t.TempDir(), "ice.npz")
	if err := WriteICE(p, sp); err != nil {
		t.Fatal(err)
	}
	got, err := ReadICE(p)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range []*ICESet{sp.Train, sp.Val, sp.Test} {
		g := []*ICESet{got.Train, got.Val, got.Test}[i]
		if !bytes.Equal(s.Frames, g.Frames) || !slices.Equal(s.Location, g.Location) || !slices.Equal(s.Source, g.Source) {
			t.Fatalf("split %d differs", i)
		}
		for k := range s.Objects {
			if !slices.Equal(s.Objects[k], g.Objects[k]) {
				t.Fatalf("split %d frame %d objects differ", i, k)
			}
		}
	}
	// A classification .npz is not an ICE file.
	q := filepath.Join(t.TempDir(), "c.npz")
	WriteNPZ(q, SynthTissue(20, 1))
	if _, err := ReadICE(q); err == nil {
		t.Fatal("want an error for a non-ICE file")
	}
}

// Distinct keeps the layout of each frame's near-wall catheter and keeps it
// visible on the wall: its shaft next to the tip is at least as bright as
// without it. Distinct faint catheters lie deeper in the blood pools: the
// frame around their tips is darker.
func TestICEDistinct(t *testing.T) {
	o := ICEOptions{N: 200, Size: 64, Seed: 5, Types: [5]float64{0, 0, 0, 1, 0}, Empty: 1e-9, Two: 1e-9}
	a := SimICE(o)
	o.Distinct = true
	b := SimICE(o)
	var sa, sb float64
	for i := 0; i < o.N; i++ {
		if len(a.Objects[i]) == 0 || len(b.Objects[i]) == 0 {
			t.Fatalf("frame %d has no catheter", i)
		}
		pa, pb := a.Objects[i][0], b.Objects[i][0]
		if pa.X != pb.X || pa.Y != pb.Y || pa.Type != ICENearWall || pb.Type != ICENearWall {
			t.Fatalf("frame %d: tips %+v and %+v", i, pa, pb)
		}
		// a shaft point past the tip's knob
		x, y := pa.X+0.22*(pa.TailX-pa.X), pa.Y+0.22*(pa.TailY-pa.Y)
		j := int(y+0.5)*o.Size + int(x+0.5)
		sa += float64(a.Frame(i)[j])
		sb += float64(b.Frame(i)[j])
	}
	if !(sb > sa) {
		t.Fatalf("distinct near-wall shafts are not brighter: mean %v vs %v", sb/float64(o.N), sa/float64(o.N))
	}
	// Faint tips: how often a wall lies within 0.16 of the frame side.
	for _, size := range []int{64, 128} {
		g := iceGeometry(size)
		near := [2]int{}
		for k := 0; k < 400; k++ {
			for v, distinct := range []bool{false, true} {
				f := &iceFrame{g: g, rng: rand.New(rand.NewPCG(9, uint64(k)))}
				f.refl, f.wall = make([]float32, size*size), make([]bool, size*size)
				f.anatomy(k % len(ICELocationNames))
				x, y := f.placeTip(ICEFaint, distinct)
				if f.nearWall(x, y, 0.16*float64(size)) {
					near[v]++
				}
			}
		}
		if !(4*near[1] < 3*near[0]) {
			t.Errorf("size %d: faint tips with a wall within 0.16 of the side: %d of 400 distinct, %d plain", size, near[1], near[0])
		}
	}
}

// In frames too small for tips a cell apart, touching pairs still stay
// inside the sector.
func TestICETouchingSmallFrames(t *testing.T) {
	s := SimICE(ICEOptions{N: 200, Size: 32, Seed: 4, Types: [5]float64{0, 0, 0, 0, 1}, Empty: 1e-9, Two: 1e-9})
	g := iceGeometry(32)
	for i, objs := range s.Objects {
		if len(objs) != 2 {
			t.Fatalf("frame %d: %d catheters", i, len(objs))
		}
		for _, o := range objs {
			if !g.inside(float64(o.X), float64(o.Y)) {
				t.Fatalf("frame %d: tip %+v outside the sector", i, o)
			}
		}
	}
}

// Every catheter type appears in the analysis frames, and in the planted
// proportions: rare in train, common in test.
func TestICESplitTypes(t *testing.T) {
	sp := SimICESplits(1000, 64, 3, true)
	share := func(s *ICESet) []float64 {
		c := make([]float64, len(ICETypeNames))
		tot := 0.0
		for _, objs := range s.Objects {
			for _, o := range objs {
				c[o.Type]++
				tot++
			}
		}
		for k := range c {
			c[k] /= tot
		}
		return c
	}
	tr, te := share(sp.Train), share(sp.Test)
	for k := 1; k < len(ICETypeNames); k++ {
		if !(te[k] > 0.08 && tr[k] < 0.06 && te[k] > 4*tr[k]) {
			t.Errorf("type %s: share %.3f in train, %.3f in test", ICETypeNames[k], tr[k], te[k])
		}
	}
	// Without Distinct the training weights are ICETrainTypes.
	if plain := share(SimICESplits(1000, 64, 3, false).Train); !(plain[ICENearWall] > 1.3*tr[ICENearWall]) {
		t.Errorf("near-wall share in train: %.3f plain, %.3f distinct", plain[ICENearWall], tr[ICENearWall])
	}
}

// Two separate catheters lie well apart, in different grid cells (a grid
// detector finds one object per cell).
func TestICESeparateCatheters(t *testing.T) {
	for _, size := range []int{64, 128} {
		s := SimICE(ICEOptions{N: 600, Size: size, Seed: 6, Types: ICETestTypes, Two: 0.9})
		pairs, close := 0, 0
		for _, objs := range s.Objects {
			if len(objs) != 2 || objs[0].Type == ICETouching {
				continue
			}
			pairs++
			a, b := objs[0], objs[1]
			same := int(a.X)/ICECell == int(b.X)/ICECell && int(a.Y)/ICECell == int(b.Y)/ICECell
			if same || math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y)) < ICECell {
				close++
			}
		}
		if pairs < 200 || close > 0 {
			t.Errorf("size %d: %d of %d separate pairs close or in one cell", size, close, pairs)
		}
	}
}

// Distinct faint and near-wall catheters are rare in training, not hidden:
// the brightest pixel around their tips is bright in nearly every frame.
func TestICEDistinctVisible(t *testing.T) {
	s := SimICE(ICEOptions{N: 300, Size: 64, Seed: 4, Types: [5]float64{0, 0, 1, 1, 0}, Distinct: true})
	dark, n := 0, 0
	for i := 0; i < s.N; i++ {
		fr := s.Frame(i)
		for _, ob := range s.Objects[i] {
			m := uint8(0)
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					m = max(m, fr[(int(ob.Y)+dy)*s.Size+int(ob.X)+dx])
				}
			}
			n++
			if m < 170 {
				dark++
			}
		}
	}
	if n < 200 || dark > n/20 {
		t.Fatalf("%d of %d faint/near-wall tips darker than 170", dark, n)
	}
}
