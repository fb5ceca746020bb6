package plot

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// HeatmapSpec describes a matrix figure such as the fine-tuning matrix
// m(M_i, F_j^te): one row per fine-tuned model, one column per test set.
type HeatmapSpec struct {
	Title     string
	RowLabels []string // one per row of Values
	ColLabels []string // one per column of Values
	Values    [][]float64
	// Colour range; if Max <= Min (e.g. both zero) it is taken from the data.
	Min, Max float64
	Annotate bool   // print each value in its cell, black or white for contrast
	Format   string // printf format for annotations and nothing else; default "%.2f"
	Colormap string // "viridis" (default), "blues" or "rdbu"
	// Axis titles, e.g. "fine-tuned on" and "evaluated on"; empty for none.
	RowTitle, ColTitle string
	ValueLabel         string // title of the colour bar, e.g. "accuracy"
	// GapBeforeLastCol sets the last column (e.g. C^te) apart from the rest.
	GapBeforeLastCol bool
	// OutlineDiagonal frames cells (i, i), e.g. each type's Learnability.
	OutlineDiagonal bool
}

// heatLayout records where things went, for tests and for symmetry with
// the drawing code.
type heatLayout struct {
	x0, y0       int // top-left of cell (0, 0)
	cellW, cellH int
	lastGap      int // extra pixels before the last column
	nCols        int
	bar          image.Rectangle
}

func (l heatLayout) cell(i, j int) image.Rectangle {
	x := l.x0 + j*l.cellW
	if j == l.nCols-1 {
		x += l.lastGap
	}
	y := l.y0 + i*l.cellH
	return image.Rect(x, y, x+l.cellW, y+l.cellH)
}

// Heatmap draws the matrix with a colour bar and writes it to path as a PNG.
// NaN values are drawn as blank (light grey) cells.
func Heatmap(path string, h HeatmapSpec) error {
	img, _, err := renderHeatmap(h)
	if err != nil {
		return err
	}
	return savePNG(path, img)
}

