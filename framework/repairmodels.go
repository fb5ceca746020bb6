package framework

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"

	"remedy/nn"
)

// ModelSaver is a Learner whose model can be written as a model file that
// `remedy eval` and `remedy analyze` load like the original.
type ModelSaver interface {
	SaveModel(path string, meta map[string]string) error
}

// SaveModel implements ModelSaver.
func (c *Classifier) SaveModel(path string, meta map[string]string) error {
	return nn.SaveModel(path, c.M.Params(), meta)
}

// SaveModel implements ModelSaver.
func (d *Detector) SaveModel(path string, meta map[string]string) error {
	return nn.SaveModel(path, d.M.Params(), meta)
}

// ModelOut says where Repair writes the repaired models: Dir/File, with
// the original model's metadata plus what the repair was. A repair is the
// product a user deploys, so every run's model is kept, not only its scores.
type ModelOut struct {
	Dir       string            // the output directory; files go to Dir/models/
	Meta      map[string]string // the original model file's metadata
	From      string            // the original model, recorded in the metadata
	TypeNames []string          // recorded in the per-type models' metadata
}

// repairModelFile is the model file of run i of a repair method, relative
// to the output directory: one file for the methods trained on all of F,
// one per type for the per-type methods.
func repairModelFile(method string, i int, perType bool) string {
	if !perType {
		return filepath.Join("models", "repair-"+method+".safetensors")
	}
	return filepath.Join("models", fmt.Sprintf("repair-%s-%d.safetensors", method, i+1))
}

// saveRepaired writes m to o.Dir/file atomically and records the file and
// its hash in run.
func (o *ModelOut) saveRepaired(m Learner, run *TypeRun, file string, extra map[string]string) error {
	s, ok := m.(ModelSaver)
	if !ok {
		return nil
	}
	path := filepath.Join(o.Dir, file)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	meta := maps.Clone(o.Meta)
	if meta == nil {
		meta = map[string]string{}
	}
	maps.Copy(meta, extra)
	meta["repaired_from"] = o.From
	meta["repair_epoch"] = fmt.Sprint(run.Tune.Epoch)
	meta["repair_c_test"] = fmt.Sprintf("%.4f", run.CTest)
	meta["repair_all_test"] = fmt.Sprintf("%.4f", run.All)
	meta["build"] = Build()
	delete(meta, "epoch") // the original training's epoch and validation
	delete(meta, "val_accuracy")
	delete(meta, "val_f1")
	if err := s.SaveModel(path, meta); err != nil {
		return err
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return err
	}
	run.Model, run.ModelSHA256 = file, sum
	return nil
}

// checkRepaired tells whether a reused run's model file is still the one
// it wrote; a missing or changed file is dropped from the run with a
// message, never passed off as that run's model.
func (o *ModelOut) checkRepaired(run *TypeRun, label, key string, log Progress) {
	if run.Model == "" {
		log("%s: no model file (the run finished before remedy kept repaired models; delete %s.json under runs/ to train it again)", label, key)
		return
	}
	path := filepath.Join(o.Dir, run.Model)
	sum, err := fileSHA256(path)
	switch {
	case err != nil:
		log("%s: model file %s: %v", label, path, err)
	case sum != run.ModelSHA256:
		log("%s: model file %s changed since the run wrote it (SHA-256 %.12s, recorded %.12s); not listed", label, path, sum, run.ModelSHA256)
	default:
		return
	}
	run.Model, run.ModelSHA256 = "", ""
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
