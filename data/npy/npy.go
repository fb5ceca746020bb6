// Package npy reads and writes NumPy .npy files (format versions 1.0, 2.0
// and 3.0) holding plain little-endian numeric arrays in C order.
//
// Only the standard library is used. Every error names the file (or the
// name given to Read) and says what is wrong; malformed input never panics.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Array is one array: its shape, its NumPy dtype string ("<f4", "|u1", ...)
// and its raw little-endian bytes in C (row-major) order.
type Array struct {
	Shape []int
	Descr string
	Data  []byte
}

// maxBytes bounds the data size any header may claim when the real size of
// the input is unknown, so a corrupt header cannot ask for terabytes.
const maxBytes = 1 << 36 // 64 GiB

// dtype describes a supported element type.
type dtype struct {
	kind byte // 'f', 'i', 'u', 'b'
	size int
}

var magic = []byte("\x93NUMPY")

// parseDescr accepts little-endian (or byte-sized) bool, int, uint and float
// types; everything else (big-endian, complex, object, strings, records) is
// refused.
func parseDescr(d string) (dtype, error) {
	if len(d) < 3 {
		return dtype{}, fmt.Errorf("unsupported dtype %q", d)
	}
	order, kind := d[0], d[1]
	size, err := strconv.Atoi(d[2:])
	if err != nil {
		return dtype{}, fmt.Errorf("unsupported dtype %q", d)
	}
	switch kind {
	case 'b':
		if size != 1 {
			return dtype{}, fmt.Errorf("unsupported dtype %q", d)
		}
	case 'i', 'u':
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return dtype{}, fmt.Errorf("unsupported dtype %q", d)
		}
	case 'f':
		if size != 4 && size != 8 {
			return dtype{}, fmt.Errorf("unsupported dtype %q (only float32 and float64)", d)
		}
	default:
		return dtype{}, fmt.Errorf("unsupported dtype %q (only bool, int, uint and float)", d)
	}
	switch order {
	case '<':
	case '|', '>', '=':
		// Byte order is irrelevant for single bytes; otherwise only '<' is
		// unambiguous ('=' depends on the writer's machine).
		if size != 1 {
			if order == '>' {
				return dtype{}, fmt.Errorf("unsupported dtype %q: big-endian", d)
			}
			return dtype{}, fmt.Errorf("unsupported dtype %q: byte order must be '<'", d)
		}
	default:
		return dtype{}, fmt.Errorf("unsupported dtype %q", d)
	}
	return dtype{kind: kind, size: size}, nil
}

// Len is the number of elements (the product of Shape; 1 for a scalar).
func (a *Array) Len() int {
	n := 1
	for _, s := range a.Shape {
		n *= s
	}
	return n
}

// ReadFile reads one .npy file.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return ReadSized(f, path, size)
}

// Read reads one array from r; name is used in error messages. If r knows
// its remaining length (like *bytes.Reader) that is used to check the
// header's claimed size before allocating.
func Read(r io.Reader, name string) (*Array, error) {
	size := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok {
		size = int64(l.Len())
	}
	return ReadSized(r, name, size)
}

// ReadSized is Read with the total number of bytes left in r given (or -1
// when unknown). With a known size, the data must fill it exactly.
func ReadSized(r io.Reader, name string, size int64) (*Array, error) {
	a, err := read(r, size)
	if err != nil {
		return nil, fmt.Errorf("npy %s: %w", name, err)
	}
	return a, nil
}

func read(r io.Reader, size int64) (*Array, error) {
	var pre [8]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		if n == 0 {
			return nil, errors.New("empty input, not a .npy file")
		}
		if n >= len(magic) && bytes.Equal(pre[:len(magic)], magic) || n < len(magic) && bytes.Equal(pre[:n], magic[:n]) {
			return nil, errors.New("truncated preamble")
		}
		return nil, errors.New("not a .npy file (bad magic)")
	}
	if !bytes.Equal(pre[:6], magic) {
		return nil, errors.New("not a .npy file (bad magic)")
	}
	major, minor := pre[6], pre[7]
	var hlen int
	used := int64(8)
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, errors.New("truncated header length")
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
		used += 2
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, errors.New("truncated header length")
		}
		h := binary.LittleEndian.Uint32(b[:])
		if h > 1<<20 {
			return nil, fmt.Errorf("header length %d is absurd", h)
		}
		hlen = int(h)
		used += 4
	default:
		return nil, fmt.Errorf("unsupported format version %d.%d", major, minor)
	}
	if size >= 0 && used+int64(hlen) > size {
		return nil, fmt.Errorf("truncated header (claims %d bytes, file has %d)", hlen, size-used)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, errors.New("truncated header")
	}
	used += int64(hlen)
	descr, fortran, shape, err := parseHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	if fortran {
		return nil, errors.New("fortran_order True is not supported (save with C order)")
	}
	dt, err := parseDescr(descr)
	if err != nil {
		return nil, err
	}
	// Element count with overflow and absurdity checks.
	n := int64(1)
	for _, s := range shape {
		if s < 0 {
			return nil, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if s != 0 && n > maxBytes/int64(s) {
			return nil, fmt.Errorf("shape %v is absurdly large", shape)
		}
		n *= int64(s)
	}
	nb := n * int64(dt.size)
	if nb > maxBytes {
		return nil, fmt.Errorf("shape %v needs %d bytes, more than the %d allowed", shape, nb, int64(maxBytes))
	}
	if size >= 0 {
		left := size - used
		if nb > left {
			return nil, fmt.Errorf("truncated data: shape %v of %s needs %d bytes, only %d present", shape, descr, nb, left)
		}
		if nb < left {
			return nil, fmt.Errorf("shape %v of %s needs %d bytes but %d are present", shape, descr, nb, left)
		}
		data := make([]byte, nb)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("truncated data: %v", err)
		}
		return &Array{Shape: shape, Descr: descr, Data: data}, nil
	}
	// Unknown size: let the buffer grow only as bytes actually arrive.
	var buf bytes.Buffer
	got, err := io.CopyN(&buf, r, nb)
	if err != nil {
		return nil, fmt.Errorf("truncated data: shape %v of %s needs %d bytes, only %d present", shape, descr, nb, got)
	}
	return &Array{Shape: shape, Descr: descr, Data: buf.Bytes()}, nil
}

