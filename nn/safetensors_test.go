package nn

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func repoRoot(t *testing.T) string {
	d, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		p := filepath.Dir(d)
		if p == d {
			t.Fatal("go.mod not found")
		}
		d = p
	}
}

func TestSafetensorsFixture(t *testing.T) {
	path := filepath.Join(repoRoot(t), "testdata", "safetensors", "tiny.safetensors")
	conv := NewConv2d(NewRNG(1), 3, 2, 2, 1, 0, true)
	meta, err := LoadModel(path, conv.Params("conv.", nil))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range conv.Weight.Data {
		if want := float32((float64(i) - 11.5) / 8); v != want {
			t.Fatalf("conv.weight[%d] = %v, want %v", i, v, want)
		}
	}
	if conv.Bias.Data[0] != 0.25 || conv.Bias.Data[1] != -1.5 {
		t.Fatalf("conv.bias = %v", conv.Bias.Data)
	}
	if meta["format"] != "pt" || meta["writer"] != "python struct+json+numpy" {
		t.Fatalf("metadata %v", meta)
	}
}

func TestSafetensorsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	a := NewBPVGG(1)
	if err := SaveModel(path, a.Params(), map[string]string{"arch": "bpvgg"}); err != nil {
		t.Fatal(err)
	}
	// overwrite: still atomic, no temp files left behind
	if err := SaveModel(path, a.Params(), map[string]string{"arch": "bpvgg"}); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("directory holds %d entries after saving, want 1", len(ents))
	}
	b, meta, err := LoadBPVGG(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["arch"] != "bpvgg" {
		t.Fatalf("metadata %v", meta)
	}
	for i, p := range a.Params() {
		q := b.Params()[i]
		for j := range p.T.Data {
			if p.T.Data[j] != q.T.Data[j] {
				t.Fatalf("%s[%d] differs after load", p.Name, j)
			}
		}
	}
	// header: 8-byte length, JSON, data offsets in parameter order
	raw, _ := os.ReadFile(path)
	hl := binary.LittleEndian.Uint64(raw[:8])
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+hl], &h); err != nil {
		t.Fatal(err)
	}
	if len(h) != 15 || int(hl)%8 != 0 || len(raw) != 8+int(hl)+4*BPVGGParams {
		t.Fatalf("header with %d keys, length %d, file %d bytes", len(h), hl, len(raw))
	}
}

// writeRaw writes a file with the given JSON header text and data bytes.
func writeRaw(t *testing.T, dir, name, header string, data []byte) string {
	p := filepath.Join(dir, name)
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	b = append(b, data...)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSafetensorsErrors(t *testing.T) {
	dir := t.TempDir()
	conv := NewConv2d(NewRNG(1), 1, 2, 1, 1, 0, true) // weight 2x1x1x1, bias 2
	params := conv.Params("c.", nil)
	data := make([]byte, 16)
	good := `{"c.weight":{"dtype":"F32","shape":[2,1,1,1],"data_offsets":[0,8]},"c.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}`
	if _, err := LoadModel(writeRaw(t, dir, "good", good, data), params); err != nil {
		t.Fatalf("valid file rejected: %v", err)
	}
	cases := []struct {
		name, header string
		data         []byte
		want         string
	}{
		{"truncated-data", good, data[:12], "truncated"},
		{"bad-json", `{"c.weight":{"dtype":"F32",`, data, "bad JSON"},
		{"not-object", `[1,2]`, data, "bad JSON"},
		{"out-of-range", strings.Replace(good, "[8,16]", "[8,24]", 1), data, "outside"},
		{"overlap", strings.Replace(good, "[8,16]", "[4,12]", 1), data, "overlap"},
		{"wrong-size", strings.Replace(good, `"shape":[2]`, `"shape":[3]`, 1), data, "data bytes for shape"},
		{"dtype", strings.Replace(good, `"F32","shape":[2]`, `"F16","shape":[2]`, 1), data, "dtype"},
		{"missing", `{"c.weight":{"dtype":"F32","shape":[2,1,1,1],"data_offsets":[0,8]}}`, data[:8], "missing tensor \"c.bias\""},
		{"extra", strings.Replace(good, `}}`, `},"x":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}`, 1), make([]byte, 20), "not in the model"},
		{"shape", strings.Replace(good, `[2,1,1,1]`, `[1,2,1,1]`, 1), data, "has shape"},
		{"unknown-field", strings.Replace(good, `"dtype":"F32","shape":[2]`, `"dtype":"F32","foo":1,"shape":[2]`, 1), data, "bad header entry"},
		{"trailing", good, make([]byte, 20), "after the last tensor"},
		{"meta-not-strings", strings.Replace(good, `{"c.weight"`, `{"__metadata__":{"a":1},"c.weight"`, 1), data, "__metadata__"},
	}
	for _, c := range cases {
		p := writeRaw(t, dir, c.name, c.header, c.data)
		_, err := LoadModel(p, params)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q should mention %q and the file", c.name, err, c.want)
		}
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte{1, 2, 3}, 0o644)
	if _, _, err := ReadSafetensors(short); err == nil || !strings.Contains(err.Error(), short) {
		t.Errorf("short file: %v", err)
	}
	huge := filepath.Join(dir, "huge")
	os.WriteFile(huge, binary.LittleEndian.AppendUint64(nil, math.MaxUint64), 0o644)
	if _, _, err := ReadSafetensors(huge); err == nil || !strings.Contains(err.Error(), "header length") {
		t.Errorf("huge header length: %v", err)
	}
	// a failed load leaves the model unchanged
	before := append([]float32(nil), conv.Weight.Data...)
	LoadModel(filepath.Join(dir, "shape"), params)
	for i := range before {
		if before[i] != conv.Weight.Data[i] {
			t.Fatal("failed load changed the model")
		}
	}
}
