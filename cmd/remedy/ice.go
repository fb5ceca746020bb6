package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"remedy/data"
	"remedy/framework"
	"remedy/kernels"
	"remedy/metrics"
	"remedy/nn"
)

// The ICE catheter-detection task: `remedy train --task ice` and `remedy
// demo --task ice` on simulated intracardiac echo frames.

// taskIs reports whether args set --task (or -task) to want.
func taskIs(args []string, want string) bool {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, "task="); ok {
			return v == want
		}
		if a == "task" && i+1 < len(args) && len(args[i]) > 1 && args[i][0] == '-' {
			return args[i+1] == want
		}
	}
	return false
}

// iceFlags are the simulator and training flags of both ICE commands.
type iceFlags struct {
	n, size, epochs, batch, patience int
	lr                               float64
	matchDist                        float64
	distinct                         bool
}

func (f *iceFlags) add(fs *flag.FlagSet, n, epochs int) {
	fs.IntVar(&f.n, "n", n, "simulated frames in all (55% train, 5% validation, 40% test; the hard catheter types are rare in train, common in test)")
	fs.IntVar(&f.size, "size", 128, "frame side in pixels (a multiple of 16; the detector's grid is size/16 cells a side)")
	fs.IntVar(&f.epochs, "epochs", epochs, "maximum training epochs")
	fs.IntVar(&f.batch, "batch", 32, "training batch size")
	fs.Float64Var(&f.lr, "lr", 1e-3, "Adam learning rate")
	fs.IntVar(&f.patience, "patience", 3, "stop after this many epochs without a better validation F1 (0 = never)")
	fs.Float64Var(&f.matchDist, "match-dist", 0, "a prediction is a true positive within this many pixels of a catheter tip (0 = half a grid cell)")
	fs.BoolVar(&f.distinct, "distinct", false, "simulate the planted types more consistently apart from normal catheters (clear tip knobs, faint catheters deep in the pools) and rarer in training, all still clearly visible")
}

func (f *iceFlags) check() error {
	if f.n < 100 {
		return fmt.Errorf("--n %d: want at least 100 frames", f.n)
	}
	if f.size < 32 || f.size%nn.DetectorStride != 0 {
		return fmt.Errorf("--size %d: want a multiple of %d, at least 32", f.size, nn.DetectorStride)
	}
	if f.epochs < 1 || f.batch < 1 || !(f.lr > 0) || f.matchDist < 0 {
		return fmt.Errorf("--epochs, --batch and --lr must be positive, --match-dist not negative")
	}
	return nil
}

func (f *iceFlags) detectOptions() framework.DetectOptions {
	return framework.DetectOptions{MatchDist: float32(f.matchDist)}
}

// iceSimName is the --data value naming frames simulated from the seed.
const iceSimName = "ice-sim"

// iceSimSpec is the --data value of the frames f simulates.
func iceSimSpec(f *iceFlags) string {
	s := fmt.Sprintf("%s:%d:%d", iceSimName, f.n, f.size)
	if f.distinct {
		s += ":distinct"
	}
	return s
}

// iceFineTuneLR is the fast protocol's learning rate for the detector: at
// the classifier's 1e-4 the first epoch already costs the detector its
// Compatibility (C validation accuracy below 0.9 on the demo), so most runs
// keep the original model.
const iceFineTuneLR = 3e-5

// iceProtocol applies --ft-lr to the fast protocol (the paper protocol
// keeps its own rate).
func iceProtocol(cfg *framework.AnalyzeConfig, lr float64) error {
	if !(lr > 0) {
		return fmt.Errorf("--ft-lr %v: want a positive learning rate", lr)
	}
	if cfg.Protocol.Name == "fast" {
		cfg.Protocol.LR = lr
	}
	return nil
}

// loadICE reads --data for the ICE commands: ice-sim:N:SIZE (the demo's
// simulated splits, regenerated from the seed) or an ICE .npz written by
// `remedy train --task ice --save-data`.
func loadICE(spec string, seed uint64) (*data.ICESplits, error) {
	if spec == "" {
		return nil, fmt.Errorf("--data is required (an ICE .npz or %s:N:SIZE)", iceSimName)
	}
	if rest, ok := strings.CutPrefix(spec, iceSimName+":"); ok {
		var n, size int
		rest, distinct := strings.CutSuffix(rest, ":distinct")
		if _, err := fmt.Sscanf(rest, "%d:%d", &n, &size); err != nil {
			return nil, fmt.Errorf("--data %s: want %s:N:SIZE or %s:N:SIZE:distinct", spec, iceSimName, iceSimName)
		}
		f := iceFlags{n: n, size: size, epochs: 1, batch: 1, lr: 1}
		if err := f.check(); err != nil {
			return nil, fmt.Errorf("--data %s: %w", spec, err)
		}
		return data.SimICESplits(n, size, seed, distinct), nil
	}
	return data.ReadICE(spec)
}

