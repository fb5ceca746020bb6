package data

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // registers JPEG with image.Decode
	_ "image/png"  // registers PNG with image.Decode
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// ImageTaskName is the task name of data read from an image folder.
const ImageTaskName = "images"

// ImageDir is an image folder read into memory: raw splits whose labels
// are class indices into Classes, and each example's file relative to Dir.
type ImageDir struct {
	Raw     *RawSplits
	Classes []string            // class folder names, sorted (byte order)
	Files   map[string][]string // split -> file of each example, slash-separated, relative to Dir
	Skipped int                 // hidden or non-image entries left out
}

var splitDirs = []string{"train", "val", "test"}

// isImageDir reports whether dir looks like an image folder: no IDX files
// and at least one visible sub-folder.
func isImageDir(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	sub := false
	for _, e := range ents {
		if strings.Contains(e.Name(), "images-idx") {
			return false
		}
		sub = sub || (isDir(dir, e) && !hidden(e.Name()))
	}
	return sub
}

// isDir follows a symbolic link to see whether an entry is a folder.
func isDir(dir string, e os.DirEntry) bool {
	if e.Type()&os.ModeSymlink == 0 {
		return e.IsDir()
	}
	st, err := os.Stat(filepath.Join(dir, e.Name()))
	return err == nil && st.IsDir()
}

// hasImageFiles reports whether dir itself holds PNG/JPEG files.
func hasImageFiles(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !e.IsDir() && !hidden(e.Name()) && isImageFile(e.Name()) {
			return true
		}
	}
	return false
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") }

func isImageFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// visibleDirs lists dir's visible sub-folders (sorted) and counts the
// other visible or hidden entries it leaves out.
func visibleDirs(dir string) (dirs []string, other int, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, fmt.Errorf("data %s: %v", dir, err)
	}
	for _, e := range ents {
		if isDir(dir, e) && !hidden(e.Name()) {
			dirs = append(dirs, e.Name())
		} else {
			other++
		}
	}
	sort.Strings(dirs)
	return dirs, other, nil
}

// imageLayout finds an image folder's splits: split -> folder relative to
// dir ("" for the flat layout, where everything is train), and counts the
// entries beside them that are not folders.
func imageLayout(dir string) (splits map[string]string, other int, err error) {
	top, other, err := visibleDirs(dir)
	if err != nil {
		return nil, 0, err
	}
	if len(top) == 0 {
		return nil, 0, fmt.Errorf("data %s: no class folders (want DIR/<class>/*.png or DIR/train/<class>/...)", dir)
	}
	// Split layout when DIR/train holds folders.
	if sub, _, err := visibleDirs(filepath.Join(dir, "train")); err != nil || len(sub) == 0 || !slices.Contains(top, "train") {
		return map[string]string{"train": ""}, other, nil
	}
	splits = map[string]string{}
	for _, name := range top {
		if !slices.Contains(splitDirs, name) {
			return nil, 0, fmt.Errorf("data %s: has split folders (train/) and also %s/: only train, val and test may sit beside train/", dir, name)
		}
		splits[name] = name
	}
	return splits, other, nil
}

