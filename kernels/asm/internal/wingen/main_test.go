package main

import (
	"bytes"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedFilesUpToDate regenerates every file into a temp dir and
// compares it with the committed one, so the two cannot drift apart.
func TestCommittedFilesUpToDate(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Fatalf("generated %d files, want 5", len(files))
	}
	tmp := filepath.Join(t.TempDir(), "asm")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := write(tmp, files); err != nil {
		t.Fatal(err)
	}
	asmDir := filepath.Join("..", "..") // this package is kernels/asm/internal/wingen
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(tmp, filepath.FromSlash(f.path)))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(asmDir, filepath.FromSlash(f.path)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output; run go generate in kernels/asm (first difference at byte %d)",
				f.path, firstDiff(got, want))
		}
	}
}

func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// TestTerms checks the summation order rule: nonzero terms in column order,
// the first coefficient 1 moved to the front.
func TestTerms(t *testing.T) {
	row := rat("0 2 -1 1 1")[0]
	got := terms(row)
	want := []struct {
		c string
		i int
	}{{"1", 3}, {"2", 1}, {"-1", 2}, {"1", 4}}
	if len(got) != len(want) {
		t.Fatalf("terms: got %d terms, want %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k].c.RatString() != w.c || got[k].i != w.i {
			t.Errorf("term %d: got %s at %d, want %s at %d", k, got[k].c.RatString(), got[k].i, w.c, w.i)
		}
	}
}

// TestF32Bits checks the constant rounding on values whose float32 bits
// are known independently.
func TestF32Bits(t *testing.T) {
	for _, c := range []struct {
		f    string
		bits uint32
	}{{"1/2", 0x3f000000}, {"-1/6", 0xbe2aaaab}, {"1/24", 0x3d2aaaab}, {"-8", 0xc1000000}} {
		if got := f32bits(rat(c.f)[0][0]); got != c.bits {
			t.Errorf("%s: got %#08x, want %#08x", c.f, got, c.bits)
		}
	}
}

// TestConstRounding checks that each matrix entry's table bits (rounded via
// float64) equal its direct float32 rounding, which the Go compiler uses
// for the twins' constants.
func TestConstRounding(t *testing.T) {
	for _, w := range []*wino{f3(), f4()} {
		for _, m := range [][][]*big.Rat{w.at, w.g, w.bt} {
			for _, row := range m {
				for _, c := range row {
					f, _ := c.Float32()
					if got := f32bits(c); got != math.Float32bits(f) {
						t.Errorf("F(%dx%d): %s rounds to %#08x via float64, %#08x directly", w.m, w.m, c.RatString(), got, math.Float32bits(f))
					}
				}
			}
		}
	}
}
