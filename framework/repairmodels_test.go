package framework

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"remedy/nn"
)

// toyModelFile is the toy learner's model file: its two weights (exact,
// as JSON) and the metadata it was given.
type toyModelFile struct {
	W, B float64
	Meta map[string]string
}

func (t *toyLearner) SaveModel(path string, meta map[string]string) error {
	b, err := json.Marshal(toyModelFile{t.w, t.b, meta})
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, b)
}

func readToyModel(t *testing.T, path string) toyModelFile {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var m toyModelFile
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestRepairKeepsModels(t *testing.T) {
	base, e := toyEvaluation(t)
	types, _ := RandomTypes(len(e.F), 2, 1)
	sp, _ := MakeSplits(e, types, 5)
	p := Protocol{Name: "toy", LR: 0.5, Epochs: 8, Batch: 2, CMin: 0.9}
	dir := t.TempDir()
	store := &Store{Dir: filepath.Join(dir, "runs")}
	var logs []string
	log := func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
	out := &ModelOut{Dir: dir, Meta: map[string]string{"arch": "toy", "epoch": "7"}, From: "base.model", TypeNames: []string{"A", "B"}}

	rows, err := Repair(base, sp, p, 1, store, "r", 2, log, out)
	require.NoError(t, err)
	want := map[string]bool{}
	for _, row := range rows[1:] {
		for i, run := range row.Runs {
			name := "repair-" + row.Method + ".safetensors"
			if len(row.Runs) > 1 {
				name = fmt.Sprintf("repair-%s-%d.safetensors", row.Method, i+1)
			}
			require.Equal(t, filepath.Join("models", name), run.Model, row.Method)
			want[name] = true
			m := readToyModel(t, filepath.Join(dir, run.Model))
			// The file is the model that earned the run's figures: its
			// weights give the run's accuracy on every type's test set.
			loaded := &toyLearner{x: base.x, y: base.y, w: m.W, b: m.B}
			for j, part := range sp.Types {
				require.InDelta(t, meanCorrect(loaded.Correct(part.Test)), run.Row[j], 1e-12, "%s run %d type %d", row.Method, i, j)
			}
			require.Equal(t, "base.model", m.Meta["repaired_from"])
			require.Equal(t, row.Method, m.Meta["repair_method"])
			require.Equal(t, "toy", m.Meta["arch"], "the original model's metadata is kept")
			require.NotContains(t, m.Meta, "epoch", "the original training's epoch does not describe the repaired model")
			require.Equal(t, fmt.Sprint(run.Tune.Epoch), m.Meta["repair_epoch"])
			if len(row.Runs) > 1 {
				require.Equal(t, []string{"A", "B"}[i], m.Meta["repair_type"])
			}
			require.Len(t, run.ModelSHA256, 64)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "models", "*"))
	require.Len(t, files, len(want), "%v", files)

	// A rerun reuses the runs and their files, unchanged.
	again, err := Repair(base, sp, p, 1, store, "r", 1, log, out)
	require.NoError(t, err)
	require.Equal(t, rows, again)

	// A changed or missing file is not passed off as the run's model.
	allFile := filepath.Join(dir, "models", "repair-all.safetensors")
	require.NoError(t, os.WriteFile(allFile, []byte("something else"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "models", "repair-ewc.safetensors")))
	logs = nil
	third, err := Repair(base, sp, p, 1, store, "r", 1, log, out)
	require.NoError(t, err)
	for _, row := range third {
		switch row.Method {
		case "all", "ewc":
			require.Empty(t, row.Runs[0].Model, row.Method)
		case "all+c":
			require.NotEmpty(t, row.Runs[0].Model)
		}
	}
	joined := strings.Join(logs, "\n")
	require.Contains(t, joined, allFile+" changed since the run wrote it")
	require.Contains(t, joined, "repair-ewc.safetensors")

	// Runs stored before models were kept say so instead of retraining.
	old := &Store{Dir: filepath.Join(t.TempDir(), "runs")}
	_, err = Repair(base, sp, p, 1, old, "r", 2, log, nil)
	require.NoError(t, err)
	logs = nil
	rows4, err := Repair(base, sp, p, 1, old, "r", 2, log, &ModelOut{Dir: filepath.Dir(old.Dir)})
	require.NoError(t, err)
	require.Empty(t, rows4[3].Runs[0].Model)
	require.Contains(t, strings.Join(logs, "\n"), "finished before remedy kept repaired models")
}

func meanCorrect(ok []bool) float64 {
	n := 0
	for _, v := range ok {
		if v {
			n++
		}
	}
	return float64(n) / float64(len(ok))
}

// The classifier's repaired-model file loads like a trained one.
func TestClassifierSaveModel(t *testing.T) {
	c, err := NewClassifier(nn.NewBPVGG(3), newVGG, randomImages(4, 1))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, c.SaveModel(path, map[string]string{"repair_method": "all"}))
	m, meta, err := nn.LoadBPVGG(path)
	require.NoError(t, err)
	require.Equal(t, "all", meta["repair_method"])
	for i, p := range m.Params() {
		require.Equal(t, c.M.Params()[i].T.Data, p.T.Data, p.Name)
	}
}

// So does the detector's.
func TestDetectorSaveModel(t *testing.T) {
	d, _, _ := tinyDetTune(t)
	det := d.(*Detector)
	path := filepath.Join(t.TempDir(), "d.safetensors")
	require.NoError(t, det.SaveModel(path, map[string]string{"repair_method": "ewc"}))
	m := nn.NewICEDetector(0)
	meta, err := nn.LoadModel(path, m.Params())
	require.NoError(t, err)
	require.Equal(t, "ewc", meta["repair_method"])
	for i, p := range m.Params() {
		require.Equal(t, det.M.Params()[i].T.Data, p.T.Data, p.Name)
	}
}
