package data

import (
	"archive/zip"
	"fmt"
	"math"
	"os"

	"remedy/data/npy"
)

// WriteICE saves simulated ICE splits as an .npz: for each split,
// <split>_frames (uint8 N x S x S), <split>_location (int32 N) and
// <split>_objects (float32 M x 6: frame index, type, tip x, tip y, tail x,
// tail y). Written atomically.
func WriteICE(path string, sp *ICESplits) error {
	return writeAtomic(path, func(f *os.File) error { return encodeICE(f, sp) })
}

func encodeICE(f *os.File, sp *ICESplits) error {
	z := zip.NewWriter(f)
	put := npzPut(z)
	for _, p := range []struct {
		name string
		s    *ICESet
	}{{"train", sp.Train}, {"val", sp.Val}, {"test", sp.Test}} {
		s := p.s
		if s == nil {
			continue
		}
		a, err := npy.FromUint8([]int{s.N, s.Size, s.Size}, s.Frames)
		if err := put(p.name+"_frames", a, err); err != nil {
			return err
		}
		a, err = npy.FromInt32([]int{s.N}, s.Location)
		if err := put(p.name+"_location", a, err); err != nil {
			return err
		}
		var obj []float32
		for i, objs := range s.Objects {
			for _, o := range objs {
				obj = append(obj, float32(i), float32(o.Type), o.X, o.Y, o.TailX, o.TailY)
			}
		}
		a, err = npy.FromFloat32([]int{len(obj) / 6, 6}, obj)
		if err := put(p.name+"_objects", a, err); err != nil {
			return err
		}
	}
	return z.Close()
}

// ReadICE reads a file written by WriteICE, checking every array.
func ReadICE(path string) (*ICESplits, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("data %s: %s", path, fmt.Sprintf(format, a...))
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, fail("not a zip (.npz) file: %v", err)
	}
	defer z.Close()
	members := map[string]*zip.File{}
	for _, f := range z.File {
		members[f.Name] = f
	}
	read := func(key string) (*npy.Array, error) {
		f, ok := members[key+".npy"]
		if !ok {
			return nil, fail("missing key %s", key)
		}
		if f.UncompressedSize64 > maxStored {
			return nil, fail("%s claims %d bytes, too large", key, f.UncompressedSize64)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fail("%s: %v", key, err)
		}
		defer rc.Close()
		a, err := npy.ReadSized(rc, path+":"+f.Name, -1)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		return a, nil
	}
	out := &ICESplits{}
	found := 0
	for _, split := range []string{"train", "val", "test"} {
		if _, ok := members[split+"_frames.npy"]; !ok {
			continue
		}
		found++
		fa, err := read(split + "_frames")
		if err != nil {
			return nil, err
		}
		if len(fa.Shape) != 3 || fa.Shape[1] != fa.Shape[2] || fa.Shape[1] < 8 {
			return nil, fail("%s_frames has shape %v, want N x S x S", split, fa.Shape)
		}
		frames, err := fa.Uint8()
		if err != nil {
			return nil, fail("%s_frames: %v", split, err)
		}
		s := &ICESet{N: fa.Shape[0], Size: fa.Shape[1], Frames: frames, LocationNames: ICELocationNames,
			TypeNames: ICETypeNames, Objects: make([][]ICEObject, fa.Shape[0]), Source: make([]Origin, fa.Shape[0])}
		la, err := read(split + "_location")
		if err != nil {
			return nil, err
		}
		loc, err := la.Int64s()
		if err != nil || len(loc) != s.N {
			return nil, fail("%s_location must hold one integer per frame (%v)", split, err)
		}
		s.Location = make([]int32, s.N)
		for i, l := range loc {
			if l < 0 || l >= int64(len(ICELocationNames)) {
				return nil, fail("%s_location %d of frame %d out of range", split, l, i)
			}
			s.Location[i] = int32(l)
			s.Source[i] = Origin{Split: split, Index: i}
		}
		oa, err := read(split + "_objects")
		if err != nil {
			return nil, err
		}
		if len(oa.Shape) != 2 || oa.Shape[1] != 6 {
			return nil, fail("%s_objects has shape %v, want M x 6", split, oa.Shape)
		}
		ov, err := oa.Float32()
		if err != nil {
			return nil, fail("%s_objects: %v", split, err)
		}
		for k := 0; k < oa.Shape[0]; k++ {
			r := ov[6*k : 6*k+6]
			fi, ty := r[0], r[1]
			if fi != float32(math.Floor(float64(fi))) || fi < 0 || int(fi) >= s.N || ty < 0 || int(ty) >= len(ICETypeNames) || ty != float32(int(ty)) {
				return nil, fail("%s_objects row %d: frame %v or type %v out of range", split, k, fi, ty)
			}
			for _, v := range r[2:] {
				if !(v >= 0 && v <= float32(s.Size)) {
					return nil, fail("%s_objects row %d: position %v outside the frame", split, k, v)
				}
			}
			s.Objects[int(fi)] = append(s.Objects[int(fi)], ICEObject{Type: int32(ty), X: r[2], Y: r[3], TailX: r[4], TailY: r[5]})
		}
		switch split {
		case "train":
			out.Train = s
		case "val":
			out.Val = s
		default:
			out.Test = s
		}
	}
	if found == 0 {
		return nil, fail("no <split>_frames key: not an ICE file")
	}
	return out, nil
}
