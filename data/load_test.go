package data

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"remedy/data/npy"
)

func TestTestFractionsPaper(t *testing.T) {
	// PathMNIST's real sizes must give the paper's split sizes.
	tr, va, te := 89996, 10004, 7180
	fTr, fVa := TestFractions(tr, va, te, 0.4)
	if fTr != 0.341 || fVa != 0.5 {
		t.Fatalf("fractions %v %v, want 0.341 0.5", fTr, fVa)
	}
	mTr, mVa := MoveCount(fTr, tr), MoveCount(fVa, va)
	if tr-mTr != 59308 || va-mVa != 5002 || te+mTr+mVa != 42870 {
		t.Fatalf("got train %d val %d test %d", tr-mTr, va-mVa, te+mTr+mVa)
	}
	// Fashion-MNIST: 60k/0/10k -> 30% of train moves, test = 28,000.
	fTr, fVa = TestFractions(60000, 0, 10000, 0.4)
	if MoveCount(fTr, 60000) != 18000 || fVa != 0 {
		t.Fatalf("fashion: %v %v", fTr, fVa)
	}
	// Test already large: nothing moves.
	if a, b := TestFractions(10, 10, 100, 0.4); a != 0 || b != 0 {
		t.Fatal(a, b)
	}
	// Half of val would overshoot: only val moves.
	if a, b := TestFractions(100, 100, 35, 0.2); a != 0 || MoveCount(b, 100) != 12 {
		t.Fatal(a, b)
	}
}

// member is one .npy inside a test .npz.
type member struct {
	name string
	a    *npy.Array
	raw  []byte // used instead of a when set
}

func writeNPZ(t *testing.T, path string, ms []member) {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, m := range ms {
		w, err := z.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if m.raw != nil {
			w.Write(m.raw)
		} else if err := npy.Write(w, m.a); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tinyImages makes n HWC images whose pixel (h,w,c) = 100*c + 10*h + w + i.
func tinyImages(n, h, w, c int) []uint8 {
	out := make([]uint8, 0, n*h*w*c)
	for i := 0; i < n; i++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				for k := 0; k < c; k++ {
					out = append(out, uint8(100*k+10*y+x+i))
				}
			}
		}
	}
	return out
}

func mustU8(shape []int, d []uint8) *npy.Array {
	a, err := npy.FromUint8(shape, d)
	if err != nil {
		panic(err)
	}
	return a
}

func tinyPath(n int, labels []uint8, split string) []member {
	return []member{
		{name: split + "_images.npy", a: mustU8([]int{n, 2, 3, 3}, tinyImages(n, 2, 3, 3))},
		{name: split + "_labels.npy", a: mustU8([]int{n, 1}, labels)},
	}
}

