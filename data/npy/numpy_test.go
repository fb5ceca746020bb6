package npy

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Fixtures in testdata/data were written by numpy itself (make.py there).
func fixture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "testdata", "data", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture missing: %v", err)
	}
	return p
}

func TestNumpyFixtures(t *testing.T) {
	a, err := ReadFile(fixture(t, "f4_2x3.npy"))
	if err != nil {
		t.Fatal(err)
	}
	f, _ := a.Float32()
	if !slices.Equal(a.Shape, []int{2, 3}) || !slices.Equal(f, []float32{0, 0.5, 1, 1.5, 2, 2.5}) {
		t.Fatalf("f4: %v %v", a.Shape, f)
	}
	a, err = ReadFile(fixture(t, "f8_4.npy"))
	if err != nil {
		t.Fatal(err)
	}
	f, _ = a.Float32()
	if f[0] != 1.5 || f[1] != -2.25 || !math.IsInf(float64(f[2]), 1) || f[3] != 0 {
		t.Fatalf("f8: %v", f)
	}
	a, err = ReadFile(fixture(t, "i8_3.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Int64s(); !slices.Equal(v, []int64{-1, 1 << 40, 7}) {
		t.Fatalf("i8: %v", v)
	}
	a, err = ReadFile(fixture(t, "u2_2x2.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Int64s(); !slices.Equal(v, []int64{1, 65535, 256, 0}) {
		t.Fatalf("u2: %v", v)
	}
	a, err = ReadFile(fixture(t, "bool_3.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Uint8(); !slices.Equal(v, []uint8{1, 0, 1}) {
		t.Fatalf("bool: %v", v)
	}
	for name, want := range map[string]string{"fortran.npy": "fortran_order", "bigendian.npy": "big-endian"} {
		_, err := ReadFile(fixture(t, name))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
