package plot

import (
	"fmt"
	"image"
	"image/color"
	"strings"
)

// Glyph geometry at scale 1. Each glyph is a 5x9 bitmap: rows 0..6 hold
// capitals and digits (row 6 is the baseline row), rows 7..8 the descenders
// of g, j, p, q, y and commas. Glyphs advance by 6 pixels, so one column of
// space separates neighbours.
const (
	glyphW     = 5
	glyphH     = 9
	glyphAdv   = 6
	capHeight  = 7
	lineHeight = 11
)

// glyphSource is the hand-designed font: one glyph per line, the character
// (or a name for those awkward in a raw string or outside ASCII) followed by
// up to nine rows of five pixels, '#' on and '.' off. Missing trailing rows
// are blank. Besides printable ASCII it has ± ≥ ≤ × · → µ, which reports use.
const glyphSource = `
space
! ..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..
" .#.#. .#.#. .#.#.
# .#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.
$ ..#.. .#### #.#.. .###. ..#.# ####. ..#..
% ##... ##..# ...#. ..#.. .#... #..## ...##
& .##.. #..#. #.#.. .#... #.#.# #..#. .##.#
' ..#.. ..#.. .#...
( ...#. ..#.. .#... .#... .#... ..#.. ...#.
) .#... ..#.. ...#. ...#. ...#. ..#.. .#...
* ..... ..#.. #.#.# .###. #.#.# ..#.. .....
+ ..... ..#.. ..#.. ##### ..#.. ..#.. .....
, ..... ..... ..... ..... ..... .##.. .##.. ..#.. .#...
- ..... ..... ..... .###. ..... ..... .....
. ..... ..... ..... ..... ..... .##.. .##..
/ ....# ....# ...#. ..#.. .#... #.... #....
0 .###. #...# #...# #...# #...# #...# .###.
1 ..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.
2 .###. #...# ....# ...#. ..#.. .#... #####
3 ##### ...#. ..#.. ...#. ....# #...# .###.
4 ...#. ..##. .#.#. #..#. ##### ...#. ...#.
5 ##### #.... ####. ....# ....# #...# .###.
6 ..##. .#... #.... ####. #...# #...# .###.
7 ##### ....# ...#. ..#.. .#... .#... .#...
8 .###. #...# #...# .###. #...# #...# .###.
9 .###. #...# #...# .#### ....# ...#. .##..
: ..... .##.. .##.. ..... .##.. .##.. .....
; ..... .##.. .##.. ..... .##.. .##.. ..#.. .#...
< ...#. ..#.. .#... #.... .#... ..#.. ...#.
= ..... ..... ##### ..... ##### ..... .....
> .#... ..#.. ...#. ....# ...#. ..#.. .#...
? .###. #...# ....# ...#. ..#.. ..... ..#..
@ .###. #...# #.### #.#.# #.### #.... .###.
A .###. #...# #...# ##### #...# #...# #...#
B ####. #...# #...# ####. #...# #...# ####.
C .###. #...# #.... #.... #.... #...# .###.
D ###.. #..#. #...# #...# #...# #..#. ###..
E ##### #.... #.... ####. #.... #.... #####
F ##### #.... #.... ####. #.... #.... #....
G .###. #...# #.... #.### #...# #...# .####
H #...# #...# #...# ##### #...# #...# #...#
I .###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.
J ..### ...#. ...#. ...#. ...#. #..#. .##..
K #...# #..#. #.#.. ##... #.#.. #..#. #...#
L #.... #.... #.... #.... #.... #.... #####
M #...# ##.## #.#.# #.#.# #...# #...# #...#
N #...# #...# ##..# #.#.# #..## #...# #...#
O .###. #...# #...# #...# #...# #...# .###.
P ####. #...# #...# ####. #.... #.... #....
Q .###. #...# #...# #...# #.#.# #..#. .##.#
R ####. #...# #...# ####. #.#.. #..#. #...#
S .#### #.... #.... .###. ....# ....# ####.
T ##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..
U #...# #...# #...# #...# #...# #...# .###.
V #...# #...# #...# #...# #...# .#.#. ..#..
W #...# #...# #...# #.#.# #.#.# #.#.# .#.#.
X #...# #...# .#.#. ..#.. .#.#. #...# #...#
Y #...# #...# .#.#. ..#.. ..#.. ..#.. ..#..
Z ##### ....# ...#. ..#.. .#... #.... #####
[ .###. .#... .#... .#... .#... .#... .###.
\ #.... #.... .#... ..#.. ...#. ....# ....#
] .###. ...#. ...#. ...#. ...#. ...#. .###.
^ ..#.. .#.#. #...#
_ ..... ..... ..... ..... ..... ..... ..... #####
backtick .#... ..#.. ...#.
a ..... ..... .###. ....# .#### #...# .####
b #.... #.... ####. #...# #...# #...# ####.
c ..... ..... .###. #.... #.... #...# .###.
d ....# ....# .#### #...# #...# #...# .####
e ..... ..... .###. #...# ##### #.... .###.
f ..##. .#..# .#... ###.. .#... .#... .#...
g ..... ..... .#### #...# #...# #...# .#### ....# .###.
h #.... #.... ####. #...# #...# #...# #...#
i ..#.. ..... .##.. ..#.. ..#.. ..#.. .###.
j ...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..
k #.... #.... #..#. #.#.. ##... #.#.. #..#.
l .##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.
m ..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#
n ..... ..... ####. #...# #...# #...# #...#
o ..... ..... .###. #...# #...# #...# .###.
p ..... ..... ####. #...# #...# #...# ####. #.... #....
q ..... ..... .#### #...# #...# #...# .#### ....# ....#
r ..... ..... #.##. ##..# #.... #.... #....
s ..... ..... .#### #.... .###. ....# ####.
t .#... .#... ###.. .#... .#... .#..# ..##.
u ..... ..... #...# #...# #...# #..## .##.#
v ..... ..... #...# #...# #...# .#.#. ..#..
w ..... ..... #...# #...# #.#.# #.#.# .#.#.
x ..... ..... #...# .#.#. ..#.. .#.#. #...#
y ..... ..... #...# #...# #...# #...# .#### ....# .###.
z ..... ..... ##### ...#. ..#.. .#... #####
{ ...## ..#.. ..#.. .#... ..#.. ..#.. ...##
| ..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..
} ##... ..#.. ..#.. ...#. ..#.. ..#.. ##...
~ ..... ..... .#... #.#.# ...#. ..... .....
plusminus ..#.. ..#.. ##### ..#.. ..#.. ..... #####
geq .#... ..#.. ...#. ..#.. .#... ..... #####
leq ...#. ..#.. .#... ..#.. ...#. ..... #####
times ..... #...# .#.#. ..#.. .#.#. #...# .....
middot ..... ..... ..... .##.. .##.. ..... .....
rarrow ..... ..#.. ...#. ##### ...#. ..#.. .....
mu ..... ..... #...# #...# #...# ##..# #.##. #.... #....
missing ##### #...# #...# #...# #...# #...# #####
`

