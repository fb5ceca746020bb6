package plot

import (
	"errors"
	"fmt"
	"image"
	"math"
	"math/rand"
)

// ScatterSpec describes 2-D points coloured by group, e.g. a UMAP embedding
// of the failures coloured by failure type or by tissue.
type ScatterSpec struct {
	Title          string
	X, Y           []float64
	Groups         []int    // group of each point, 0-based; nil puts all in group 0
	GroupNames     []string // legend names; nil names groups "group 0", "group 1", ...
	XLabel, YLabel string
	LegendTitle    string
	LegendCounts   bool    // append each group's point count to its legend name
	Radius         float64 // disc radius in pixels; default 3.5
	Alpha          float64 // disc opacity; default 0.7
	Width, Height  int     // figure size; default 1000 x 720
}

// Scatter draws the points as small alpha-blended discs with a legend and
// writes the figure to path. Points with a NaN or infinite coordinate are
// not drawn; their number is printed under the plot.
func Scatter(path string, s ScatterSpec) error {
	img, _, err := renderScatter(s)
	if err != nil {
		return err
	}
	return savePNG(path, img)
}

func renderScatter(s ScatterSpec) (*image.RGBA, axes, error) {
	var A axes
	n := len(s.X)
	if n == 0 {
		return nil, A, errors.New("plot: scatter has no points")
	}
	if len(s.Y) != n {
		return nil, A, fmt.Errorf("plot: scatter has %d x but %d y values", n, len(s.Y))
	}
	if s.Groups != nil && len(s.Groups) != n {
		return nil, A, fmt.Errorf("plot: scatter has %d points but %d groups", n, len(s.Groups))
	}
	nGroups := len(s.GroupNames)
	maxG := 0
	for i, g := range s.Groups {
		if g < 0 {
			return nil, A, fmt.Errorf("plot: scatter point %d has negative group %d", i, g)
		}
		if s.GroupNames != nil && g >= nGroups {
			return nil, A, fmt.Errorf("plot: scatter point %d has group %d but only %d group names", i, g, nGroups)
		}
		maxG = max(maxG, g)
	}
	if s.GroupNames == nil {
		nGroups = maxG + 1
	}
	group := func(i int) int {
		if s.Groups == nil {
			return 0
		}
		return s.Groups[i]
	}
	radius, alpha := s.Radius, s.Alpha
	if !(radius > 0) {
		radius = 3.5
	}
	if !(alpha > 0) || alpha > 1 {
		alpha = 0.7
	}
	W, H := s.Width, s.Height
	if W == 0 {
		W = 1000
	}
	if H == 0 {
		H = 720
	}

	xlo, xhi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	skipped := 0
	counts := make([]int, max(nGroups, 1))
	for i := range s.X {
		x, y := s.X[i], s.Y[i]
		if !finite(x) || !finite(y) {
			skipped++
			continue
		}
		xlo, xhi = math.Min(xlo, x), math.Max(xhi, x)
		ylo, yhi = math.Min(ylo, y), math.Max(yhi, y)
		counts[group(i)]++
	}
	if skipped == n {
		return nil, A, fmt.Errorf("plot: scatter has no finite points (%d with NaN or Inf coordinates)", n)
	}

	// Legend: one disc per group, unless there is a single unnamed group.
	var es []legendEntry
	if s.GroupNames != nil || nGroups > 1 {
		for g := 0; g < nGroups; g++ {
			name := fmt.Sprintf("group %d", g)
			if s.GroupNames != nil {
				name = s.GroupNames[g]
			}
			if s.LegendCounts {
				name = fmt.Sprintf("%s (%d)", name, counts[g])
			}
			es = append(es, legendEntry{name: name, col: PaletteColor(g), kind: swatchDisc})
		}
	}

	top := titleHeight(s.Title)
	xs := newSpan(xlo, xhi, true, false, false)
	ys := newSpan(ylo, yhi, true, false, false)
	lay := measureAxes(ys, true, s.XLabel, s.YLabel)
	noteH := 0
	if skipped > 0 {
		noteH = gap + TextHeight(textScale)
	}
	plotTop := top + gap
	plotBottom := H - margin - lay.bottom - noteH
	legW, _, perCol := legendSize(s.LegendTitle, es, plotBottom-plotTop)
	legendX := W - margin - legW
	right := W - margin
	if len(es) > 0 {
		right = legendX - 3*gap
	}
	r := image.Rect(margin+lay.left, plotTop, right, plotBottom)
	if r.Dx() < 100 || r.Dy() < 100 {
		return nil, A, fmt.Errorf("plot: scatter figure %dx%d too small for its labels and legend", W, H)
	}
	img, err := newCanvas(W, H)
	if err != nil {
		return nil, A, err
	}
	drawTitle(img, s.Title, W)
	A = axes{r: r, x: xs, y: ys}
	drawAxes(img, A, true, s.XLabel, s.YLabel)

	// A fixed shuffle keeps one large group from hiding the others while
	// staying deterministic.
	order := rand.New(rand.NewSource(1)).Perm(n)
	for _, i := range order {
		x, y := s.X[i], s.Y[i]
		if !finite(x) || !finite(y) {
			continue
		}
		disc(img, A.px(x), A.py(y), radius, PaletteColor(group(i)), alpha)
	}
	if len(es) > 0 {
		drawLegend(img, legendX, plotTop, s.LegendTitle, es, perCol)
	}
	if skipped > 0 {
		note := fmt.Sprintf("%d of %d points not shown (NaN or infinite coordinates)", skipped, n)
		textRight(img, W-margin, H-margin-TextHeight(textScale), note, subtleCol, textScale)
	}
	return img, A, nil
}
