package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// raw builds a v1.0 .npy stream by hand (independent of Write).
func raw(header string, data []byte) []byte {
	var b []byte
	b = append(b, "\x93NUMPY\x01\x00"...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func TestReadHandWritten(t *testing.T) {
	// 2x3 float32 values 0..5, as numpy writes it (padding and newline).
	h := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
	h += strings.Repeat(" ", 128-10-len(h)-1) + "\n"
	var d []byte
	for i := 0; i < 6; i++ {
		d = binary.LittleEndian.AppendUint32(d, math.Float32bits(float32(i)*0.5))
	}
	a, err := Read(bytes.NewReader(raw(h, d)), "x.npy")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Shape) != 2 || a.Shape[0] != 2 || a.Shape[1] != 3 || a.Descr != "<f4" {
		t.Fatalf("got shape %v descr %s", a.Shape, a.Descr)
	}
	f, err := a.Float32()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range f {
		if v != float32(i)*0.5 {
			t.Fatalf("elem %d = %v", i, v)
		}
	}
	if _, err := a.Uint8(); err == nil {
		t.Fatal("Uint8 of <f4 should fail")
	}
	if _, err := a.Int64s(); err == nil {
		t.Fatal("Int64s of <f4 should fail")
	}
}

func TestReadIntTypes(t *testing.T) {
	cases := []struct {
		descr string
		data  []byte
		want  []int64
	}{
		{"|u1", []byte{0, 200, 7}, []int64{0, 200, 7}},
		{"|i1", []byte{0xff, 3, 0x80}, []int64{-1, 3, -128}},
		{"<i2", []byte{0xfe, 0xff, 1, 0, 0, 1}, []int64{-2, 1, 256}},
		{"<u2", []byte{0xfe, 0xff, 1, 0, 0, 1}, []int64{65534, 1, 256}},
		{"<i4", []byte{0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0, 0, 0, 0x80}, []int64{-1, 5, math.MinInt32}},
		{"<u4", []byte{0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0, 0, 0, 0x80}, []int64{1<<32 - 1, 5, 1 << 31}},
		{"<i8", binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, uint64(1<<40)), math.MaxUint64), 9), []int64{1 << 40, -1, 9}},
		{"<u8", binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, uint64(1<<40)), 0), 9), []int64{1 << 40, 0, 9}},
	}
	for _, c := range cases {
		h := "{'descr': '" + c.descr + "', 'fortran_order': False, 'shape': (3,), }\n"
		a, err := Read(bytes.NewReader(raw(h, c.data)), c.descr)
		if err != nil {
			t.Fatalf("%s: %v", c.descr, err)
		}
		got, err := a.Int64s()
		if err != nil {
			t.Fatalf("%s: %v", c.descr, err)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("%s: elem %d = %d want %d", c.descr, i, got[i], c.want[i])
			}
		}
	}
	// uint64 above int64 range is refused.
	h := "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }\n"
	a, err := Read(bytes.NewReader(raw(h, binary.LittleEndian.AppendUint64(nil, math.MaxUint64))), "big")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Int64s(); err == nil {
		t.Fatal("want overflow error")
	}
}

func TestFloat64ToFloat32(t *testing.T) {
	h := "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n"
	d := binary.LittleEndian.AppendUint64(nil, math.Float64bits(1.25))
	d = binary.LittleEndian.AppendUint64(d, math.Float64bits(-3e10))
	a, err := Read(bytes.NewReader(raw(h, d)), "f8")
	if err != nil {
		t.Fatal(err)
	}
	f, err := a.Float32()
	if err != nil || f[0] != 1.25 || f[1] != float32(-3e10) {
		t.Fatalf("got %v %v", f, err)
	}
}

func TestScalarAndEmpty(t *testing.T) {
	h := "{'descr': '<i4', 'fortran_order': False, 'shape': (), }\n"
	a, err := Read(bytes.NewReader(raw(h, []byte{7, 0, 0, 0})), "scalar")
	if err != nil || a.Len() != 1 {
		t.Fatalf("%v %v", a, err)
	}
	h = "{'descr': '<i4', 'fortran_order': False, 'shape': (0, 5), }\n"
	a, err = Read(bytes.NewReader(raw(h, nil)), "empty")
	if err != nil || a.Len() != 0 {
		t.Fatalf("%v %v", a, err)
	}
}

func TestErrors(t *testing.T) {
	good := "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n"
	eight := make([]byte, 8)
	cases := []struct {
		name, want string
		in         []byte
	}{
		{"empty", "empty", nil},
		{"magic", "bad magic", []byte("PK\x03\x04 this is a zip file")},
		{"preamble", "truncated preamble", []byte("\x93NUM")},
		{"hlen", "truncated header length", []byte("\x93NUMPY\x01\x00\x05")},
		{"version", "version 9.0", []byte("\x93NUMPY\x09\x00\x05\x00abcde")},
		{"header", "truncated header", raw(good, nil)[:20]},
		{"data", "truncated data", raw(good, eight[:5])},
		{"extra", "but 12 are present", raw(good, make([]byte, 12))},
		{"bigendian", "big-endian", raw("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", eight)},
		{"object", "unsupported dtype", raw("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", eight)},
		{"complex", "unsupported dtype", raw("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", eight)},
		{"f2", "unsupported dtype", raw("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }\n", eight)},
		{"struct", "structured", raw("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }\n", eight)},
		{"fortran", "fortran_order", raw("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", eight)},
		{"huge", "truncated data", raw("{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 1000, 1000), }\n", eight)},
		{"overflow", "absurd", raw("{'descr': '<f8', 'fortran_order': False, 'shape': (999999999999999999, 999999999999999999), }\n", eight)},
		{"nokey", "needs", raw("{'descr': '<f4', 'shape': (2,), }\n", eight)},
		{"badkey", "unknown key", raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}\n", eight)},
		{"badshape", "shape is not", raw("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,), }\n", eight)},
		{"negative", "shape is not", raw("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }\n", eight)},
	}
	for _, c := range cases {
		_, err := Read(bytes.NewReader(c.in), "file-"+c.name+".npy")
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), "file-"+c.name+".npy") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q should name the file and contain %q", c.name, err, c.want)
		}
		// Same through an io.Reader of unknown size.
		if _, err := Read(onlyReader{bytes.NewReader(c.in)}, "x"); err == nil && c.name != "extra" {
			t.Errorf("%s (unsized): no error", c.name)
		}
	}
}

