package plot

import (
	"fmt"
	"image/color"
	"math"
)

// Colormap anchors, evenly spaced over [0, 1] and linearly interpolated.
// viridis: matplotlib's perceptually uniform map sampled at 9 points;
// blues and rdbu: ColorBrewer's sequential Blues (9) and diverging RdBu (11),
// rdbu running from red (low) to blue (high) as matplotlib's "RdBu".
var colormaps = map[string][]uint32{
	"viridis": {0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725},
	"blues":   {0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6, 0x4292c6, 0x2171b5, 0x08519c, 0x08306b},
	"rdbu":    {0x67001f, 0xb2182b, 0xd6604d, 0xf4a582, 0xfddbc7, 0xf7f7f7, 0xd1e5f0, 0x92c5de, 0x4393c3, 0x2166ac, 0x053061},
}

func hexColor(h uint32) color.NRGBA {
	return color.NRGBA{uint8(h >> 16), uint8(h >> 8), uint8(h), 255}
}

// Colormap returns the named colormap ("viridis", "blues" or "rdbu"; "" means
// viridis) as a function of t in [0, 1]; t outside is clamped, NaN gives
// the low end.
func Colormap(name string) (func(t float64) color.NRGBA, error) {
	if name == "" {
		name = "viridis"
	}
	anchors, ok := colormaps[name]
	if !ok {
		return nil, fmt.Errorf("plot: unknown colormap %q (want viridis, blues or rdbu)", name)
	}
	cols := make([]color.NRGBA, len(anchors))
	for i, h := range anchors {
		cols[i] = hexColor(h)
	}
	return func(t float64) color.NRGBA {
		if !(t > 0) { // also NaN
			return cols[0]
		}
		if t >= 1 {
			return cols[len(cols)-1]
		}
		f := t * float64(len(cols)-1)
		i := int(f)
		u := f - float64(i)
		a, b := cols[i], cols[i+1]
		mix := func(p, q uint8) uint8 { return uint8(math.Round(float64(p)*(1-u) + float64(q)*u)) }
		return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
	}, nil
}

// palette is the categorical palette for groups, types and tissues: twenty
// hues ordered so that the first ones are the most distinct from each other
// (strong hues first, then dark and light variants). Grey is kept last
// because it reads as "other".
var palette = []uint32{
	0x1f77b4, // blue
	0xff7f0e, // orange
	0x2ca02c, // green
	0xd62728, // red
	0x9467bd, // purple
	0x8c564b, // brown
	0xe377c2, // pink
	0x17becf, // cyan
	0xbcbd22, // olive
	0x393b79, // navy
	0xe7ba52, // ochre
	0x1b7f70, // teal
	0x7b4173, // plum
	0x9edae5, // pale cyan
	0xffbb78, // light orange
	0x98df8a, // light green
	0xff9896, // salmon
	0xc5b0d5, // lavender
	0xdbdb8d, // khaki
	0x7f7f7f, // grey
}

// PaletteColor is the i-th categorical colour (cycling after 20).
func PaletteColor(i int) color.NRGBA {
	if i < 0 {
		i = -i
	}
	return hexColor(palette[i%len(palette)])
}

// luminance is the relative luminance (sRGB, 0..1) used to pick black or
// white text over a coloured cell.
func luminance(c color.NRGBA) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// contrastText returns black or white, whichever contrasts more with bg.
func contrastText(bg color.NRGBA) color.NRGBA {
	l := luminance(bg)
	// WCAG contrast ratios against white (1.05/(l+0.05)) and black ((l+0.05)/0.05).
	if 1.05/(l+0.05) > (l+0.05)/0.05 {
		return white
	}
	return black
}
