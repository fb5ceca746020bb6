package plot

import (
	"image"
	"image/color"
	"math"
	"strconv"
)

// Shared sizes, in pixels. Text is drawn at scale 2 (10x14 capitals) and
// titles at scale 3, which stays readable on a report page at 100% zoom.
const (
	margin     = 24
	textScale  = 2
	titleScale = 3
	tickLen    = 6
	gap        = 8
)

// niceStep returns a "nice" step (1, 2, 2.5 or 5 times a power of ten) such
// that span/step is about n.
func niceStep(span float64, n int) float64 {
	if !(span > 0) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= raw*0.999 {
			return m * p
		}
	}
	return 10 * p
}

// ticksIn lists the multiples of step within [lo, hi].
func ticksIn(lo, hi, step float64) []float64 {
	var t []float64
	start := math.Ceil(lo/step - 1e-9)
	for k := start; k*step <= hi+step*1e-9; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		t = append(t, v)
		if len(t) > 1000 {
			break
		}
	}
	return t
}

// decimalsFor is how many decimals print every multiple of step exactly.
func decimalsFor(step float64) int {
	for d := 0; d < 10; d++ {
		s := step * math.Pow(10, float64(d))
		if math.Abs(s-math.Round(s)) < 1e-6*math.Max(1, s) {
			return d
		}
	}
	return 10
}