// glyph is one character's bitmap: bit (4-col) of row r set means the
// pixel at column col of row r is on.
type glyph [glyphH]uint8

var (
	glyphs       map[rune]glyph
	missingGlyph glyph
)

func init() {
	g, err := parseGlyphs(glyphSource)
	if err != nil {
		panic(err) // the font is a constant of the package: a bug, not bad input
	}
	glyphs = g
	missingGlyph = g[-1]
	delete(glyphs, -1)
}

func parseGlyphs(src string) (map[rune]glyph, error) {
	named := map[string]rune{"space": ' ', "backtick": '`', "missing": -1,
		"plusminus": '±', "geq": '≥', "leq": '≤', "times": '×', "middot": '·', "rarrow": '→', "mu": 'µ'}
	out := make(map[rune]glyph)
	for ln, line := range strings.Split(src, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var r rune
		if n, ok := named[f[0]]; ok {
			r = n
		} else if rs := []rune(f[0]); len(rs) == 1 {
			r = rs[0]
		} else {
			return nil, fmt.Errorf("font line %d: bad character %q", ln, f[0])
		}
		if _, dup := out[r]; dup {
			return nil, fmt.Errorf("font line %d: %q defined twice", ln, r)
		}
		rows := f[1:]
		if len(rows) > glyphH {
			return nil, fmt.Errorf("font line %d: %d rows > %d", ln, len(rows), glyphH)
		}
		var g glyph
		for i, row := range rows {
			if len(row) != glyphW {
				return nil, fmt.Errorf("font line %d: row %q is not %d wide", ln, row, glyphW)
			}
			for c := 0; c < glyphW; c++ {
				switch row[c] {
				case '#':
					g[i] |= 1 << (glyphW - 1 - c)
				case '.':
				default:
					return nil, fmt.Errorf("font line %d: bad pixel %q", ln, row[c])
				}
			}
		}
		out[r] = g
	}
	return out, nil
}

