package plot

import (
	"image"
	"strings"
	"testing"
)

func TestEveryPrintableASCIIHasAGlyph(t *testing.T) {
	seen := map[glyph]rune{}
	for r := rune(32); r <= 126; r++ {
		g, ok := glyphs[r]
		if !ok {
			t.Errorf("no glyph for %q", r)
			continue
		}
		if r != ' ' && g == (glyph{}) {
			t.Errorf("glyph for %q is blank", r)
		}
		// Distinct shapes, except 0 and O which share one.
		if o, dup := seen[g]; dup && !(o == '0' && r == 'O') {
			t.Errorf("glyphs %q and %q are identical", o, r)
		}
		seen[g] = r
	}
	if glyphs[' '] != (glyph{}) {
		t.Error("space is not blank")
	}
}

func TestGlyphsSitOnTheBaseline(t *testing.T) {
	// Only these may use the descender rows 7..8.
	desc := "gjpqy,;_|"
	for r := rune(33); r <= 126; r++ {
		g := glyphs[r]
		if (g[7] != 0 || g[8] != 0) != strings.ContainsRune(desc, r) {
			t.Errorf("%q: descender use %v unexpected", r, g[7] != 0 || g[8] != 0)
		}
	}
}

// inkBounds is the bounding box of non-white pixels.
func inkBounds(img *image.RGBA) image.Rectangle {
	var b image.Rectangle
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			i := img.PixOffset(x, y)
			if img.Pix[i] != 255 || img.Pix[i+1] != 255 || img.Pix[i+2] != 255 {
				b = b.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return b
}

func TestTextWidthMatchesDrawing(t *testing.T) {
	// "M...M" has ink in the first and last column of its end glyphs, so its
	// drawn extent must equal TextWidth exactly; "Hgy" reaches the descender.
	for _, sc := range []int{1, 2, 3} {
		for _, s := range []string{"M", "MM", "M0.93 TEST 1M", "M!M"} {
			img, _ := newCanvas(600, 60)
			DrawText(img, 5, 5, s, black, sc)
			b := inkBounds(img)
			if b.Min.X != 5 || b.Dx() != TextWidth(s, sc) {
				t.Errorf("scale %d %q: ink x %v, TextWidth %d", sc, s, b, TextWidth(s, sc))
			}
			if b.Min.Y != 5 || b.Dy() != capHeight*sc {
				t.Errorf("scale %d %q: ink height %d, want %d", sc, s, b.Dy(), capHeight*sc)
			}
		}
		img, _ := newCanvas(200, 60)
		DrawText(img, 0, 0, "Hgy", black, sc)
		if b := inkBounds(img); b.Dy() != TextHeight(sc) {
			t.Errorf("scale %d: descender text height %d, want %d", sc, b.Dy(), TextHeight(sc))
		}
	}
	if TextWidth("", 2) != 0 {
		t.Error("empty text has width")
	}
	if TextWidth("ab", 0) != TextWidth("ab", 1) {
		t.Error("scale 0 should act as 1")
	}
	// Unknown runes still take one advance and draw a box.
	if TextWidth("a\u4e2db", 1) != TextWidth("axb", 1) {
		t.Error("non-ASCII rune width")
	}
}

func TestVerticalTextIsTheRotation(t *testing.T) {
	s, sc := "Mfine-tuned onM", 2
	h, _ := newCanvas(300, 40)
	DrawText(h, 0, 0, s, black, sc)
	v, _ := newCanvas(40, 300)
	DrawTextVertical(v, 0, 300, s, black, sc)
	// Horizontal pixel (x, y) must appear at (y, 299-x) in the vertical one.
	for y := 0; y < 40; y++ {
		for x := 0; x < 300; x++ {
			hi := h.PixOffset(x, y)
			vi := v.PixOffset(y, 299-x)
			if h.Pix[hi] != v.Pix[vi] {
				t.Fatalf("pixel (%d,%d) differs from its rotation", x, y)
			}
		}
	}
	if b := inkBounds(v); b.Dy() != TextWidth(s, sc) || b.Max.Y != 300 {
		t.Errorf("vertical extent %v, want height %d ending at 300", b, TextWidth(s, sc))
	}
}

func TestParseGlyphsRejectsBadSource(t *testing.T) {
	for _, src := range []string{
		"A .#.",                             // short row
		"A ..x..",                           // bad pixel
		"AB .....",                          // two characters
		"A ..... \nA .....",                 // duplicate
		"A " + strings.Repeat("..... ", 10), // too many rows
	} {
		if _, err := parseGlyphs(src); err == nil {
			t.Errorf("parseGlyphs(%q) accepted", src)
		}
	}
}

func TestFitText(t *testing.T) {
	if s := fitText("short", 2, 1000); s != "short" {
		t.Error(s)
	}
	s := fitText("a rather long label", 2, 100)
	if TextWidth(s, 2) > 100 || !strings.HasSuffix(s, "..") {
		t.Errorf("fitText gave %q", s)
	}
}

func TestExtraGlyphs(t *testing.T) {
	for _, r := range "±≥≤×·→µ" {
		if _, ok := glyphs[r]; !ok {
			t.Errorf("no glyph for %q", r)
		}
	}
	if glyphFor('\n') != missingGlyph || missingGlyph == (glyph{}) {
		t.Error("unknown runes should draw the box glyph")
	}
}