func formatTick(v float64, dec int) string {
	if dec > 5 || math.Abs(v) >= 1e7 {
		// Very small steps or very large values: short scientific form.
		if math.Abs(v) < 1e-300 {
			return "0"
		}
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if s == "-0" || (len(s) > 1 && s[0] == '-' && allZero(s[1:])) {
		s = s[1:]
	}
	return s
}

func allZero(s string) bool {
	for _, c := range s {
		if c != '0' && c != '.' {
			return false
		}
	}
	return true
}

// span is one axis: the data range mapped onto the plot and its ticks.
type span struct {
	lo, hi float64
	ticks  []float64
	dec    int
}

// newSpan makes an axis covering [lo, hi]. With pad, the range grows by 5%
// on each side (scatter plots); with snap, it grows to the enclosing tick
// multiples (bars, whose baseline should sit on a tick). integer restricts
// steps to whole numbers (k on a silhouette curve).
func newSpan(lo, hi float64, pad, snap, integer bool) span {
	if lo > hi {
		lo, hi = hi, lo
	}
	if hi-lo < 1e-12*math.Max(1, math.Abs(lo)) {
		d := math.Max(0.5, math.Abs(lo)*0.1)
		lo, hi = lo-d, hi+d
	}
	if pad {
		d := (hi - lo) * 0.05
		lo, hi = lo-d, hi+d
	}
	// Aim for about six ticks; when the nice step leaves fewer than four
	// (e.g. 0.31..0.62 with step 0.1), take the next finer nice step.
	step := niceStep(hi-lo, 6)
	if len(ticksIn(lo, hi, step)) < 4 {
		step = niceStep(hi-lo, 10)
	}
	if integer {
		step = math.Max(1, math.Floor(step)) // 2.5 -> 2
		if hi-lo <= 12 {
			step = 1 // label every k when there are few
		}
	}
	if snap {
		lo = math.Floor(lo/step+1e-9) * step
		hi = math.Ceil(hi/step-1e-9) * step
	}
	return span{lo: lo, hi: hi, ticks: ticksIn(lo, hi, step), dec: decimalsFor(step)}
}

func (s span) labels() []string {
	out := make([]string, len(s.ticks))
	for i, t := range s.ticks {
		out[i] = formatTick(t, s.dec)
	}
	return out
}

func (s span) maxLabelWidth() int {
	w := 0
	for _, l := range s.labels() {
		w = max(w, TextWidth(l, textScale))
	}
	return w
}

// axes maps data coordinates onto the plot rectangle.
type axes struct {
	r    image.Rectangle
	x, y span
}

func (a axes) px(v float64) float64 {
	return float64(a.r.Min.X) + (v-a.x.lo)/(a.x.hi-a.x.lo)*float64(a.r.Dx()-1)
}

func (a axes) py(v float64) float64 {
	return float64(a.r.Max.Y-1) - (v-a.y.lo)/(a.y.hi-a.y.lo)*float64(a.r.Dy()-1)
}

// axesLayout holds the margins around a plot rectangle for tick labels and
// axis titles.
type axesLayout struct {
	left, bottom int
}

func measureAxes(y span, xTicks bool, xlabel, ylabel string) axesLayout {
	l := tickLen + gap + y.maxLabelWidth()
	if ylabel != "" {
		l += gap + TextHeight(textScale)
	}
	b := 0
	if xTicks {
		b += tickLen + gap + TextHeight(textScale)
	}
	if xlabel != "" {
		b += gap + TextHeight(textScale)
	}
	return axesLayout{left: l, bottom: b}
}

// drawAxes draws the light grid, the frame, ticks with labels and the axis
// titles. xTicks false leaves the x axis unlabelled (bar charts label their
// categories themselves).
func drawAxes(img *image.RGBA, a axes, xTicks bool, xlabel, ylabel string) {
	r := a.r
	for _, t := range a.y.ticks {
		y := int(math.Round(a.py(t)))
		hline(img, r.Min.X, r.Max.X, y, gridCol)
	}
	if xTicks {
		for _, t := range a.x.ticks {
			x := int(math.Round(a.px(t)))
			vline(img, x, r.Min.Y, r.Max.Y, gridCol)
		}
	}
	strokeRect(img, r.Inset(-1), axisCol, 1)
	ylabW := a.y.maxLabelWidth()
	for i, lab := range a.y.labels() {
		y := int(math.Round(a.py(a.y.ticks[i])))
		hline(img, r.Min.X-1-tickLen, r.Min.X-1, y, axisCol)
		textRight(img, r.Min.X-1-tickLen-gap, textMiddleY(y, textScale), lab, textCol, textScale)
	}
	if xTicks {
		for i, lab := range a.x.labels() {
			x := int(math.Round(a.px(a.x.ticks[i])))
			vline(img, x, r.Max.Y+1, r.Max.Y+1+tickLen, axisCol)
			textCentered(img, x, r.Max.Y+1+tickLen+gap, lab, textCol, textScale)
		}
	}
	if xlabel != "" {
		y := r.Max.Y + 1 + gap
		if xTicks {
			y += tickLen + gap + TextHeight(textScale)
		}
		textCentered(img, (r.Min.X+r.Max.X)/2, y, xlabel, textCol, textScale)
	}
	if ylabel != "" {
		x := r.Min.X - 1 - tickLen - gap - ylabW - gap - TextHeight(textScale)
		cy := (r.Min.Y + r.Max.Y) / 2
		DrawTextVertical(img, x, cy+TextWidth(ylabel, textScale)/2, ylabel, textCol, textScale)
	}
}

// drawTitle centres the title in the top margin and returns the y below it.
func drawTitle(img *image.RGBA, title string, width int) int {
	y := margin
	if title == "" {
		return y
	}
	textCentered(img, width/2, y, title, black, titleScale)
	return y + TextHeight(titleScale) + 2*gap
}

func titleHeight(title string) int {
	if title == "" {
		return margin
	}
	return margin + TextHeight(titleScale) + 2*gap
}

// Legends: a column of swatches with names, wrapped into more columns when
// taller than the room available.

type swatchKind int

const (
	swatchSquare swatchKind = iota
	swatchDisc
	swatchLine // a short line with the series' marker
)

type legendEntry struct {
	name  string
	col   color.NRGBA
	kind  swatchKind
	shape markerShape
}

const (
	legendRow    = 26 // row pitch at text scale 2
	legendSwatch = 28 // width of the swatch area
)

// legendSize is the size of a legend that fits into maxH pixels of height.
func legendSize(title string, es []legendEntry, maxH int) (w, h int, perCol int) {
	if len(es) == 0 {
		return 0, 0, 1
	}
	head := 0
	if title != "" {
		head = legendRow + 4
	}
	perCol = len(es)
	if maxH > head+legendRow {
		perCol = max(1, (maxH-head)/legendRow)
	}
	perCol = min(perCol, max(1, len(es)))
	cols := (len(es) + perCol - 1) / perCol
	colW := make([]int, cols)
	for i, e := range es {
		colW[i/perCol] = max(colW[i/perCol], legendSwatch+TextWidth(e.name, textScale))
	}
	for _, cw := range colW {
		w += cw + 2*gap
	}
	if title != "" {
		w = max(w, TextWidth(title, textScale))
	}
	h = head + min(perCol, len(es))*legendRow
	return w, h, perCol
}

func drawLegend(img *image.RGBA, x, y int, title string, es []legendEntry, perCol int) {
	if title != "" {
		DrawText(img, x, y, title, textCol, textScale)
		y += legendRow + 4
	}
	colX := x
	colW := 0
	for i, e := range es {
		if i > 0 && i%perCol == 0 {
			colX += colW + 2*gap
			colW = 0
		}
		row := i % perCol
		cy := y + row*legendRow + legendRow/2 - 2
		switch e.kind {
		case swatchDisc:
			disc(img, float64(colX+9), float64(cy), 6, e.col, 1)
		case swatchLine:
			line(img, float64(colX), float64(cy), float64(colX+20), float64(cy), 2.5, e.col)
			marker(img, e.shape, float64(colX+10), float64(cy), 4.5, e.col)
		default:
			fillRect(img, image.Rect(colX+2, cy-7, colX+18, cy+8), e.col)
		}
		DrawText(img, colX+legendSwatch, textMiddleY(cy, textScale), e.name, textCol, textScale)
		colW = max(colW, legendSwatch+TextWidth(e.name, textScale))
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