// bindICE binds the splits for the detector.
func bindICE(sp *data.ICESplits) (train, val, test *framework.DetFrames, err error) {
	if sp.Train == nil || sp.Val == nil || sp.Test == nil {
		return nil, nil, nil, fmt.Errorf("ICE data: want train, val and test splits")
	}
	if train, err = framework.NewDetFrames(sp.Train); err != nil {
		return
	}
	if val, err = framework.NewDetFrames(sp.Val); err != nil {
		return
	}
	test, err = framework.NewDetFrames(sp.Test)
	return
}

// iceData simulates the frames and binds them for the detector.
func iceData(f *iceFlags, seed uint64) (train, val, test *framework.DetFrames, err error) {
	return bindICE(data.SimICESplits(f.n, f.size, seed, f.distinct))
}

// trainICE trains a detector, saving the best epoch to modelPath.
func trainICE(f *iceFlags, seed uint64, clip float64, train, val *framework.DetFrames, modelPath string, meta map[string]string) (*nn.ResDetector, framework.DetTrainMetrics, error) {
	m := nn.NewICEDetector(seed)
	tm, err := framework.TrainDetector(m, train, val, f.detectOptions(), framework.DetTrainOptions{
		Epochs: f.epochs, Batch: f.batch, LR: f.lr, Seed: seed, Patience: f.patience, ClipNorm: clip,
		Stop: interrupted(), Progress: os.Stderr,
		OnBest: func(epoch int, f1 float64) error {
			meta["epoch"], meta["val_f1"] = fmt.Sprint(epoch), fmt.Sprintf("%.4f", f1)
			return nn.SaveModel(modelPath, m.Params(), meta)
		},
	})
	return m, tm, err
}

func prf(c framework.DetCounts) map[string]any {
	p, r, f1 := c.PRF()
	return map[string]any{"precision": p, "recall": r, "f1": f1, "tp": c.TP, "fp": c.FP, "fn": c.FN}
}

func runTrainICE(args []string) error {
	fs := newFlags("train", "--task ice --out DIR [flags]",
		"Trains the residual catheter detector (5 residual blocks, objectness + centre heads on a size/16 grid) on\nsimulated ICE frames with Adam and early stopping on validation F1. Writes DIR/model.safetensors (the best\nepoch) and DIR/metrics.json (precision, recall and F1 on the validation and test frames).")
	fs.String("task", "ice", "ice")
	out := fs.String("out", "", "output directory")
	seed := fs.Uint64("seed", 0, "seed of the simulation, initialisation and batch order")
	threads := fs.Int("threads", 0, "kernel threads (0 = all cores)")
	clip := fs.Float64("clip", 0, "gradient-norm clip (0 = none)")
	saveData := fs.String("save-data", "", "also write the simulated frames to this .npz (for analyze/repair --data)")
	var f iceFlags
	f.add(fs, 4000, 15)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	if err := f.check(); err != nil {
		return err
	}
	setThreads(*threads)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	sp := data.SimICESplits(f.n, f.size, *seed, f.distinct)
	if *saveData != "" {
		if err := data.WriteICE(*saveData, sp); err != nil {
			return err
		}
	}
	train, val, test, err := bindICE(sp)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "simulated ICE frames %dx%d: train %d, val %d, test %d; kernels %s, %d threads\n",
		f.size, f.size, train.Set.N, val.Set.N, test.Set.N, kernels.Path(), kernels.Threads())
	modelPath := filepath.Join(*out, "model.safetensors")
	meta := map[string]string{"arch": "icedet", "data": iceSimSpec(&f), "task": "ice", "seed": fmt.Sprint(*seed), "remedy": version}
	m, tm, err := trainICE(&f, *seed, *clip, train, val, modelPath, meta)
	if err != nil {
		return err
	}
	det := f.detectOptions()
	vc, tc := framework.DetectionScores(m, val, det), framework.DetectionScores(m, test, det)
	res := map[string]any{
		"val": prf(vc), "test": prf(tc), "best_epoch": tm.BestEpoch, "epochs_run": tm.Epochs, "interrupted": tm.Interrupted,
		"seconds": tm.Seconds, "history": tm.History, "task": "ice", "n": f.n, "size": f.size,
		"train": train.Set.N, "val_frames": val.Set.N, "test_frames": test.Set.N, "detect": det,
		"epochs": f.epochs, "batch": f.batch, "lr": f.lr, "seed": *seed, "threads": kernels.Threads(), "kernels": kernels.Path(),
		"note":     "test frames hold the hard catheter types (near-probe, faint, near-wall, touching) far more often than train and val",
		"finished": time.Now().UTC().Format(time.RFC3339),
	}
	if err := framework.WriteJSON(filepath.Join(*out, "metrics.json"), res); err != nil {
		return err
	}
	_, _, vf := vc.PRF()
	tp, tr, tf := tc.PRF()
	fmt.Printf("best epoch %d: val F1 %.3f; test precision %.3f recall %.3f F1 %.3f (%.0f s); model in %s\n", tm.BestEpoch, vf, tp, tr, tf, tm.Seconds, modelPath)
	return nil
}

