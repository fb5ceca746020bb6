package main

import (
	"encoding/csv"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// writeImageFolder writes DIR/train/<class>/*.png and DIR/test/<class>/*.png:
// 28x28 gray noise whose brightness depends on the class, overlapping
// enough that a briefly trained model gets some right and some wrong.
func writeImageFolder(t *testing.T, dir string, perClass map[string]int) {
	rng := rand.New(rand.NewPCG(1, 2))
	mean := map[string]float64{"benign": 90, "lesion": 120, "tumour": 160}
	for split, frac := range map[string]int{"train": 3, "test": 1} {
		for c, n := range perClass {
			d := filepath.Join(dir, split, c)
			require.NoError(t, os.MkdirAll(d, 0o755))
			for i := 0; i < n*frac/4; i++ {
				m := image.NewGray(image.Rect(0, 0, 28, 28))
				for p := range m.Pix {
					m.Pix[p] = uint8(min(255, max(0, mean[c]+40*rng.NormFloat64())))
				}
				f, err := os.Create(filepath.Join(d, "img"+string(rune('A'+i/26))+string(rune('a'+i%26))+".png"))
				require.NoError(t, err)
				require.NoError(t, png.Encode(f, m))
				require.NoError(t, f.Close())
			}
		}
	}
}

// An image folder through train, eval and analyze: types.csv names every
// failure's file.
func TestImageFolderCommands(t *testing.T) {
	dir := t.TempDir()
	imgs := filepath.Join(dir, "images")
	writeImageFolder(t, imgs, map[string]int{"benign": 120, "lesion": 80, "tumour": 80})

	train := filepath.Join(dir, "train")
	err := runTrain([]string{"--data", imgs, "--out", train, "--epochs", "1"})
	require.ErrorContains(t, err, "benign, lesion, tumour") // --positive is required
	err = runTrain([]string{"--data", imgs, "--out", train, "--epochs", "1", "--positive", "cancer"})
	require.ErrorContains(t, err, "benign, lesion, tumour")
	err = runTrain([]string{"--data", "synth:300", "--out", train, "--epochs", "1", "--positive", "tumour"})
	require.ErrorContains(t, err, "--positive")

	require.NoError(t, runTrain([]string{"--data", imgs, "--positive", "lesion,tumour", "--out", train, "--epochs", "1", "--lr", "1e-3", "--threads", "1"}))
	m := readJSON(t, filepath.Join(train, "metrics.json"))
	require.Equal(t, "images", m["task"])
	model := filepath.Join(train, "model.safetensors")
	require.NoError(t, runEval([]string{"--model", model, "--data", imgs, "--positive", "tumour, lesion", "--threads", "1"}))
	// Another positive set, or another task's data, would relabel the
	// cases under the model: refused, naming both.
	err = runEval([]string{"--model", model, "--data", imgs, "--positive", "tumour", "--threads", "1"})
	require.ErrorContains(t, err, "trained with --positive lesion,tumour, this run has --positive tumour")
	err = runEval([]string{"--model", model, "--data", "synth:300", "--threads", "1"})
	require.ErrorContains(t, err, "trained for task images, but the data is task synth")

	an := filepath.Join(dir, "analysis")
	require.NoError(t, runAnalyze([]string{"--model", model, "--data", imgs, "--positive", "lesion,tumour", "--out", an,
		"--method", "random,fpfn", "--protocol", "fast", "--max-epochs", "1", "--workers", "1", "--threads", "1"}))
	r := readJSON(t, filepath.Join(an, "results.json"))
	require.Equal(t, []any{"benign", "lesion or tumour"}, r["label_names"])

	f, err := os.Open(filepath.Join(an, "types.csv"))
	require.NoError(t, err)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	require.NoError(t, err)
	require.Greater(t, len(rows), 1)
	require.Equal(t, []string{"index", "source_split", "source_index", "source_file", "label", "prediction", "confidence", "class"}, rows[0][:8])
	for _, row := range rows[1:] {
		require.FileExists(t, filepath.Join(imgs, filepath.FromSlash(row[3])))
		require.Equal(t, row[7], filepath.Base(filepath.Dir(row[3])), "class column vs file folder")
	}
	// Repair reads the types back from the wider types.csv.
	rep := filepath.Join(dir, "repair")
	require.NoError(t, runRepair([]string{"--model", model, "--data", imgs, "--positive", "lesion,tumour", "--types", an, "--out", rep,
		"--method", "random", "--max-epochs", "1", "--workers", "1", "--threads", "1"}))
	require.FileExists(t, filepath.Join(rep, "results.json"))
}
