package plot

import (
	"fmt"
	"image"
	"image/color"
	"math"
)

// Largest canvas side we agree to allocate; a bigger figure means a bad spec.
const maxSide = 16000

var (
	white     = color.NRGBA{255, 255, 255, 255}
	black     = color.NRGBA{0, 0, 0, 255}
	textCol   = color.NRGBA{30, 30, 30, 255}
	subtleCol = color.NRGBA{90, 90, 90, 255}
	axisCol   = color.NRGBA{60, 60, 60, 255}
	gridCol   = color.NRGBA{225, 225, 225, 255}
	borderCol = color.NRGBA{150, 150, 150, 255}
)

func newCanvas(w, h int) (*image.RGBA, error) {
	if w <= 0 || h <= 0 || w > maxSide || h > maxSide {
		return nil, fmt.Errorf("plot: figure size %dx%d out of range (1..%d per side)", w, h, maxSide)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	return img, nil
}

func toNRGBA(c color.Color) color.NRGBA {
	return color.NRGBAModel.Convert(c).(color.NRGBA)
}

// blend composites colour c with coverage a in [0,1] over the pixel (x, y)
// (source-over on premultiplied RGBA). Out-of-bounds pixels are ignored.
func blend(img *image.RGBA, x, y int, c color.NRGBA, a float64) {
	if !(image.Point{x, y}.In(img.Rect)) || a <= 0 {
		return
	}
	if a > 1 {
		a = 1
	}
	sa := a * float64(c.A) / 255
	i := img.PixOffset(x, y)
	p := img.Pix[i : i+4 : i+4]
	k := 1 - sa
	p[0] = uint8(float64(c.R)*sa + float64(p[0])*k + 0.5)
	p[1] = uint8(float64(c.G)*sa + float64(p[1])*k + 0.5)
	p[2] = uint8(float64(c.B)*sa + float64(p[2])*k + 0.5)
	p[3] = uint8(255*sa + float64(p[3])*k + 0.5)
}

// fillRectA fills the w x h rectangle at (x, y) with c at coverage a.
func fillRectA(img *image.RGBA, x, y, w, h int, c color.NRGBA, a float64) {
	r := image.Rect(x, y, x+w, y+h).Intersect(img.Rect)
	for yy := r.Min.Y; yy < r.Max.Y; yy++ {
		for xx := r.Min.X; xx < r.Max.X; xx++ {
			blend(img, xx, yy, c, a)
		}
	}
}

func fillRect(img *image.RGBA, r image.Rectangle, c color.NRGBA) {
	fillRectA(img, r.Min.X, r.Min.Y, r.Dx(), r.Dy(), c, 1)
}

// strokeRect draws a crisp outline of width w inside r.
func strokeRect(img *image.RGBA, r image.Rectangle, c color.NRGBA, w int) {
	fillRectA(img, r.Min.X, r.Min.Y, r.Dx(), w, c, 1)
	fillRectA(img, r.Min.X, r.Max.Y-w, r.Dx(), w, c, 1)
	fillRectA(img, r.Min.X, r.Min.Y+w, w, r.Dy()-2*w, c, 1)
	fillRectA(img, r.Max.X-w, r.Min.Y+w, w, r.Dy()-2*w, c, 1)
}

func hline(img *image.RGBA, x0, x1, y int, c color.NRGBA) { fillRectA(img, x0, y, x1-x0, 1, c, 1) }
func vline(img *image.RGBA, x, y0, y1 int, c color.NRGBA) { fillRectA(img, x, y0, 1, y1-y0, c, 1) }

// line draws an anti-aliased segment of the given width between pixel
// centres (x0, y0) and (x1, y1); coverage falls off over one pixel at the
// edge of the stroke.
func line(img *image.RGBA, x0, y0, x1, y1, width float64, c color.NRGBA) {
	hw := width / 2
	minX := int(math.Floor(math.Min(x0, x1) - hw - 1))
	maxX := int(math.Ceil(math.Max(x0, x1) + hw + 1))
	minY := int(math.Floor(math.Min(y0, y1) - hw - 1))
	maxY := int(math.Ceil(math.Max(y0, y1) + hw + 1))
	dx, dy := x1-x0, y1-y0
	l2 := dx*dx + dy*dy
	for y := minY; y <= maxY; y++ {
		for x := minX; x <= maxX; x++ {
			px, py := float64(x), float64(y)
			t := 0.0
			if l2 > 0 {
				t = ((px-x0)*dx + (py-y0)*dy) / l2
				t = math.Max(0, math.Min(1, t))
			}
			d := math.Hypot(px-(x0+t*dx), py-(y0+t*dy))
			blend(img, x, y, c, clamp01(hw+0.5-d))
		}
	}
}

// disc fills an anti-aliased disc of radius r centred at (cx, cy) with
// opacity alpha.
func disc(img *image.RGBA, cx, cy, r float64, c color.NRGBA, alpha float64) {
	for y := int(math.Floor(cy - r - 1)); y <= int(math.Ceil(cy+r+1)); y++ {
		for x := int(math.Floor(cx - r - 1)); x <= int(math.Ceil(cx+r+1)); x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			blend(img, x, y, c, alpha*clamp01(r+0.5-d))
		}
	}
}

