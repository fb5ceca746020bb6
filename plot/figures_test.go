package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readPNG decodes a written figure and checks nothing else (temp files) was
// left in its directory.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file %s left behind", e.Name())
		}
	}
	return img
}

func at(img image.Image, x, y int) color.NRGBA {
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

func sameSize(t *testing.T, got image.Image, want *image.RGBA) {
	t.Helper()
	if got.Bounds() != want.Bounds() {
		t.Fatalf("decoded size %v, rendered %v", got.Bounds(), want.Bounds())
	}
}

func heatSpec() HeatmapSpec {
	return HeatmapSpec{
		Title:     "m(M_i, F_j^te)",
		RowLabels: []string{"type 1", "type 2", "type 3"},
		ColLabels: []string{"type 1", "type 2", "type 3", "C"},
		Values: [][]float64{
			{1.0, 0.2, 0.3, 0.9},
			{0.1, 0.8, math.NaN(), 0.95},
			{0.0, 0.4, 0.7, 0.92},
		},
		Min: 0, Max: 1, Annotate: true, RowTitle: "fine-tuned on", ColTitle: "evaluated on",
		ValueLabel: "accuracy", GapBeforeLastCol: true,
	}
}

func TestHeatmapCellsHaveColormapColours(t *testing.T) {
	for _, cmName := range []string{"viridis", "blues", "rdbu"} {
		h := heatSpec()
		h.Colormap = cmName
		path := filepath.Join(t.TempDir(), "heat.png")
		if err := Heatmap(path, h); err != nil {
			t.Fatal(err)
		}
		want, L, err := renderHeatmap(h)
		if err != nil {
			t.Fatal(err)
		}
		img := readPNG(t, path)
		sameSize(t, img, want)
		cm, _ := Colormap(cmName)
		// Probe just inside the top-left corner, away from the annotation.
		probe := func(i, j int) color.NRGBA { r := L.cell(i, j); return at(img, r.Min.X+3, r.Min.Y+3) }
		if got := probe(0, 0); got != cm(1) {
			t.Errorf("%s: max cell %v, want top colour %v", cmName, got, cm(1))
		}
		if got := probe(2, 0); got != cm(0) {
			t.Errorf("%s: min cell %v, want bottom colour %v", cmName, got, cm(0))
		}
		if got := probe(1, 1); got != cm(0.8) {
			t.Errorf("%s: 0.8 cell %v, want %v", cmName, got, cm(0.8))
		}
		if got := probe(1, 2); got != gridCol {
			t.Errorf("%s: NaN cell %v, want blank %v", cmName, got, gridCol)
		}
		// The annotation is drawn in a contrasting colour somewhere in the cell.
		r := L.cell(0, 0)
		found := false
		for y := r.Min.Y; y < r.Max.Y && !found; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if at(img, x, y) == contrastText(cm(1)) {
					found = true
					break
				}
			}
		}
		if !found {
			t.Errorf("%s: no annotation text in the max cell", cmName)
		}
		// Colour bar: top is the max colour, bottom the min colour.
		b := L.bar
		if got := at(img, b.Min.X+5, b.Min.Y); got != cm(1) {
			t.Errorf("%s: colour bar top %v", cmName, got)
		}
		if got := at(img, b.Min.X+5, b.Max.Y-1); got != cm(0) {
			t.Errorf("%s: colour bar bottom %v", cmName, got)
		}
	}
}

func TestHeatmapAutoRange(t *testing.T) {
	h := heatSpec()
	h.Min, h.Max = 0, 0
	h.Values[0][0] = 5 // new max
	_, L, err := renderHeatmap(h)
	if err != nil {
		t.Fatal(err)
	}
	img, _, _ := renderHeatmap(h)
	cm, _ := Colormap("")
	r := L.cell(0, 0)
	if got := at(img, r.Min.X+3, r.Min.Y+3); got != cm(1) {
		t.Errorf("auto range max cell %v", got)
	}
}

