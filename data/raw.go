package data

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"remedy/data/npy"
)

// Raw is one split as stored in a file: N images of H x W x C uint8 in
// HWC order, and one integer class label per image.
type Raw struct {
	Split      string
	N, H, W, C int
	Images     []uint8 // N*H*W*C, HWC
	Labels     []int64
	Planted    []int32 // known failure type per image (optional key <split>_planted)
}

// RawSplits are the splits found in one input; absent ones are nil.
type RawSplits struct {
	Path             string
	Train, Val, Test *Raw
	PlantedNames     []string // from the optional key planted_names
}

func (r *RawSplits) list() []*Raw {
	var out []*Raw
	for _, s := range []*Raw{r.Train, r.Val, r.Test} {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// maxStored is the largest .npy member ReadNPZ accepts (MedMNIST's biggest
// 224x224 sets are a few GB).
const maxStored = 1 << 34

// ReadNPZ reads a MedMNIST-style .npz: a zip of <split>_images.npy
// (uint8, N x H x W x C or N x H x W) and <split>_labels.npy (integers,
// N x 1 or N) for split in train, val, test. At least the train pair must
// be present; a split's images without its labels (or the reverse) is an
// error.
func ReadNPZ(path string) (*RawSplits, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("data %s: %s", path, fmt.Sprintf(format, a...))
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, fail("not a zip (.npz) file: %v", err)
	}
	defer z.Close()
	members := map[string]*zip.File{}
	for _, f := range z.File {
		members[strings.TrimSuffix(f.Name, ".npy")] = f
	}
	read := func(key string) (*npy.Array, error) {
		f := members[key]
		name := path + ":" + f.Name
		if f.UncompressedSize64 > maxStored {
			return nil, fmt.Errorf("data %s: member claims %d bytes, too large", name, f.UncompressedSize64)
		}
		size := int64(-1)
		if f.Method == zip.Store {
			if f.UncompressedSize64 > uint64(fi.Size()) {
				return nil, fmt.Errorf("data %s: truncated (member claims %d bytes, file has %d)", name, f.UncompressedSize64, fi.Size())
			}
			size = int64(f.UncompressedSize64)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("data %s: %v", name, err)
		}
		defer rc.Close()
		a, err := npy.ReadSized(rc, name, size)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		return a, nil
	}
	out := &RawSplits{Path: path}
	for _, split := range []string{"train", "val", "test"} {
		_, hasI := members[split+"_images"]
		_, hasL := members[split+"_labels"]
		if !hasI && !hasL {
			if split == "train" {
				var keys []string
				for k := range members {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				return nil, fail("missing key train_images (has %v)", keys)
			}
			continue
		}
		if !hasI {
			return nil, fail("missing key %s_images (has %s_labels)", split, split)
		}
		if !hasL {
			return nil, fail("missing key %s_labels (has %s_images)", split, split)
		}
		ia, err := read(split + "_images")
		if err != nil {
			return nil, err
		}
		la, err := read(split + "_labels")
		if err != nil {
			return nil, err
		}
		r, err := rawFromArrays(split, ia, la)
		if err != nil {
			return nil, fail("%v", err)
		}
		if _, ok := members[split+"_planted"]; ok {
			pa, err := read(split + "_planted")
			if err != nil {
				return nil, err
			}
			p, err := pa.Int64s()
			if err != nil || len(p) != r.N {
				return nil, fail("%s_planted must hold one integer per image (%v, %d values for %d images)", split, err, len(p), r.N)
			}
			r.Planted = make([]int32, r.N)
			for i, v := range p {
				if v < 0 || v > 1000 {
					return nil, fail("%s_planted value %d out of range", split, v)
				}
				r.Planted[i] = int32(v)
			}
		}
		switch split {
		case "train":
			out.Train = r
		case "val":
			out.Val = r
		default:
			out.Test = r
		}
	}
	if _, ok := members["planted_names"]; ok {
		a, err := read("planted_names")
		if err != nil {
			return nil, err
		}
		b, err := a.Uint8()
		if err != nil {
			return nil, fail("planted_names: %v", err)
		}
		out.PlantedNames = strings.Split(string(b), "\n")
	}
	var with, without int
	for _, r := range out.list() {
		if r.Planted != nil {
			with++
			for _, p := range r.Planted {
				if len(out.PlantedNames) > 0 && int(p) >= len(out.PlantedNames) {
					return nil, fail("%s_planted value %d has no name in planted_names", r.Split, p)
				}
			}
		} else {
			without++
		}
	}
	if with > 0 && without > 0 {
		return nil, fail("planted types given for some splits only")
	}
	return out, nil
}

func rawFromArrays(split string, ia, la *npy.Array) (*Raw, error) {
	if ia.Descr != "|u1" && ia.Descr != "<u1" {
		return nil, fmt.Errorf("%s_images has dtype %s, want uint8", split, ia.Descr)
	}
	r := &Raw{Split: split, C: 1}
	switch len(ia.Shape) {
	case 3:
		r.N, r.H, r.W = ia.Shape[0], ia.Shape[1], ia.Shape[2]
	case 4:
		r.N, r.H, r.W, r.C = ia.Shape[0], ia.Shape[1], ia.Shape[2], ia.Shape[3]
	default:
		return nil, fmt.Errorf("%s_images has shape %v, want N x H x W x C or N x H x W", split, ia.Shape)
	}
	if r.C != 1 && r.C != 3 || r.H == 0 || r.W == 0 {
		return nil, fmt.Errorf("%s_images has shape %v, want 1 or 3 channels last and non-empty images", split, ia.Shape)
	}
	r.Images = ia.Data
	l, err := la.Int64s()
	if err != nil {
		return nil, fmt.Errorf("%s_labels: %v", split, err)
	}
	if !(len(la.Shape) == 1 || len(la.Shape) == 2 && la.Shape[1] == 1) {
		return nil, fmt.Errorf("%s_labels has shape %v, want N x 1 or N", split, la.Shape)
	}
	if len(l) != r.N {
		return nil, fmt.Errorf("%s_labels has %d labels for %d images", split, len(l), r.N)
	}
	r.Labels = l
	return r, nil
}

// ReadIDX reads one MNIST-style IDX file of unsigned bytes (magic 0x08 type
// code, 1 to 4 dimensions), gzip-compressed or raw (told apart by the first
// bytes), and returns its dimensions and data.
func ReadIDX(path string) (dims []int, data []uint8, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fail := func(format string, a ...any) error {
		return fmt.Errorf("data %s: %s", path, fmt.Sprintf(format, a...))
	}
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	var r io.Reader = f
	limit := st.Size() // raw: the file size bounds the data
	var head [2]byte
	if n, _ := io.ReadFull(f, head[:]); n == 2 && head[0] == 0x1f && head[1] == 0x8b {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, nil, err
		}
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, nil, fail("bad gzip stream: %v", err)
		}
		defer gz.Close()
		r, limit = gz, -1
	} else if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, err
	}
	var m [4]byte
	if _, err := io.ReadFull(r, m[:]); err != nil {
		return nil, nil, fail("truncated IDX header")
	}
	if m[0] != 0 || m[1] != 0 {
		return nil, nil, fail("not an IDX file (bad magic %x)", m)
	}
	if m[2] != 0x08 {
		return nil, nil, fail("IDX element type 0x%02x not supported (only 0x08, unsigned byte)", m[2])
	}
	nd := int(m[3])
	if nd < 1 || nd > 4 {
		return nil, nil, fail("IDX with %d dimensions not supported (1 to 4)", nd)
	}
	db := make([]byte, 4*nd)
	if _, err := io.ReadFull(r, db); err != nil {
		return nil, nil, fail("truncated IDX header")
	}
	total := int64(1)
	for i := 0; i < nd; i++ {
		d := int64(binary.BigEndian.Uint32(db[4*i:]))
		if d != 0 && total > maxStored/d {
			return nil, nil, fail("IDX dimensions are absurdly large")
		}
		total *= d
		dims = append(dims, int(d))
	}
	if limit >= 0 && total != limit-4-4*int64(nd) {
		if total > limit-4-4*int64(nd) {
			return nil, nil, fail("truncated: dimensions %v need %d bytes, file has %d", dims, total, limit-4-4*int64(nd))
		}
		return nil, nil, fail("dimensions %v need %d bytes but %d follow the header", dims, total, limit-4-4*int64(nd))
	}
	var buf bytes.Buffer
	buf.Grow(int(min(total, 1<<28))) // the claim may lie; grow further only as data arrives
	got, err := io.CopyN(&buf, r, total)
	if err != nil {
		return nil, nil, fail("truncated: dimensions %v need %d bytes, got %d (%v)", dims, total, got, err)
	}
	if limit < 0 {
		var one [1]byte
		if n, _ := r.Read(one[:]); n > 0 {
			return nil, nil, fail("extra data after the %d bytes dimensions %v need", total, dims)
		}
	}
	return dims, buf.Bytes(), nil
}

