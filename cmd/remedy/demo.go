package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"remedy/data"
	"remedy/framework"
	"remedy/kernels"
	"remedy/nn"
)

func init() {
	register(command{"demo", "the whole pipeline on the embedded synthetic data: train, analyze, repair", runDemo})
}

func runDemo(args []string) error {
	if taskIs(args, "ice") {
		return runDemoICE(args) // catheter detection on simulated ICE frames: cmd/remedy/ice.go
	}
	fs := newFlags("demo", "[--out DIR] [flags]",
		"Generates the embedded synthetic tissue set (9 textures, binary label, planted failure types with\nknown truth), trains the classifier, finds and scores failure types with every method, reports how\nwell each recovers the planted types, and repairs the model on the gradient types.")
	var a analysisFlags
	a.add(fs)
	fs.StringVar(&a.methods, "method", "all", "gradient, feature, random, fpfn, metadata, a comma-separated list, or all")
	out := fs.String("out", "remedy-demo", "output directory")
	n := fs.Int("n", 12000, "synthetic images in all (40% form the analysis set)")
	epochs := fs.Int("epochs", 4, "training epochs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	o := data.DefaultSynth
	o.N, o.Seed = *n, a.seed
	sp := data.SynthTissueOpt(o)
	fmt.Fprintf(os.Stderr, "synthetic tissue: train %d, val %d, analysis %d images; kernels %s, %d threads\n", sp.Train.N, sp.Val.N, sp.Test.N, kernels.Path(), kernels.Threads())
	m := nn.NewBPVGG(a.seed)
	modelPath := filepath.Join(*out, "model.safetensors")
	modelMeta := map[string]string{"arch": "bpvgg", "data": "synth", "remedy": version}
	if _, err := nn.LoadModel(modelPath, m.Params()); err == nil {
		fmt.Fprintf(os.Stderr, "reusing the trained model in %s\n", modelPath)
	} else {
		tm, err := framework.TrainClassifier(m, sp.Train, sp.Val, framework.TrainOptions{
			Epochs: *epochs, Batch: 32, LR: 1e-3, Seed: a.seed, Patience: 2, Progress: os.Stderr, Stop: interrupted(),
		})
		if err != nil {
			return err
		}
		if err := nn.SaveModel(modelPath, m.Params(), modelMeta); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "trained in %.0f s: val accuracy %.3f\n", tm.Seconds, tm.ValAccuracy)
	}
	job, err := classificationJob(m, sp, cfg, *out, "synth", modelPath)
	if err != nil {
		return err
	}
	job.ModelMeta = modelMeta
	if _, err := analyzeAndRepair(job); err != nil {
		return err
	}
	fmt.Printf("\ndemo finished in %s; report in %s\n", time.Since(start).Round(time.Second), filepath.Join(*out, "report.md"))
	return nil
}

// analyzeAndRepair is a demo's second half: every method, then the repair
// of the gradient types (or the first method's when gradient failed), then
// the summary on stdout.
func analyzeAndRepair(job *framework.Job) (*framework.Results, error) {
	r, err := job.Analyze()
	if err != nil {
		return nil, err
	}
	method := "gradient"
	if _, ok := r.Methods[method]; !ok {
		method = r.MethodOrder[0]
	}
	if err := job.Repair(r, method, methodResults(r)); err != nil {
		return nil, err
	}
	printSummary(r)
	return r, nil
}

func methodResults(r *framework.Results) []*framework.MethodResult {
	var out []*framework.MethodResult
	for _, n := range r.MethodOrder {
		out = append(out, r.Methods[n])
	}
	return out
}