// ReadImageDir reads DIR/<class>/*.png|jpg|jpeg, or the same under
// DIR/train, and optionally DIR/val and DIR/test. Class names are the
// folder names, sorted; every split must have the same classes. All images
// must have one size; gray images load as one channel, colour ones as RGB
// (alpha dropped, 16-bit samples scaled to 8 bits), and a folder mixing
// both loads as RGB.
func ReadImageDir(dir string) (*ImageDir, error) {
	splits, other, err := imageLayout(dir)
	if err != nil {
		return nil, err
	}
	out := &ImageDir{Raw: &RawSplits{Path: dir}, Files: map[string][]string{}, Skipped: other}
	var classes []string
	var ref *imgShape
	decoded := map[string][][]uint8{}
	shapeC := map[string][]int{}
	for _, split := range splitDirs {
		rel, ok := splits[split]
		if !ok {
			continue
		}
		sdir := filepath.Join(dir, rel)
		cls, skipped, err := visibleDirs(sdir)
		if err != nil {
			return nil, err
		}
		if rel != "" {
			out.Skipped += skipped
		}
		if classes == nil {
			classes = cls
			if len(classes) < 2 {
				return nil, fmt.Errorf("data %s: %s has %d class folder(s) %v: a task needs at least two classes", dir, split, len(classes), classes)
			}
		} else if err := sameClasses(dir, split, classes, cls); err != nil {
			return nil, err
		}
		r := &Raw{Split: split}
		var imgs [][]uint8
		var chans []int
		for ci, c := range cls {
			cdir := filepath.Join(sdir, c)
			ents, err := os.ReadDir(cdir)
			if err != nil {
				return nil, fmt.Errorf("data %s: %v", cdir, err)
			}
			n := 0
			for _, e := range ents { // sorted by name
				name := e.Name()
				if isDir(cdir, e) || hidden(name) || !isImageFile(name) {
					out.Skipped++
					continue
				}
				relFile := filepath.ToSlash(filepath.Join(rel, c, name))
				px, ch, err := readImage(filepath.Join(cdir, name), relFile, &ref)
				if err != nil {
					return nil, err
				}
				imgs = append(imgs, px)
				chans = append(chans, ch)
				r.Labels = append(r.Labels, int64(ci))
				out.Files[split] = append(out.Files[split], relFile)
				n++
			}
			if n == 0 {
				return nil, fmt.Errorf("data %s: class folder %s has no .png/.jpg/.jpeg images", dir, filepath.ToSlash(filepath.Join(rel, c)))
			}
		}
		r.N = len(imgs)
		decoded[split], shapeC[split] = imgs, chans
		switch split {
		case "train":
			out.Raw.Train = r
		case "val":
			out.Raw.Val = r
		case "test":
			out.Raw.Test = r
		}
	}
	// One channel count for all: RGB if any image is colour.
	c := 1
	for _, chans := range shapeC {
		for _, ch := range chans {
			c = max(c, ch)
		}
	}
	for _, r := range out.Raw.list() {
		r.H, r.W, r.C = ref.h, ref.w, c
		hw := r.H * r.W
		r.Images = make([]uint8, 0, r.N*hw*c)
		for i, px := range decoded[r.Split] {
			if shapeC[r.Split][i] == c {
				r.Images = append(r.Images, px...)
				continue
			}
			for _, v := range px { // gray -> RGB
				r.Images = append(r.Images, v, v, v)
			}
		}
	}
	out.Classes = classes
	return out, nil
}

func sameClasses(dir, split string, want, got []string) error {
	for _, c := range want {
		if !slices.Contains(got, c) {
			return fmt.Errorf("data %s: split %s has no class folder %s (train has %s)", dir, split, c, strings.Join(want, ", "))
		}
	}
	for _, c := range got {
		if !slices.Contains(want, c) {
			return fmt.Errorf("data %s: split %s has an extra class folder %s not in train (%s)", dir, split, c, strings.Join(want, ", "))
		}
	}
	return nil
}

// imgShape is the first image's size, which every other must match.
type imgShape struct {
	w, h int
	file string
}

// readImage decodes one file into HWC bytes with 1 (gray) or 3 channels.
func readImage(path, rel string, ref **imgShape) ([]uint8, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("data: %v", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	// Check the size from the header before decoding the pixels.
	cfg, _, err := image.DecodeConfig(br)
	if err != nil {
		return nil, 0, fmt.Errorf("data %s: not a readable PNG/JPEG image: %v", path, err)
	}
	if *ref == nil {
		if cfg.Width <= 0 || cfg.Height <= 0 {
			return nil, 0, fmt.Errorf("data %s: empty image (%dx%d)", path, cfg.Width, cfg.Height)
		}
		*ref = &imgShape{w: cfg.Width, h: cfg.Height, file: rel}
	} else if cfg.Width != (*ref).w || cfg.Height != (*ref).h {
		return nil, 0, fmt.Errorf("data %s: image is %dx%d (width x height) but the first image %s is %dx%d: all images must have one size",
			path, cfg.Width, cfg.Height, (*ref).file, (*ref).w, (*ref).h)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, 0, fmt.Errorf("data %s: %v", path, err)
	}
	img, _, err := image.Decode(bufio.NewReader(f))
	if err != nil {
		return nil, 0, fmt.Errorf("data %s: corrupt or truncated image: %v", path, err)
	}
	px, ch := toHWC(img)
	return px, ch, nil
}

// toHWC converts a decoded image to 8-bit HWC: one channel for gray
// images, else RGB with straight (not premultiplied) colour and alpha
// dropped. 16-bit samples keep their high byte.
func toHWC(img image.Image) ([]uint8, int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.Gray:
		out := make([]uint8, 0, w*h)
		for y := 0; y < h; y++ {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			out = append(out, m.Pix[o:o+w]...)
		}
		return out, 1
	case *image.Gray16:
		out := make([]uint8, 0, w*h)
		for y := 0; y < h; y++ {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			for x := 0; x < w; x++ {
				out = append(out, m.Pix[o+2*x]) // big-endian: high byte first
			}
		}
		return out, 1
	case *image.RGBA:
		if m.Opaque() { // else premultiplied: the general path below undoes it
			return dropAlpha(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h), 3
		}
	case *image.NRGBA:
		return dropAlpha(m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y), w, h), 3
	}
	out := make([]uint8, 0, 3*w*h)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl := straight(img.At(x, y))
			out = append(out, r, g, bl)
		}
	}
	return out, 3
}

