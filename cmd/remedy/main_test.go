package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(b, &v), path)
	return v
}

// The whole command-line path on a small synthetic set: train, eval,
// analyze (resumable), repair.
func TestTrainAnalyzeRepair(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train")
	require.NoError(t, runTrain([]string{"--data", "synth:600", "--out", train, "--epochs", "1", "--lr", "1e-3", "--threads", "2"}))
	m := readJSON(t, filepath.Join(train, "metrics.json"))
	require.Contains(t, m, "val_accuracy")
	require.Contains(t, m, "test_accuracy")
	model := filepath.Join(train, "model.safetensors")
	require.FileExists(t, model)
	require.NoError(t, runEval([]string{"--model", model, "--data", "synth:600"}))

	an := filepath.Join(dir, "analysis")
	args := []string{"--model", model, "--data", "synth:600", "--out", an, "--method", "random,fpfn", "--workers", "2", "--max-epochs", "2"}
	require.NoError(t, runAnalyze(args))
	r := readJSON(t, filepath.Join(an, "results.json"))
	methods := r["methods"].(map[string]any)
	for _, name := range []string{"random", "fpfn"} {
		mr := methods[name].(map[string]any)
		for _, key := range []string{"k", "types", "matrix", "learnability", "independence", "compatibility", "summary", "planted_ari"} {
			require.Contains(t, mr, key, "%s.%s", name, key)
		}
		sum := mr["summary"].(map[string]any)["learnability"].(map[string]any)
		require.Contains(t, sum, "mean")
		require.Contains(t, sum, "std")
	}
	for _, f := range []string{"types.csv", "report.md", "fig2-matrix-random.png", "fig3c-makeup-random.png", "fig3d-examples-fpfn.png"} {
		require.FileExists(t, filepath.Join(an, f))
	}
	// A rerun reuses every fine-tuning run and gives the same results.
	before, _ := os.ReadFile(filepath.Join(an, "results.json"))
	require.NoError(t, runAnalyze(args))
	after, _ := os.ReadFile(filepath.Join(an, "results.json"))
	var b1, b2 map[string]any
	require.NoError(t, json.Unmarshal(before, &b1))
	require.NoError(t, json.Unmarshal(after, &b2))
	for _, b := range []map[string]any{b1, b2} {
		for _, mr := range b["methods"].(map[string]any) {
			delete(mr.(map[string]any), "seconds") // wall time differs, nothing else may
		}
	}
	require.Equal(t, b1["methods"], b2["methods"])

	rep := filepath.Join(dir, "repair")
	require.NoError(t, runRepair([]string{"--model", model, "--data", "synth:600", "--types", an, "--out", rep, "--method", "random", "--max-epochs", "2"}))
	rr := readJSON(t, filepath.Join(rep, "results.json"))
	rows := rr["repair"].(map[string]any)["rows"].([]any)
	require.Len(t, rows, 6)
	require.FileExists(t, filepath.Join(rep, "fig-repair.png"))
}

func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.safetensors")
	require.NoError(t, os.WriteFile(bad, []byte("not a model"), 0o644))
	err := runAnalyze([]string{"--model", bad, "--data", "synth:300", "--out", dir})
	require.ErrorContains(t, err, bad)

	err = runTrain([]string{"--data", filepath.Join(dir, "missing.npz"), "--out", dir})
	require.ErrorContains(t, err, "missing.npz")

	err = runAnalyze([]string{"--data", "synth:300", "--out", dir})
	require.ErrorContains(t, err, "--model")

	err = runAnalyze([]string{"--model", bad, "--data", "synth:300", "--out", dir, "--method", "nonsense"})
	require.ErrorContains(t, err, "nonsense")

	err = runRepair([]string{"--model", bad, "--data", "synth:300", "--types", dir, "--out", dir})
	require.ErrorContains(t, err, "results.json")
}

// The ICE path on a tiny simulated set: train a detector (saving the
// frames), analyze and repair it from the saved files.
func TestICEAnalyzeRepair(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train")
	frames := filepath.Join(dir, "frames.npz")
	require.NoError(t, runTrainICE([]string{"--task", "ice", "--n", "200", "--size", "32", "--epochs", "1", "--out", train, "--save-data", frames, "--threads", "2"}))
	model := filepath.Join(train, "model.safetensors")
	require.FileExists(t, model)
	require.FileExists(t, frames)

	an := filepath.Join(dir, "analysis")
	require.NoError(t, runAnalyze([]string{"--task", "ice", "--model", model, "--data", frames, "--out", an, "--method", "random,fpfn,metadata-location", "--workers", "2", "--max-epochs", "1"}))
	r := readJSON(t, filepath.Join(an, "results.json"))
	require.Equal(t, "ice", r["task"])
	methods := r["methods"].(map[string]any)
	for _, name := range []string{"random", "fpfn", "metadata-location"} {
		require.Contains(t, methods, name)
		mr := methods[name].(map[string]any)
		for _, key := range []string{"k", "types", "matrix", "learnability", "independence", "compatibility", "summary", "planted_ari"} {
			require.Contains(t, mr, key, "%s.%s", name, key)
		}
	}
	for _, f := range []string{"types.csv", "report.md", "fig2-matrix-random.png", "fig3d-examples-fpfn.png"} {
		require.FileExists(t, filepath.Join(an, f))
	}
	// The simulated frames regenerate from the model's recorded data and
	// seed: the same analysis set, so repair accepts the saved types.
	rep := filepath.Join(dir, "repair")
	require.NoError(t, runRepair([]string{"--task", "ice", "--model", model, "--types", an, "--out", rep, "--method", "random", "--max-epochs", "1"}))
	rows := readJSON(t, filepath.Join(rep, "results.json"))["repair"].(map[string]any)["rows"].([]any)
	require.Len(t, rows, 6)
	require.FileExists(t, filepath.Join(rep, "fig-repair.png"))

	err := runAnalyze([]string{"--task", "ice", "--model", model, "--data", filepath.Join(dir, "missing.npz"), "--out", an})
	require.ErrorContains(t, err, "missing.npz")
	err = runAnalyze([]string{"--task", "ice", "--model", model, "--data", "ice-sim:x", "--out", an})
	require.ErrorContains(t, err, "ice-sim:N:SIZE")
	err = runRepair([]string{"--task", "ice", "--model", model, "--types", filepath.Join(dir, "none"), "--out", rep})
	require.ErrorContains(t, err, "results.json")
}
