package data

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"remedy/data/npy"
)

// WriteNPZ saves splits as a MedMNIST-style .npz (uncompressed zip of
// .npy): <split>_images (uint8 N x H x W x C, or N x H x W for one channel)
// and <split>_labels (the original class, Meta, uint8 N x 1), plus
// <split>_planted (int32) and planted_names when failure types are known.
// Load reads it back (an already 40% test split is left as it is). The
// file is written atomically.
func WriteNPZ(path string, sp *Splits) error {
	return writeAtomic(path, func(f *os.File) error { return encodeNPZ(f, sp) })
}

// writeAtomic writes a file through encode into a temporary file beside
// path, syncs it and renames it into place.
func writeAtomic(path string, encode func(f *os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(0o644)
	if err == nil {
		err = encode(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// npzPut returns a function adding one array to the zip as name.npy
// (stored, not compressed, as numpy.savez does).
func npzPut(z *zip.Writer) func(name string, a *npy.Array, err error) error {
	return func(name string, a *npy.Array, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		w, err := z.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
		if err != nil {
			return err
		}
		return npy.Write(w, a)
	}
}

func encodeNPZ(f *os.File, sp *Splits) error {
	z := zip.NewWriter(f)
	put := npzPut(z)
	var names []string
	for _, p := range []struct {
		name string
		s    *Set
	}{{"train", sp.Train}, {"val", sp.Val}, {"test", sp.Test}} {
		s := p.s
		if s == nil {
			continue
		}
		if err := s.Validate(); err != nil {
			return fmt.Errorf("%s split: %w", p.name, err)
		}
		hw := s.H * s.W
		hwc := make([]uint8, len(s.Images))
		for n := 0; n < s.N; n++ {
			img := s.Image(n)
			dst := hwc[n*hw*s.C:]
			for c := 0; c < s.C; c++ {
				for q := 0; q < hw; q++ {
					dst[q*s.C+c] = img[c*hw+q]
				}
			}
		}
		shape := []int{s.N, s.H, s.W, s.C}
		if s.C == 1 {
			shape = shape[:3]
		}
		a, err := npy.FromUint8(shape, hwc)
		if err := put(p.name+"_images", a, err); err != nil {
			return err
		}
		lab := make([]uint8, s.N)
		for i, m := range s.Meta {
			if m > 255 {
				return fmt.Errorf("%s split: class %d does not fit uint8", p.name, m)
			}
			lab[i] = uint8(m)
		}
		a, err = npy.FromUint8([]int{s.N, 1}, lab)
		if err := put(p.name+"_labels", a, err); err != nil {
			return err
		}
		if s.Planted != nil {
			a, err = npy.FromInt32([]int{s.N}, s.Planted)
			if err := put(p.name+"_planted", a, err); err != nil {
				return err
			}
			names = s.PlantedNames
		}
	}
	if len(names) > 0 {
		j := strings.Join(names, "\n")
		a, err := npy.FromUint8([]int{len(j)}, []uint8(j))
		if err := put("planted_names", a, err); err != nil {
			return err
		}
	}
	return z.Close()
}
