package data

import (
	"math"
	"math/rand/v2"
	"sync"
)

// Anatomical locations of simulated ICE frames.
var ICELocationNames = []string{"RA", "LA", "LAA", "SVC/IVC", "RV"}

// Catheter image types (per object).
const (
	ICENormal    = 0
	ICENearProbe = 1 // tip in the bright near-field band under the probe
	ICEFaint     = 2 // partly out of the imaging plane: faint, broken
	ICENearWall  = 3 // tip against a bright heart wall
	ICETouching  = 4 // two catheters whose tips touch
)

// ICETypeNames names the catheter image types (index = type id).
var ICETypeNames = []string{"normal", "near-probe", "faint/out-of-plane", "near-wall", "touching"}

// ICEObject is one catheter: its image type and tip centre (the object
// position, in pixels: x to the right, y down from the top-left corner),
// and the other end of its visible shaft.
type ICEObject struct {
	Type         int32
	X, Y         float32 // tip centre
	TailX, TailY float32 // shaft end
}

// ICESet is a set of simulated ICE frames (grayscale, Size x Size uint8).
type ICESet struct {
	N, Size       int
	Frames        []uint8 // N*Size*Size, row-major
	Location      []int32 // index into LocationNames
	LocationNames []string
	Objects       [][]ICEObject // catheters per frame (may be empty)
	TypeNames     []string
	Source        []Origin
}

// Frame returns frame i's pixels.
func (s *ICESet) Frame(i int) []uint8 { return s.Frames[i*s.Size*s.Size : (i+1)*s.Size*s.Size] }

// ICESplits are simulated train/val/test frames.
type ICESplits struct{ Train, Val, Test *ICESet }

// ICEOptions configure SimICE. Zero values take the defaults.
type ICEOptions struct {
	N     int    // frames (default 1000)
	Size  int    // frame side in pixels (default 128)
	Seed  uint64 //
	Split string // recorded in Source (default "train")
	// First offsets the per-frame random streams (frame i uses stream
	// First+i), so splits drawn with the same seed do not repeat frames.
	First int
	Empty float64    // share of frames without a catheter (default 0.15)
	Two   float64    // share of the other frames with a second, separate catheter (default 0.2)
	Types [5]float64 // relative weights of the catheter types; zero = ICETrainTypes
	// Distinct draws the planted types more consistently apart from
	// normal catheters (the demo's setting): tips carry a clear electrode
	// knob (except in the near field's ringing), so normal catheters are
	// rarely mistaken end for end; faint catheters lie deep in the blood
	// pools. Faint and near-wall catheters stay clearly visible (brighter
	// than tissue speckle and walls): a detector misses them because it
	// rarely saw them (ICEDistinctTrainTypes), not because they cannot be
	// seen, so fine-tuning on them can fix them without firing on speckle.
	Distinct bool
}

// ICETrainTypes make the hard image types rare (the planted failure
// types); ICETestTypes make them common in the analysis set.
var (
	ICETrainTypes = [5]float64{0.84, 0.03, 0.04, 0.06, 0.03}
	ICETestTypes  = [5]float64{0.40, 0.15, 0.15, 0.15, 0.15}
	// ICEDistinctTrainTypes are the training weights with Distinct: the
	// planted types rarer than in ICETrainTypes, since the visible faint
	// and near-wall catheters are otherwise learnt from a few examples.
	ICEDistinctTrainTypes = [5]float64{0.92, 0.015, 0.02, 0.03, 0.015}
)

// SimICEDemo draws train (55%), val (5%) and test (40%) frames: the hard
// catheter types rare in train and val, common in test.
func SimICEDemo(n, size int, seed uint64) *ICESplits { return SimICESplits(n, size, seed, false) }

