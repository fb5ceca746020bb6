package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
)

// Tile is one image of a grid, in CHW byte layout.
type Tile struct {
	Pix     []uint8 // C*H*W bytes, channel-major (all of R, then G, then B)
	C, H, W int     // C is 1 (grey) or 3 (RGB)
	Scale   int     // integer nearest-neighbour zoom; 0 picks one giving ~64 px
	Caption string  // short text under the tile, e.g. "p=0.93"
	// Marker, if set, circles that pixel (column X, row Y of the unscaled
	// tile), e.g. a detected object.
	Marker *image.Point
}

// GridSpec describes rows of example images, e.g. one row per failure type
// with the examples closest to the type's centre first.
type GridSpec struct {
	Title     string
	RowLabels []string // one per row of Images; may be nil
	Images    [][]Tile
}

type gridLayout struct {
	tiles [][]image.Rectangle // where each tile's pixels went (without border)
}

// ImageGrid draws each row of tiles with its label at the left and writes the
// figure to path. Tiles keep their aspect; columns are as wide as the widest
// scaled tile. A row without tiles shows "(none)".
func ImageGrid(path string, g GridSpec) error {
	img, _, err := renderGrid(g)
	if err != nil {
		return err
	}
	return savePNG(path, img)
}

func tileScale(t Tile) int {
	if t.Scale > 0 {
		return t.Scale
	}
	return max(1, 64/max(t.H, t.W))
}

func checkTile(t Tile, row, col int) error {
	where := fmt.Sprintf("plot: grid row %d tile %d", row, col)
	if t.C != 1 && t.C != 3 {
		return fmt.Errorf("%s: %d channels (want 1 or 3)", where, t.C)
	}
	if t.H <= 0 || t.W <= 0 {
		return fmt.Errorf("%s: size %dx%d", where, t.H, t.W)
	}
	if len(t.Pix) != t.C*t.H*t.W {
		return fmt.Errorf("%s: %d bytes for %dx%dx%d", where, len(t.Pix), t.C, t.H, t.W)
	}
	if t.Scale < 0 || t.Scale > 32 {
		return fmt.Errorf("%s: scale %d out of range 0..32", where, t.Scale)
	}
	if m := t.Marker; m != nil && (m.X < 0 || m.Y < 0 || m.X >= t.W || m.Y >= t.H) {
		return fmt.Errorf("%s: marker (%d,%d) outside the %dx%d image", where, m.X, m.Y, t.W, t.H)
	}
	return nil
}

func renderGrid(g GridSpec) (*image.RGBA, gridLayout, error) {
	var L gridLayout
	if len(g.Images) == 0 {
		return nil, L, errors.New("plot: image grid has no rows")
	}
	if g.RowLabels != nil && len(g.RowLabels) != len(g.Images) {
		return nil, L, fmt.Errorf("plot: image grid has %d rows but %d row labels", len(g.Images), len(g.RowLabels))
	}
	cellW, tileH, nCols, nTiles := 0, 0, 0, 0
	for i, row := range g.Images {
		nCols = max(nCols, len(row))
		for j, t := range row {
			if err := checkTile(t, i, j); err != nil {
				return nil, L, err
			}
			s := tileScale(t)
			cellW = max(cellW, t.W*s+2)
			tileH = max(tileH, t.H*s+2)
			nTiles++
		}
	}
	if nTiles == 0 {
		return nil, L, errors.New("plot: image grid has no tiles")
	}
	// Captions at text scale 2, widening the cells up to twice the tile
	// width to fit them; longer captions drop to scale 1.
	capScale, hasCap, capW := textScale, false, 0
	for _, row := range g.Images {
		for _, t := range row {
			if t.Caption != "" {
				hasCap = true
				capW = max(capW, TextWidth(t.Caption, textScale))
			}
		}
	}
	if capW > 2*cellW {
		capScale = 1
	} else {
		cellW = max(cellW, capW+8)
	}
	capH := 0
	if hasCap {
		capH = 4 + TextHeight(capScale)
	}
	const colGap, rowGap = 8, 16
	rowH := tileH + capH
	labW := 0
	for _, s := range g.RowLabels {
		labW = max(labW, TextWidth(s, textScale))
	}
	labW = min(labW, 420)
	left := margin
	if labW > 0 {
		left += labW + 2*gap
	}
	top := titleHeight(g.Title)
	W := left + nCols*cellW + (nCols-1)*colGap + margin
	W = max(W, TextWidth(g.Title, titleScale)+2*margin, left+TextWidth("(none)", textScale)+margin)
	H := top + len(g.Images)*rowH + (len(g.Images)-1)*rowGap + margin
	img, err := newCanvas(W, H)
	if err != nil {
		return nil, L, err
	}
	drawTitle(img, g.Title, W)

	L.tiles = make([][]image.Rectangle, len(g.Images))
	for i, row := range g.Images {
		y0 := top + i*(rowH+rowGap)
		if g.RowLabels != nil {
			s := fitText(g.RowLabels[i], textScale, labW)
			textRight(img, left-2*gap, textMiddleY(y0+tileH/2, textScale), s, textCol, textScale)
		}
		if len(row) == 0 {
			DrawText(img, left, textMiddleY(y0+tileH/2, textScale), "(none)", subtleCol, textScale)
		}
		for j, t := range row {
			s := tileScale(t)
			w, h := t.W*s, t.H*s
			x := left + j*(cellW+colGap) + (cellW-w-2)/2 + 1
			y := y0 + (tileH-h-2)/2 + 1
			r := image.Rect(x, y, x+w, y+h)
			L.tiles[i] = append(L.tiles[i], r)
			drawTile(img, r, t, s)
			strokeRect(img, r.Inset(-1), borderCol, 1)
			if t.Marker != nil {
				cx := float64(x) + (float64(t.Marker.X)+0.5)*float64(s)
				cy := float64(y) + (float64(t.Marker.Y)+0.5)*float64(s)
				rad := float64(max(5, min(4*s, min(w, h)/3))) // visible, but inside small tiles
				clip := img.SubImage(r).(*image.RGBA)
				ring(clip, cx, cy, rad, 3.5, black)
				ring(clip, cx, cy, rad, 1.8, markerCol)
			}
			if t.Caption != "" {
				c := fitText(t.Caption, capScale, cellW+colGap-2)
				textCentered(img, x+w/2, y0+tileH+4, c, subtleCol, capScale)
			}
		}
	}
	return img, L, nil
}

var markerCol = color.NRGBA{255, 221, 0, 255} // yellow, ringed in black to show on any tile

// drawTile copies the CHW bytes into r with nearest-neighbour zoom s.
func drawTile(img *image.RGBA, r image.Rectangle, t Tile, s int) {
	plane := t.H * t.W
	for y := 0; y < t.H; y++ {
		for x := 0; x < t.W; x++ {
			var c color.NRGBA
			k := y*t.W + x
			if t.C == 1 {
				v := t.Pix[k]
				c = color.NRGBA{v, v, v, 255}
			} else {
				c = color.NRGBA{t.Pix[k], t.Pix[plane+k], t.Pix[2*plane+k], 255}
			}
			fillRect(img, image.Rect(r.Min.X+x*s, r.Min.Y+y*s, r.Min.X+(x+1)*s, r.Min.Y+(y+1)*s), c)
		}
	}
}
