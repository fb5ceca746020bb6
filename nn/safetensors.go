package nn

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// NamedTensor is one tensor of a safetensors file.
type NamedTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// maxHeader bounds the JSON header we are willing to read (the reference
// implementation uses 100 MB too).
const maxHeader = 100 << 20

type stEntry struct {
	Dtype       string   `json:"dtype"`
	Shape       []int    `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// WriteSafetensors writes float32 tensors (in the given order) and optional
// string metadata to path atomically: a temp file in the same directory is
// written, synced and renamed over path.
func WriteSafetensors(path string, tensors []NamedTensor, meta map[string]string) (err error) {
	header := make(map[string]any, len(tensors)+1)
	if len(meta) > 0 {
		header["__metadata__"] = meta
	}
	var off int64
	for _, t := range tensors {
		if t.Name == "" || t.Name == "__metadata__" {
			return fmt.Errorf("safetensors %s: invalid tensor name %q", path, t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return fmt.Errorf("safetensors %s: duplicate tensor name %q", path, t.Name)
		}
		if numelOf(t.Shape) != len(t.Data) {
			return fmt.Errorf("safetensors %s: tensor %q has %d values for shape %v", path, t.Name, len(t.Data), t.Shape)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		n := int64(len(t.Data)) * 4
		header[t.Name] = stEntry{Dtype: "F32", Shape: shape, DataOffsets: [2]int64{off, off + n}}
		off += n
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors %s: %v", path, err)
	}
	// pad the header with spaces to a multiple of 8 so the data is aligned
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("safetensors %s: %v", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	var lenb [8]byte
	binary.LittleEndian.PutUint64(lenb[:], uint64(len(hj)))
	buf := make([]byte, 0, 1<<16)
	buf = append(buf, lenb[:]...)
	buf = append(buf, hj...)
	for _, t := range tensors {
		for _, v := range t.Data {
			if len(buf)+4 > cap(buf) {
				if _, err = f.Write(buf); err != nil {
					return fmt.Errorf("safetensors %s: %v", path, err)
				}
				buf = buf[:0]
			}
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	if _, err = f.Write(buf); err != nil {
		return fmt.Errorf("safetensors %s: %v", path, err)
	}
	if err = f.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return fmt.Errorf("safetensors %s: %v", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("safetensors %s: %v", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("safetensors %s: %v", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("safetensors %s: %v", path, err)
	}
	if d, derr := os.Open(filepath.Dir(path)); derr == nil {
		d.Sync() // make the rename durable; best effort
		d.Close()
	}
	return nil
}

func numelOf(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// ReadSafetensors reads a safetensors file of float32 tensors. It checks the
// header length, the JSON, every dtype, shape and data range (inside the
// file, of the right size, not overlapping, covering the data without holes)
// and names the file in every error. Tensors are returned in data order.
func ReadSafetensors(path string) ([]NamedTensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors %s: %v", path, err)
	}
	size := st.Size()
	bad := func(format string, a ...any) error {
		return fmt.Errorf("safetensors %s: "+format, append([]any{path}, a...)...)
	}
	if size < 8 {
		return nil, nil, bad("file of %d bytes is too short for the 8-byte header length (truncated?)", size)
	}
	var lenb [8]byte
	if _, err := io.ReadFull(f, lenb[:]); err != nil {
		return nil, nil, bad("%v", err)
	}
	hl := binary.LittleEndian.Uint64(lenb[:])
	if hl > maxHeader {
		return nil, nil, bad("header length %d exceeds the %d-byte limit (not a safetensors file?)", hl, maxHeader)
	}
	if int64(hl) > size-8 {
		return nil, nil, bad("header length %d but only %d bytes follow (truncated?)", hl, size-8)
	}
	hb := make([]byte, hl)
	if _, err := io.ReadFull(f, hb); err != nil {
		return nil, nil, bad("reading header: %v", err)
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(hb))
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, bad("bad JSON header: %v", err)
	}
	if raw == nil {
		return nil, nil, bad("JSON header is not an object")
	}
	var meta map[string]string
	type entry struct {
		name string
		e    stEntry
	}
	var entries []entry
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, bad("__metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		var e stEntry
		d := json.NewDecoder(bytes.NewReader(msg))
		d.DisallowUnknownFields()
		if err := d.Decode(&e); err != nil {
			return nil, nil, bad("tensor %q: bad header entry: %v", name, err)
		}
		entries = append(entries, entry{name, e})
	}
	dataLen := size - 8 - int64(hl)
	sort.Slice(entries, func(i, j int) bool {
		a, b := entries[i].e.DataOffsets, entries[j].e.DataOffsets
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		return entries[i].name < entries[j].name
	})
	var pos int64
	for _, en := range entries {
		e := en.e
		if e.Dtype != "F32" {
			return nil, nil, bad("tensor %q has dtype %q; only F32 is supported", en.name, e.Dtype)
		}
		n := int64(1)
		for _, d := range e.Shape {
			if d < 0 {
				return nil, nil, bad("tensor %q has negative dimension in shape %v", en.name, e.Shape)
			}
			n *= int64(d)
			if n > dataLen {
				break
			}
		}
		b, end := e.DataOffsets[0], e.DataOffsets[1]
		if b < 0 || end < b || end > dataLen {
			return nil, nil, bad("tensor %q: data offsets [%d,%d] outside the %d data bytes (truncated?)", en.name, b, end, dataLen)
		}
		if end-b != 4*n {
			return nil, nil, bad("tensor %q: %d data bytes for shape %v (need %d)", en.name, end-b, e.Shape, 4*n)
		}
		if b < pos {
			return nil, nil, bad("tensor %q: data offsets [%d,%d] overlap the previous tensor", en.name, b, end)
		}
		if b > pos {
			return nil, nil, bad("tensor %q: hole in the data before offset %d", en.name, b)
		}
		pos = end
	}
	if pos != dataLen {
		return nil, nil, bad("%d data bytes after the last tensor", dataLen-pos)
	}
	data := make([]byte, dataLen)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, bad("reading data: %v", err)
	}
	out := make([]NamedTensor, len(entries))
	for i, en := range entries {
		b := en.e.DataOffsets[0]
		vals := make([]float32, (en.e.DataOffsets[1]-b)/4)
		for j := range vals {
			vals[j] = math.Float32frombits(binary.LittleEndian.Uint32(data[b+int64(4*j):]))
		}
		out[i] = NamedTensor{Name: en.name, Shape: en.e.Shape, Data: vals}
	}
	return out, meta, nil
}

// SaveModel writes the parameters of a model to path (safetensors, names as
// in the PyTorch state dict) atomically.
func SaveModel(path string, params []Param, meta map[string]string) error {
	ts := make([]NamedTensor, len(params))
	for i, p := range params {
		ts[i] = NamedTensor{Name: p.Name, Shape: p.T.Shape, Data: p.T.Data}
	}
	return WriteSafetensors(path, ts, meta)
}

// LoadModel reads path into params. Every parameter must be present with
// dtype F32 and the same shape, and the file may hold no other tensor; on
// any mismatch nothing is changed and the error names the file and tensor.
func LoadModel(path string, params []Param) (map[string]string, error) {
	ts, meta, err := ReadSafetensors(path)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]NamedTensor, len(ts))
	for _, t := range ts {
		byName[t.Name] = t
	}
	for _, p := range params {
		t, ok := byName[p.Name]
		if !ok {
			return nil, fmt.Errorf("safetensors %s: missing tensor %q", path, p.Name)
		}
		if !sameInts(t.Shape, p.T.Shape) {
			return nil, fmt.Errorf("safetensors %s: tensor %q has shape %v, the model needs %v", path, p.Name, t.Shape, p.T.Shape)
		}
		delete(byName, p.Name)
	}
	if len(byName) > 0 {
		extra := make([]string, 0, len(byName))
		for n := range byName {
			extra = append(extra, n)
		}
		sort.Strings(extra)
		return nil, fmt.Errorf("safetensors %s: tensors not in the model: %q", path, extra)
	}
	for _, t := range ts {
		for _, p := range params {
			if p.Name == t.Name {
				copy(p.T.Data, t.Data)
			}
		}
	}
	return meta, nil
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