// SimICESplits is SimICEDemo with the Distinct option.
func SimICESplits(n, size int, seed uint64, distinct bool) *ICESplits {
	nTest, nVal := MoveCount(0.4, n), MoveCount(0.05, n)
	nTrain := n - nTest - nVal
	o := ICEOptions{Size: size, Seed: seed, Distinct: distinct}
	mk := func(split string, n, first int, types [5]float64) *ICESet {
		o.N, o.Split, o.First, o.Types = n, split, first, types
		return SimICE(o)
	}
	train := ICETrainTypes
	if distinct {
		train = ICEDistinctTrainTypes
	}
	return &ICESplits{
		Train: mk("train", nTrain, 0, train),
		Val:   mk("val", nVal, nTrain, train),
		Test:  mk("test", nTest, nTrain+nVal, ICETestTypes),
	}
}

// SimICE simulates intracardiac echo frames: a fan-shaped sector with the
// probe at the top, log-compressed Rayleigh speckle, depth attenuation, a
// bright near-field band, blood pools and walls laid out by anatomical
// location, and 0-2 catheters (bright segments with an acoustic shadow
// and reverberation streaks behind them). Deterministic for a seed and
// independent of the number of cores.
func SimICE(o ICEOptions) *ICESet {
	if o.N <= 0 {
		o.N = 1000
	}
	if o.Size < 32 {
		o.Size = 128
	}
	if o.Split == "" {
		o.Split = "train"
	}
	if o.Empty == 0 {
		o.Empty = 0.15
	}
	if o.Two == 0 {
		o.Two = 0.2
	}
	if o.Types == ([5]float64{}) {
		o.Types = ICETrainTypes
	}
	g := iceGeometry(o.Size)
	s := &ICESet{N: o.N, Size: o.Size,
		Frames:        make([]uint8, o.N*o.Size*o.Size),
		Location:      make([]int32, o.N),
		LocationNames: ICELocationNames,
		Objects:       make([][]ICEObject, o.N),
		TypeNames:     ICETypeNames,
		Source:        make([]Origin, o.N),
	}
	parallel(o.N, func(i int) {
		rng := rand.New(rand.NewPCG(o.Seed^0x1ce, uint64(o.First+i)))
		f := &iceFrame{g: g, rng: rng}
		s.Location[i], s.Objects[i] = f.render(s.Frame(i), &o)
		s.Source[i] = Origin{Split: o.Split, Index: i}
	})
	return s
}

// geometry shared by all frames of one size: polar coordinates of every
// pixel about the apex.
type iceGeom struct {
	n          int
	ax, ay     float64 // apex
	rmax, half float64 // sector radius and half-angle (radians)
	r, th      []float32
	in         []bool
	nb         int // angle bins for shadows
}

var iceGeoms sync.Map

func iceGeometry(n int) *iceGeom {
	if g, ok := iceGeoms.Load(n); ok {
		return g.(*iceGeom)
	}
	g := &iceGeom{n: n, ax: float64(n) / 2, ay: 1, rmax: float64(n) - 3, half: 0.78, nb: 4 * n}
	g.r, g.th, g.in = make([]float32, n*n), make([]float32, n*n), make([]bool, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			r, th := g.polar(float64(x), float64(y))
			g.r[y*n+x], g.th[y*n+x] = float32(r), float32(th)
			g.in[y*n+x] = r <= g.rmax && math.Abs(th) <= g.half && r > 2
		}
	}
	iceGeoms.Store(n, g)
	return g
}

func (g *iceGeom) polar(x, y float64) (r, th float64) {
	dx, dy := x-g.ax, y-g.ay
	return math.Hypot(dx, dy), math.Atan2(dx, dy)
}

// cart maps depth share d (of rmax) and lateral share t (of the half-angle)
// to pixels.
func (g *iceGeom) cart(d, t float64) (x, y float64) {
	r, th := d*g.rmax, t*g.half
	return g.ax + r*math.Sin(th), g.ay + r*math.Cos(th)
}

func (g *iceGeom) inside(x, y float64) bool {
	r, th := g.polar(x, y)
	m := float64(g.n) - 2 // the frame clips the sector's lower corners
	return r <= g.rmax-2 && math.Abs(th) <= g.half-0.04 && r > 3 && x >= 1 && y >= 1 && x <= m && y <= m
}

