package plot

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// BarSeries is one colour of a grouped bar chart: a value (and optionally a
// ± error) per category. NaN values leave a gap.
type BarSeries struct {
	Name   string
	Values []float64
	Err    []float64 // nil, or one non-negative half-width per value
}

// BarsSpec describes grouped bars with error bars, e.g. Learnability and
// Independence per failure type.
type BarsSpec struct {
	Title          string
	Categories     []string // one group of bars per category
	Series         []BarSeries
	XLabel, YLabel string
	LegendTitle    string
	// Fixed y range when YMax > YMin; otherwise from the data, always
	// including 0.
	YMin, YMax float64
}

type barsLayout struct {
	a    axes
	barX [][]int // [series][category] left edge
	barW int
}

// Bars draws grouped bars with optional error bars and writes the figure to
// path.
func Bars(path string, b BarsSpec) error {
	img, _, err := renderBars(b)
	if err != nil {
		return err
	}
	return savePNG(path, img)
}

func renderBars(b BarsSpec) (*image.RGBA, barsLayout, error) {
	var L barsLayout
	nc, ns := len(b.Categories), len(b.Series)
	if nc == 0 || ns == 0 {
		return nil, L, errors.New("plot: bars need at least one category and one series")
	}
	lo, hi := 0.0, 0.0
	any := false
	for k, s := range b.Series {
		if len(s.Values) != nc {
			return nil, L, fmt.Errorf("plot: bar series %q has %d values for %d categories", s.Name, len(s.Values), nc)
		}
		if s.Err != nil && len(s.Err) != nc {
			return nil, L, fmt.Errorf("plot: bar series %q has %d errors for %d categories", s.Name, len(s.Err), nc)
		}
		for i, v := range s.Values {
			if math.IsInf(v, 0) {
				return nil, L, fmt.Errorf("plot: bar series %d value %d is infinite", k, i)
			}
			if math.IsNaN(v) {
				continue
			}
			e := 0.0
			if s.Err != nil {
				e = s.Err[i]
				if !(e >= 0) || math.IsInf(e, 0) {
					return nil, L, fmt.Errorf("plot: bar series %q error %d is %v (want finite, >= 0)", s.Name, i, e)
				}
			}
			lo, hi = math.Min(lo, v-e), math.Max(hi, v+e)
			any = true
		}
	}
	if !any {
		return nil, L, errors.New("plot: bars have no finite values")
	}
	if b.YMax > b.YMin {
		lo, hi = b.YMin, b.YMax
	} else {
		// Keep the baseline at 0 and leave a little room beyond the data on
		// the side(s) away from it, rather than snapping to a whole tick.
		d := 0.03 * math.Max(hi-lo, 1e-9)
		if lo < 0 {
			lo -= d
		}
		if hi > 0 {
			hi += d
		}
	}
	ys := newSpan(lo, hi, false, false, false)

	barW := 30
	if ns == 1 {
		barW = 44
	}
	labW := 0
	for _, s := range b.Categories {
		labW = max(labW, TextWidth(s, textScale))
	}
	pitch := ns*barW + 28
	vertical := false
	if labW+20 > pitch {
		if labW+20 <= 140 {
			pitch = labW + 20
		} else {
			vertical = true
		}
	}
	labH := TextHeight(textScale)
	if vertical {
		labH = labW
	}
	var es []legendEntry
	if ns > 1 || b.Series[0].Name != "" {
		for k, s := range b.Series {
			es = append(es, legendEntry{name: s.Name, col: PaletteColor(k), kind: swatchSquare})
		}
	}
	lay := measureAxes(ys, false, "", b.YLabel)
	top := titleHeight(b.Title) + gap
	plotH := 380
	legW, legH, perCol := legendSize(b.LegendTitle, es, plotH)
	plotH = max(plotH, legH)
	left := margin + lay.left
	r := image.Rect(left, top, left+nc*pitch, top+plotH)
	legendX := r.Max.X + 4*gap
	W := r.Max.X + margin
	if len(es) > 0 {
		W = legendX + legW + margin
	}
	W = max(W, TextWidth(b.Title, titleScale)+2*margin)
	H := r.Max.Y + gap + labH + margin
	if b.XLabel != "" {
		H += gap + TextHeight(textScale)
	}
	img, err := newCanvas(W, H)
	if err != nil {
		return nil, L, err
	}
	drawTitle(img, b.Title, W)
	A := axes{r: r, x: span{lo: 0, hi: 1}, y: ys}
	drawAxes(img, A, false, "", b.YLabel)
	L = barsLayout{a: A, barW: barW, barX: make([][]int, ns)}

	clampY := func(v float64) int {
		return int(math.Round(math.Max(float64(r.Min.Y), math.Min(float64(r.Max.Y-1), A.py(v)))))
	}
	zero := clampY(0)
	for i := range b.Categories {
		g0 := r.Min.X + i*pitch + (pitch-ns*barW)/2
		for k, s := range b.Series {
			x0 := g0 + k*barW
			L.barX[k] = append(L.barX[k], x0)
			v := s.Values[i]
			if math.IsNaN(v) {
				textCentered(img, x0+barW/2, zero-4-TextHeight(1), "n/a", subtleCol, 1)
				continue
			}
			yv := clampY(v)
			y0, y1 := min(yv, zero), max(yv, zero)
			fillRect(img, image.Rect(x0+1, y0, x0+barW-1, y1+1), PaletteColor(k))
			if s.Err != nil && s.Err[i] > 0 {
				cx := x0 + barW/2
				ya, yb := clampY(v+s.Err[i]), clampY(v-s.Err[i])
				fillRect(img, image.Rect(cx-1, ya, cx+1, yb+1), axisCol)
				fillRect(img, image.Rect(cx-6, ya-1, cx+6, ya+1), axisCol)
				fillRect(img, image.Rect(cx-6, yb, cx+6, yb+2), axisCol)
			}
		}
	}
	if ys.lo < 0 && ys.hi > 0 {
		hline(img, r.Min.X, r.Max.X, zero, axisCol)
	}
	for i, s := range b.Categories {
		cx := r.Min.X + i*pitch + pitch/2
		if vertical {
			DrawTextVertical(img, cx-TextHeight(textScale)/2+1, r.Max.Y+gap+TextWidth(s, textScale), s, textCol, textScale)
		} else {
			textCentered(img, cx, r.Max.Y+gap, s, textCol, textScale)
		}
	}
	if b.XLabel != "" {
		textCentered(img, (r.Min.X+r.Max.X)/2, r.Max.Y+gap+labH+gap, b.XLabel, textCol, textScale)
	}
	if len(es) > 0 {
		drawLegend(img, legendX, top, b.LegendTitle, es, perCol)
	}
	return img, L, nil
}
