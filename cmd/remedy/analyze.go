package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"remedy/data"
	"remedy/framework"
	"remedy/nn"
)

func init() {
	register(command{"analyze", "find failure types and score them (Phase I)", runAnalyze})
	register(command{"repair", "repair a model on its failure types (Phase II)", runRepair})
}

// analysisFlags are shared by analyze, repair and demo.
type analysisFlags struct {
	protocol, methods string
	seed              uint64
	workers, threads  int
	maxEpochs         int
	checkpointEvery   time.Duration
}

func (a *analysisFlags) add(fs interface {
	StringVar(*string, string, string, string)
	Uint64Var(*uint64, string, uint64, string)
	IntVar(*int, string, int, string)
	DurationVar(*time.Duration, string, time.Duration, string)
}) {
	fs.StringVar(&a.protocol, "protocol", "fast", "fine-tuning protocol: paper (lr 1e-6, batch 1, 100 epochs) or fast")
	fs.Uint64Var(&a.seed, "seed", 0, "seed of every random stream (data splits too: use the one the model was trained with)")
	fs.IntVar(&a.workers, "workers", 0, "fine-tuning runs at once (0 = one per core, each on one kernel thread)")
	fs.IntVar(&a.threads, "threads", 0, "kernel threads for training, embeddings and clustering (0 = all cores)")
	fs.IntVar(&a.maxEpochs, "max-epochs", 0, "cap on fine-tuning epochs per run (0 = the protocol's)")
	fs.DurationVar(&a.checkpointEvery, "checkpoint-every", framework.DefaultCheckpointEvery, "how often a fine-tuning run saves its state to DIR/runs/*.ckpt so a killed run resumes mid-way (0 or negative = never)")
}

func (a *analysisFlags) config() (framework.AnalyzeConfig, error) {
	return a.configFor(framework.Methods)
}

// configFor is config with the methods a task offers ("all" = every one).
func (a *analysisFlags) configFor(methods []string) (framework.AnalyzeConfig, error) {
	cfg := framework.DefaultAnalyzeConfig()
	cfg.Methods = append([]string(nil), methods...)
	p, err := framework.ProtocolByName(a.protocol)
	if err != nil {
		return cfg, err
	}
	if a.maxEpochs > 0 {
		p.Epochs = min(p.Epochs, a.maxEpochs)
		p.MaxEpochs = a.maxEpochs
	}
	cfg.Protocol, cfg.Seed = p, a.seed
	setThreads(a.threads)
	cfg.Threads = kernelsThreads()
	cfg.Workers = a.workers
	cfg.CheckpointEvery = a.checkpointEvery
	if a.checkpointEvery == 0 {
		cfg.CheckpointEvery = -1 // "0" reads as "off" on the command line
	}
	if cfg.Workers <= 0 {
		cfg.Workers = cfg.Threads
	}
	if a.methods != "" && a.methods != "all" {
		cfg.Methods = nil
		for _, m := range strings.Split(a.methods, ",") {
			ok := false
			for _, k := range methods {
				ok = ok || k == m
			}
			if !ok {
				return cfg, fmt.Errorf("--method %q: want one of %v or all", m, methods)
			}
			cfg.Methods = append(cfg.Methods, m)
		}
	}
	return cfg, nil
}

