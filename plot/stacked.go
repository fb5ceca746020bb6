package plot

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// BarSpec describes stacked bars, e.g. the metadata make-up (tissue counts)
// of each failure type.
type BarSpec struct {
	Title    string
	Bars     []string    // one label per bar, e.g. failure types
	Segments []string    // one label per stacked segment, e.g. tissues
	Values   [][]float64 // Values[bar][segment], non-negative counts
	// Normalize draws each bar as fractions of its total (the total is
	// printed above the bar as n=...).
	Normalize      bool
	XLabel, YLabel string // YLabel defaults to "fraction" or "count"
	LegendTitle    string
}

type stackedLayout struct {
	a        axes
	barX     []int // left edge of each bar
	barW     int
	vertical bool // bar labels drawn vertically
}

// StackedBars draws one stacked bar per entry of Bars with a legend of the
// segments and writes the figure to path.
func StackedBars(path string, b BarSpec) error {
	img, _, err := renderStacked(b)
	if err != nil {
		return err
	}
	return savePNG(path, img)
}

func renderStacked(b BarSpec) (*image.RGBA, stackedLayout, error) {
	var L stackedLayout
	nb, ns := len(b.Bars), len(b.Segments)
	if nb == 0 || ns == 0 {
		return nil, L, errors.New("plot: stacked bars need at least one bar and one segment")
	}
	if len(b.Values) != nb {
		return nil, L, fmt.Errorf("plot: stacked bars have %d bars but %d value rows", nb, len(b.Values))
	}
	totals := make([]float64, nb)
	maxTotal := 0.0
	for i, row := range b.Values {
		if len(row) != ns {
			return nil, L, fmt.Errorf("plot: bar %q has %d values for %d segments", b.Bars[i], len(row), ns)
		}
		for j, v := range row {
			if !finite(v) || v < 0 {
				return nil, L, fmt.Errorf("plot: bar %q segment %q has value %v (want finite, >= 0)", b.Bars[i], b.Segments[j], v)
			}
			totals[i] += v
		}
		maxTotal = math.Max(maxTotal, totals[i])
	}
	if maxTotal == 0 {
		return nil, L, errors.New("plot: stacked bars are all zero")
	}
	ylabel := b.YLabel
	if ylabel == "" {
		ylabel = "count"
		if b.Normalize {
			ylabel = "fraction"
		}
	}
	var ys span
	if b.Normalize {
		ys = newSpan(0, 1, false, true, false)
	} else {
		ys = newSpan(0, maxTotal, false, true, false)
	}

	// Bars are at least as wide as "n=..." above them and their labels
	// below, up to a limit after which labels turn vertical.
	labW := 0
	for _, s := range b.Bars {
		labW = max(labW, TextWidth(s, textScale))
	}
	nW := 0
	if b.Normalize {
		for _, t := range totals {
			nW = max(nW, TextWidth(fmt.Sprintf("n=%g", t), textScale))
		}
	}
	barW := max(44, nW+4)
	pitch := barW + max(20, barW/2)
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

	es := make([]legendEntry, ns)
	for j := range es {
		// Listed top to bottom in the order the stack reads top to bottom.
		k := ns - 1 - j
		es[j] = legendEntry{name: b.Segments[k], col: PaletteColor(k), kind: swatchSquare}
	}
	lay := measureAxes(ys, false, "", ylabel)
	top := titleHeight(b.Title)
	plotTop := top + gap
	if b.Normalize {
		plotTop += TextHeight(textScale) + gap // room for n=...
	}
	plotH := 420
	legW, legH, perCol := legendSize(b.LegendTitle, es, max(plotH, 300))
	plotH = max(plotH, legH-(plotTop-top))
	plotW := nb * pitch
	left := margin + lay.left
	r := image.Rect(left, plotTop, left+plotW, plotTop+plotH)
	legendX := r.Max.X + 4*gap
	W := legendX + legW + margin
	W = max(W, TextWidth(b.Title, titleScale)+2*margin)
	bottom := r.Max.Y + gap + labH
	if b.XLabel != "" {
		bottom += gap + TextHeight(textScale)
	}
	H := bottom + margin
	img, err := newCanvas(W, H)
	if err != nil {
		return nil, L, err
	}
	drawTitle(img, b.Title, W)
	A := axes{r: r, x: span{lo: 0, hi: 1}, y: ys}
	drawAxes(img, A, false, "", ylabel)
	L = stackedLayout{a: A, barW: barW, vertical: vertical}

	for i, row := range b.Values {
		x0 := r.Min.X + i*pitch + (pitch-barW)/2
		L.barX = append(L.barX, x0)
		cum := 0.0
		scale := 1.0
		if b.Normalize && totals[i] > 0 {
			scale = 1 / totals[i]
		}
		for j, v := range row {
			if v == 0 {
				continue
			}
			yTop := int(math.Round(A.py((cum + v) * scale)))
			yBot := int(math.Round(A.py(cum * scale)))
			cum += v
			fillRect(img, image.Rect(x0, yTop, x0+barW, yBot+1), PaletteColor(j))
			if yBot-yTop >= 3 { // white seam between segments
				hline(img, x0, x0+barW, yTop, white)
			}
		}
		cx := x0 + barW/2
		if b.Normalize {
			textCentered(img, cx, r.Min.Y-gap-TextHeight(textScale)+2, fmt.Sprintf("n=%g", totals[i]), subtleCol, textScale)
		}
		if vertical {
			DrawTextVertical(img, cx-TextHeight(textScale)/2+1, r.Max.Y+gap+TextWidth(b.Bars[i], textScale), b.Bars[i], textCol, textScale)
		} else {
			textCentered(img, cx, r.Max.Y+gap, b.Bars[i], textCol, textScale)
		}
	}
	if b.XLabel != "" {
		textCentered(img, (r.Min.X+r.Max.X)/2, r.Max.Y+gap+labH+gap, b.XLabel, textCol, textScale)
	}
	drawLegend(img, legendX, plotTop, b.LegendTitle, es, perCol)
	return img, L, nil
}