func TestNPZPathMNIST(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "tiny.npz")
	var ms []member
	trL := []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 7, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	ms = append(ms, tinyPath(20, trL, "train")...)
	ms = append(ms, tinyPath(4, []uint8{8, 0, 7, 1}, "val")...)
	ms = append(ms, tinyPath(3, []uint8{3, 7, 2}, "test")...)
	writeNPZ(t, p, ms)
	raw, err := ReadNPZ(p)
	if err != nil {
		t.Fatal(err)
	}
	if raw.Train.N != 20 || raw.Val.N != 4 || raw.Test.N != 3 || raw.Train.C != 3 {
		t.Fatalf("raw sizes %d %d %d", raw.Train.N, raw.Val.N, raw.Test.N)
	}
	sp, err := Load(p, LoadOptions{Task: "auto", Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Task != "pathmnist" {
		t.Fatalf("auto task = %s", sp.Task)
	}
	// 27 examples, 40% = 10.8; val moves 2, train round3(5.8/20)=0.29 -> 5.
	if sp.Train.N != 15 || sp.Val.N != 2 || sp.Test.N != 10 {
		t.Fatalf("splits %d %d %d (%s)", sp.Train.N, sp.Val.N, sp.Test.N, sp.Note)
	}
	seen := map[Origin]bool{}
	for _, s := range []*Set{sp.Train, sp.Val, sp.Test} {
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < s.N; i++ {
			o := s.Source[i]
			if seen[o] {
				t.Fatalf("example %v appears twice", o)
			}
			seen[o] = true
			var orig []uint8
			switch o.Split {
			case "train":
				orig = trL
			case "val":
				orig = []uint8{8, 0, 7, 1}
			default:
				orig = []uint8{3, 7, 2}
			}
			if s.Meta[i] != int32(orig[o.Index]) {
				t.Fatalf("meta of %v = %d want %d", o, s.Meta[i], orig[o.Index])
			}
			if want := int32(0); s.Meta[i] >= 7 && s.Labels[i] != 1 || s.Meta[i] < 7 && s.Labels[i] != want {
				t.Fatalf("label of class %d = %d", s.Meta[i], s.Labels[i])
			}
			// CHW planar: pixel (c,y,x) = 100c + 10y + x + index.
			img := s.Image(i)
			for c := 0; c < 3; c++ {
				for y := 0; y < 2; y++ {
					for x := 0; x < 3; x++ {
						if img[c*6+y*3+x] != uint8(100*c+10*y+x+o.Index) {
							t.Fatalf("pixel c%d y%d x%d of %v = %d", c, y, x, o, img[c*6+y*3+x])
						}
					}
				}
			}
		}
	}
	if len(seen) != 27 {
		t.Fatalf("%d distinct examples, want 27", len(seen))
	}
	// Same seed -> same split; another seed -> (almost surely) another.
	sp2, _ := Load(p, LoadOptions{Seed: 42})
	sp3, _ := Load(p, LoadOptions{Seed: 7})
	if !slices.Equal(sp.Test.Source, sp2.Test.Source) {
		t.Fatal("not deterministic")
	}
	if slices.Equal(sp.Test.Source, sp3.Test.Source) {
		t.Fatal("seed has no effect")
	}
}

func TestNPZErrors(t *testing.T) {
	dir := t.TempDir()
	f4, _ := npy.FromFloat32([]int{2, 2, 2, 3}, make([]float32, 24))
	lab2 := mustU8([]int{2, 2}, []uint8{1, 2, 3, 4})
	good := tinyPath(2, []uint8{1, 2}, "train")
	var trunc bytes.Buffer
	npy.Write(&trunc, good[0].a)
	cases := []struct {
		name, want string
		ms         []member
	}{
		{"missing", "missing key train_images", []member{{name: "foo.npy", a: lab2}}},
		{"nolabels", "missing key train_labels", good[:1]},
		{"novalimages", "missing key val_images", append(append([]member{}, good...), member{name: "val_labels.npy", a: good[1].a})},
		{"trunc", "truncated", []member{{name: "train_images.npy", raw: trunc.Bytes()[:trunc.Len()-5]}, good[1]}},
		{"dtype", "want uint8", []member{{name: "train_images.npy", a: f4}, good[1]}},
		{"labelshape", "want N x 1", []member{good[0], {name: "train_labels.npy", a: lab2}}},
		{"count", "3 labels for 2 images", []member{good[0], {name: "train_labels.npy", a: mustU8([]int{3, 1}, []uint8{1, 2, 3})}}},
		{"range", "out of range", []member{good[0], {name: "train_labels.npy", a: mustU8([]int{2, 1}, []uint8{1, 9})}}},
		{"imgshape", "want N x H x W x C", []member{{name: "train_images.npy", a: mustU8([]int{2, 18}, make([]uint8, 36))}, good[1]}},
		{"channels", "1 or 3 channels", []member{{name: "train_images.npy", a: mustU8([]int{2, 1, 1, 2}, make([]uint8, 4))}, good[1]}},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name+".npz")
		writeNPZ(t, p, c.ms)
		_, err := Load(p, LoadOptions{Task: "pathmnist"})
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want the path and %q", c.name, err, c.want)
		}
	}
	p := filepath.Join(dir, "notzip.npz")
	os.WriteFile(p, []byte("hello, not a zip at all"), 0o644)
	if _, err := Load(p, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "not a zip") {
		t.Errorf("not a zip: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "absent.npz"), LoadOptions{}); err == nil {
		t.Error("absent file: no error")
	}
}