func TestHeatmapErrors(t *testing.T) {
	dir := t.TempDir()
	bad := map[string]func(h *HeatmapSpec){
		"no rows":    func(h *HeatmapSpec) { h.Values = nil; h.RowLabels = nil },
		"ragged":     func(h *HeatmapSpec) { h.Values[1] = h.Values[1][:2] },
		"row labels": func(h *HeatmapSpec) { h.RowLabels = h.RowLabels[:1] },
		"col labels": func(h *HeatmapSpec) { h.ColLabels = append(h.ColLabels, "x") },
		"colormap":   func(h *HeatmapSpec) { h.Colormap = "jet" },
		"NaN range":  func(h *HeatmapSpec) { h.Max = math.NaN() },
		"all NaN": func(h *HeatmapSpec) {
			h.Min, h.Max = 0, 0
			h.Values = [][]float64{{math.NaN()}}
			h.RowLabels, h.ColLabels = nil, nil
		},
		"empty columns": func(h *HeatmapSpec) { h.Values = [][]float64{{}}; h.RowLabels, h.ColLabels = nil, nil },
	}
	for name, f := range bad {
		h := heatSpec()
		f(&h)
		path := filepath.Join(dir, "h.png")
		if err := Heatmap(path, h); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%s: file written despite error", name)
		}
	}
}

func TestScatterPointColourAndNaN(t *testing.T) {
	s := ScatterSpec{
		X:          []float64{0, 10, 5, math.NaN(), 2},
		Y:          []float64{0, 10, 5, 1, math.Inf(-1)},
		Groups:     []int{0, 1, 2, 0, 1},
		GroupNames: []string{"a", "b", "c"},
		Alpha:      1,
		Radius:     4,
		XLabel:     "UMAP 1", YLabel: "UMAP 2", Title: "t",
	}
	path := filepath.Join(t.TempDir(), "s.png")
	if err := Scatter(path, s); err != nil {
		t.Fatal(err)
	}
	want, A, err := renderScatter(s)
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	sameSize(t, img, want)
	for i := 0; i < 3; i++ {
		x, y := int(math.Round(A.px(s.X[i]))), int(math.Round(A.py(s.Y[i])))
		if got := at(img, x, y); got != PaletteColor(s.Groups[i]) {
			t.Errorf("point %d at (%d,%d): %v, want %v", i, x, y, got, PaletteColor(s.Groups[i]))
		}
	}
	// Half-transparent discs blend with the white background.
	s.Alpha = 0.5
	img2, A2, _ := renderScatter(s)
	c := at(img2, int(math.Round(A2.px(5))), int(math.Round(A2.py(5))))
	p := PaletteColor(2)
	if math.Abs(float64(c.R)-(float64(p.R)+255)/2) > 1.5 {
		t.Errorf("alpha blend %v from %v", c, p)
	}
}