// classificationJob binds a model to the analysis split of a data set.
func classificationJob(m nn.Model, sp *data.Splits, cfg framework.AnalyzeConfig, dir, dataName, modelName string) (*framework.Job, error) {
	set := sp.Test
	c, err := framework.NewClassifier(m, newModel, framework.ImagesOf(set))
	if err != nil {
		return nil, fmt.Errorf("model %s on data %s: %w", modelName, dataName, err)
	}
	metaName := "class"
	if sp.Task == "pathmnist" || sp.Task == "synth" {
		metaName = "tissue"
	}
	e, err := framework.EvaluateClassifier(c, set, metaName)
	if err != nil {
		return nil, fmt.Errorf("model %s on data %s: %w", modelName, dataName, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var planted []string
	if set.Planted != nil {
		planted = set.PlantedNames
	}
	return &framework.Job{
		Learner: c, Embedder: c, Eval: e, LabelNames: set.LabelNames, Planted: planted,
		Tile: framework.ImageTile(set, e, set.LabelNames), Config: cfg, Dir: dir,
		Header:    framework.Results{Version: version, Task: sp.Task, Data: dataName, Model: modelName},
		WithPaper: sp.Task == "pathmnist" || sp.Task == "fashion", Progress: os.Stderr,
	}, nil
}

func runAnalyze(args []string) error {
	if taskIs(args, "ice") {
		return runAnalyzeICE(args) // catheter detection: cmd/remedy/ice.go
	}
	fs := newFlags("analyze", "--model FILE --data FILE.npz|DIR|synth [--positive A,B] --out DIR [flags]",
		"Finds the model's failure types on the data's analysis (test) split with each method, fine-tunes one\nmodel per type under the Compatibility constraint and scores Learnability and Independence.\nWrites DIR/results.json, DIR/types.csv, DIR/report.md and figures; rerunning resumes.")
	var a analysisFlags
	a.add(fs)
	modelPath := fs.String("model", "", "model file (safetensors)")
	dataPath := fs.String("data", "", dataHelp)
	positive := fs.String("positive", "", positiveHelp)
	task := fs.String("task", "auto", "binary task: pathmnist, fashion or auto")
	out := fs.String("out", "", "output directory")
	fs.StringVar(&a.methods, "method", "all", "gradient, feature, random, fpfn, metadata, a comma-separated list, or all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	cfg, err := a.config()
	if err != nil {
		return err
	}
	m, meta, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	sp, err := loadData(*dataPath, *task, a.seed, *positive)
	if err != nil {
		return err
	}
	if err := checkModelTask(*modelPath, meta, sp, *positive); err != nil {
		return err
	}
	job, err := classificationJob(m, sp, cfg, *out, *dataPath, *modelPath)
	if err != nil {
		return err
	}
	r, err := job.Analyze()
	if err != nil {
		return err
	}
	printSummary(r)
	fmt.Printf("results in %s\n", filepath.Join(*out, "report.md"))
	return nil
}

func printSummary(r *framework.Results) {
	fmt.Printf("%d analysis cases, %d failures (accuracy %.3f)\n", r.Cases, r.Failures, r.Accuracy)
	fmt.Printf("%-10s %3s  %-13s %-13s %-13s %s\n", "method", "k", "Learnability", "Independence", "Compat.", "planted ARI")
	for _, name := range r.MethodOrder {
		m := r.Methods[name]
		ari := "-"
		if m.PlantedARI != nil {
			ari = fmt.Sprintf("%.2f", *m.PlantedARI)
		}
		fmt.Printf("%-10s %3d  %-13s %-13s %-13s %s\n", name, m.K, m.Summary.Learnability, m.Summary.Independence, m.Summary.Compatibility, ari)
	}
	if r.Repair != nil {
		fmt.Printf("\nrepair of the %s types: %-18s %8s %6s %6s  %s\n", r.Repair.Types, "method", "mean F", "C^te", "all", "model")
		for _, row := range r.Repair.Rows {
			fmt.Printf("%30s %-18s %8.2f %6.2f %6.2f  %s\n", "", row.Label, row.MeanF, row.CTest, row.All, repairModels(row))
		}
	}
}

// repairModels names a repair row's model files for the summary: one
// file, or the per-type files as a range.
func repairModels(row framework.RepairRow) string {
	var files []string
	for _, run := range row.Runs {
		if run.Model == "" {
			return ""
		}
		files = append(files, filepath.ToSlash(run.Model))
	}
	switch len(files) {
	case 0:
		return ""
	case 1:
		return files[0]
	}
	return fmt.Sprintf("%s ... %s", files[0], filepath.Base(files[len(files)-1]))
}

func runRepair(args []string) error {
	if taskIs(args, "ice") {
		return runRepairICE(args)
	}
	fs := newFlags("repair", "--model FILE --data FILE.npz|DIR|synth [--positive A,B] --types DIR --out DIR [flags]",
		"Repairs the model on the failure types of an analysis (DIR from remedy analyze) with each Phase II\nmethod and reports accuracy on every type, on the correct cases and on the whole test set.")
	var a analysisFlags
	a.add(fs)
	modelPath := fs.String("model", "", "model file (safetensors)")
	dataPath := fs.String("data", "", dataHelp)
	positive := fs.String("positive", "", positiveHelp)
	task := fs.String("task", "auto", "binary task: pathmnist, fashion or auto")
	typesDir := fs.String("types", "", "analysis directory (results.json and types.csv)")
	method := fs.String("method", "gradient", "whose types to repair")
	out := fs.String("out", "", "output directory (may be the analysis directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || *typesDir == "" {
		return fmt.Errorf("--types and --out are required")
	}
	r, err := framework.ReadResults(filepath.Join(*typesDir, "results.json"))
	if err != nil {
		return err
	}
	a.seed = r.Seed
	cfg, err := a.config()
	if err != nil {
		return err
	}
	m, meta, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	sp, err := loadData(*dataPath, *task, r.Seed, *positive)
	if err != nil {
		return err
	}
	if err := checkModelTask(*modelPath, meta, sp, *positive); err != nil {
		return err
	}
	job, err := classificationJob(m, sp, cfg, *out, *dataPath, *modelPath)
	if err != nil {
		return err
	}
	job.ModelMeta = meta
	if err := framework.LoadTypes(r, *typesDir, *method, job.Eval); err != nil {
		return err
	}
	if err := job.Repair(r, *method, nil); err != nil {
		return err
	}
	printSummary(r)
	return nil
}