// ReadIDXDir reads a directory of IDX files named like MNIST's
// (train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, or
// <name>_train-images-idx4-ubyte): each *images-idx* file is paired with
// the matching labels file; the split is told by "train", "val" or
// "t10k"/"test" in the name.
func ReadIDXDir(dir string) (*RawSplits, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := &RawSplits{Path: dir}
	found := 0
	for _, e := range ents { // ReadDir is sorted by name
		name := e.Name()
		if e.IsDir() || !strings.Contains(name, "images-idx") {
			continue
		}
		split := splitOf(name)
		if split == "" {
			return nil, fmt.Errorf("data %s: cannot tell the split (train/val/test) of %s", dir, name)
		}
		lname := strings.Replace(name, "images-idx", "labels-idx", 1)
		for _, d := range []string{"idx2", "idx3", "idx4"} {
			lname = strings.Replace(lname, "labels-"+d, "labels-idx1", 1)
		}
		ipath, lpath := filepath.Join(dir, name), filepath.Join(dir, lname)
		if _, err := os.Stat(lpath); err != nil {
			return nil, fmt.Errorf("data %s: no labels file %s for %s", dir, lname, name)
		}
		r, err := readIDXPair(split, ipath, lpath)
		if err != nil {
			return nil, err
		}
		var slot **Raw
		switch split {
		case "train":
			slot = &out.Train
		case "val":
			slot = &out.Val
		default:
			slot = &out.Test
		}
		if *slot != nil {
			return nil, fmt.Errorf("data %s: two %s image files", dir, split)
		}
		*slot = r
		found++
	}
	if found == 0 {
		return nil, fmt.Errorf("data %s: no *images-idx* files", dir)
	}
	if out.Train == nil {
		return nil, fmt.Errorf("data %s: no training images file", dir)
	}
	return out, nil
}