func (g *iceGeom) bin(th float64) int {
	b := int((th + g.half) / (2 * g.half) * float64(g.nb))
	return min(max(b, 0), g.nb-1)
}

type chamber struct {
	cx, cy, rx, ry, ang, wall float64 // in shares of the frame side
	trab                      bool    // trabeculated (rough) wall
}

type iceFrame struct {
	g    *iceGeom
	rng  *rand.Rand
	refl []float32 // amplitude reflectivity
	wall []bool    // wall pixels, to place near-wall tips
	occ  []float32 // per angle bin: nearest catheter depth (pixels)
	occS []float32 // per angle bin: shadow strength (0..1)
}

func (f *iceFrame) uni(a, b float64) float64 { return a + (b-a)*f.rng.Float64() }

const (
	reflBlood  = 0.014
	reflTissue = 0.09
	reflWall   = 0.8
)

// anatomy lays out chambers and walls for location loc.
func (f *iceFrame) anatomy(loc int) {
	n := f.g.n
	j := func(v, s float64) float64 { return v + f.uni(-s, s) }
	var ch []chamber
	switch loc {
	case 0: // RA: one large pool, far wall and pericardium
		ch = []chamber{{j(0.5, 0.06), j(0.52, 0.05), j(0.36, 0.04), j(0.28, 0.04), j(0, 0.25), 0.035, false}}
	case 1: // LA: RA in the near field, interatrial septum, LA beyond
		ch = []chamber{
			{j(0.5, 0.05), j(0.14, 0.03), 0.45, j(0.13, 0.02), j(0, 0.15), 0.03, false},
			{j(0.5, 0.06), j(0.6, 0.05), j(0.3, 0.04), j(0.22, 0.03), j(0, 0.25), 0.03, false},
			{j(0.24, 0.03), j(0.72, 0.04), 0.05, 0.04, 0, 0.02, false}, // pulmonary vein
		}
	case 2: // LAA: smaller LA with a finger-like trabeculated appendage
		side := 1.0
		if f.rng.IntN(2) == 0 {
			side = -1
		}
		ch = []chamber{
			{j(0.5-0.1*side, 0.04), j(0.58, 0.04), j(0.24, 0.03), j(0.2, 0.03), j(0, 0.2), 0.03, false},
			{j(0.5+0.17*side, 0.03), j(0.5, 0.04), j(0.17, 0.02), j(0.055, 0.01), side * j(-0.5, 0.2), 0.04, true},
		}
	case 3: // SVC/IVC: a long vessel across the field
		ch = []chamber{{j(0.5, 0.05), j(0.55, 0.08), 0.55, j(0.1, 0.02), j(0, 0.35), 0.03, false}}
	default: // RV: chamber with a thick trabeculated wall
		ch = []chamber{{j(0.5, 0.05), j(0.55, 0.05), j(0.3, 0.04), j(0.24, 0.04), j(0, 0.3), 0.07, true}}
	}
	// Tissue with slow variation.
	c := &canvas{n: n, rng: f.rng}
	nz := c.noise(6)
	for i := range f.refl {
		f.refl[i] = reflTissue * (0.6 + 0.8*nz[i])
	}
	rough := c.noise(16)
	// Walls first, then blood inside every chamber, so touching chambers
	// keep the wall between them.
	for pass := 0; pass < 2; pass++ {
		for _, k := range ch {
			cs, sn := math.Cos(k.ang), math.Sin(k.ang)
			// Only the ellipse's bounding box (walls widen by up to 1.4x).
			ext := (math.Max(k.rx, k.ry) + 1.4*k.wall*math.Max(k.rx, k.ry)/math.Min(k.rx, k.ry)) * float64(n)
			cxp, cyp := k.cx*float64(n), k.cy*float64(n)
			x0, x1 := max(int(cxp-ext)-1, 0), min(int(cxp+ext)+1, n-1)
			y0, y1 := max(int(cyp-ext)-1, 0), min(int(cyp+ext)+1, n-1)
			for y := y0; y <= y1; y++ {
				for x := x0; x <= x1; x++ {
					dx, dy := float64(x)/float64(n)-k.cx, float64(y)/float64(n)-k.cy
					u, v := (dx*cs+dy*sn)/k.rx, (-dx*sn+dy*cs)/k.ry
					q := math.Sqrt(u*u + v*v)
					w := k.wall / math.Min(k.rx, k.ry)
					i := y*n + x
					if k.trab {
						w *= 0.6 + 0.8*float64(rough[i])
					}
					switch {
					case pass == 0 && q < 1+w && q >= 1-w:
						// Specular: walls facing the beam echo most.
						nx, ny := u/k.rx*cs-v/k.ry*sn, u/k.rx*sn+v/k.ry*cs
						bx, by := float64(x)-f.g.ax, float64(y)-f.g.ay
						spec := math.Abs(nx*bx+ny*by) / (math.Hypot(nx, ny)*math.Hypot(bx, by) + 1e-9)
						f.refl[i] = float32(reflWall*(0.3+0.7*spec)) * (0.4 + 1.2*rough[i]*rough[i])
						f.wall[i] = true
					case pass == 1 && q < 1-w:
						f.refl[i] = reflBlood * (0.5 + rough[i])
						f.wall[i] = false
					}
				}
			}
		}
	}
	if loc == 4 { // moderator band across the RV
		x0, y0 := f.g.cart(0.45, -0.5)
		x1, y1 := f.g.cart(f.uni(0.5, 0.65), 0.5)
		f.segment(x0, y0, x1, y1, 1.2, reflWall*0.8, false, nil)
	}
	if loc == 0 || loc == 3 { // bright pericardium far down
		d := f.uni(0.88, 0.95)
		for i := range f.refl {
			if r := float64(f.g.r[i]) / f.g.rmax; math.Abs(r-d) < 0.025 {
				f.refl[i] = reflWall * 1.3
			}
		}
	}
}

