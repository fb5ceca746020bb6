package plot

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// Series is one line of a LineChart. Points with a NaN coordinate break the
// line there.
type Series struct {
	Name string
	X, Y []float64
}

// LineSpec describes a line chart, e.g. silhouette score against k for
// several embeddings.
type LineSpec struct {
	Title          string
	Series         []Series
	XLabel, YLabel string
	LegendTitle    string
	// HighlightMax rings each series' largest y and prints its value
	// (the chosen k on a silhouette curve); HighlightMin does the same for
	// the smallest.
	HighlightMax, HighlightMin bool
	// IntegerX keeps x ticks on whole numbers (k = 3..10).
	IntegerX      bool
	Width, Height int // default 900 x 600
}

// LineChart draws each series as a line with markers, a legend and optional
// highlighted best points, and writes the figure to path.
func LineChart(path string, l LineSpec) error {
	img, _, err := renderLine(l)
	if err != nil {
		return err
	}
	return savePNG(path, img)
}

func renderLine(l LineSpec) (*image.RGBA, axes, error) {
	var A axes
	if len(l.Series) == 0 {
		return nil, A, errors.New("plot: line chart has no series")
	}
	xlo, xhi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for k, s := range l.Series {
		if len(s.X) != len(s.Y) {
			return nil, A, fmt.Errorf("plot: series %d (%q) has %d x but %d y values", k, s.Name, len(s.X), len(s.Y))
		}
		for i := range s.X {
			if finite(s.X[i]) && finite(s.Y[i]) {
				xlo, xhi = math.Min(xlo, s.X[i]), math.Max(xhi, s.X[i])
				ylo, yhi = math.Min(ylo, s.Y[i]), math.Max(yhi, s.Y[i])
			}
		}
	}
	if xlo > xhi {
		return nil, A, errors.New("plot: line chart has no finite points")
	}
	W, H := l.Width, l.Height
	if W == 0 {
		W = 900
	}
	if H == 0 {
		H = 600
	}
	named := false
	es := make([]legendEntry, len(l.Series))
	for k, s := range l.Series {
		named = named || s.Name != ""
		es[k] = legendEntry{name: s.Name, col: PaletteColor(k), kind: swatchLine, shape: markerShape(k % int(numMarkers))}
	}
	if !named {
		es = nil
	}
	xs := newSpan(xlo, xhi, true, false, l.IntegerX)
	ys := newSpan(ylo, yhi, true, false, false)
	if l.HighlightMax || l.HighlightMin {
		// Headroom for the value printed beside the highlighted point.
		d := (ys.hi - ys.lo) * 0.08
		ys = newSpan(ys.lo-d, ys.hi+d, false, false, false)
	}
	lay := measureAxes(ys, true, l.XLabel, l.YLabel)
	top := titleHeight(l.Title) + gap
	bottom := H - margin - lay.bottom
	legW, _, perCol := legendSize(l.LegendTitle, es, bottom-top)
	right := W - margin
	if len(es) > 0 {
		right = W - margin - legW - 3*gap
	}
	r := image.Rect(margin+lay.left, top, right, bottom)
	if r.Dx() < 100 || r.Dy() < 100 {
		return nil, A, fmt.Errorf("plot: line chart %dx%d too small for its labels and legend", W, H)
	}
	img, err := newCanvas(W, H)
	if err != nil {
		return nil, A, err
	}
	drawTitle(img, l.Title, W)
	A = axes{r: r, x: xs, y: ys}
	drawAxes(img, A, true, l.XLabel, l.YLabel)

	for k, s := range l.Series {
		c := PaletteColor(k)
		for i := 1; i < len(s.X); i++ {
			if finite(s.X[i-1]) && finite(s.Y[i-1]) && finite(s.X[i]) && finite(s.Y[i]) {
				line(img, A.px(s.X[i-1]), A.py(s.Y[i-1]), A.px(s.X[i]), A.py(s.Y[i]), 2.5, c)
			}
		}
		for i := range s.X {
			if finite(s.X[i]) && finite(s.Y[i]) {
				marker(img, markerShape(k%int(numMarkers)), A.px(s.X[i]), A.py(s.Y[i]), 4.5, c)
			}
		}
	}
	// Highlights after all lines so no later series covers them.
	for k, s := range l.Series {
		for _, want := range []struct {
			on  bool
			max bool
		}{{l.HighlightMax, true}, {l.HighlightMin, false}} {
			if !want.on {
				continue
			}
			best := -1
			for i := range s.X {
				if !finite(s.X[i]) || !finite(s.Y[i]) {
					continue
				}
				if best < 0 || (want.max && s.Y[i] > s.Y[best]) || (!want.max && s.Y[i] < s.Y[best]) {
					best = i
				}
			}
			if best < 0 {
				continue
			}
			px, py := A.px(s.X[best]), A.py(s.Y[best])
			ring(img, px, py, 9, 2.5, PaletteColor(k))
			lab := formatTick(s.Y[best], max(2, ys.dec+1))
			ty := int(py) - 14 - TextHeight(textScale)
			if !want.max {
				ty = int(py) + 14
			}
			tx := int(px) - TextWidth(lab, textScale)/2
			tx = max(r.Min.X+2, min(tx, r.Max.X-2-TextWidth(lab, textScale)))
			ty = max(r.Min.Y+2, min(ty, r.Max.Y-2-TextHeight(textScale)))
			DrawText(img, tx, ty, lab, textCol, textScale)
		}
	}
	if len(es) > 0 {
		drawLegend(img, W-margin-legW, top, l.LegendTitle, es, perCol)
	}
	return img, A, nil
}