func TestScatterErrors(t *testing.T) {
	for name, s := range map[string]ScatterSpec{
		"empty":       {},
		"y length":    {X: []float64{1, 2}, Y: []float64{1}},
		"groups":      {X: []float64{1, 2}, Y: []float64{1, 2}, Groups: []int{0}},
		"negative":    {X: []float64{1, 2}, Y: []float64{1, 2}, Groups: []int{0, -1}},
		"group names": {X: []float64{1, 2}, Y: []float64{1, 2}, Groups: []int{0, 2}, GroupNames: []string{"a", "b"}},
		"all NaN":     {X: []float64{math.NaN()}, Y: []float64{1}},
		"too small":   {X: []float64{1, 2}, Y: []float64{1, 2}, Width: 120, Height: 100},
	} {
		if err := Scatter(filepath.Join(t.TempDir(), "s.png"), s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestStackedBarsSegments(t *testing.T) {
	b := BarSpec{
		Title: "make-up", Bars: []string{"type 1", "type 2"}, Segments: []string{"adipose", "debris", "mucus"},
		Values: [][]float64{{1, 3, 0}, {0, 0, 5}}, Normalize: true, LegendTitle: "tissue",
	}
	path := filepath.Join(t.TempDir(), "b.png")
	if err := StackedBars(path, b); err != nil {
		t.Fatal(err)
	}
	want, L, err := renderStacked(b)
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	sameSize(t, img, want)
	A := L.a
	x := L.barX[0] + L.barW/2
	// Bar 0: adipose fills fraction 0..0.25, debris 0.25..1.
	if got := at(img, x, int(A.py(0.12))); got != PaletteColor(0) {
		t.Errorf("adipose segment %v", got)
	}
	if got := at(img, x, int(A.py(0.6))); got != PaletteColor(1) {
		t.Errorf("debris segment %v", got)
	}
	if got := at(img, L.barX[1]+L.barW/2, int(A.py(0.5))); got != PaletteColor(2) {
		t.Errorf("mucus bar %v", got)
	}
	// Counts: bar 1 reaches 5 on a 0..5 axis.
	b.Normalize = false
	img2, L2, err := renderStacked(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := at(img2, L2.barX[1]+L2.barW/2, int(L2.a.py(4.9))); got != PaletteColor(2) {
		t.Errorf("count bar top %v", got)
	}
	if got := at(img2, L2.barX[0]+L2.barW/2, int(L2.a.py(4.5))); got != white {
		t.Errorf("above shorter bar %v", got)
	}
}

func TestStackedBarsErrors(t *testing.T) {
	ok := BarSpec{Bars: []string{"a"}, Segments: []string{"x", "y"}, Values: [][]float64{{1, 2}}}
	for name, f := range map[string]func(b *BarSpec){
		"no bars":  func(b *BarSpec) { b.Bars = nil },
		"rows":     func(b *BarSpec) { b.Values = append(b.Values, []float64{1, 1}) },
		"segments": func(b *BarSpec) { b.Values[0] = []float64{1} },
		"negative": func(b *BarSpec) { b.Values[0][1] = -1 },
		"NaN":      func(b *BarSpec) { b.Values[0][1] = math.NaN() },
		"all zero": func(b *BarSpec) { b.Values[0] = []float64{0, 0} },
	} {
		b := ok
		b.Values = [][]float64{{1, 2}}
		f(&b)
		if err := StackedBars(filepath.Join(t.TempDir(), "b.png"), b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestImageGridTiles(t *testing.T) {
	// A 2x3 RGB tile whose pixels are all different, and a grey 4x4 tile.
	rgb := Tile{C: 3, H: 2, W: 3, Scale: 5, Caption: "p=0.9"}
	for c := 0; c < 3; c++ {
		for k := 0; k < 6; k++ {
			rgb.Pix = append(rgb.Pix, uint8(40*c+7*k))
		}
	}
	marked := rgb
	marked.Marker = &image.Point{X: 2, Y: 1}
	grey := Tile{C: 1, H: 4, W: 4, Pix: make([]uint8, 16)}
	for k := range grey.Pix {
		grey.Pix[k] = uint8(16 * k)
	}
	g := GridSpec{Title: "examples", RowLabels: []string{"type 1", "type 2", "empty"},
		Images: [][]Tile{{rgb, grey, marked}, {grey}, nil}}
	path := filepath.Join(t.TempDir(), "g.png")
	if err := ImageGrid(path, g); err != nil {
		t.Fatal(err)
	}
	want, L, err := renderGrid(g)
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	sameSize(t, img, want)
	r := L.tiles[0][0]
	if r.Dx() != 15 || r.Dy() != 10 {
		t.Fatalf("scaled tile %v", r)
	}
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			k := y*3 + x
			wantC := color.NRGBA{uint8(7 * k), uint8(40 + 7*k), uint8(80 + 7*k), 255}
			for _, d := range [][2]int{{0, 0}, {4, 4}} { // both corners of the 5x5 block
				if got := at(img, r.Min.X+x*5+d[0], r.Min.Y+y*5+d[1]); got != wantC {
					t.Errorf("tile pixel (%d,%d)+%v: %v, want %v", x, y, d, got, wantC)
				}
			}
		}
	}
	// Border just outside the tile.
	if got := at(img, r.Min.X-1, r.Min.Y-1); got != borderCol {
		t.Errorf("border %v", got)
	}
	// Grey tile gets the default scale (64/4 = 16).
	r2 := L.tiles[1][0]
	if r2.Dx() != 64 {
		t.Errorf("default scale gave width %d", r2.Dx())
	}
	if got := at(img, r2.Min.X+3*16+8, r2.Min.Y+2*16+8); got != (color.NRGBA{176, 176, 176, 255}) {
		t.Errorf("grey pixel %v", got)
	}
	// The marker changed pixels around (2,1) but nothing outside the tile.
	r = L.tiles[0][2]
	mx, my := r.Min.X+2*5+2, r.Min.Y+5+2
	changed := false
	for y := my - 6; y <= my+6; y++ {
		for x := mx - 6; x <= mx+6; x++ {
			if image.Pt(x, y).In(r) && at(img, x, y) != at(want, x, y) {
				t.Fatal("decoded differs from rendered")
			}
			if image.Pt(x, y).In(r) && (at(img, x, y) == toNRGBA(markerCol) || at(img, x, y) == black) {
				changed = true
			}
		}
	}
	if !changed {
		t.Error("no marker drawn")
	}
	if got := at(img, r.Max.X+2, r.Min.Y+2); got != white {
		t.Errorf("marker leaked outside the tile: %v", got)
	}
}

func TestImageGridErrors(t *testing.T) {
	okTile := Tile{C: 1, H: 2, W: 2, Pix: make([]uint8, 4)}
	for name, f := range map[string]func(t *Tile){
		"channels": func(t *Tile) { t.C = 2; t.Pix = make([]uint8, 8) },
		"bytes":    func(t *Tile) { t.Pix = t.Pix[:3] },
		"size":     func(t *Tile) { t.H = 0 },
		"marker":   func(t *Tile) { t.Marker = &image.Point{X: 2, Y: 0} },
		"scale":    func(t *Tile) { t.Scale = 100 },
	} {
		tl := okTile
		f(&tl)
		if err := ImageGrid(filepath.Join(t.TempDir(), "g.png"), GridSpec{Images: [][]Tile{{tl}}}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := ImageGrid(filepath.Join(t.TempDir(), "g.png"), GridSpec{}); err == nil {
		t.Error("empty grid accepted")
	}
	if err := ImageGrid(filepath.Join(t.TempDir(), "g.png"), GridSpec{Images: [][]Tile{nil, nil}}); err == nil {
		t.Error("grid without tiles accepted")
	}
	if err := ImageGrid(filepath.Join(t.TempDir(), "g.png"), GridSpec{RowLabels: []string{"a"}, Images: [][]Tile{{okTile}, {okTile}}}); err == nil {
		t.Error("label count mismatch accepted")
	}
}

func TestLineChartDrawsSeries(t *testing.T) {
	l := LineSpec{
		Title: "silhouette", XLabel: "k", YLabel: "score", IntegerX: true, HighlightMax: true,
		Series: []Series{
			{Name: "gradient", X: []float64{3, 4, 5, 6}, Y: []float64{0.3, 0.5, 0.4, 0.35}},
			{Name: "feature", X: []float64{3, 4, 5, 6}, Y: []float64{0.2, 0.25, math.NaN(), 0.3}},
		},
	}
	path := filepath.Join(t.TempDir(), "l.png")
	if err := LineChart(path, l); err != nil {
		t.Fatal(err)
	}
	want, A, err := renderLine(l)
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	sameSize(t, img, want)
	// Midpoint of the first segment of series 1 (3,0.2)-(4,0.25) lies on its line.
	x, y := (A.px(3)+A.px(4))/2, (A.py(0.2)+A.py(0.25))/2
	if got := at(img, int(math.Round(x)), int(math.Round(y))); got != PaletteColor(1) {
		t.Errorf("line pixel %v, want %v", got, PaletteColor(1))
	}
	// The NaN breaks series 1 between x=4 and x=6: the midpoint is not drawn.
	x, y = A.px(5), (A.py(0.25)+A.py(0.3))/2
	if got := at(img, int(math.Round(x)), int(math.Round(y))); got == PaletteColor(1) {
		t.Error("line drawn across a NaN")
	}
	for name, bad := range map[string]LineSpec{
		"none":    {},
		"lengths": {Series: []Series{{X: []float64{1, 2}, Y: []float64{1}}}},
		"all NaN": {Series: []Series{{X: []float64{math.NaN()}, Y: []float64{1}}}},
	} {
		if err := LineChart(filepath.Join(t.TempDir(), "l.png"), bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestBarsValuesAndErrors(t *testing.T) {
	b := BarsSpec{
		Title: "L and I", Categories: []string{"type 1", "type 2"}, YLabel: "score",
		Series: []BarSeries{
			{Name: "L", Values: []float64{0.8, 0.6}, Err: []float64{0.05, 0.1}},
			{Name: "I", Values: []float64{-0.1, math.NaN()}},
		},
	}
	path := filepath.Join(t.TempDir(), "b.png")
	if err := Bars(path, b); err != nil {
		t.Fatal(err)
	}
	want, L, err := renderBars(b)
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	sameSize(t, img, want)
	A := L.a
	// Left of the error-bar stem, inside the bar.
	if got := at(img, L.barX[0][0]+4, int(A.py(0.4))); got != PaletteColor(0) {
		t.Errorf("L bar %v", got)
	}
	if got := at(img, L.barX[1][0]+4, int(A.py(-0.05))); got != PaletteColor(1) {
		t.Errorf("negative I bar %v", got)
	}
	if got := at(img, L.barX[1][0]+4, int(A.py(0.05))); got == PaletteColor(1) {
		t.Error("negative bar drawn above zero")
	}
	// Error bar stem reaches 0.85 on type 1.
	cx := L.barX[0][0] + L.barW/2
	if got := at(img, cx, int(A.py(0.84))); got != axisCol {
		t.Errorf("error bar %v", got)
	}
	for name, bad := range map[string]BarsSpec{
		"none":    {},
		"lengths": {Categories: []string{"a"}, Series: []BarSeries{{Values: []float64{1, 2}}}},
		"errs":    {Categories: []string{"a"}, Series: []BarSeries{{Values: []float64{1}, Err: []float64{}}}},
		"neg err": {Categories: []string{"a"}, Series: []BarSeries{{Values: []float64{1}, Err: []float64{-1}}}},
		"inf":     {Categories: []string{"a"}, Series: []BarSeries{{Values: []float64{math.Inf(1)}}}},
		"all NaN": {Categories: []string{"a"}, Series: []BarSeries{{Values: []float64{math.NaN()}}}},
	} {
		if err := Bars(filepath.Join(t.TempDir(), "b.png"), bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fig.png")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Heatmap(path, heatSpec()); err != nil {
		t.Fatal(err)
	}
	readPNG(t, path) // replaced by a valid PNG, no temp files
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries", len(ents))
	}
	// A failed rename (target is a directory) leaves no temp file behind.
	blocked := filepath.Join(dir, "blocked.png")
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Heatmap(blocked, heatSpec()); err == nil {
		t.Error("writing over a directory succeeded")
	}
	ents, _ = os.ReadDir(dir)
	if len(ents) != 2 {
		for _, e := range ents {
			t.Log(e.Name())
		}
		t.Errorf("temp file left after failed write")
	}
	if err := Heatmap(filepath.Join(dir, "missing", "x.png"), heatSpec()); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	if err := Heatmap("", heatSpec()); err == nil {
		t.Error("empty path accepted")
	}
}

func TestDeterministic(t *testing.T) {
	enc := func(img *image.RGBA) []byte {
		var b bytes.Buffer
		png.Encode(&b, img)
		return b.Bytes()
	}
	xs, ys, gs := make([]float64, 300), make([]float64, 300), make([]int, 300)
	for i := range xs {
		xs[i], ys[i], gs[i] = math.Sin(float64(i)), math.Cos(float64(i)*1.3), i%5
	}
	s := ScatterSpec{X: xs, Y: ys, Groups: gs}
	a, _, _ := renderScatter(s)
	b, _, _ := renderScatter(s)
	if !bytes.Equal(enc(a), enc(b)) {
		t.Error("scatter not deterministic")
	}
}

// Small and degenerate but valid specs render without panicking.
func TestDegenerateSpecs(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	check := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	check("1x1 heatmap", Heatmap(p("h.png"), HeatmapSpec{Values: [][]float64{{0.5}}, Annotate: true}))
	check("constant heatmap", Heatmap(p("h.png"), HeatmapSpec{Values: [][]float64{{2, 2}, {2, math.NaN()}}, Title: "a very long title for a tiny matrix"}))
	check("one point", Scatter(p("s.png"), ScatterSpec{X: []float64{1}, Y: []float64{1}}))
	check("collinear", Scatter(p("s.png"), ScatterSpec{X: []float64{1, 1, 1}, Y: []float64{0, 1e-9, 2e9}}))
	check("one bar", StackedBars(p("b.png"), BarSpec{Bars: []string{"x"}, Segments: []string{"y"}, Values: [][]float64{{3}}, Normalize: true}))
	check("zero bar", StackedBars(p("b.png"), BarSpec{Bars: []string{"x", "z"}, Segments: []string{"y"}, Values: [][]float64{{3}, {0}}, Normalize: true}))
	check("one point line", LineChart(p("l.png"), LineSpec{Series: []Series{{X: []float64{3}, Y: []float64{0.2}}}, HighlightMax: true, HighlightMin: true}))
	check("one tile", ImageGrid(p("g.png"), GridSpec{Images: [][]Tile{{{C: 1, H: 1, W: 1, Pix: []uint8{9}, Marker: &image.Point{}}}}}))
	check("one bar value", Bars(p("b.png"), BarsSpec{Categories: []string{"a"}, Series: []BarSeries{{Values: []float64{0}}}}))
	check("tiny values", Bars(p("b.png"), BarsSpec{Categories: []string{"a", "b"}, Series: []BarSeries{{Values: []float64{1e-12, -3e-12}}}}))
	check("huge values", Scatter(p("s.png"), ScatterSpec{X: []float64{-1e300, 1e300}, Y: []float64{0, 1}}))
}

func TestExtremeRangesError(t *testing.T) {
	// Either a figure or an error, never a panic.
	dir := t.TempDir()
	for _, v := range []float64{math.MaxFloat64} {
		_ = Scatter(filepath.Join(dir, "s.png"), ScatterSpec{X: []float64{-v, v}, Y: []float64{-v, v}})
		_ = LineChart(filepath.Join(dir, "l.png"), LineSpec{Series: []Series{{X: []float64{-v, v}, Y: []float64{v, -v}}}})
		_ = Bars(filepath.Join(dir, "b.png"), BarsSpec{Categories: []string{"a", "b"}, Series: []BarSeries{{Values: []float64{-v, v}}}})
		_ = StackedBars(filepath.Join(dir, "b.png"), BarSpec{Bars: []string{"a"}, Segments: []string{"x", "y"}, Values: [][]float64{{v, v}}})
		_ = Heatmap(filepath.Join(dir, "h.png"), HeatmapSpec{Values: [][]float64{{-v, v}}})
	}
}