func renderHeatmap(h HeatmapSpec) (*image.RGBA, heatLayout, error) {
	var L heatLayout
	nr := len(h.Values)
	if nr == 0 {
		return nil, L, errors.New("plot: heatmap has no rows")
	}
	nc := len(h.Values[0])
	if nc == 0 {
		return nil, L, errors.New("plot: heatmap has no columns")
	}
	for i, row := range h.Values {
		if len(row) != nc {
			return nil, L, fmt.Errorf("plot: heatmap row %d has %d values, row 0 has %d", i, len(row), nc)
		}
	}
	if h.RowLabels != nil && len(h.RowLabels) != nr {
		return nil, L, fmt.Errorf("plot: heatmap has %d rows but %d row labels", nr, len(h.RowLabels))
	}
	if h.ColLabels != nil && len(h.ColLabels) != nc {
		return nil, L, fmt.Errorf("plot: heatmap has %d columns but %d column labels", nc, len(h.ColLabels))
	}
	cmap, err := Colormap(h.Colormap)
	if err != nil {
		return nil, L, err
	}
	lo, hi := h.Min, h.Max
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil, L, fmt.Errorf("plot: heatmap range [%v, %v] is not finite", lo, hi)
	}
	if !(hi > lo) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, row := range h.Values {
			for _, v := range row {
				if finite(v) {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
		if lo > hi {
			return nil, L, errors.New("plot: heatmap has no finite values")
		}
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
	}
	format := h.Format
	if format == "" {
		format = "%.2f"
	}

	// Cell size: wide enough for the annotations and, if possible, for
	// horizontal column labels; otherwise the column labels turn vertical.
	annotW := 0
	if h.Annotate {
		for _, row := range h.Values {
			for _, v := range row {
				if !math.IsNaN(v) {
					annotW = max(annotW, TextWidth(fmt.Sprintf(format, v), textScale))
				}
			}
		}
	}
	colLabW := 0
	for _, s := range h.ColLabels {
		colLabW = max(colLabW, TextWidth(s, textScale))
	}
	rowLabW := 0
	for _, s := range h.RowLabels {
		rowLabW = max(rowLabW, TextWidth(s, textScale))
	}
	cellW := max(48, annotW+16)
	vertical := false
	if colLabW+20 > cellW {
		if colLabW+20 <= 120 {
			cellW = colLabW + 20
		} else {
			vertical = true
		}
	}
	cellH := min(max(cellW, 40), 64)
	lastGap := 0
	if h.GapBeforeLastCol && nc > 1 {
		lastGap = 12
	}
	colLabH := 0
	if len(h.ColLabels) > 0 {
		colLabH = TextHeight(textScale)
		if vertical {
			colLabH = colLabW
		}
	}

	left := margin
	if h.RowTitle != "" {
		left += TextHeight(textScale) + gap
	}
	if rowLabW > 0 {
		left += rowLabW + gap
	}
	top := titleHeight(h.Title)
	gridW := nc*cellW + lastGap
	gridH := nr * cellH

	bspan := newSpan(lo, hi, false, false, false)
	barX := left + gridW + 3*gap
	barW := 22
	right := barX + barW + tickLen + gap + bspan.maxLabelWidth()
	if h.ValueLabel != "" {
		right += gap + TextHeight(textScale)
	}
	W := right + margin
	// Keep the title inside the figure.
	W = max(W, TextWidth(h.Title, titleScale)+2*margin)
	bottom := top + gridH + gap + colLabH
	if h.ColTitle != "" {
		bottom += gap + TextHeight(textScale)
	}
	H := bottom + margin
	img, err := newCanvas(W, H)
	if err != nil {
		return nil, L, err
	}
	L = heatLayout{x0: left, y0: top, cellW: cellW, cellH: cellH, lastGap: lastGap, nCols: nc}
	drawTitle(img, h.Title, W)

	norm := func(v float64) float64 { return (v - lo) / (hi - lo) }
	for i, row := range h.Values {
		for j, v := range row {
			r := L.cell(i, j)
			inner := image.Rect(r.Min.X+1, r.Min.Y+1, r.Max.X, r.Max.Y) // 1px white seam
			if math.IsNaN(v) {
				fillRect(img, inner, gridCol)
				continue
			}
			c := cmap(norm(v))
			fillRect(img, inner, c)
			if h.Annotate {
				s := fmt.Sprintf(format, v)
				textCentered(img, (inner.Min.X+inner.Max.X)/2, textMiddleY((inner.Min.Y+inner.Max.Y)/2, textScale),
					s, contrastText(c), textScale)
			}
		}
	}
	if h.OutlineDiagonal {
		for i := 0; i < min(nr, nc); i++ {
			r := L.cell(i, i)
			strokeRect(img, image.Rect(r.Min.X+1, r.Min.Y+1, r.Max.X, r.Max.Y), black, 2)
		}
	}

	// Row labels, right-aligned against the grid; column labels below it.
	for i, s := range h.RowLabels {
		cy := top + i*cellH + cellH/2
		textRight(img, left-gap, textMiddleY(cy, textScale), s, textCol, textScale)
	}
	for j, s := range h.ColLabels {
		r := L.cell(0, j)
		cx := (r.Min.X + r.Max.X) / 2
		y := top + gridH + gap
		if vertical {
			DrawTextVertical(img, cx-TextHeight(textScale)/2+1, y+TextWidth(s, textScale), s, textCol, textScale)
		} else {
			textCentered(img, cx, y, s, textCol, textScale)
		}
	}
	if h.ColTitle != "" {
		textCentered(img, left+gridW/2, top+gridH+gap+colLabH+gap, h.ColTitle, textCol, textScale)
	}
	if h.RowTitle != "" {
		DrawTextVertical(img, margin, top+gridH/2+TextWidth(h.RowTitle, textScale)/2, h.RowTitle, textCol, textScale)
	}

	// Colour bar: bottom is lo, top is hi.
	bar := image.Rect(barX, top+1, barX+barW, top+gridH)
	L.bar = bar
	for y := bar.Min.Y; y < bar.Max.Y; y++ {
		t := float64(bar.Max.Y-1-y) / float64(bar.Dy()-1)
		fillRect(img, image.Rect(bar.Min.X, y, bar.Max.X, y+1), cmap(t))
	}
	strokeRect(img, bar.Inset(-1), axisCol, 1)
	for i, lab := range bspan.labels() {
		t := norm(bspan.ticks[i])
		y := int(math.Round(float64(bar.Max.Y-1) - t*float64(bar.Dy()-1)))
		hline(img, bar.Max.X+1, bar.Max.X+1+tickLen, y, axisCol)
		DrawText(img, bar.Max.X+1+tickLen+gap, textMiddleY(y, textScale), lab, textCol, textScale)
	}
	if h.ValueLabel != "" {
		x := bar.Max.X + 1 + tickLen + gap + bspan.maxLabelWidth() + gap
		DrawTextVertical(img, x, (bar.Min.Y+bar.Max.Y)/2+TextWidth(h.ValueLabel, textScale)/2, h.ValueLabel, textCol, textScale)
	}
	return img, L, nil
}