// ring draws an anti-aliased circle of radius r and stroke width w.
func ring(img *image.RGBA, cx, cy, r, w float64, c color.NRGBA) {
	for y := int(math.Floor(cy - r - w - 1)); y <= int(math.Ceil(cy+r+w+1)); y++ {
		for x := int(math.Floor(cx - r - w - 1)); x <= int(math.Ceil(cx+r+w+1)); x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			blend(img, x, y, c, clamp01(w/2+0.5-math.Abs(d-r)))
		}
	}
}

// Marker shapes cycle per series so lines stay apart without colour.
type markerShape int

const (
	markDisc markerShape = iota
	markSquare
	markDiamond
	markTriangle
	numMarkers
)

// marker fills a shape of "radius" r at (cx, cy), anti-aliased by 4x4
// supersampling.
func marker(img *image.RGBA, shape markerShape, cx, cy, r float64, c color.NRGBA) {
	if shape == markDisc {
		disc(img, cx, cy, r, c, 1)
		return
	}
	inside := func(x, y float64) bool {
		dx, dy := x-cx, y-cy
		switch shape {
		case markSquare:
			s := r * 0.85
			return math.Abs(dx) <= s && math.Abs(dy) <= s
		case markDiamond:
			return math.Abs(dx)+math.Abs(dy) <= r*1.2
		default: // triangle pointing up, centroid at the centre
			h := r * 1.9
			top := -h * 2 / 3
			bot := h / 3
			if dy < top || dy > bot {
				return false
			}
			half := (dy - top) / h * r * 1.15
			return math.Abs(dx) <= half
		}
	}
	const ss = 4
	for y := int(math.Floor(cy - 2*r - 1)); y <= int(math.Ceil(cy+2*r+1)); y++ {
		for x := int(math.Floor(cx - 2*r - 1)); x <= int(math.Ceil(cx+2*r+1)); x++ {
			n := 0
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					if inside(float64(x)-0.5+(float64(sx)+0.5)/ss, float64(y)-0.5+(float64(sy)+0.5)/ss) {
						n++
					}
				}
			}
			blend(img, x, y, c, float64(n)/(ss*ss))
		}
	}
}

func clamp01(v float64) float64 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}

// Text placement helpers. y is always the top of the glyph cell.

func textCentered(img *image.RGBA, cx, y int, s string, c color.Color, scale int) {
	DrawText(img, cx-TextWidth(s, scale)/2, y, s, c, scale)
}

func textRight(img *image.RGBA, right, y int, s string, c color.Color, scale int) {
	DrawText(img, right-TextWidth(s, scale), y, s, c, scale)
}

// textMiddleY is the top y that centres capitals on the line at cy.
func textMiddleY(cy, scale int) int { return cy - capHeight*clampScale(scale)/2 }