func splitOf(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "train"):
		return "train"
	case strings.Contains(n, "val"):
		return "val"
	case strings.Contains(n, "t10k"), strings.Contains(n, "test"):
		return "test"
	}
	return ""
}

func readIDXPair(split, ipath, lpath string) (*Raw, error) {
	dims, img, err := ReadIDX(ipath)
	if err != nil {
		return nil, err
	}
	r := &Raw{Split: split, C: 1, Images: img}
	switch len(dims) {
	case 3:
		r.N, r.H, r.W = dims[0], dims[1], dims[2]
	case 4:
		r.N, r.H, r.W, r.C = dims[0], dims[1], dims[2], dims[3]
	default:
		return nil, fmt.Errorf("data %s: images have %d dimensions, want 3 (N x H x W) or 4 (N x H x W x C)", ipath, len(dims))
	}
	if r.C != 1 && r.C != 3 || r.H == 0 || r.W == 0 {
		return nil, fmt.Errorf("data %s: image dimensions %v, want 1 or 3 channels last", ipath, dims)
	}
	ldims, lab, err := ReadIDX(lpath)
	if err != nil {
		return nil, err
	}
	if len(ldims) != 1 {
		return nil, fmt.Errorf("data %s: labels have dimensions %v, want 1", lpath, ldims)
	}
	if ldims[0] != r.N {
		return nil, fmt.Errorf("data %s: %d labels for %d images in %s", lpath, ldims[0], r.N, filepath.Base(ipath))
	}
	r.Labels = make([]int64, len(lab))
	for i, v := range lab {
		r.Labels[i] = int64(v)
	}
	return r, nil
}

var errNoTask = errors.New("cannot tell the task")
