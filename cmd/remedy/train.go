package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"remedy/framework"
	"remedy/kernels"
	"remedy/nn"
)

func init() {
	register(command{"train", "train the paper's classifier on a data set", runTrain})
}

func runTrain(args []string) error {
	if taskIs(args, "ice") {
		return runTrainICE(args) // the catheter detector: cmd/remedy/ice.go
	}
	fs := newFlags("train", "--data FILE.npz|DIR|synth [--positive A,B] --out DIR [flags]",
		"Trains the paper's VGG classifier with Adam and early stopping on validation accuracy.\nWrites DIR/model.safetensors (the best epoch, saved as soon as it is found) and DIR/metrics.json.")
	dataPath := fs.String("data", "", dataHelp)
	positive := fs.String("positive", "", positiveHelp)
	task := fs.String("task", "auto", "binary task: pathmnist, fashion or auto; ice trains the catheter detector on simulated ICE frames (see --task ice --help)")
	out := fs.String("out", "", "output directory")
	epochs := fs.Int("epochs", 10, "maximum epochs")
	batch := fs.Int("batch", 32, "batch size")
	lr := fs.Float64("lr", 1e-4, "Adam learning rate")
	seed := fs.Uint64("seed", 0, "seed of the initialisation, splits and batch order")
	threads := fs.Int("threads", 0, "kernel threads (0 = all cores)")
	patience := fs.Int("patience", 3, "stop after this many epochs without a better validation accuracy (0 = never)")
	clip := fs.Float64("clip", 1000, "gradient-norm clip (the paper's code: 1000; 0 = none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	if *epochs < 1 || *batch < 1 || !(*lr > 0) {
		return fmt.Errorf("--epochs, --batch and --lr must be positive")
	}
	setThreads(*threads)
	sp, err := loadData(*dataPath, *task, *seed, *positive)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "data %s (%s): train %d, val %d, test %d; kernels %s, %d threads\n",
		*dataPath, sp.Task, sp.Train.N, sp.Val.N, sp.Test.N, kernels.Path(), kernels.Threads())
	m := nn.NewBPVGG(*seed)
	modelPath := filepath.Join(*out, "model.safetensors")
	meta := map[string]string{"arch": "bpvgg", "data": *dataPath, "task": sp.Task, "remedy": version}
	if *positive != "" {
		meta["positive"] = *positive
	}
	tm, err := framework.TrainClassifier(m, sp.Train, sp.Val, framework.TrainOptions{
		Epochs: *epochs, Batch: *batch, LR: *lr, Seed: *seed, Patience: *patience, ClipNorm: *clip,
		Stop: interrupted(), Progress: os.Stderr,
		OnBest: func(m nn.Model, epoch int, acc float64) error {
			meta["epoch"], meta["val_accuracy"] = fmt.Sprint(epoch), fmt.Sprintf("%.4f", acc)
			return nn.SaveModel(modelPath, m.Params(), meta)
		},
	})
	if err != nil {
		return err
	}
	testAcc, _, err := framework.Accuracy(m, sp.Test)
	if err != nil {
		return err
	}
	res := map[string]any{
		"val_accuracy": tm.ValAccuracy, "test_accuracy": testAcc, "best_epoch": tm.BestEpoch,
		"epochs_run": tm.Epochs, "interrupted": tm.Interrupted, "seconds": tm.Seconds, "history": tm.History,
		"data": *dataPath, "task": sp.Task, "split_note": sp.Note, "train": sp.Train.N, "val": sp.Val.N, "test": sp.Test.N,
		"epochs": *epochs, "batch": *batch, "lr": *lr, "seed": *seed, "threads": kernels.Threads(), "kernels": kernels.Path(),
		"finished": time.Now().UTC().Format(time.RFC3339),
	}
	if err := framework.WriteJSON(filepath.Join(*out, "metrics.json"), res); err != nil {
		return err
	}
	fmt.Printf("best epoch %d: val accuracy %.4f, test accuracy %.4f (%.0f s); model in %s\n", tm.BestEpoch, tm.ValAccuracy, testAcc, tm.Seconds, modelPath)
	return nil
}