// parseHeader parses the Python dict literal of the header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
func parseHeader(h string) (descr string, fortran bool, shape []int, err error) {
	p := &hparser{s: strings.TrimRight(h, " \n\x00")}
	var haveD, haveF, haveS bool
	if !p.eat('{') {
		return "", false, nil, errors.New("bad header: not a dict")
	}
	for {
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return "", false, nil, errors.New("bad header: expected a quoted key")
		}
		if !p.eat(':') {
			return "", false, nil, fmt.Errorf("bad header: expected ':' after %q", key)
		}
		switch key {
		case "descr":
			d, ok := p.str()
			if !ok {
				return "", false, nil, errors.New("unsupported dtype: 'descr' is not a simple string (structured arrays are not supported)")
			}
			descr, haveD = d, true
		case "fortran_order":
			switch {
			case p.word("True"):
				fortran = true
			case p.word("False"):
				fortran = false
			default:
				return "", false, nil, errors.New("bad header: fortran_order is not True/False")
			}
			haveF = true
		case "shape":
			s, ok := p.tuple()
			if !ok {
				return "", false, nil, errors.New("bad header: shape is not a tuple of integers")
			}
			shape, haveS = s, true
		default:
			return "", false, nil, fmt.Errorf("bad header: unknown key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return "", false, nil, errors.New("bad header: expected ',' or '}'")
			}
			break
		}
	}
	p.skip()
	if p.i != len(p.s) {
		return "", false, nil, errors.New("bad header: trailing characters after dict")
	}
	if !haveD || !haveF || !haveS {
		return "", false, nil, errors.New("bad header: needs 'descr', 'fortran_order' and 'shape'")
	}
	return descr, fortran, shape, nil
}

type hparser struct {
	s string
	i int
}

func (p *hparser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *hparser) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *hparser) word(w string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *hparser) str() (string, bool) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", false
	}
	q := p.s[p.i]
	j := strings.IndexByte(p.s[p.i+1:], q)
	if j < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+j]
	p.i += j + 2
	return v, true
}

func (p *hparser) tuple() ([]int, bool) {
	if !p.eat('(') {
		return nil, false
	}
	shape := []int{}
	for {
		if p.eat(')') {
			return shape, true
		}
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i || j-p.i > 18 {
			return nil, false
		}
		v, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, false
		}
		p.i = j
		p.word("L") // Python 2 longs
		shape = append(shape, v)
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, false
			}
			return shape, true
		}
	}
}

// Float32 returns the elements as float32 (from <f4 or <f8).
func (a *Array) Float32() ([]float32, error) {
	dt, err := a.check()
	if err != nil {
		return nil, err
	}
	n := a.Len()
	out := make([]float32, n)
	switch {
	case dt.kind == 'f' && dt.size == 4:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(a.Data[4*i:]))
		}
	case dt.kind == 'f' && dt.size == 8:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(a.Data[8*i:])))
		}
	default:
		return nil, fmt.Errorf("npy: dtype %s is not float32/float64", a.Descr)
	}
	return out, nil
}

// Uint8 returns the elements of a |u1 (or |b1) array.
func (a *Array) Uint8() ([]uint8, error) {
	dt, err := a.check()
	if err != nil {
		return nil, err
	}
	if dt.size != 1 || (dt.kind != 'u' && dt.kind != 'b') {
		return nil, fmt.Errorf("npy: dtype %s is not uint8", a.Descr)
	}
	return append([]uint8(nil), a.Data[:a.Len()]...), nil
}

