package framework

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Results is what `remedy analyze` and `remedy repair` write to
// results.json (schema in the README).
type Results struct {
	Version     string                   `json:"version"`
	Build       string                   `json:"build"` // Go version and commit of the binary
	Task        string                   `json:"task"`
	Data        string                   `json:"data"`
	Model       string                   `json:"model"`
	Seed        uint64                   `json:"seed"`
	Config      AnalyzeConfig            `json:"config"`
	Kernels     string                   `json:"kernels"`
	Cases       int                      `json:"analysis_cases"`
	Failures    int                      `json:"failures"`
	Correct     int                      `json:"correct"`
	Accuracy    float64                  `json:"accuracy"`
	LabelNames  []string                 `json:"label_names"`
	MetaFields  []MetaField              `json:"meta_fields"`
	Planted     []string                 `json:"planted_names,omitempty"`
	Methods     map[string]*MethodResult `json:"methods"`
	Repair      *RepairResult            `json:"repair,omitempty"`
	Seconds     map[string]float64       `json:"seconds"`
	MethodOrder []string                 `json:"method_order"`
}

// RepairResult is the Phase II table for one method's types.
type RepairResult struct {
	Types string      `json:"types"` // the method whose types were repaired
	Names []string    `json:"type_names"`
	Rows  []RepairRow `json:"rows"`
}

// WriteJSON writes v as indented JSON atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return WriteFileAtomic(path, append(b, '\n'))
}

// ReadResults reads a results.json.
func ReadResults(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a remedy results file: %w", path, err)
	}
	if r.Methods == nil {
		return nil, fmt.Errorf("%s: no methods in results", path)
	}
	return &r, nil
}

// WriteTypesCSV writes one row per failure with its origin, labels,
// metadata, planted type and, for every method, its type and split. A
// source_file column follows source_index only when the input has files
// (an image folder), so other inputs keep their columns as they were.
func WriteTypesCSV(path string, e *Evaluation, labelNames, planted []string, methods []*MethodResult) error {
	withFiles := false
	for _, c := range e.Cases {
		withFiles = withFiles || c.SourceFile != ""
	}
	head := []string{"index", "source_split", "source_index"}
	if withFiles {
		head = append(head, "source_file")
	}
	head = append(head, "label", "prediction", "confidence")
	for _, f := range e.Meta {
		head = append(head, f.Name)
	}
	if planted != nil {
		head = append(head, "planted")
	}
	// For each method: failure position -> (type, split).
	type ts struct {
		typ   string
		split string
	}
	per := make([]map[int]ts, len(methods))
	for mi, m := range methods {
		head = append(head, "type_"+m.Name, "split_"+m.Name)
		per[mi] = map[int]ts{}
		t, sp := m.TypesOf()
		for k, parts := range sp.Types {
			for name, ids := range map[string][]int{"train": parts.Train, "val": parts.Val, "test": parts.Test} {
				for _, id := range ids {
					per[mi][id] = ts{t.Names[k], name}
				}
			}
		}
	}
	rows := [][]string{head}
	for _, ci := range e.F {
		c := e.Cases[ci]
		row := []string{strconv.Itoa(c.Index), c.Source, strconv.Itoa(c.SourceIndex)}
		if withFiles {
			row = append(row, c.SourceFile)
		}
		row = append(row, name(labelNames, c.Label), name(labelNames, c.Pred), strconv.FormatFloat(float64(c.Confidence), 'f', 4, 32))
		for i, f := range e.Meta {
			row = append(row, metaName(f, c.Meta[i]))
		}
		if planted != nil {
			row = append(row, name(planted, c.Planted))
		}
		for mi := range methods {
			v, ok := per[mi][ci]
			if !ok {
				v = ts{"set aside", ""}
			}
			row = append(row, v.typ, v.split)
		}
		rows = append(rows, row)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".types.csv.tmp*")
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	err = w.WriteAll(rows)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// ReadTypesCSV reads back one method's assignment: for each failure, by
// analysis index, its type name and split ("set aside" rows are left out).
func ReadTypesCSV(path, method string) (typ map[int]string, split map[int]string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, nil, fmt.Errorf("%s: no failures listed", path)
	}
	ti, si := -1, -1
	for i, h := range rows[0] {
		switch h {
		case "type_" + method:
			ti = i
		case "split_" + method:
			si = i
		}
	}
	if ti < 0 || si < 0 {
		return nil, nil, fmt.Errorf("%s: no columns for method %q", path, method)
	}
	typ, split = map[int]string{}, map[int]string{}
	for ln, r := range rows[1:] {
		idx, err := strconv.Atoi(r[0])
		if err != nil {
			return nil, nil, fmt.Errorf("%s line %d: bad index %q", path, ln+2, r[0])
		}
		if r[ti] == "set aside" {
			continue
		}
		typ[idx], split[idx] = r[ti], r[si]
	}
	return typ, split, nil
}