// dropAlpha copies the RGB of w x h 4-byte pixels starting at off.
func dropAlpha(pix []uint8, stride, off, w, h int) []uint8 {
	out := make([]uint8, 0, 3*w*h)
	for y := 0; y < h; y++ {
		row := pix[off+y*stride:]
		for x := 0; x < w; x++ {
			out = append(out, row[4*x], row[4*x+1], row[4*x+2])
		}
	}
	return out
}

// straight returns a colour's 8-bit R, G, B without alpha premultiplication.
func straight(c color.Color) (r, g, b uint8) {
	switch c := c.(type) {
	case color.NRGBA:
		return c.R, c.G, c.B
	case color.NRGBA64:
		return uint8(c.R >> 8), uint8(c.G >> 8), uint8(c.B >> 8)
	}
	n := color.NRGBA64Model.Convert(c).(color.NRGBA64)
	return uint8(n.R >> 8), uint8(n.G >> 8), uint8(n.B >> 8)
}

// ImageTask builds the binary task of an image folder: positive names
// the class folders with task label 1. Label 1 is named by the positive
// classes joined with " or "; label 0 is "other", or the one negative
// class's name when only one class is negative.
func ImageTask(dir string, classes, positive []string) (Task, error) {
	list := strings.Join(classes, ", ")
	if len(positive) == 0 {
		return Task{}, fmt.Errorf("data %s: an image folder needs its positive classes (--positive, comma-separated); classes found: %s", dir, list)
	}
	t := Task{Name: ImageTaskName, Classes: classes}
	isPos := make([]bool, len(classes))
	var names []string
	for _, p := range positive {
		p = strings.TrimSpace(p)
		i := sort.SearchStrings(classes, p)
		if i == len(classes) || classes[i] != p {
			return Task{}, fmt.Errorf("data %s: positive class %q is not a class folder; classes found: %s", dir, p, list)
		}
		if isPos[i] {
			continue
		}
		isPos[i] = true
		names = append(names, p)
	}
	var neg []string
	for i, c := range classes {
		if isPos[i] {
			t.Positive = append(t.Positive, i)
		} else {
			neg = append(neg, c)
		}
	}
	if len(neg) == 0 {
		return Task{}, fmt.Errorf("data %s: every class is positive (%s): leave at least one class negative", dir, list)
	}
	negName := "other"
	if len(neg) == 1 {
		negName = neg[0]
	}
	t.LabelNames = []string{negName, strings.Join(names, " or ")}
	return t, nil
}

// LoadImageDir reads an image folder (see ReadImageDir) and builds the
// binary task's splits like Load, with each example's file kept in its
// Origin.
func LoadImageDir(dir string, opt LoadOptions) (*Splits, error) {
	// The task comes from train's class folders, before any image is
	// decoded; a layout ReadImageDir would refuse is left to it to name.
	var task Task
	if splits, _, err := imageLayout(dir); err == nil {
		if classes, _, err := visibleDirs(filepath.Join(dir, splits["train"])); err == nil && len(classes) >= 2 {
			if task, err = ImageTask(dir, classes, opt.Positive); err != nil {
				return nil, err
			}
		}
	}
	d, err := ReadImageDir(dir)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(task.Classes, d.Classes) {
		return nil, fmt.Errorf("data %s: the class folders changed while reading", dir)
	}
	sp, err := build(d.Raw, task, opt, d.Files)
	if err != nil {
		return nil, err
	}
	var counts []string
	for _, r := range d.Raw.list() {
		counts = append(counts, fmt.Sprintf("%s %d", r.Split, r.N))
	}
	sp.Note = fmt.Sprintf("image folder: %d classes (%s), positive %s; %s images of %dx%dx%d (HxWxC); skipped %d hidden or non-image entries; %s",
		len(d.Classes), strings.Join(d.Classes, ", "), task.LabelNames[1], strings.Join(counts, ", "),
		d.Raw.Train.H, d.Raw.Train.W, d.Raw.Train.C, d.Skipped, sp.Note)
	return sp, nil
}