// Int64s returns the elements of any integer (or bool) array as int64;
// uint64 values above the int64 range are an error.
func (a *Array) Int64s() ([]int64, error) {
	dt, err := a.check()
	if err != nil {
		return nil, err
	}
	if dt.kind == 'f' {
		return nil, fmt.Errorf("npy: dtype %s is not an integer type", a.Descr)
	}
	n := a.Len()
	out := make([]int64, n)
	d := a.Data
	for i := range out {
		switch {
		case dt.size == 1 && dt.kind == 'i':
			out[i] = int64(int8(d[i]))
		case dt.size == 1:
			out[i] = int64(d[i])
		case dt.size == 2 && dt.kind == 'i':
			out[i] = int64(int16(binary.LittleEndian.Uint16(d[2*i:])))
		case dt.size == 2:
			out[i] = int64(binary.LittleEndian.Uint16(d[2*i:]))
		case dt.size == 4 && dt.kind == 'i':
			out[i] = int64(int32(binary.LittleEndian.Uint32(d[4*i:])))
		case dt.size == 4:
			out[i] = int64(binary.LittleEndian.Uint32(d[4*i:]))
		case dt.kind == 'i':
			out[i] = int64(binary.LittleEndian.Uint64(d[8*i:]))
		default:
			v := binary.LittleEndian.Uint64(d[8*i:])
			if v > math.MaxInt64 {
				return nil, fmt.Errorf("npy: uint64 value %d at %d does not fit int64", v, i)
			}
			out[i] = int64(v)
		}
	}
	return out, nil
}

// check validates an Array built by hand (or read) before conversion.
func (a *Array) check() (dtype, error) {
	dt, err := parseDescr(a.Descr)
	if err != nil {
		return dt, fmt.Errorf("npy: %w", err)
	}
	n := 1
	for _, s := range a.Shape {
		if s < 0 {
			return dt, fmt.Errorf("npy: negative dimension in shape %v", a.Shape)
		}
		if s != 0 && n > maxBytes/s {
			return dt, fmt.Errorf("npy: shape %v is absurdly large", a.Shape)
		}
		n *= s
	}
	if n*dt.size != len(a.Data) {
		return dt, fmt.Errorf("npy: shape %v of %s needs %d bytes, have %d", a.Shape, a.Descr, n*dt.size, len(a.Data))
	}
	return dt, nil
}

// FromFloat32 builds a <f4 array; len(data) must match the shape.
func FromFloat32(shape []int, data []float32) (*Array, error) {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return newArray(shape, "<f4", b)
}

// FromInt32 builds a <i4 array.
func FromInt32(shape []int, data []int32) (*Array, error) {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return newArray(shape, "<i4", b)
}

// FromUint8 builds a |u1 array.
func FromUint8(shape []int, data []uint8) (*Array, error) {
	return newArray(shape, "|u1", append([]byte(nil), data...))
}

func newArray(shape []int, descr string, b []byte) (*Array, error) {
	a := &Array{Shape: append([]int{}, shape...), Descr: descr, Data: b}
	if _, err := a.check(); err != nil {
		return nil, err
	}
	return a, nil
}

// Write writes a as a .npy stream (version 1.0 when the header fits,
// else 2.0), header padded so the data starts on a 64-byte boundary.
func Write(w io.Writer, a *Array) error {
	if _, err := a.check(); err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "{'descr': '%s', 'fortran_order': False, 'shape': (", a.Descr)
	for i, s := range a.Shape {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(s))
	}
	if len(a.Shape) == 1 {
		sb.WriteString(",")
	}
	sb.WriteString("), }")
	h := sb.String()
	pre := 10
	if len(h)+pre+1 > math.MaxUint16 {
		pre = 12
	}
	pad := (64 - (pre+len(h)+1)%64) % 64
	h += strings.Repeat(" ", pad) + "\n"
	var head []byte
	head = append(head, magic...)
	if pre == 10 {
		head = append(head, 1, 0)
		head = binary.LittleEndian.AppendUint16(head, uint16(len(h)))
	} else {
		head = append(head, 2, 0)
		head = binary.LittleEndian.AppendUint32(head, uint32(len(h)))
	}
	head = append(head, h...)
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(a.Data)
	return err
}

// WriteFile writes a to path atomically (temp file in the same directory,
// then rename), so a crash never leaves a half-written file.
func (a *Array) WriteFile(path string) error {
	if _, err := a.check(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(0o644) // CreateTemp makes 0600; results are meant to be shared
	if err == nil {
		err = Write(f, a)
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

// WriteFloat32 writes a <f4 array to path atomically.
func WriteFloat32(path string, shape []int, data []float32) error {
	a, err := FromFloat32(shape, data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return a.WriteFile(path)
}

// WriteInt32 writes a <i4 array to path atomically.
func WriteInt32(path string, shape []int, data []int32) error {
	a, err := FromInt32(shape, data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return a.WriteFile(path)
}
