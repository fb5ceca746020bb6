package framework

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"time"

	"remedy/data"
	"remedy/kernels"
	"remedy/plot"
)

// ImagesOf wraps a data set's images for a classifier.
func ImagesOf(s *data.Set) *Images {
	return &Images{Pix: s.Images, N: s.N, C: s.C, H: s.H, W: s.W, Labels: s.Labels}
}

// EvaluateClassifier runs the classifier on the analysis set and records
// each case with its origin and metadata.
func EvaluateClassifier(c *Classifier, s *data.Set, metaName string) (*Evaluation, error) {
	all := make([]int, s.N)
	for i := range all {
		all[i] = i
	}
	pred, conf, err := c.Predict(all)
	if err != nil {
		return nil, err
	}
	e := &Evaluation{}
	if s.MetaNames != nil {
		e.Meta = []MetaField{{Name: metaName, Values: s.MetaNames}}
	}
	for i := 0; i < s.N; i++ {
		cs := Case{Index: i, Label: s.Labels[i], Pred: pred[i], Confidence: conf[i], Correct: pred[i] == s.Labels[i], Planted: -1}
		if s.Source != nil {
			cs.Source, cs.SourceIndex, cs.SourceFile = s.Source[i].Split, s.Source[i].Index, s.Source[i].File
		}
		if e.Meta != nil {
			cs.Meta = []int32{s.Meta[i]}
		} else {
			cs.Meta = []int32{}
		}
		if s.Planted != nil {
			cs.Planted = s.Planted[i]
		}
		e.Cases = append(e.Cases, cs)
	}
	return e, e.Split()
}

// Job is one analysis: a learner bound to its analysis set, and where the
// results go.
type Job struct {
	Learner    Learner
	Embedder   Embedder
	Eval       *Evaluation
	LabelNames []string
	Planted    []string
	Tile       TileFunc
	Config     AnalyzeConfig
	Dir        string
	Header     Results           // Version, Task, Data, Model filled by the caller
	ModelMeta  map[string]string // the model file's metadata, copied into the repaired models
	WithPaper  bool
	SkipFailed bool      // a method that fails is logged and skipped instead of ending the analysis
	Progress   io.Writer // stderr: progress lines
}

func (j *Job) log(format string, args ...any) {
	if j.Progress != nil {
		fmt.Fprintf(j.Progress, "["+time.Now().Format("15:04:05")+"] "+format+"\n", args...)
	}
}

func (j *Job) results() *Results {
	r := j.Header
	e := j.Eval
	r.Seed, r.Config, r.Kernels, r.Build = j.Config.Seed, j.Config, kernels.Path(), Build()
	r.Cases, r.Failures, r.Correct, r.Accuracy = len(e.Cases), len(e.F), len(e.C), e.Accuracy()
	r.LabelNames, r.MetaFields, r.Planted = j.LabelNames, e.Meta, j.Planted
	r.Methods = map[string]*MethodResult{}
	r.Seconds = map[string]float64{}
	return &r
}

// Analyze runs every configured method, writing results.json, types.csv and
// the report after each method so that an interrupted run keeps what it
// finished; fine-tuning runs already on disk are reused.
func (j *Job) Analyze() (*Results, error) {
	r := j.results()
	store := &Store{Dir: filepath.Join(j.Dir, "runs"), CheckpointEvery: j.Config.CheckpointEvery}
	var done []*MethodResult
	for _, name := range j.Config.Methods {
		t0 := time.Now()
		j.log("method %s: finding types among %d failures", name, len(j.Eval.F))
		m, err := AnalyzeMethod(name, j.Learner, j.Embedder, j.Eval, j.LabelNames, j.Config, store, j.Progress, j.log)
		if err != nil && j.SkipFailed {
			// One baseline without enough failures should not lose the rest.
			j.log("method %s skipped: %v", name, err)
			continue
		}
		if err != nil {
			return r, err
		}
		r.Methods[name] = m
		r.MethodOrder = append(r.MethodOrder, name)
		r.Seconds[name] = time.Since(t0).Seconds()
		done = append(done, m)
		if err := j.write(r, done); err != nil {
			return r, err
		}
	}
	if j.SkipFailed && len(done) == 0 {
		return r, fmt.Errorf("no method could type the %d failures", len(j.Eval.F))
	}
	return r, nil
}

