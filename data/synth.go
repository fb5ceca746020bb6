package data

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// Planted failure types of the synthetic tissue set.
const (
	PlantNone      = 0
	PlantStain     = 1 // rare stain: brown/blue colour shift, any class
	PlantBlur      = 2 // out-of-focus blur artefact, any class
	PlantGlandular = 3 // malignant TUM drawn as glands (looks like NORM)
	PlantWavy      = 4 // benign MUS drawn with wavy fibres (looks like STR)
)

// SynthPlantedNames names the planted types (index = type id).
var SynthPlantedNames = []string{"none", "stain shift", "blur", "glandular tumour", "wavy muscle"}

// SynthOptions configure SynthTissue. Rates are per example of the split
// (Stain, Blur: any class; Glandular: share of TUM examples; Wavy: share
// of MUS examples). Zero options give the demo defaults.
type SynthOptions struct {
	N        int    // total examples (default 20,000)
	Seed     uint64 //
	Size     int    // image side (default 28)
	TestFrac float64
	ValFrac  float64
	Train    SynthRates // rates in train and val
	Test     SynthRates // rates in test (the analysis set)
}

// SynthRates are the planted-type rates of one split.
type SynthRates struct{ Stain, Blur, Glandular, Wavy float64 }

// DefaultSynth are the demo's settings: planted types are rare in
// training and common in the analysis set, so a model trained on it is
// right about 90% of the time and wrong mostly on the planted types.
// Checked once with PyTorch (the paper's classifier, Adam 1e-3, batch 64,
// 4 epochs, N 12,000, seed 42, best validation epoch): test accuracy 0.924,
// 363 failures of which 42 unplanted (mostly DEB and MUS), stain 41 of 337,
// blur 44 of 322, glandular tumour 184 of 210, wavy muscle 52 of 235. A
// half-width model: 0.899, 484 failures, 42 unplanted.
var DefaultSynth = SynthOptions{
	N: 20000, Size: 28, TestFrac: 0.4, ValFrac: 0.05,
	Train: SynthRates{Stain: 0.01, Blur: 0.01, Glandular: 0.01, Wavy: 0.01},
	Test:  SynthRates{Stain: 0.08, Blur: 0.08, Glandular: 0.4, Wavy: 0.4},
}

// SynthTissue generates n synthetic 28x28 RGB "tissue" images with the
// default rates (see SynthTissueOpt).
func SynthTissue(n int, seed uint64) *Splits {
	o := DefaultSynth
	o.N, o.Seed = n, seed
	return SynthTissueOpt(o)
}

// SynthTissueOpt generates a synthetic H&E-like tissue set: 9 procedural
// texture classes named as PathMNIST's tissues, binary label malignant =
// classes 7 and 8, and planted failure types recorded per example. Each
// example has its own PCG stream (seed, index), so the output does not
// depend on the number of goroutines.
func SynthTissueOpt(o SynthOptions) *Splits {
	d := DefaultSynth
	if o.N <= 0 {
		o.N = d.N
	}
	if o.Size <= 0 {
		o.Size = d.Size
	}
	if o.TestFrac <= 0 || o.TestFrac >= 1 {
		o.TestFrac = d.TestFrac
	}
	if o.ValFrac <= 0 || o.ValFrac >= 1 {
		o.ValFrac = d.ValFrac
	}
	if o.Train == (SynthRates{}) && o.Test == (SynthRates{}) {
		o.Train, o.Test = d.Train, d.Test
	}
	nTest := MoveCount(o.TestFrac, o.N)
	nVal := MoveCount(o.ValFrac, o.N)
	nTrain := o.N - nTest - nVal
	mk := func(split string, n, first int, r SynthRates) *Set {
		s := &Set{N: n, C: 3, H: o.Size, W: o.Size,
			Images:       make([]uint8, n*3*o.Size*o.Size),
			Labels:       make([]int32, n),
			LabelNames:   PathMNIST.LabelNames,
			Meta:         make([]int32, n),
			MetaNames:    PathMNIST.Classes,
			Source:       make([]Origin, n),
			Planted:      make([]int32, n),
			PlantedNames: SynthPlantedNames,
		}
		parallel(n, func(i int) {
			rng := rand.New(rand.NewPCG(o.Seed, uint64(first+i)))
			cls, pl := synthOne(s.Image(i), o.Size, r, rng)
			s.Meta[i], s.Planted[i] = int32(cls), int32(pl)
			if cls >= 7 {
				s.Labels[i] = 1
			}
			s.Source[i] = Origin{Split: split, Index: i}
		})
		return s
	}
	return &Splits{
		Train: mk("train", nTrain, 0, o.Train),
		Val:   mk("val", nVal, nTrain, o.Train),
		Test:  mk("test", nTest, nTrain+nVal, o.Test),
		Task:  "synth",
		Note:  "synthetic tissue: 9 texture classes (malignant = 7, 8), planted types rare in train/val and common in test",
	}
}