func glyphFor(r rune) glyph {
	if g, ok := glyphs[r]; ok {
		return g
	}
	return missingGlyph
}

func (g glyph) on(col, row int) bool { return g[row]&(1<<(glyphW-1-col)) != 0 }

// TextWidth is the width in pixels of s drawn at the given scale
// (no trailing gap). Every rune, known or not, takes one advance.
func TextWidth(s string, scale int) int {
	n := len([]rune(s))
	if n == 0 {
		return 0
	}
	scale = clampScale(scale)
	return (n*glyphAdv - 1) * scale
}

// TextHeight is the height in pixels of one line including descenders.
func TextHeight(scale int) int { return glyphH * clampScale(scale) }

func clampScale(s int) int {
	if s < 1 {
		return 1
	}
	return s
}

// DrawText draws s on one line with its top-left corner at (x, y); capitals
// occupy rows y..y+7*scale-1 and descenders the two rows below. Pixels
// outside img are clipped. Runes without a glyph (including newlines) are
// drawn as an empty box.
func DrawText(img *image.RGBA, x, y int, s string, col color.Color, scale int) {
	scale = clampScale(scale)
	c := toNRGBA(col)
	for i, r := range []rune(s) {
		g := glyphFor(r)
		ox := x + i*glyphAdv*scale
		for row := 0; row < glyphH; row++ {
			for cc := 0; cc < glyphW; cc++ {
				if g.on(cc, row) {
					fillRectA(img, ox+cc*scale, y+row*scale, scale, scale, c, 1)
				}
			}
		}
	}
}

// DrawTextVertical draws s rotated a quarter turn anticlockwise, reading
// bottom to top, as y-axis titles are. The text starts at (x, y) (bottom
// edge) and rises to y-TextWidth; the tops of the glyphs face left, at
// column x, and the block is TextHeight wide.
func DrawTextVertical(img *image.RGBA, x, y int, s string, col color.Color, scale int) {
	scale = clampScale(scale)
	c := toNRGBA(col)
	for i, r := range []rune(s) {
		g := glyphFor(r)
		along := i * glyphAdv * scale
		for row := 0; row < glyphH; row++ {
			for cc := 0; cc < glyphW; cc++ {
				if g.on(cc, row) {
					// text coordinate (along+cc*scale, row*scale) -> image (x+row, y-1-along)
					fillRectA(img, x+row*scale, y-(along+(cc+1)*scale), scale, scale, c, 1)
				}
			}
		}
	}
}

// fitText shortens s with a trailing ".." until it fits in maxW pixels.
func fitText(s string, scale, maxW int) string {
	if TextWidth(s, scale) <= maxW {
		return s
	}
	rs := []rune(s)
	for n := len(rs) - 1; n > 0; n-- {
		t := string(rs[:n]) + ".."
		if TextWidth(t, scale) <= maxW {
			return t
		}
	}
	return ""
}
