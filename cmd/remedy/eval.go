package main

import (
	"fmt"

	"remedy/framework"
)

func init() {
	register(command{"eval", "evaluate a model: accuracy and confusion matrix", runEval})
}

func runEval(args []string) error {
	fs := newFlags("eval", "--model FILE --data FILE.npz|DIR|synth [--positive A,B] [flags]",
		"Prints the model's accuracy and confusion matrix on the data's test (analysis) split.")
	modelPath := fs.String("model", "", "model file (safetensors)")
	dataPath := fs.String("data", "", dataHelp)
	positive := fs.String("positive", "", positiveHelp)
	task := fs.String("task", "auto", "binary task: pathmnist, fashion or auto")
	seed := fs.Uint64("seed", 0, "seed of the splits (use the one the model was trained with)")
	threads := fs.Int("threads", 0, "kernel threads (0 = all cores)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	setThreads(*threads)
	m, meta, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	sp, err := loadData(*dataPath, *task, *seed, *positive)
	if err != nil {
		return err
	}
	if err := checkModelTask(*modelPath, meta, sp, *positive); err != nil {
		return err
	}
	acc, pred, err := framework.Accuracy(m, sp.Test)
	if err != nil {
		return fmt.Errorf("%s on %s: %w", *modelPath, *dataPath, err)
	}
	names := sp.Test.LabelNames
	if len(names) < 2 {
		names = []string{"0", "1"}
	}
	var cm [2][2]int
	for i, p := range pred {
		cm[sp.Test.Labels[i]][p]++
	}
	fmt.Printf("test split: %d images, accuracy %.4f\n\nconfusion matrix (rows: true, columns: predicted)\n", sp.Test.N, acc)
	fmt.Printf("%-16s %14s %14s\n", "", names[0], names[1])
	for t := 0; t < 2; t++ {
		fmt.Printf("%-16s %14d %14d\n", names[t], cm[t][0], cm[t][1])
	}
	return nil
}