// segment draws a bright line of width w (pixels) and amplitude amp into
// refl; with occlude it also records the catheter's depth per angle bin.
// keep (if not nil) says for a point at share s along the line whether it
// is drawn (gaps of an out-of-plane catheter).
func (f *iceFrame) segment(x0, y0, x1, y1, w, amp float64, occlude bool, keep func(s float64) bool) {
	n := f.g.n
	L := math.Hypot(x1-x0, y1-y0)
	r := w/2 + 1
	bx0, bx1 := max(int(math.Min(x0, x1)-r), 0), min(int(math.Max(x0, x1)+r)+1, n-1)
	by0, by1 := max(int(math.Min(y0, y1)-r), 0), min(int(math.Max(y0, y1)+r)+1, n-1)
	for y := by0; y <= by1; y++ {
		for x := bx0; x <= bx1; x++ {
			px, py := float64(x)-x0, float64(y)-y0
			s := 0.0
			if L > 0 {
				s = math.Min(1, math.Max(0, (px*(x1-x0)+py*(y1-y0))/(L*L)))
			}
			d := math.Hypot(px-s*(x1-x0), py-s*(y1-y0))
			a := math.Min(1, w/2+0.5-d)
			if a <= 0 || keep != nil && !keep(s) {
				continue
			}
			i := y*n + x
			f.refl[i] += float32(amp * a)
			if occlude && f.g.in[i] {
				rr, th := float64(f.g.r[i]), float64(f.g.th[i])
				span := 0.5 / math.Max(rr, 1)
				for b := f.g.bin(th - span); b <= f.g.bin(th+span); b++ {
					f.occ[b] = float32(math.Min(float64(f.occ[b]), rr))
					f.occS[b] = float32(math.Max(float64(f.occS[b]), math.Min(1, amp/6)))
				}
			}
		}
	}
}