// parallel runs f(0..n-1) on all cores; f must write disjoint outputs.
func parallel(n int, f func(i int)) {
	w := min(runtime.GOMAXPROCS(0), max(n/64, 1))
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += w {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// canvas holds the two stain densities of one image: hematoxylin (nuclei,
// purple-blue) and eosin (stroma, pink), as optical densities.
type canvas struct {
	n    int
	h, e []float32
	rng  *rand.Rand
}

func (c *canvas) at(x, y int) int { return y*c.n + x }

// disc adds a soft-edged ellipse of density amp to field f.
func (c *canvas) disc(f []float32, cx, cy, rx, ry, theta, amp float64) {
	r := math.Max(rx, ry) + 1
	x0, x1 := max(int(cx-r), 0), min(int(cx+r)+1, c.n-1)
	y0, y1 := max(int(cy-r), 0), min(int(cy+r)+1, c.n-1)
	cs, sn := math.Cos(theta), math.Sin(theta)
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			u, v := (dx*cs+dy*sn)/rx, (-dx*sn+dy*cs)/ry
			d := math.Sqrt(u*u + v*v)
			// 1 inside, falling to 0 over about one pixel at the edge.
			w := (1 - d) * math.Min(rx, ry)
			if w > -0.5 {
				f[c.at(x, y)] += float32(amp * math.Min(1, w+0.5))
			}
		}
	}
}

// noise returns a smooth random field: a g x g grid of uniform values,
// bilinearly interpolated over the image.
func (c *canvas) noise(g int) []float32 {
	grid := make([]float32, (g+1)*(g+1))
	for i := range grid {
		grid[i] = c.rng.Float32()
	}
	out := make([]float32, c.n*c.n)
	s := float32(g) / float32(c.n)
	for y := 0; y < c.n; y++ {
		fy := float32(y) * s
		iy := int(fy)
		ty := fy - float32(iy)
		for x := 0; x < c.n; x++ {
			fx := float32(x) * s
			ix := int(fx)
			tx := fx - float32(ix)
			a := grid[iy*(g+1)+ix]*(1-tx) + grid[iy*(g+1)+ix+1]*tx
			b := grid[(iy+1)*(g+1)+ix]*(1-tx) + grid[(iy+1)*(g+1)+ix+1]*tx
			out[y*c.n+x] = a*(1-ty) + b*ty
		}
	}
	return out
}

func (c *canvas) uni(a, b float64) float64 { return a + (b-a)*c.rng.Float64() }

// fibres fills e with oriented (optionally wavy) stripes.
func (c *canvas) fibres(amp, base, freq, theta, wave, wfreq float64) {
	cs, sn := math.Cos(theta), math.Sin(theta)
	ph := c.uni(0, 2*math.Pi)
	wph := c.uni(0, 2*math.Pi)
	for y := 0; y < c.n; y++ {
		for x := 0; x < c.n; x++ {
			u := float64(x)*cs + float64(y)*sn
			v := -float64(x)*sn + float64(y)*cs
			s := math.Sin(freq*u + wave*math.Sin(wfreq*v+wph) + ph)
			c.e[c.at(x, y)] += float32(base + amp*s*s)
		}
	}
}

