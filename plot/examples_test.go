package plot

import (
	"fmt"
	"image"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteExamples renders one example of every figure into the directory
// named by PLOT_EXAMPLES (skipped when unset), for looking at by eye.
func TestWriteExamples(t *testing.T) {
	dir := os.Getenv("PLOT_EXAMPLES")
	if dir == "" {
		t.Skip("set PLOT_EXAMPLES=dir to write example figures")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	out := func(name string) string { return filepath.Join(dir, name) }

	// 8 fine-tuned models x (8 test sets + C): strong diagonal.
	rows := make([]string, 8)
	cols := make([]string, 9)
	vals := make([][]float64, 8)
	for i := range rows {
		rows[i] = fmt.Sprintf("type %d", i+1)
		cols[i] = rows[i]
		vals[i] = make([]float64, 9)
		for j := range vals[i] {
			vals[i][j] = 0.1 + 0.3*rng.Float64()
		}
		vals[i][i] = 0.75 + 0.25*rng.Float64()
		vals[i][8] = 0.88 + 0.1*rng.Float64()
	}
	cols[8] = "C"
	vals[2][5] = math.NaN()
	if err := Heatmap(out("heatmap.png"), HeatmapSpec{
		Title: "Fine-tuning matrix m(M_i, F_j^te) - gradient", RowLabels: rows, ColLabels: cols, Values: vals,
		Min: 0, Max: 1, Annotate: true, Colormap: "viridis", RowTitle: "fine-tuned on", ColTitle: "evaluated on",
		ValueLabel: "accuracy", GapBeforeLastCol: true, OutlineDiagonal: true,
	}); err != nil {
		t.Fatal(err)
	}

	// 500 points in 3 clusters, 3 NaN points.
	var xs, ys []float64
	var gs []int
	centres := [][2]float64{{-4, 2}, {3, 5}, {1, -3}}
	for i := 0; i < 500; i++ {
		g := i % 3
		if i%7 == 0 {
			g = 0
		}
		xs = append(xs, centres[g][0]+rng.NormFloat64()*1.2)
		ys = append(ys, centres[g][1]+rng.NormFloat64()*0.9)
		gs = append(gs, g)
	}
	xs[10], ys[20], xs[30] = math.NaN(), math.NaN(), math.Inf(1)
	if err := Scatter(out("scatter.png"), ScatterSpec{
		Title: "UMAP of failures (gradient embedding)", X: xs, Y: ys, Groups: gs,
		GroupNames: []string{"type 1", "type 2", "type 3"}, XLabel: "UMAP 1", YLabel: "UMAP 2",
		LegendTitle: "failure type", LegendCounts: true,
	}); err != nil {
		t.Fatal(err)
	}
	// 20 groups to show the whole palette.
	xs, ys, gs = nil, nil, nil
	names := make([]string, 20)
	for g := range names {
		names[g] = fmt.Sprintf("tissue %c", 'A'+g)
		a := 2 * math.Pi * float64(g) / 20
		for k := 0; k < 40; k++ {
			xs = append(xs, 10*math.Cos(a)+rng.NormFloat64()*0.8)
			ys = append(ys, 10*math.Sin(a)+rng.NormFloat64()*0.8)
			gs = append(gs, g)
		}
	}
	if err := Scatter(out("scatter-palette.png"), ScatterSpec{
		Title: "UMAP of failures by tissue", X: xs, Y: ys, Groups: gs, GroupNames: names,
		XLabel: "UMAP 1", YLabel: "UMAP 2", LegendTitle: "tissue", Radius: 4, Alpha: 0.8,
	}); err != nil {
		t.Fatal(err)
	}

	tissues := []string{"adipose", "background", "debris", "lymphocytes", "mucus", "smooth muscle",
		"normal mucosa", "stroma", "tumour epithelium"}
	counts := make([][]float64, 8)
	for i := range counts {
		counts[i] = make([]float64, len(tissues))
		for j := range counts[i] {
			if rng.Float64() < 0.7 {
				counts[i][j] = float64(rng.Intn(40))
			}
		}
		counts[i][i] += 80
	}
	for _, norm := range []bool{true, false} {
		name := "stacked-counts.png"
		if norm {
			name = "stacked.png"
		}
		if err := StackedBars(out(name), BarSpec{
			Title: "Metadata make-up of each failure type", Bars: rows, Segments: tissues, Values: counts,
			Normalize: norm, XLabel: "failure type", LegendTitle: "tissue",
		}); err != nil {
			t.Fatal(err)
		}
	}

	// 8 rows x 10 random 28x28 RGB tiles (smooth noise tinted per row),
	// a few with markers.
	grid := make([][]Tile, 8)
	labels := make([]string, 8)
	for i := range grid {
		labels[i] = fmt.Sprintf("type %d (n=%d)", i+1, 40+rng.Intn(200))
		for j := 0; j < 10; j++ {
			grid[i] = append(grid[i], randomTile(rng, i, fmt.Sprintf("p=%.2f", 0.5+0.5*rng.Float64())))
		}
	}
	grid[1][2].Marker = &image.Point{X: 5, Y: 20}
	grid[4][0].Marker = &image.Point{X: 14, Y: 14}
	grid[6][9].Marker = &image.Point{X: 27, Y: 0}
	grid[7] = grid[7][:3]
	if err := ImageGrid(out("grid.png"), GridSpec{
		Title: "Examples of each failure type (closest to centre first)", RowLabels: labels, Images: grid,
	}); err != nil {
		t.Fatal(err)
	}

	// Silhouette against k for two embeddings.
	var series []Series
	for e, name := range []string{"gradient", "feature", "random"} {
		var sx, sy []float64
		for k := 3; k <= 10; k++ {
			sx = append(sx, float64(k))
			sy = append(sy, 0.35+0.1*float64(2-e)*math.Exp(-math.Pow(float64(k-5-e), 2)/4)+0.02*rng.NormFloat64())
		}
		series = append(series, Series{Name: name, X: sx, Y: sy})
	}
	if err := LineChart(out("line.png"), LineSpec{
		Title: "Silhouette score against k", Series: series, XLabel: "k (number of types)",
		YLabel: "silhouette", LegendTitle: "embedding", HighlightMax: true, IntegerX: true,
	}); err != nil {
		t.Fatal(err)
	}
	// Learnability and Independence per type.
	lv, iv, le, ie := make([]float64, 8), make([]float64, 8), make([]float64, 8), make([]float64, 8)
	for i := range lv {
		lv[i], le[i] = 0.6+0.35*rng.Float64(), 0.03+0.05*rng.Float64()
		iv[i], ie[i] = 0.5*rng.Float64()-0.05, 0.03+0.05*rng.Float64()
	}
	iv[6] = math.NaN()
	if err := Bars(out("bars.png"), BarsSpec{
		Title: "Learnability and Independence per type", Categories: rows,
		Series: []BarSeries{{Name: "Learnability", Values: lv, Err: le}, {Name: "Independence", Values: iv, Err: ie}},
		XLabel: "failure type", YLabel: "score",
	}); err != nil {
		t.Fatal(err)
	}

	// Font specimen: all printable ASCII at scales 1, 2 and 3, plus vertical text.
	spec, _ := newCanvas(1200, 330)
	var all []rune
	for r := rune(32); r <= 126; r++ {
		all = append(all, r)
	}
	y := 10
	for _, sc := range []int{1, 2, 3} {
		for k := 0; k < len(all); k += 32 {
			DrawText(spec, 10, y, string(all[k:min(k+32, len(all))]), black, sc)
			y += lineHeight * sc
		}
		y += 6
	}
	DrawText(spec, 10, y, "L = 0.93±0.02, C^te ≥ 0.9, 3×3 · k → 10, 5 µm, type 10 (n=123): jpgqy", black, 2)
	DrawTextVertical(spec, 1150, 320, "fine-tuned on", black, 2)
	if err := savePNG(out("font.png"), spec); err != nil {
		t.Fatal(err)
	}

	// Harder layouts: long labels (vertical column labels), a legend that
	// has to wrap into columns, grey tiles with long row labels.
	long := []string{"adipose", "background", "debris", "lymphocytes", "mucus", "smooth muscle",
		"normal mucosa", "stroma", "tumour epithelium", "C (correct)"}
	lv2 := make([][]float64, 9)
	for i := range lv2 {
		lv2[i] = make([]float64, 10)
		for j := range lv2[i] {
			lv2[i][j] = rng.Float64()*0.6 - 0.3
		}
		lv2[i][i] = 0.3 + 0.2*rng.Float64()
	}
	if err := Heatmap(out("heatmap-long.png"), HeatmapSpec{
		Title: "Metadata types (rdbu, no annotation)", RowLabels: long[:9], ColLabels: long, Values: lv2,
		Min: -0.5, Max: 0.5, Colormap: "rdbu", RowTitle: "fine-tuned on", ColTitle: "evaluated on",
		GapBeforeLastCol: true,
	}); err != nil {
		t.Fatal(err)
	}
	xs, ys, gs = nil, nil, nil
	names = make([]string, 30)
	for g := range names {
		names[g] = fmt.Sprintf("cluster %d", g+1)
		for k := 0; k < 15; k++ {
			xs = append(xs, float64(g%6)+rng.NormFloat64()*0.2)
			ys = append(ys, float64(g/6)+rng.NormFloat64()*0.2)
			gs = append(gs, g)
		}
	}
	if err := Scatter(out("scatter-many.png"), ScatterSpec{
		Title: "30 groups: legend wraps", X: xs, Y: ys, Groups: gs, GroupNames: names,
		XLabel: "UMAP 1", YLabel: "UMAP 2", Height: 560,
	}); err != nil {
		t.Fatal(err)
	}
	greyRows := make([][]Tile, 3)
	for i := range greyRows {
		for j := 0; j < 6; j++ {
			tl := Tile{C: 1, H: 28, W: 28, Pix: make([]uint8, 28*28)}
			for k := range tl.Pix {
				tl.Pix[k] = uint8(rng.Intn(256))
			}
			greyRows[i] = append(greyRows[i], tl)
		}
	}
	if err := ImageGrid(out("grid-grey.png"), GridSpec{
		Title:     "Grey tiles",
		RowLabels: []string{"type 1: T-shirt/top misread as trouser", "type 2", "type 3 (n=4)"},
		Images:    greyRows,
	}); err != nil {
		t.Fatal(err)
	}
}

// randomTile is a smooth random texture, tinted by row so rows differ.
func randomTile(rng *rand.Rand, row int, caption string) Tile {
	const n = 28
	pix := make([]uint8, 3*n*n)
	tint := PaletteColor(row)
	fx, fy := 0.2+0.5*rng.Float64(), 0.2+0.5*rng.Float64()
	ph := rng.Float64() * 6
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			v := 0.5 + 0.25*math.Sin(fx*float64(x)+ph) + 0.25*math.Cos(fy*float64(y)-ph) + 0.1*rng.NormFloat64()
			v = math.Max(0, math.Min(1, v))
			for c, tc := range []uint8{tint.R, tint.G, tint.B} {
				pix[c*n*n+y*n+x] = uint8(v*float64(tc) + (1-v)*235)
			}
		}
	}
	return Tile{Pix: pix, C: 3, H: n, W: n, Caption: caption}
}