// nearWall reports whether a wall pixel lies within d pixels of (x, y).
func (f *iceFrame) nearWall(x, y, d float64) bool {
	_, ok := f.wallDir(x, y, d)
	return ok
}

// wallDir finds the nearest wall pixel within d pixels of (x, y) (probing
// 16 directions at d/2 and d) and returns its direction.
func (f *iceFrame) wallDir(x, y, d float64) (float64, bool) {
	n := f.g.n
	for _, rr := range []float64{d / 2, d} {
		for a := 0; a < 16; a++ {
			ang := float64(a) * math.Pi / 8
			px, py := int(x+rr*math.Cos(ang)), int(y+rr*math.Sin(ang))
			if px >= 0 && py >= 0 && px < n && py < n && f.wall[py*n+px] {
				return ang, true
			}
		}
	}
	return 0, false
}

// placeTip picks a tip position for a catheter of type t. With distinct,
// faint catheters lie deep in a blood pool (well away from any wall), so
// they differ from near-wall ones by their surroundings as well.
func (f *iceFrame) placeTip(t int32, distinct bool) (x, y float64) {
	n := f.g.n
	for try := 0; try < 200; try++ {
		switch t {
		case ICENearProbe:
			x, y = f.g.cart(f.uni(0.07, 0.16), f.uni(-0.6, 0.6))
		default:
			x, y = f.g.cart(f.uni(0.25, 0.85), f.uni(-0.75, 0.75))
		}
		if !f.g.inside(x, y) {
			continue
		}
		i := int(y)*n + int(x)
		wallNear := f.nearWall(x, y, 0.05*float64(n))
		switch t {
		case ICENearWall:
			if !f.wall[i] && wallNear {
				return x, y
			}
		case ICENearProbe:
			return x, y
		case ICEFaint:
			if distinct && try < 120 && (f.refl[i] >= reflTissue/2 || f.nearWall(x, y, 0.16*float64(n))) {
				continue
			}
			fallthrough
		default:
			if !wallNear && !f.nearWall(x, y, 0.09*float64(n)) && f.refl[i] < reflTissue/2 || try > 150 && !wallNear {
				return x, y
			}
		}
	}
	return x, y
}

// catheter draws one catheter with its tip at (x, y), shaft direction dir
// (radians) and shaft length L (pixels; 0 = drawn by type), and returns it.
func (f *iceFrame) catheter(t int32, x, y, dir, L float64, distinct bool) ICEObject {
	n := float64(f.g.n)
	if L == 0 {
		L = f.uni(0.22, 0.45) * n
		if t == ICENearProbe {
			L = f.uni(0.15, 0.3) * n
		}
	}
	tx, ty := x+L*math.Cos(dir), y+L*math.Sin(dir)
	// Clip the tail to the sector by walking back from it.
	for k := 0; k < 100 && !f.g.inside(tx, ty); k++ {
		tx, ty = tx+(x-tx)*0.05, ty+(y-ty)*0.05
	}
	w := math.Max(1.6, 0.022*n)
	amp := f.uni(4, 7)
	if t == ICENearWall {
		amp = f.uni(1.5, 3) // against a bright wall the catheter barely stands out
		if distinct {
			amp = f.uni(2, 3) // visible on the wall: rare, not hidden
		}
	}
	var keep func(float64) bool
	if t == ICEFaint {
		// Only part of the catheter crosses the plane: the tip region and
		// a few broken pieces, dim.
		amp = f.uni(0.5, 0.9)
		if distinct {
			amp = f.uni(0.8, 1.2) // dim but well above tissue speckle, in a dark pool
		}
		cut := f.uni(0.25, 0.5)
		ph := f.uni(0, 1)
		keep = func(s float64) bool { return s < cut || math.Mod(s*5+ph, 1) < 0.35 }
	}
	f.segment(x, y, tx, ty, w, amp, true, keep)
	// Tip electrode: a brighter knob.
	if distinct && t != ICENearProbe { // the near field's ringing hides a near-probe knob
		f.segment(x, y, x+0.5*math.Cos(dir), y+0.5*math.Sin(dir), w*2.4, amp*1.2, true, nil)
	} else {
		f.segment(x, y, x+0.5*math.Cos(dir), y+0.5*math.Sin(dir), w*1.5, amp*0.6, true, nil)
	}
	return ICEObject{Type: t, X: float32(x), Y: float32(y), TailX: float32(tx), TailY: float32(ty)}
}