// synthOne draws one example into img (planar RGB) and returns its class
// and planted type.
func synthOne(img []uint8, n int, r SynthRates, rng *rand.Rand) (cls, planted int) {
	cls = rng.IntN(9)
	u := rng.Float64()
	switch {
	case cls == 8 && u < r.Glandular:
		planted = PlantGlandular
	case cls == 5 && u < r.Wavy:
		planted = PlantWavy
	default:
		v := rng.Float64()
		if v < r.Stain {
			planted = PlantStain
		} else if v < r.Stain+r.Blur {
			planted = PlantBlur
		}
	}
	c := &canvas{n: n, h: make([]float32, n*n), e: make([]float32, n*n), rng: rng}
	sc := float64(n) / 28 // textures are designed at 28 px
	N := float64(n)
	switch {
	case cls == 0: // ADI: large pale fat cells with thin pink membranes
		k := 6 + rng.IntN(5)
		px, py := make([]float64, k), make([]float64, k)
		for i := range px {
			px[i], py[i] = c.uni(-2, N+2), c.uni(-2, N+2)
		}
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				d1, d2 := 1e9, 1e9
				for i := range px {
					dx, dy := float64(x)-px[i], float64(y)-py[i]
					d := math.Sqrt(dx*dx + dy*dy)
					if d < d1 {
						d1, d2 = d, d1
					} else if d < d2 {
						d2 = d
					}
				}
				if g := d2 - d1; g < 1.5*sc {
					c.e[c.at(x, y)] += float32(0.55 * (1 - g/(1.5*sc)))
				}
				c.e[c.at(x, y)] += 0.04
			}
		}
		for i := 0; i < rng.IntN(3); i++ {
			c.disc(c.h, c.uni(0, N), c.uni(0, N), 1.2*sc, 0.8*sc, c.uni(0, 3), 0.6)
		}
	case cls == 1: // BACK: nearly empty slide
		nz := c.noise(3)
		for i := range c.e {
			c.e[i] += 0.03 + 0.06*nz[i]
			c.h[i] += 0.02 * nz[i]
		}
	case cls == 2: // DEB: necrotic debris, patchy pink with dark fragments
		nz := c.noise(5)
		for i := range c.e {
			c.e[i] += 0.25 + 0.45*nz[i]
		}
		for i := 0; i < 25+rng.IntN(20); i++ {
			c.disc(c.h, c.uni(0, N), c.uni(0, N), c.uni(0.4, 1.1)*sc, c.uni(0.3, 0.8)*sc, c.uni(0, 3), c.uni(0.3, 1.0))
		}
	case cls == 3: // LYM: dense small round dark nuclei
		for i := range c.e {
			c.e[i] += 0.12
		}
		for i := 0; i < int(float64(55+rng.IntN(25))*sc*sc); i++ {
			c.disc(c.h, c.uni(0, N), c.uni(0, N), 1.1*sc, 1.1*sc, 0, c.uni(0.9, 1.3))
		}
	case cls == 4: // MUC: pale bluish wisps
		nz, nz2 := c.noise(4), c.noise(7)
		for i := range c.e {
			c.h[i] += 0.12 + 0.25*nz[i]*nz2[i]
			c.e[i] += 0.06 + 0.1*nz2[i]
		}
	case cls == 5 && planted != PlantWavy: // MUS: straight, fine pink fibres, long nuclei
		th := c.uni(0, math.Pi)
		c.fibres(0.9, 0.2, c.uni(0.9, 1.2)/sc, th, 0, 0) // deeper pink than STR
		for i := 0; i < 4+rng.IntN(4); i++ {
			c.disc(c.h, c.uni(0, N), c.uni(0, N), 2.6*sc, 0.7*sc, th+math.Pi/2, 0.8)
		}
	case cls == 7 || cls == 5: // STR (and the wavy-muscle look-alike)
		th := c.uni(0, math.Pi)
		c.fibres(0.55, 0.2, c.uni(0.45, 0.65)/sc, th, c.uni(1.8, 2.8), c.uni(0.25, 0.4)/sc)
		nuc := 7 + rng.IntN(5)
		if cls == 5 {
			nuc = 1 + rng.IntN(2) // the look-alike's only cue: few nuclei
		}
		for i := 0; i < nuc; i++ {
			c.disc(c.h, c.uni(0, N), c.uni(0, N), c.uni(1.6, 2.4)*sc, 0.9*sc, c.uni(0, math.Pi), c.uni(0.7, 1.1))
		}
	case cls == 6 || planted == PlantGlandular: // NORM glands (or glandular tumour)
		for i := range c.e {
			c.e[i] += 0.3
		}
		for g := 0; g < 1+rng.IntN(2); g++ {
			cx, cy := c.uni(6, N-6), c.uni(6, N-6)
			rad := c.uni(5, 8) * sc
			// Clear lumen, then a ring of nuclei.
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					dx, dy := float64(x)-cx, float64(y)-cy
					if dx*dx+dy*dy < (rad-1.5*sc)*(rad-1.5*sc) {
						c.e[c.at(x, y)] = 0.05
					}
				}
			}
			k := int(2 * math.Pi * rad / (2.6 * sc))
			nr, amp, jit := 0.9*sc, 1.0, 0.3
			if planted == PlantGlandular { // crowded, larger, irregular nuclei
				k = int(float64(k) * 1.15)
				nr, amp, jit = 1.1*sc, 1.05, 0.6
			}
			for j := 0; j < k; j++ {
				a := 2*math.Pi*float64(j)/float64(k) + c.uni(-0.1, 0.1)
				rr := rad + c.uni(-jit, jit)
				c.disc(c.h, cx+rr*math.Cos(a), cy+rr*math.Sin(a), nr*1.3, nr, a, amp)
			}
		}
	default: // 8 TUM: crowded large irregular nuclei
		for i := range c.e {
			c.e[i] += 0.25
		}
		for i := 0; i < int(float64(16+rng.IntN(8))*sc*sc); i++ {
			c.disc(c.h, c.uni(0, N), c.uni(0, N), c.uni(1.8, 2.8)*sc, c.uni(1.4, 2.2)*sc, c.uni(0, 3), c.uni(0.8, 1.2))
		}
	}
	// Fine grain on both stains.
	for i := range c.h {
		c.h[i] += 0.06 * (rng.Float32() - 0.5)
		c.e[i] += 0.06 * (rng.Float32() - 0.5)
	}
	if planted == PlantBlur {
		for k := 0; k < 3; k++ {
			boxBlur(c.h, n)
			boxBlur(c.e, n)
		}
	}
	// Stain vectors (optical density per RGB channel, Ruifrok-like) with
	// per-image jitter; the planted shift swaps in a brown/olive hematoxylin
	// and orange eosin.
	hv := [3]float64{0.65, 0.70, 0.29}
	ev := [3]float64{0.07, 0.99, 0.11}
	hs, es := c.uni(1.2, 1.6), c.uni(0.8, 1.1)
	if planted == PlantStain {
		// Under-stained, off-hue nuclei on strong eosin: the nuclei that
		// tell LYM, NORM, STR and TUM apart nearly vanish.
		hv = [3]float64{0.27, 0.57, 0.78}
		ev = [3]float64{0.02, 0.45, 0.89}
		hs, es = c.uni(0.35, 0.55), c.uni(1.3, 1.7)
	}
	bg := c.uni(0.02, 0.08)
	hw := n * n
	for ch := 0; ch < 3; ch++ {
		a, b := float32(hv[ch]*hs), float32(ev[ch]*es)
		for i := 0; i < hw; i++ {
			od := a*max(c.h[i], 0) + b*max(c.e[i], 0) + float32(bg)
			img[ch*hw+i] = expTable(od)
		}
	}
	return cls, planted
}

// boxBlur applies a 3x3 mean filter in place (edges clamped).
func boxBlur(f []float32, n int) {
	t := make([]float32, len(f))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			var s float32
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					s += f[min(max(y+dy, 0), n-1)*n+min(max(x+dx, 0), n-1)]
				}
			}
			t[y*n+x] = s / 9
		}
	}
	copy(f, t)
}

var odTable = func() [1025]uint8 {
	var t [1025]uint8
	for i := range t {
		t[i] = uint8(math.Round(255 * math.Exp(-float64(i)/128)))
	}
	return t
}()

// expTable is 255*exp(-od) by table, od clamped to [0, 8].
func expTable(od float32) uint8 {
	i := int(od*128 + 0.5)
	return odTable[min(max(i, 0), 1024)]
}
