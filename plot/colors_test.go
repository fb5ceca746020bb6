package plot

import (
	"image/color"
	"math"
	"testing"
)

func TestColormapEndpoints(t *testing.T) {
	for name, want := range map[string][2]color.NRGBA{
		"viridis": {{0x44, 0x01, 0x54, 255}, {0xfd, 0xe7, 0x25, 255}},
		"blues":   {{0xf7, 0xfb, 0xff, 255}, {0x08, 0x30, 0x6b, 255}},
		"rdbu":    {{0x67, 0x00, 0x1f, 255}, {0x05, 0x30, 0x61, 255}},
	} {
		cm, err := Colormap(name)
		if err != nil {
			t.Fatal(err)
		}
		if cm(0) != want[0] || cm(1) != want[1] {
			t.Errorf("%s: ends %v %v, want %v", name, cm(0), cm(1), want)
		}
		if cm(-3) != want[0] || cm(7) != want[1] || cm(math.NaN()) != want[0] {
			t.Errorf("%s: out-of-range values not clamped", name)
		}
	}
	if cm, _ := Colormap(""); cm(1) != (color.NRGBA{0xfd, 0xe7, 0x25, 255}) {
		t.Error("default colormap is not viridis")
	}
	if _, err := Colormap("jet"); err == nil {
		t.Error("unknown colormap accepted")
	}
}

func TestColormapMonotoneLuminance(t *testing.T) {
	// viridis brightens and blues darkens steadily; rdbu is lightest mid-way.
	vir, _ := Colormap("viridis")
	blu, _ := Colormap("blues")
	for i := 1; i <= 100; i++ {
		a, b := float64(i-1)/100, float64(i)/100
		if luminance(vir(b)) < luminance(vir(a))-1e-3 {
			t.Errorf("viridis darkens at %v", b)
		}
		if luminance(blu(b)) > luminance(blu(a))+1e-3 {
			t.Errorf("blues lightens at %v", b)
		}
	}
	rb, _ := Colormap("rdbu")
	if rb(0.5) != (color.NRGBA{0xf7, 0xf7, 0xf7, 255}) {
		t.Errorf("rdbu mid-point %v", rb(0.5))
	}
}

func TestPaletteDistinct(t *testing.T) {
	// The first 12 colours must be clearly apart (RGB distance), all 20 distinct.
	dist := func(a, b color.NRGBA) float64 {
		dr, dg, db := float64(a.R)-float64(b.R), float64(a.G)-float64(b.G), float64(a.B)-float64(b.B)
		return math.Sqrt(dr*dr + dg*dg + db*db)
	}
	for i := 0; i < len(palette); i++ {
		for j := 0; j < i; j++ {
			d := dist(PaletteColor(i), PaletteColor(j))
			if (i < 12 && d < 60) || d < 30 {
				t.Errorf("palette %d and %d too close (%.0f)", i, j, d)
			}
		}
	}
	if PaletteColor(3) != PaletteColor(23) {
		t.Error("palette does not cycle")
	}
}

func TestContrastText(t *testing.T) {
	vir, _ := Colormap("viridis")
	if contrastText(vir(0)) != white || contrastText(vir(1)) != black {
		t.Error("contrast text on viridis ends")
	}
}