// ICECell is the side (pixels) of the grid cells the catheter detector
// predicts one object in (nn.DetectorStride).
const ICECell = 16

// Touching tips lie ICETouchMin..ICETouchMax pixels apart: in different
// grid cells and farther apart than non-maximum suppression's reach (3/4
// of a cell), so a detector can find both.
const (
	ICETouchMin = 14
	ICETouchMax = 19
)

// touching draws the second catheter of a touching pair whose first tip is
// at (x, y) with shaft direction d1: its shaft runs across the first tip
// (the first tip presses against it), from a tip ICETouchMin-ICETouchMax
// pixels away in another grid cell. The crossing is what makes the pair
// hard, not a limit of the detector's grid.
func (f *iceFrame) touching(x, y, d1 float64, distinct bool) ICEObject {
	g := f.g
	cell := func(x, y float64) [2]int { return [2]int{int(x) / ICECell, int(y) / ICECell} }
	var x2, y2, d2, r float64
	ok := false
	// Frames too small for that (a 32-pixel sector) get the tips closer,
	// and at worst on top of each other, always inside the sector.
	for try := 0; try < 300 && !ok; try++ {
		side := 1.0
		if f.rng.IntN(2) == 0 {
			side = -1
		}
		// Shafts meet at 40-85 degrees, the second one coming from the
		// side of the first tip away from the first shaft.
		d2 = d1 + math.Pi + side*f.uni(0.7, 1.5)
		r = f.uni(ICETouchMin, ICETouchMax)
		if try >= 100 {
			r = f.uni(2, ICETouchMax)
		}
		x2, y2 = x-r*math.Cos(d2), y-r*math.Sin(d2)
		// The shaft reaches past the first tip inside the sector.
		ex, ey := x+4*math.Cos(d2), y+4*math.Sin(d2)
		ok = g.inside(x2, y2) && (try >= 100 || g.inside(ex, ey) && cell(x2, y2) != cell(x, y))
	}
	if !ok {
		x2, y2, r = x, y, 0
	}
	L := r + f.uni(0.12, 0.3)*float64(g.n)
	return f.catheter(ICETouching, x2, y2, d2, L, distinct)
}

func (f *iceFrame) pickType(w [5]float64) int32 {
	tot := 0.0
	for _, v := range w {
		tot += v
	}
	u := f.rng.Float64() * tot
	for i, v := range w {
		if u < v {
			return int32(i)
		}
		u -= v
	}
	return ICENormal
}

// lateralDir returns a shaft direction that runs mostly across the sector
// (as catheters do in ICE views), pointing away from the tip.
func (f *iceFrame) lateralDir(x float64) float64 {
	base := 0.0
	if x > f.g.ax {
		base = math.Pi
	}
	if f.rng.IntN(2) == 0 {
		base = math.Pi - base
	}
	return base + f.uni(-0.9, 0.9)
}

