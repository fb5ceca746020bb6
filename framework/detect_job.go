package framework

import (
	"fmt"
	"path/filepath"
	"time"
)

// The metadata baseline of the framework types failures by the first
// metadata field. Detection has two (image type and anatomical location),
// and the paper runs the baseline on each: a method named
// "metadata-<field>" (spaces as dashes, e.g. "metadata-location") types the
// failures by that field. AnalyzeAll runs such names besides the usual ones.

// analyzeMetadataField is AnalyzeMethod for the metadata baseline on field f.
func analyzeMetadataField(method string, f int, base Learner, e *Evaluation, labelNames []string, cfg AnalyzeConfig, store *Store, log Progress) (*MethodResult, error) {
	res := &MethodResult{Name: method, Seconds: map[string]float64{}}
	t0 := time.Now()
	t, err := MetadataTypes(e, f, cfg.MetaMin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	t.Method = method
	for _, s := range t.SetAside {
		log("%s: %q has %d failures (fewer than %d): set aside", method, s.Name, s.Size, cfg.MetaMin)
	}
	res.Seconds["types"] = time.Since(t0).Seconds()
	t = SetAsideSmall(t, 3)
	if t.K == 0 {
		return nil, fmt.Errorf("%s: every type has fewer than 3 failures; nothing to score", method)
	}
	sp, err := MakeSplits(e, t, cfg.Seed)
	if err != nil {
		return nil, err
	}
	res.types, res.splits = t, sp
	res.K, res.SetAside = t.K, t.SetAside
	res.Types = Describe(e, t, sp, labelNames)
	res.PlantedARI = PlantedARI(e, t)
	log("%s: %d types of sizes %v", method, t.K, sizes(res.Types))
	t1 := time.Now()
	s, runs, err := Quality(base, sp, cfg.Protocol, cfg.Seed, store, method, cfg.Workers, log)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	res.Seconds["quality"] = time.Since(t1).Seconds()
	res.Matrix, res.CTest, res.Runs = s.Matrix, s.CTest, runs
	res.Learn, res.Indep, res.Compat, res.Summary = s.Learnability, s.Independence, s.Compatibility, s.Summary
	log("%s: Learnability %s, Independence %s, Compatibility %s", method, s.Summary.Learnability, s.Summary.Independence, s.Summary.Compatibility)
	return res, nil
}

// AnalyzeAll is Job.Analyze that also accepts "metadata-<field>" methods
// (the metadata baseline on another metadata field).
func (j *Job) AnalyzeAll() (*Results, error) {
	r := j.results()
	store := &Store{Dir: filepath.Join(j.Dir, "runs")}
	var done []*MethodResult
	for _, name := range j.Config.Methods {
		t0 := time.Now()
		j.log("method %s: finding types among %d failures", name, len(j.Eval.F))
		var m *MethodResult
		var err error
		if f := metadataField(j.Eval, name); f >= 0 {
			m, err = analyzeMetadataField(name, f, j.Learner, j.Eval, j.LabelNames, j.Config, store, j.log)
		} else {
			m, err = AnalyzeMethod(name, j.Learner, j.Embedder, j.Eval, j.LabelNames, j.Config, store, j.Progress, j.log)
		}
		if err != nil {
			// One baseline without enough failures should not lose the rest.
			j.log("method %s skipped: %v", name, err)
			continue
		}
		r.Methods[name] = m
		r.MethodOrder = append(r.MethodOrder, name)
		r.Seconds[name] = time.Since(t0).Seconds()
		done = append(done, m)
		if err := j.write(r, done); err != nil {
			return r, err
		}
	}
	if len(done) == 0 {
		return r, fmt.Errorf("no method could type the %d failures", len(j.Eval.F))
	}
	return r, nil
}
