package data

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"testing"
)

// writeGrid saves rows of planar images (C = 1 or 3) as one PNG, each
// pixel scaled by zoom, with a 2-pixel gap.
func writeGrid(t *testing.T, path string, rows [][][]uint8, c, h, w, zoom int) {
	t.Helper()
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	cw, chh := w*zoom+2, h*zoom+2
	im := image.NewRGBA(image.Rect(0, 0, cols*cw, len(rows)*chh))
	for ri, r := range rows {
		for ci, px := range r {
			for y := 0; y < h*zoom; y++ {
				for x := 0; x < w*zoom; x++ {
					p := (y/zoom)*w + x/zoom
					var col color.RGBA
					if c == 3 {
						col = color.RGBA{px[p], px[h*w+p], px[2*h*w+p], 255}
					} else {
						col = color.RGBA{px[p], px[p], px[p], 255}
					}
					im.Set(ci*cw+x, ri*chh+y, col)
				}
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, im); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