func idxBytes(dims []int, data []uint8) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestIDX(t *testing.T) {
	dir := t.TempDir()
	n := 10
	img := tinyImages(n, 2, 2, 1)
	lab := []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"), gz(idxBytes([]int{n, 2, 2}, img)), 0o644)
	os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte.gz"), gz(idxBytes([]int{n}, lab)), 0o644)
	os.WriteFile(filepath.Join(dir, "t10k-images-idx3-ubyte"), idxBytes([]int{5, 2, 2}, img[:20]), 0o644)
	os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), idxBytes([]int{5}, []uint8{6, 6, 1, 0, 9}), 0o644)
	sp, err := Load(dir, LoadOptions{Channels: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Task != "fashion" || sp.Train.C != 3 {
		t.Fatalf("task %s C %d", sp.Task, sp.Train.C)
	}
	total := sp.Train.N + sp.Val.N + sp.Test.N
	if total != 15 || sp.Test.N != 6 {
		t.Fatalf("sizes %d %d %d", sp.Train.N, sp.Val.N, sp.Test.N)
	}
	for _, s := range []*Set{sp.Train, sp.Val, sp.Test} {
		for i := 0; i < s.N; i++ {
			im := s.Image(i)
			o := s.Source[i]
			for p := 0; p < 4; p++ {
				want := uint8(10*(p/2) + p%2 + o.Index)
				if im[p] != want || im[4+p] != want || im[8+p] != want {
					t.Fatalf("gray->rgb pixel %d of %v", p, o)
				}
			}
			if (s.Meta[i] == 0 || s.Meta[i] == 6) != (s.Labels[i] == 1) {
				t.Fatalf("fashion label of class %d", s.Meta[i])
			}
		}
	}
	// idx4 (N x H x W x C) as in the shared PathMNIST subset.
	d4 := t.TempDir()
	os.WriteFile(filepath.Join(d4, "x_train-images-idx4-ubyte"), idxBytes([]int{3, 2, 3, 3}, tinyImages(3, 2, 3, 3)), 0o644)
	os.WriteFile(filepath.Join(d4, "x_train-labels-idx1-ubyte"), idxBytes([]int{3}, []uint8{7, 0, 8}), 0o644)
	sp, err = Load(d4, LoadOptions{TestFrac: 0.34})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Task != "pathmnist" || sp.Test.N != 1 || sp.Train.C != 3 {
		t.Fatalf("idx4: %s %d", sp.Task, sp.Test.N)
	}

	// Errors.
	bad := []struct {
		name, want string
		data       []byte
	}{
		{"magic", "bad magic", []byte{1, 2, 8, 1, 0, 0, 0, 1, 5}},
		{"type", "element type 0x0d", []byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 5, 5, 5, 5}},
		{"trunc", "truncated", idxBytes([]int{4, 2, 2}, img[:10])},
		{"extra", "follow the header", idxBytes([]int{1, 2, 2}, img[:10])},
		{"gztrunc", "truncated", gz(idxBytes([]int{4, 2, 2}, img[:10]))},
		{"gzextra", "extra data", gz(idxBytes([]int{1, 2, 2}, img[:10]))},
		{"header", "truncated IDX header", []byte{0, 0, 8, 3, 0, 0}},
		{"huge", "absurd", idxBytes([]int{1 << 30, 1 << 30, 1 << 30}, nil)},
	}
	for _, b := range bad {
		p := filepath.Join(dir, b.name+"-idx")
		os.WriteFile(p, b.data, 0o644)
		_, _, err := ReadIDX(p)
		if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: %v, want %q", b.name, err, b.want)
		}
	}
	// Label count mismatch.
	d5 := t.TempDir()
	os.WriteFile(filepath.Join(d5, "train-images-idx3-ubyte"), idxBytes([]int{2, 2, 2}, img[:8]), 0o644)
	os.WriteFile(filepath.Join(d5, "train-labels-idx1-ubyte"), idxBytes([]int{3}, lab[:3]), 0o644)
	if _, err := Load(d5, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "3 labels for 2 images") {
		t.Errorf("count mismatch: %v", err)
	}
	os.Remove(filepath.Join(d5, "train-labels-idx1-ubyte"))
	if _, err := Load(d5, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "no labels file") {
		t.Errorf("no labels: %v", err)
	}
}

