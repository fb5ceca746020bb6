package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"

	"remedy/data"
	"remedy/kernels"
	"remedy/nn"
)

// newFlags makes a command's flag set with a usage line.
func newFlags(name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: remedy %s %s\n\n%s\n\nflags:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

// setThreads applies --threads (0 = all cores).
func setThreads(n int) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	kernels.SetThreads(n)
}

// synthName is the --data value of the embedded synthetic tissue set.
const synthName = "synth"

// dataHelp describes --data for the classification commands.
const dataHelp = "MedMNIST .npz, directory of IDX files, image folder (DIR/<class>/*.png|jpg, or DIR/train/<class>/..., with --positive), or synth[:N]"

// positiveHelp describes --positive.
const positiveHelp = "image folders only: comma-separated class folder names with task label 1 (required there)"

// loadData reads --data: a MedMNIST .npz, a directory of IDX files, an
// image folder (positive: its comma-separated positive class folders) or
// "synth" (the embedded synthetic tissue set, generated from the seed).
func loadData(path, task string, seed uint64, positive string) (*data.Splits, error) {
	if path == "" {
		return nil, fmt.Errorf("--data is required (a MedMNIST .npz, a directory of IDX files, an image folder, or %q)", synthName)
	}
	pos := splitList(positive)
	if path == synthName || strings.HasPrefix(path, synthName+":") {
		if len(pos) > 0 {
			return nil, fmt.Errorf("--positive is only for image folders, not --data %s", path)
		}
		n := 20000
		if rest, ok := strings.CutPrefix(path, synthName+":"); ok {
			if _, err := fmt.Sscan(rest, &n); err != nil || n < 100 {
				return nil, fmt.Errorf("--data %s: want synth or synth:N with N >= 100", path)
			}
		}
		return data.SynthTissue(n, seed), nil
	}
	return data.Load(path, data.LoadOptions{Task: task, Seed: seed, Channels: 3, Positive: pos})
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkModelTask refuses a model trained for another binary task than the
// data's: its labels would mean something else and every figure would be
// silently wrong. Models whose file does not record the task pass.
func checkModelTask(modelPath string, meta map[string]string, sp *data.Splits, positive string) error {
	if t := meta["task"]; t != "" && sp.Task != "" && t != sp.Task {
		return fmt.Errorf("model %s was trained for task %s, but the data is task %s", modelPath, t, sp.Task)
	}
	if sp.Task != "images" {
		return nil
	}
	norm := func(s string) string {
		l := splitList(s)
		slices.Sort(l)
		return strings.Join(slices.Compact(l), ",")
	}
	if was, ok := meta["positive"]; ok && norm(was) != norm(positive) {
		return fmt.Errorf("model %s was trained with --positive %s, this run has --positive %s: the labels would differ", modelPath, was, positive)
	}
	return nil
}

// newModel is the classifier architecture remedy trains and analyses.
func newModel() nn.Model { return nn.NewBPVGG(0) }

// loadModel reads a safetensors model file into a fresh classifier; the
// file's metadata goes on into repaired models.
func loadModel(path string) (nn.Model, map[string]string, error) {
	if path == "" {
		return nil, nil, fmt.Errorf("--model is required")
	}
	m := newModel()
	meta, err := nn.LoadModel(path, m.Params())
	if err != nil {
		return nil, nil, err
	}
	return m, meta, nil
}

// interrupted returns a channel closed on the first Ctrl-C; a second one
// kills the process as usual.
func interrupted() <-chan struct{} {
	ch := make(chan struct{})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	go func() {
		<-sig
		fmt.Fprintln(os.Stderr, "\ninterrupted: finishing the current step (Ctrl-C again to abort)")
		signal.Stop(sig)
		close(ch)
	}()
	return ch
}

func kernelsThreads() int { return kernels.Threads() }