func (f *iceFrame) render(out []uint8, o *ICEOptions) (int32, []ICEObject) {
	g := f.g
	n := g.n
	f.refl, f.wall = make([]float32, n*n), make([]bool, n*n)
	f.occ, f.occS = make([]float32, g.nb), make([]float32, g.nb)
	for b := range f.occ {
		f.occ[b] = 1e9
	}
	loc := int32(f.rng.IntN(len(ICELocationNames)))
	f.anatomy(int(loc))
	var objs []ICEObject
	if f.rng.Float64() >= o.Empty {
		t := f.pickType(o.Types)
		x, y := f.placeTip(t, o.Distinct)
		d1 := f.lateralDir(x)
		if a, ok := f.wallDir(x, y, 0.05*float64(n)); ok && t == ICENearWall {
			// Lying along the wall rather than across the pool.
			d1 = a + math.Pi/2
			if f.rng.IntN(2) == 0 {
				d1 = a - math.Pi/2
			}
		}
		objs = append(objs, f.catheter(t, x, y, d1, 0, o.Distinct))
		switch {
		case t == ICETouching:
			objs = append(objs, f.touching(x, y, d1, o.Distinct))
		case f.rng.Float64() < o.Two:
			w := o.Types
			w[ICETouching] = 0
			t2 := f.pickType(w)
			// A separate catheter's tip lies well away from the first, in
			// another grid cell (else one of them could not be found); when
			// there is no room for that (two near-probe tips, one small
			// pool) the frame keeps one catheter.
			far := math.Max(0.2*float64(n), ICECell)
			for try := 0; try < 50; try++ {
				x2, y2 := f.placeTip(t2, o.Distinct)
				if math.Hypot(x2-x, y2-y) >= far && (int(x2)/ICECell != int(x)/ICECell || int(y2)/ICECell != int(y)/ICECell) {
					objs = append(objs, f.catheter(t2, x2, y2, f.lateralDir(x2), 0, o.Distinct))
					break
				}
			}
		}
	}
	// Speckle: a correlated complex Gaussian field whose magnitude is
	// Rayleigh distributed; coarser laterally than axially.
	re, im := make([]float32, n*n), make([]float32, n*n)
	for i := range re {
		re[i], im[i] = float32(f.rng.NormFloat64()), float32(f.rng.NormFloat64())
	}
	smooth121(re, n, true)
	smooth121(im, n, true)
	smooth121(re, n, false)
	smooth121(im, n, false)
	const norm = 1 / 0.53 // the smoothing shrinks the field's spread
	near := 0.16 * g.rmax
	dr := 48.0
	gain := f.uni(-2, 2)
	for i := range out {
		if !g.in[i] {
			out[i] = 0
			continue
		}
		r := float64(g.r[i])
		a := float64(f.refl[i])
		b := g.bin(float64(g.th[i]))
		if dd := r - float64(f.occ[b]); dd > 2 {
			s := float64(f.occS[b])
			a *= 1 - 0.85*s // acoustic shadow
			// Reverberation: fading copies every few pixels behind.
			sp := math.Max(3, 0.03*float64(n))
			k := dd / sp
			if k < 5 && k-math.Floor(k) < 0.3 {
				a += s * 1.2 * math.Pow(0.55, math.Floor(k))
			}
		}
		if r < near { // bright, ringing near field under the probe
			q := 1 - r/near
			a += 2.5 * q * (0.55 + 0.45*math.Sin(r*1.9))
		}
		env := a * math.Hypot(float64(re[i]), float64(im[i])) * norm / math.Sqrt2
		env *= math.Exp(-1.6 * r / g.rmax) // attenuation not fully compensated
		db := 20*math.Log10(env+1e-6) + gain
		v := (db + dr - 2) / dr * 255
		out[i] = uint8(min(max(v, 0), 255))
	}
	return loc, objs
}

// smooth121 filters f with [1 2 1]/4 along rows (horiz) or columns.
func smooth121(f []float32, n int, horiz bool) {
	t := make([]float32, n)
	for k := 0; k < n; k++ {
		for j := 0; j < n; j++ {
			at := func(m int) float32 {
				m = min(max(m, 0), n-1)
				if horiz {
					return f[k*n+m]
				}
				return f[m*n+k]
			}
			t[j] = (at(j-1) + 2*at(j) + at(j+1)) / 4
		}
		for j := 0; j < n; j++ {
			if horiz {
				f[k*n+j] = t[j]
			} else {
				f[j*n+k] = t[j]
			}
		}
	}
}