func sharedDir(t *testing.T, rel string) string {
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

func TestSharedPathMNIST(t *testing.T) {
	p := sharedDir(t, "data/pathmnist/pathmnist_train_first1000.npz")
	sp, err := Load(p, LoadOptions{Seed: 42, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Task != "pathmnist" || sp.Train.N != 720 || sp.Val.N != 80 || sp.Test.N != 200 || sp.Train.C != 3 || sp.Train.H != 28 {
		t.Fatalf("%s %d/%d/%d %s", sp.Task, sp.Train.N, sp.Val.N, sp.Test.N, sp.Note)
	}
	// The IDX copy in the same folder holds the same arrays.
	sp2, err := Load(filepath.Dir(p), LoadOptions{Seed: 42, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sp.Test.Images, sp2.Test.Images) || !slices.Equal(sp.Train.Meta, sp2.Train.Meta) {
		t.Fatal("npz and idx4 copies differ")
	}
	all, _ := Concat(sp.Train, sp.Val, sp.Test)
	pos := Counts(all.Labels)[1]
	t.Logf("1000 PathMNIST: %d malignant (%.3f), classes %v", pos, float64(pos)/1000, Counts(all.Meta))
}

func TestSharedFashion(t *testing.T) {
	p := sharedDir(t, "data/fashion-mnist")
	sp, err := Load(p, LoadOptions{Seed: 42, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Task != "fashion" || sp.Train.N != 37800 || sp.Val.N != 4200 || sp.Test.N != 28000 || sp.Train.C != 3 {
		t.Fatalf("%s %d/%d/%d", sp.Task, sp.Train.N, sp.Val.N, sp.Test.N)
	}
	c := Counts(sp.Test.Labels)
	if c[1] < 5000 || c[1] > 6200 { // 20% positive
		t.Fatalf("test positives %v", c)
	}
}

func TestWriteNPZRoundTrip(t *testing.T) {
	dir := t.TempDir()
	sp := SynthTissue(300, 4)
	p := filepath.Join(dir, "synth.npz")
	if err := WriteNPZ(p, sp); err != nil {
		t.Fatal(err)
	}
	got, err := Load(p, LoadOptions{Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	if got.Task != "synth" {
		t.Fatalf("task %s", got.Task)
	}
	// The test split is already 40%: nothing moves, so the sets come back
	// exactly (sources are the file's splits and indices).
	for i, s := range []*Set{sp.Train, sp.Val, sp.Test} {
		g := []*Set{got.Train, got.Val, got.Test}[i]
		if !bytes.Equal(s.Images, g.Images) || !slices.Equal(s.Labels, g.Labels) || !slices.Equal(s.Meta, g.Meta) ||
			!slices.Equal(s.Planted, g.Planted) || !slices.Equal(s.PlantedNames, g.PlantedNames) || !slices.Equal(s.Source, g.Source) {
			t.Fatalf("split %d differs after the round trip", i)
		}
	}
	// Gray sets are written as N x H x W and come back as one channel.
	gs := &Set{N: 2, C: 1, H: 2, W: 2, Images: []uint8{1, 2, 3, 4, 5, 6, 7, 8}, Labels: []int32{1, 0},
		Meta: []int32{6, 3}, Source: []Origin{{Split: "train", Index: 0}, {Split: "train", Index: 1}}}
	p = filepath.Join(dir, "gray.npz")
	if err := WriteNPZ(p, &Splits{Train: gs}); err != nil {
		t.Fatal(err)
	}
	raw, err := ReadNPZ(p)
	if err != nil || raw.Train.C != 1 || raw.Train.Labels[0] != 6 || !bytes.Equal(raw.Train.Images, gs.Images) {
		t.Fatalf("gray round trip: %v", err)
	}
}

// TestNumpyCompressedNPZ reads an np.savez_compressed file (deflate members,
// int64 N labels) written by numpy (testdata/data/make.py).
func TestNumpyCompressedNPZ(t *testing.T) {
	p := filepath.Join("..", "testdata", "data", "tiny_compressed.npz")
	raw, err := ReadNPZ(p)
	if err != nil {
		t.Fatal(err)
	}
	if raw.Train.N != 5 || raw.Test.N != 2 || raw.Val != nil || raw.Train.C != 3 || raw.Train.H != 4 {
		t.Fatalf("shapes: %+v", raw.Train)
	}
	if !slices.Equal(raw.Train.Labels, []int64{0, 7, 8, 3, 5}) || !slices.Equal(raw.Test.Labels, []int64{1, 8}) {
		t.Fatal("labels", raw.Train.Labels, raw.Test.Labels)
	}
	for i, v := range raw.Train.Images {
		if v != uint8(i%251) {
			t.Fatalf("pixel %d = %d", i, v)
		}
	}
	sp, err := Build(raw, LoadOptions{Task: "pathmnist", TestFrac: 0.4})
	if err != nil {
		t.Fatal(err)
	}
	// 7 examples: 40% = 2.8, test has 2 already: round3(0.8/5) = 0.16 -> 0 moved.
	if sp.Train.N+sp.Val.N+sp.Test.N != 7 || sp.Test.N != 2 {
		t.Fatalf("sizes %d %d %d", sp.Train.N, sp.Val.N, sp.Test.N)
	}
}