func runDemoICE(args []string) error {
	fs := newFlags("demo", "--task ice [--out DIR] [flags]",
		"Simulates ICE frames with planted failure types (catheter image types rare in training), trains the\ndetector, finds and scores failure types among its missed catheters and false alarms with every method\n(both metadata baselines: image type and anatomical location), reports how well each recovers the\nplanted types, and repairs the detector on the gradient types.")
	fs.String("task", "ice", "ice")
	var a analysisFlags
	a.add(fs)
	out := fs.String("out", "remedy-demo-ice", "output directory")
	var f iceFlags
	f.add(fs, 2400, 25)
	size := fs.Lookup("size")
	size.DefValue = "64"
	size.Value.Set("64") // the demo's default: 4x cheaper than 128 (a 4 x 4 grid)
	pat := fs.Lookup("patience")
	pat.DefValue = "0"
	pat.Value.Set("0") // 120 validation frames: F1 too noisy to stop early on
	dis := fs.Lookup("distinct")
	dis.DefValue = "true"
	dis.Value.Set("true") // planted types that fail consistently, little failure noise on normal catheters
	ftLR := fs.Float64("ft-lr", iceFineTuneLR, "learning rate of the fast protocol's fine-tuning")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	if a.maxEpochs == 0 {
		a.maxEpochs = 6 // keeps the ~50 fine-tuning runs to minutes; --max-epochs overrides
	}
	cfg, err := a.configFor(iceMethods)
	if err != nil {
		return err
	}
	if err := iceProtocol(&cfg, *ftLR); err != nil {
		return err
	}
	start := time.Now()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	train, val, test, err := iceData(&f, a.seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "simulated ICE frames %dx%d: train %d, val %d, analysis %d; kernels %s, %d threads\n",
		f.size, f.size, train.Set.N, val.Set.N, test.Set.N, kernels.Path(), kernels.Threads())
	modelPath := filepath.Join(*out, "model.safetensors")
	meta := map[string]string{"arch": "icedet", "data": iceSimSpec(&f), "task": "ice", "seed": fmt.Sprint(a.seed), "remedy": version}
	m := nn.NewICEDetector(a.seed)
	if _, err := nn.LoadModel(modelPath, m.Params()); err == nil {
		fmt.Fprintf(os.Stderr, "reusing the trained detector in %s\n", modelPath)
	} else {
		var tm framework.DetTrainMetrics
		m, tm, err = trainICE(&f, a.seed, 0, train, val, modelPath, meta)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "trained in %.0f s: val F1 %.3f\n", tm.Seconds, tm.ValF1)
	}
	det := f.detectOptions()
	_, _, vf := framework.DetectionScores(m, val, det).PRF()
	tc := framework.DetectionScores(m, test, det)
	tp, tr, tf := tc.PRF()
	d, e, err := framework.EvaluateDetector(m, test, det)
	if err != nil {
		return fmt.Errorf("analysis frames: %w", err)
	}
	if len(e.F) == 0 {
		return fmt.Errorf("the detector makes no mistakes on the %d analysis frames: nothing to analyse", test.Set.N)
	}
	fmt.Fprintf(os.Stderr, "detector: val F1 %.3f; analysis frames: precision %.3f recall %.3f F1 %.3f (%d TP, %d FP, %d FN)\n", vf, tp, tr, tf, tc.TP, tc.FP, tc.FN)
	printICEFailures(e)
	job := iceJob(d, e, cfg, *out, meta["data"], modelPath)
	job.ModelMeta = meta
	r, err := analyzeAndRepair(job)
	if err != nil {
		return err
	}
	fmt.Printf("\nplanted ARI if false alarms took their nearest catheter's image type (the image-type metadata) instead of one type:")
	for _, name := range r.MethodOrder {
		if t, _ := r.Methods[name].TypesOf(); t != nil {
			if ari, ok := metaARI(e, t, 0); ok {
				fmt.Printf(" %s %.2f;", name, ari)
			}
		}
	}
	fmt.Println()
	fmt.Printf("\npaper, ICE-CD (Table 1, L / I):")
	for _, p := range iceTable1 {
		fmt.Printf(" %s %.2f / %.2f;", p.name, p.l, p.i)
	}
	fmt.Printf("\ndetector F1 on the analysis frames %.3f (val %.3f); demo finished in %s; report in %s\n", tf, vf, time.Since(start).Round(time.Second), filepath.Join(*out, "report.md"))
	return nil
}

