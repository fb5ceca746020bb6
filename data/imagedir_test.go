package data

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeImg(t *testing.T, path string, img image.Image, asJPEG bool) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 95})
	} else {
		err = png.Encode(&b, img)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rgbImg is an opaque 3x2 RGB image whose pixel (x, y) encodes x, y and k.
func rgbImg(k int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			m.Set(x, y, color.RGBA{uint8(10*x + y), uint8(100 + x + k), uint8(200 + y), 255})
		}
	}
	return m
}

// makeClasses writes n[i] RGB PNGs into root/<classes[i]>/.
func makeClasses(t *testing.T, root string, classes []string, n []int) {
	for i, c := range classes {
		for j := 0; j < n[i]; j++ {
			writeImg(t, filepath.Join(root, c, "img"+string(rune('a'+j%26))+string(rune('a'+j/26))+".png"), rgbImg(j), false)
		}
	}
}

func TestImageDirFlatPixels(t *testing.T) {
	dir := t.TempDir()
	writeImg(t, filepath.Join(dir, "a", "2.png"), rgbImg(2), false)
	writeImg(t, filepath.Join(dir, "a", "1.png"), rgbImg(1), false)
	writeImg(t, filepath.Join(dir, "B", "x.png"), rgbImg(0), false)
	// Skipped: a hidden file, a text file, a hidden folder and its image.
	os.WriteFile(filepath.Join(dir, "a", ".DS_Store"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "B", "notes.txt"), []byte("x"), 0o644)
	writeImg(t, filepath.Join(dir, ".hidden", "h.png"), rgbImg(0), false)
	d, err := ReadImageDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Classes, []string{"B", "a"}) { // byte order
		t.Fatalf("classes %v", d.Classes)
	}
	if !slices.Equal(d.Files["train"], []string{"B/x.png", "a/1.png", "a/2.png"}) {
		t.Fatalf("files %v", d.Files["train"])
	}
	r := d.Raw.Train
	if r.N != 3 || r.H != 2 || r.W != 3 || r.C != 3 || d.Raw.Val != nil || d.Raw.Test != nil {
		t.Fatalf("shape N=%d H=%d W=%d C=%d", r.N, r.H, r.W, r.C)
	}
	if !slices.Equal(r.Labels, []int64{0, 1, 1}) {
		t.Fatalf("labels %v", r.Labels)
	}
	if d.Skipped != 3 {
		t.Fatalf("skipped %d, want 3", d.Skipped)
	}
	// Image 1 is a/1.png (k = 1): HWC order.
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			got := r.Images[6*3+(y*3+x)*3:][:3]
			want := []uint8{uint8(10*x + y), uint8(100 + x + 1), uint8(200 + y)}
			if !slices.Equal(got, want) {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

// A symbolic link to a class folder counts as a class.
func TestImageDirSymlinkClass(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	writeImg(t, filepath.Join(dir, "a", "x.png"), rgbImg(0), false)
	writeImg(t, filepath.Join(elsewhere, "b", "y.png"), rgbImg(1), false)
	if err := os.Symlink(filepath.Join(elsewhere, "b"), filepath.Join(dir, "b")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	d, err := ReadImageDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Classes, []string{"a", "b"}) || !slices.Equal(d.Files["train"], []string{"a/x.png", "b/y.png"}) {
		t.Fatalf("classes %v files %v", d.Classes, d.Files["train"])
	}
}

func TestImageDirFormats(t *testing.T) {
	px := func(t *testing.T, img image.Image, asJPEG bool) ([]uint8, int) {
		dir := t.TempDir()
		writeImg(t, filepath.Join(dir, "a", "0"+map[bool]string{false: ".png", true: ".jpg"}[asJPEG]), img, asJPEG)
		writeImg(t, filepath.Join(dir, "b", "0.png"), img, false)
		d, err := ReadImageDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		r := d.Raw.Train
		return r.Images[:r.H*r.W*r.C], r.C
	}
	t.Run("gray", func(t *testing.T) {
		m := image.NewGray(image.Rect(0, 0, 2, 2))
		copy(m.Pix, []uint8{0, 7, 128, 255})
		got, c := px(t, m, false)
		if c != 1 || !slices.Equal(got, []uint8{0, 7, 128, 255}) {
			t.Fatalf("C=%d %v", c, got)
		}
	})
	t.Run("rgba", func(t *testing.T) { // alpha dropped, colour not premultiplied
		m := image.NewNRGBA(image.Rect(0, 0, 2, 1))
		m.SetNRGBA(0, 0, color.NRGBA{200, 50, 7, 100})
		m.SetNRGBA(1, 0, color.NRGBA{1, 2, 3, 255})
		got, c := px(t, m, false)
		if c != 3 || !slices.Equal(got, []uint8{200, 50, 7, 1, 2, 3}) {
			t.Fatalf("C=%d %v", c, got)
		}
	})
	t.Run("gray16", func(t *testing.T) {
		m := image.NewGray16(image.Rect(0, 0, 2, 1))
		m.SetGray16(0, 0, color.Gray16{0x12ff})
		m.SetGray16(1, 0, color.Gray16{0xff00})
		got, c := px(t, m, false)
		if c != 1 || !slices.Equal(got, []uint8{0x12, 0xff}) {
			t.Fatalf("C=%d %v", c, got)
		}
	})
	t.Run("rgba16", func(t *testing.T) {
		m := image.NewNRGBA64(image.Rect(0, 0, 1, 1))
		m.SetNRGBA64(0, 0, color.NRGBA64{0xab00, 0x0101, 0xfffe, 0x8000})
		got, c := px(t, m, false)
		if c != 3 || !slices.Equal(got, []uint8{0xab, 0x01, 0xff}) {
			t.Fatalf("C=%d %v", c, got)
		}
	})
	t.Run("jpeg-colour", func(t *testing.T) { // lossy: flat colour comes back close
		m := image.NewRGBA(image.Rect(0, 0, 16, 8))
		for i := 0; i < len(m.Pix); i += 4 {
			copy(m.Pix[i:], []uint8{120, 60, 30, 255})
		}
		got, c := px(t, m, true)
		if c != 3 || len(got) != 16*8*3 {
			t.Fatalf("C=%d len %d", c, len(got))
		}
		for i, v := range got {
			if want := []int{120, 60, 30}[i%3]; int(v) < want-8 || int(v) > want+8 {
				t.Fatalf("byte %d = %d, want about %d", i, v, want)
			}
		}
	})
	t.Run("jpeg-gray", func(t *testing.T) {
		m := image.NewGray(image.Rect(0, 0, 8, 8))
		for i := range m.Pix {
			m.Pix[i] = 90
		}
		got, c := px(t, m, true)
		if c != 1 || len(got) != 64 {
			t.Fatalf("C=%d len %d", c, len(got))
		}
		for i, v := range got {
			if v < 86 || v > 94 {
				t.Fatalf("byte %d = %d, want about 90", i, v)
			}
		}
	})
	t.Run("mixed", func(t *testing.T) { // a gray image among colour ones repeats to RGB
		dir := t.TempDir()
		g := image.NewGray(image.Rect(0, 0, 3, 2))
		copy(g.Pix, []uint8{1, 2, 3, 4, 5, 6})
		writeImg(t, filepath.Join(dir, "a", "g.png"), g, false)
		writeImg(t, filepath.Join(dir, "b", "c.png"), rgbImg(0), false)
		d, err := ReadImageDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		r := d.Raw.Train
		if r.C != 3 || !slices.Equal(r.Images[:6], []uint8{1, 1, 1, 2, 2, 2}) {
			t.Fatalf("C=%d %v", r.C, r.Images[:6])
		}
	})
}

func TestImageDirErrors(t *testing.T) {
	check := func(t *testing.T, dir string, want ...string) {
		t.Helper()
		_, err := ReadImageDir(dir)
		if err == nil {
			t.Fatal("no error")
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("error %q does not mention %q", err, w)
			}
		}
	}
	t.Run("size", func(t *testing.T) {
		dir := t.TempDir()
		makeClasses(t, dir, []string{"a", "b"}, []int{2, 1})
		writeImg(t, filepath.Join(dir, "b", "z.png"), image.NewGray(image.Rect(0, 0, 4, 2)), false)
		check(t, dir, filepath.Join(dir, "b", "z.png"), "4x2", "3x2", "a/imgaa.png")
	})
	t.Run("corrupt", func(t *testing.T) {
		dir := t.TempDir()
		makeClasses(t, dir, []string{"a", "b"}, []int{1, 1})
		os.WriteFile(filepath.Join(dir, "b", "bad.png"), []byte("not an image"), 0o644)
		check(t, dir, filepath.Join(dir, "b", "bad.png"))
	})
	t.Run("truncated", func(t *testing.T) {
		dir := t.TempDir()
		makeClasses(t, dir, []string{"a", "b"}, []int{1, 1})
		var b bytes.Buffer
		png.Encode(&b, rgbImg(0))
		os.WriteFile(filepath.Join(dir, "b", "cut.png"), b.Bytes()[:b.Len()-20], 0o644)
		check(t, dir, filepath.Join(dir, "b", "cut.png"))
	})
	t.Run("images without class folders", func(t *testing.T) {
		dir := t.TempDir()
		writeImg(t, filepath.Join(dir, "x.png"), rgbImg(0), false)
		_, err := Load(dir, LoadOptions{Positive: []string{"a"}})
		if err == nil || !strings.Contains(err.Error(), "class folders") {
			t.Fatalf("flat images: %v", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		check(t, t.TempDir(), "no class folders")
	})
	t.Run("no images", func(t *testing.T) {
		dir := t.TempDir()
		makeClasses(t, dir, []string{"a"}, []int{1})
		os.MkdirAll(filepath.Join(dir, "b"), 0o755)
		os.WriteFile(filepath.Join(dir, "b", "x.txt"), nil, 0o644)
		check(t, dir, "b has no")
	})
	t.Run("one class", func(t *testing.T) {
		dir := t.TempDir()
		makeClasses(t, dir, []string{"a"}, []int{2})
		check(t, dir, "at least two classes")
	})
	t.Run("missing class in split", func(t *testing.T) {
		dir := t.TempDir()
		makeClasses(t, filepath.Join(dir, "train"), []string{"a", "b"}, []int{2, 2})
		makeClasses(t, filepath.Join(dir, "test"), []string{"a"}, []int{1})
		check(t, dir, "split test", "class folder b")
	})
	t.Run("extra class in split", func(t *testing.T) {
		dir := t.TempDir()
		makeClasses(t, filepath.Join(dir, "train"), []string{"a", "b"}, []int{2, 2})
		makeClasses(t, filepath.Join(dir, "val"), []string{"a", "b", "c"}, []int{1, 1, 1})
		check(t, dir, "split val", "extra class folder c")
	})
	t.Run("stray folder beside train", func(t *testing.T) {
		dir := t.TempDir()
		makeClasses(t, filepath.Join(dir, "train"), []string{"a", "b"}, []int{2, 2})
		makeClasses(t, filepath.Join(dir, "other"), []string{"a", "b"}, []int{1, 1})
		check(t, dir, "other/")
	})
}

func TestImageDirSplits(t *testing.T) {
	opt := LoadOptions{Seed: 5, Channels: 3, Positive: []string{"b"}}
	sizes := func(t *testing.T, dir string) *Splits {
		t.Helper()
		sp, err := Load(dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	cases := []struct {
		name                  string
		train, val, test      [2]int
		wantTr, wantVa, wantT int
	}{
		// Only train: test 20% (4 of 20), then 10% of the 16 left as val.
		{"flat", [2]int{10, 10}, [2]int{}, [2]int{}, 15, 1, 4},
		// train 20 + test 5: test needs 10 = 5 + 25% of train; val 10% of 15.
		{"train+test", [2]int{10, 10}, [2]int{}, [2]int{3, 2}, 14, 1, 10},
		// 20/4/2: half of val (2) and 32% of train (6) move: test 10.
		{"train+val+test", [2]int{10, 10}, [2]int{2, 2}, [2]int{1, 1}, 14, 2, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.name == "flat" {
				makeClasses(t, dir, []string{"a", "b"}, c.train[:])
			} else {
				makeClasses(t, filepath.Join(dir, "train"), []string{"a", "b"}, c.train[:])
				if c.val[0] > 0 {
					makeClasses(t, filepath.Join(dir, "val"), []string{"a", "b"}, c.val[:])
				}
				makeClasses(t, filepath.Join(dir, "test"), []string{"a", "b"}, c.test[:])
			}
			sp := sizes(t, dir)
			if sp.Train.N != c.wantTr || sp.Val.N != c.wantVa || sp.Test.N != c.wantT {
				t.Fatalf("train/val/test %d/%d/%d, want %d/%d/%d (%s)", sp.Train.N, sp.Val.N, sp.Test.N, c.wantTr, c.wantVa, c.wantT, sp.Note)
			}
			if sp.Task != "images" || !strings.Contains(sp.Note, "image folder") {
				t.Fatalf("task %q note %q", sp.Task, sp.Note)
			}
			// Every example names an existing file in its class's folder,
			// and its labels follow the class.
			seen := map[string]bool{}
			for _, s := range []*Set{sp.Train, sp.Val, sp.Test} {
				if err := s.Validate(); err != nil {
					t.Fatal(err)
				}
				if s.C != 3 || s.H != 2 || s.W != 3 {
					t.Fatalf("shape %dx%dx%d", s.C, s.H, s.W)
				}
				for i, o := range s.Source {
					if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(o.File))); err != nil {
						t.Fatalf("source %+v: %v", o, err)
					}
					cls := s.MetaNames[s.Meta[i]]
					if filepath.Base(filepath.Dir(o.File)) != cls || (s.Labels[i] == 1) != (cls == "b") {
						t.Fatalf("example %+v: class %s label %d", o, cls, s.Labels[i])
					}
					if seen[o.File] {
						t.Fatalf("%s twice", o.File)
					}
					seen[o.File] = true
				}
			}
			total := c.train[0] + c.train[1] + c.val[0] + c.val[1] + c.test[0] + c.test[1]
			if len(seen) != total {
				t.Fatalf("%d distinct files, want %d", len(seen), total)
			}
			// Deterministic: a second load gives the same splits.
			again := sizes(t, dir)
			for i, s := range []*Set{sp.Train, sp.Val, sp.Test} {
				g := []*Set{again.Train, again.Val, again.Test}[i]
				if !slices.Equal(s.Images, g.Images) || !slices.Equal(s.Source, g.Source) || !slices.Equal(s.Labels, g.Labels) {
					t.Fatalf("split %d differs between loads", i)
				}
			}
		})
	}
}

func TestImageDirPositive(t *testing.T) {
	dir := t.TempDir()
	makeClasses(t, dir, []string{"a", "b", "c"}, []int{2, 2, 2})
	load := func(pos ...string) (*Splits, error) {
		return Load(dir, LoadOptions{Seed: 1, Positive: pos})
	}
	if _, err := load(); err == nil || !strings.Contains(err.Error(), "a, b, c") {
		t.Fatalf("missing --positive: %v", err)
	}
	if _, err := load("x"); err == nil || !strings.Contains(err.Error(), `"x"`) || !strings.Contains(err.Error(), "a, b, c") {
		t.Fatalf("unknown class: %v", err)
	}
	if _, err := load("a", "b", "c"); err == nil || !strings.Contains(err.Error(), "every class") {
		t.Fatalf("all positive: %v", err)
	}
	if _, err := Load(dir, LoadOptions{Task: "pathmnist", Positive: []string{"a"}}); err == nil {
		t.Fatal("task pathmnist on an image folder: no error")
	}
	for _, c := range []struct {
		pos    []string
		labels []string
	}{
		{[]string{"a"}, []string{"other", "a"}},
		{[]string{"c", "a"}, []string{"b", "c or a"}},
	} {
		sp, err := load(c.pos...)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Concat(sp.Train, sp.Val, sp.Test)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.LabelNames, c.labels) || !slices.Equal(s.MetaNames, []string{"a", "b", "c"}) {
			t.Fatalf("label names %v meta names %v", s.LabelNames, s.MetaNames)
		}
		for i := 0; i < s.N; i++ {
			if want := slices.Contains(c.pos, s.MetaNames[s.Meta[i]]); (s.Labels[i] == 1) != want {
				t.Fatalf("positive %v: example of class %s has label %d", c.pos, s.MetaNames[s.Meta[i]], s.Labels[i])
			}
		}
	}
	// The positive classes are checked before any image is decoded.
	writeImg(t, filepath.Join(dir, "c", "odd.png"), image.NewGray(image.Rect(0, 0, 5, 5)), false)
	if _, err := load("x"); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Fatalf("unknown class with a bad image: %v", err)
	}
	if _, err := load("a"); err == nil || !strings.Contains(err.Error(), "odd.png") {
		t.Fatalf("bad image: %v", err)
	}
	// Other inputs refuse positive classes.
	npz := filepath.Join(t.TempDir(), "x.npz")
	gs := &Set{N: 2, C: 1, H: 2, W: 2, Images: make([]uint8, 8), Labels: []int32{1, 0}, Meta: []int32{6, 3},
		Source: []Origin{{Split: "train"}, {Split: "train", Index: 1}}}
	if err := WriteNPZ(npz, &Splits{Train: gs}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(npz, LoadOptions{Task: "fashion"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(npz, LoadOptions{Task: "fashion", Positive: []string{"a"}}); err == nil || !strings.Contains(err.Error(), "only for image folders") {
		t.Fatalf("positive on npz: %v", err)
	}
}