type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	f := []float32{1, -2.5, float32(math.Inf(1)), 3e-38, 0, 7}
	p := filepath.Join(dir, "f.npy")
	if err := WriteFloat32(p, []int{3, 2}, f); err != nil {
		t.Fatal(err)
	}
	a, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := a.Float32()
	for i := range f {
		if math.Float32bits(f[i]) != math.Float32bits(g[i]) {
			t.Fatalf("elem %d: %v vs %v", i, f[i], g[i])
		}
	}
	// Data starts on a 64-byte boundary, as numpy does.
	b, _ := os.ReadFile(p)
	if (len(b)-24)%64 != 0 {
		t.Fatalf("header not padded to 64: file %d bytes", len(b))
	}
	iv := []int32{-1, 2, math.MaxInt32, math.MinInt32}
	p2 := filepath.Join(dir, "i.npy")
	if err := WriteInt32(p2, []int{4}, iv); err != nil {
		t.Fatal(err)
	}
	a, err = ReadFile(p2)
	if err != nil {
		t.Fatal(err)
	}
	gi, _ := a.Int64s()
	for i := range iv {
		if int64(iv[i]) != gi[i] {
			t.Fatalf("int elem %d", i)
		}
	}
	if err := WriteFloat32(filepath.Join(dir, "bad.npy"), []int{4}, f); err == nil {
		t.Fatal("shape mismatch must fail")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.npy")); err == nil {
		t.Fatal("failed write left a file")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Fatalf("temp files left behind: %d entries", len(ents))
	}
	// Uint8 round trip through the stream form, a long shape forcing v2.0.
	u, _ := FromUint8([]int{2, 2}, []uint8{1, 2, 3, 255})
	var buf bytes.Buffer
	if err := Write(&buf, u); err != nil {
		t.Fatal(err)
	}
	a, err = Read(&buf, "u")
	if err != nil {
		t.Fatal(err)
	}
	gu, _ := a.Uint8()
	if !bytes.Equal(gu, []uint8{1, 2, 3, 255}) {
		t.Fatal(gu)
	}
	long := make([]int, 30000)
	for i := range long {
		long[i] = 1
	}
	lz, _ := FromUint8(long, []uint8{42})
	buf.Reset()
	if err := Write(&buf, lz); err != nil {
		t.Fatal(err)
	}
	if buf.Bytes()[6] != 2 {
		t.Fatalf("want version 2.0 for a long header, got %d", buf.Bytes()[6])
	}
	a, err = Read(&buf, "long")
	if err != nil || len(a.Shape) != 30000 || a.Data[0] != 42 {
		t.Fatalf("v2 round trip: %v", err)
	}
}

// TestNumpyWritten reads arrays written by numpy itself (the shared
// PathMNIST subset); skipped when the data is absent.
func TestNumpyWritten(t *testing.T) {
	p := sharedPath(t, "data/pathmnist/pathmnist_train_first1000.npz")
	z, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		a, err := ReadSized(r, f.Name, int64(f.UncompressedSize64))
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		switch f.Name {
		case "train_images.npy":
			if len(a.Shape) != 4 || a.Shape[0] != 1000 || a.Shape[3] != 3 || a.Descr != "|u1" {
				t.Fatalf("images: %v %s", a.Shape, a.Descr)
			}
		case "train_labels.npy":
			l, err := a.Int64s()
			if err != nil || len(l) != 1000 {
				t.Fatal(err)
			}
			for _, v := range l {
				if v < 0 || v > 8 {
					t.Fatalf("label %d", v)
				}
			}
		}
	}
}

func sharedPath(t *testing.T, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Skip(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Skip("no go.mod above the working directory")
		}
		dir = up
	}
	p := filepath.Join(dir, "..", "shared", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data absent: %s", p)
	}
	return p
}

func FuzzRead(f *testing.F) {
	good := "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n"
	f.Add(raw(good, make([]byte, 8)))
	f.Add(raw("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1), }\n", []byte{1, 2}))
	f.Add(raw("{'descr': '<u8', 'fortran_order': False, 'shape': (), }\n", make([]byte, 8)))
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'descr': '<i4',"))
	f.Add([]byte("\x93NUMPY"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, r := range []interface{ Read([]byte) (int, error) }{bytes.NewReader(b), onlyReader{bytes.NewReader(b)}} {
			a, err := Read(r, "fuzz")
			if err != nil {
				continue
			}
			a.Float32()
			a.Uint8()
			a.Int64s()
			var buf bytes.Buffer
			if err := Write(&buf, a); err != nil {
				t.Fatalf("read ok but write failed: %v", err)
			}
			b2, err := Read(&buf, "again")
			if err != nil || !bytes.Equal(b2.Data, a.Data) || b2.Descr != a.Descr {
				t.Fatalf("rewrite round trip: %v", err)
			}
		}
	})
}