// metaARI is the adjusted Rand index between the types and metadata field
// f over the failures the types kept.
func metaARI(e *framework.Evaluation, t *framework.Types, f int) (float64, bool) {
	var truth, got []int32
	for i, ci := range e.F {
		if t.Assign[i] >= 0 {
			truth = append(truth, e.Cases[ci].Meta[f])
			got = append(got, int32(t.Assign[i]))
		}
	}
	ari, err := metrics.AdjustedRand(truth, got)
	return ari, err == nil && len(truth) > 0
}

// iceTable1 is the paper's ICE-CD Learnability and Independence (Table 1).
var iceTable1 = []struct {
	name string
	l, i float64
}{{"random", 0.65, 0.01}, {"fpfn", 0.69, 0.14}, {"metadata (image type)", 0.77, 0.46},
	{"metadata-location", 0.75, 0.37}, {"feature", 0.83, 0.36}, {"gradient", 0.83, 0.48}}

// printICEFailures prints how the failures spread over the image types.
func printICEFailures(e *framework.Evaluation) {
	f := e.Meta[0]
	n := make([][2]int, len(f.Values)) // failures, cases
	for _, c := range e.Cases {
		n[c.Meta[0]][1]++
		if !c.Correct {
			n[c.Meta[0]][0]++
		}
	}
	fmt.Fprintf(os.Stderr, "%d cases, %d failures; by image type (failures / cases):", len(e.Cases), len(e.F))
	for i, v := range f.Values {
		fmt.Fprintf(os.Stderr, " %s %d/%d;", v, n[i][0], n[i][1])
	}
	fmt.Fprintln(os.Stderr)
}

// iceMethods are the typing methods of detection: both metadata fields.
var iceMethods = append(append([]string(nil), framework.Methods...), "metadata-location")

// iceJob is the analysis of a detector bound to its analysis frames.
func iceJob(d *framework.Detector, e *framework.Evaluation, cfg framework.AnalyzeConfig, dir, dataName, modelName string) *framework.Job {
	return &framework.Job{
		Learner: d, Embedder: d, Eval: e, LabelNames: framework.DetLabelNames, Planted: framework.DetPlantedNames(d.Frames.Set),
		Tile: framework.DetTile(d, e), Config: cfg, Dir: dir,
		Header:   framework.Results{Version: version, Task: "ice", Data: dataName, Model: modelName},
		Progress: os.Stderr, SkipFailed: true,
	}
}

// iceAnalysisFlags are the flags analyze and repair take for --task ice.
type iceAnalysisFlags struct {
	a                analysisFlags
	model, data, out string
	matchDist, ftLR  float64
	meta             map[string]string // the detector file's metadata, after load
}

func (f *iceAnalysisFlags) add(fs *flag.FlagSet) {
	f.a.add(fs)
	fs.String("task", "ice", "ice")
	fs.StringVar(&f.model, "model", "", "detector file (safetensors, from remedy train --task ice)")
	fs.StringVar(&f.data, "data", "", "ICE .npz (remedy train --task ice --save-data) or ice-sim:N:SIZE; default: what the model was trained on")
	fs.StringVar(&f.out, "out", "", "output directory")
	fs.Float64Var(&f.matchDist, "match-dist", 0, "a prediction is a true positive within this many pixels of a catheter tip (0 = half a grid cell)")
	fs.Float64Var(&f.ftLR, "ft-lr", iceFineTuneLR, "learning rate of the fast protocol's fine-tuning")
}