func (j *Job) write(r *Results, done []*MethodResult) error {
	if err := WriteJSON(filepath.Join(j.Dir, "results.json"), r); err != nil {
		return err
	}
	if done != nil { // a repair run leaves the analysis' types.csv alone
		if err := WriteTypesCSV(filepath.Join(j.Dir, "types.csv"), j.Eval, j.LabelNames, j.Planted, done); err != nil {
			return err
		}
	}
	return WriteReport(j.Dir, r, j.Eval, j.Tile, j.WithPaper)
}

// Repair runs Phase II on the types of one method of r (an analysis of the
// same model and data) and adds the table to r.
func (j *Job) Repair(r *Results, method string, done []*MethodResult) error {
	m, ok := r.Methods[method]
	if !ok {
		return fmt.Errorf("repair: the analysis has no method %q (it has %v)", method, r.MethodOrder)
	}
	_, sp := m.TypesOf()
	if sp == nil {
		return fmt.Errorf("repair: the types of %q were not loaded", method)
	}
	t0 := time.Now()
	names := make([]string, len(m.Types))
	for i, t := range m.Types {
		names[i] = t.Name
	}
	store := &Store{Dir: filepath.Join(j.Dir, "runs"), CheckpointEvery: j.Config.CheckpointEvery}
	out := &ModelOut{Dir: j.Dir, Meta: j.ModelMeta, From: r.Model, TypeNames: names}
	rows, err := Repair(j.Learner, sp, j.Config.Protocol, j.Config.Seed, store, method, j.Config.Workers, j.log, out)
	if err != nil {
		return err
	}
	r.Repair = &RepairResult{Types: method, Names: names, Rows: rows}
	if r.Seconds == nil {
		r.Seconds = map[string]float64{}
	}
	r.Seconds["repair"] = time.Since(t0).Seconds()
	return j.write(r, done)
}

// ImageTile renders an analysis image with its label and prediction.
func ImageTile(s *data.Set, e *Evaluation, labelNames []string) TileFunc {
	return func(i int) plot.Tile {
		c := e.Cases[i]
		return plot.Tile{Pix: s.Image(i), C: s.C, H: s.H, W: s.W, Scale: 2,
			Caption: fmt.Sprintf("p=%.2f", c.Confidence)}
	}
}

// LoadTypes restores one method's types and splits from an analysis
// directory (results.json already read into r, plus types.csv), checking
// that the failures of e are the ones that analysis saw.
func LoadTypes(r *Results, dir, method string, e *Evaluation) error {
	m, ok := r.Methods[method]
	if !ok {
		return fmt.Errorf("%s: no method %q in results.json (it has %v)", dir, method, r.MethodOrder)
	}
	if len(e.F) != r.Failures || len(e.Cases) != r.Cases {
		return fmt.Errorf("%s: the analysis saw %d cases with %d failures, but this model on this data gives %d cases with %d failures: not the same model or data",
			dir, r.Cases, r.Failures, len(e.Cases), len(e.F))
	}
	path := filepath.Join(dir, "types.csv")
	typ, split, err := ReadTypesCSV(path, method)
	if err != nil {
		return err
	}
	isF := map[int]int{}
	for pos, ci := range e.F {
		isF[ci] = pos
	}
	index := map[string]int{}
	t := &Types{Method: method, K: len(m.Types), Assign: make([]int, len(e.F))}
	sp := &TypeSplits{Types: make([]Parts, len(m.Types))}
	for k, ti := range m.Types {
		index[ti.Name] = k
		t.Names = append(t.Names, ti.Name)
	}
	for i := range t.Assign {
		t.Assign[i] = -1
	}
	for ci, name := range typ {
		pos, ok := isF[ci]
		if !ok {
			return fmt.Errorf("%s: case %d is listed as a failure but this model gets it right: not the same model or data", path, ci)
		}
		k, ok := index[name]
		if !ok {
			return fmt.Errorf("%s: type %q of case %d is not in results.json", path, name, ci)
		}
		t.Assign[pos] = k
		p := &sp.Types[k]
		switch split[ci] {
		case "train":
			p.Train = append(p.Train, ci)
		case "val":
			p.Val = append(p.Val, ci)
		case "test":
			p.Test = append(p.Test, ci)
		default:
			return fmt.Errorf("%s: case %d has split %q (want train, val or test)", path, ci, split[ci])
		}
	}
	for _, p := range sp.Types {
		sort.Ints(p.Train)
		sort.Ints(p.Val)
		sort.Ints(p.Test)
	}
	labels := make([]int32, len(e.C))
	for i, ci := range e.C {
		labels[i] = e.Cases[ci].Label
	}
	c, err := SplitSet(e.C, labels, r.Seed, "C")
	if err != nil {
		return err
	}
	sp.C = c
	m.types, m.splits = t, sp
	return nil
}