// load reads the detector and its data and evaluates it on the analysis
// (test) frames.
func (f *iceAnalysisFlags) load(seedSet bool) (*framework.Detector, *framework.Evaluation, error) {
	if f.out == "" {
		return nil, nil, fmt.Errorf("--out is required")
	}
	if f.model == "" {
		return nil, nil, fmt.Errorf("--model is required")
	}
	m := nn.NewICEDetector(0)
	meta, err := nn.LoadModel(f.model, m.Params())
	if err != nil {
		return nil, nil, err
	}
	f.meta = meta
	if f.data == "" {
		f.data = meta["data"]
		if f.data == "" {
			return nil, nil, fmt.Errorf("--data is required: %s does not record its data", f.model)
		}
	}
	if s, ok := meta["seed"]; ok && !seedSet && strings.HasPrefix(f.data, iceSimName+":") {
		// Simulated frames must be regenerated with the training seed.
		if _, err := fmt.Sscan(s, &f.a.seed); err != nil {
			return nil, nil, fmt.Errorf("%s: seed %q: %v", f.model, s, err)
		}
	}
	sp, err := loadICE(f.data, f.a.seed)
	if err != nil {
		return nil, nil, err
	}
	_, _, test, err := bindICE(sp)
	if err != nil {
		return nil, nil, fmt.Errorf("data %s: %w", f.data, err)
	}
	d, e, err := framework.EvaluateDetector(m, test, framework.DetectOptions{MatchDist: float32(f.matchDist)})
	if err != nil {
		return nil, nil, fmt.Errorf("model %s on data %s: %w", f.model, f.data, err)
	}
	if len(e.F) == 0 {
		return nil, nil, fmt.Errorf("model %s makes no mistakes on the %d analysis frames of %s: nothing to analyse", f.model, test.Set.N, f.data)
	}
	return d, e, os.MkdirAll(f.out, 0o755)
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func runAnalyzeICE(args []string) error {
	fs := newFlags("analyze", "--task ice --model FILE --out DIR [--data FILE.npz|ice-sim:N:SIZE] [flags]",
		"Finds the detector's failure types (missed catheters and false alarms on the test frames) with each method,\nincluding both metadata baselines (image type, anatomical location), fine-tunes one model per type under the\nCompatibility constraint and scores Learnability and Independence. Writes DIR/results.json, types.csv,\nreport.md and figures; rerunning resumes.")
	var f iceAnalysisFlags
	f.add(fs)
	fs.StringVar(&f.a.methods, "method", "all", "gradient, feature, random, fpfn, metadata (image type), metadata-location, a comma-separated list, or all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := f.a.configFor(iceMethods)
	if err != nil {
		return err
	}
	if err := iceProtocol(&cfg, f.ftLR); err != nil {
		return err
	}
	d, e, err := f.load(flagSet(fs, "seed"))
	if err != nil {
		return err
	}
	cfg.Seed = f.a.seed
	printICEFailures(e)
	r, err := iceJob(d, e, cfg, f.out, f.data, f.model).Analyze()
	if err != nil {
		return err
	}
	printSummary(r)
	fmt.Printf("results in %s\n", filepath.Join(f.out, "report.md"))
	return nil
}

func runRepairICE(args []string) error {
	fs := newFlags("repair", "--task ice --model FILE --types DIR --out DIR [--data ...] [flags]",
		"Repairs the detector on the failure types of an analysis (DIR from remedy analyze --task ice) with each\nPhase II method and reports accuracy on every type, on the correct cases and on the whole test set.")
	var f iceAnalysisFlags
	f.add(fs)
	typesDir := fs.String("types", "", "analysis directory (results.json and types.csv)")
	method := fs.String("method", "gradient", "whose types to repair")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *typesDir == "" {
		return fmt.Errorf("--types is required")
	}
	r, err := framework.ReadResults(filepath.Join(*typesDir, "results.json"))
	if err != nil {
		return err
	}
	f.a.seed = r.Seed
	cfg, err := f.a.configFor(iceMethods)
	if err != nil {
		return err
	}
	if err := iceProtocol(&cfg, f.ftLR); err != nil {
		return err
	}
	d, e, err := f.load(true)
	if err != nil {
		return err
	}
	job := iceJob(d, e, cfg, f.out, f.data, f.model)
	job.ModelMeta = f.meta
	if err := framework.LoadTypes(r, *typesDir, *method, job.Eval); err != nil {
		return err
	}
	if err := job.Repair(r, *method, nil); err != nil {
		return err
	}
	printSummary(r)
	fmt.Printf("results in %s\n", filepath.Join(f.out, "report.md"))
	return nil
}
