package framework

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// TypeSplits holds every type's and C's train/validation/test members, as
// indices into the Evaluation's Cases.
type TypeSplits struct {
	Types []Parts `json:"types"`
	C     Parts   `json:"c"`
}

// MakeSplits splits each type and C 64/16/20, stratified by true label.
func MakeSplits(e *Evaluation, t *Types, seed uint64) (*TypeSplits, error) {
	labels := func(ids []int) []int32 {
		out := make([]int32, len(ids))
		for i, id := range ids {
			out[i] = e.Cases[id].Label
		}
		return out
	}
	sp := &TypeSplits{}
	for k, members := range t.Members() {
		ids := make([]int, len(members))
		for i, m := range members {
			ids[i] = e.F[m]
		}
		p, err := SplitSet(ids, labels(ids), seed, fmt.Sprintf("%s/%s", t.Method, t.Names[k]))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Method, err)
		}
		sp.Types = append(sp.Types, p)
	}
	c, err := SplitSet(e.C, labels(e.C), seed, "C")
	if err != nil {
		return nil, err
	}
	sp.C = c
	return sp, nil
}

// AllTest is the union of every type's test part and C's: the "whole test
// set" of the repair table.
func (sp *TypeSplits) AllTest() []int {
	out := append([]int(nil), sp.C.Test...)
	for _, p := range sp.Types {
		out = append(out, p.Test...)
	}
	return out
}

// TypeRun is one fine-tuned model M_i judged on every test set.
type TypeRun struct {
	Tune  TuneResult `json:"tune"`
	Row   []float64  `json:"row"` // m(M_i, F_j^te) for every j
	CTest float64    `json:"c_test"`
	All   float64    `json:"all_test"`
	// The repaired model's file (relative to the output directory) and
	// its SHA-256; repairs only.
	Model       string `json:"model,omitempty"`
	ModelSHA256 string `json:"model_sha256,omitempty"`
}

// Progress receives one line per finished step of a long run.
type Progress func(format string, args ...any)

// runParallel runs jobs 0..n-1 on up to workers goroutines; the first error
// wins. Each job must be self-contained so that results do not depend on
// scheduling.
func runParallel(n, workers int, job func(i int) error) error {
	workers = max(1, min(workers, n))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= n || first != nil {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := job(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// judge evaluates a model on every type's test part, C^te and the whole test.
func judge(m Learner, sp *TypeSplits) (row []float64, cTest, all float64) {
	row = make([]float64, len(sp.Types))
	for j, p := range sp.Types {
		row[j] = accuracy(m, p.Test)
	}
	return row, accuracy(m, sp.C.Test), accuracy(m, sp.AllTest())
}

// Quality fine-tunes one model per type on F_i^tr and C^tr under the
// Compatibility constraint and scores the types (Phase I). Finished runs are
// kept in store under prefix and reused.
func Quality(base Learner, sp *TypeSplits, p Protocol, seed uint64, store *Store, prefix string, workers int, log Progress) (*Scores, []TypeRun, error) {
	k := len(sp.Types)
	runs := make([]TypeRun, k)
	err := runParallel(k, workers, func(i int) error {
		spec := TuneSpec{Train: sp.Types[i].Train, Val: sp.Types[i].Val, CTrain: sp.C.Train, CVal: sp.C.Val, Constrain: true}
		key := fmt.Sprintf("%s/quality-type%d", prefix, i+1)
		run, reused, err := tuneAndJudge(base, spec, sp, p, seed, store, key, fmt.Sprintf("%s: type %d/%d", prefix, i+1, k), log, nil)
		if err != nil {
			return fmt.Errorf("type %d: %w", i+1, err)
		}
		runs[i] = run
		if reused {
			log("%s: type %d/%d already done (picked epoch %d), reused", prefix, i+1, k, run.Tune.Epoch)
		} else {
			log("%s: type %d/%d fine-tuned: epoch %d of %d, F val %.3f, C val %.3f, L %.3f, C test %.3f",
				prefix, i+1, k, run.Tune.Epoch, run.Tune.Epochs, run.Tune.FValAcc, run.Tune.CValAcc, run.Row[i], run.CTest)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	matrix := make([][]float64, k)
	cTest := make([]float64, k)
	for i, r := range runs {
		matrix[i], cTest[i] = r.Row, r.CTest
	}
	s, err := Score(matrix, cTest)
	return s, runs, err
}

// tuneAndJudge runs one fine-tuning (or reuses its stored result when the
// inputs are unchanged) and judges the picked model on every test set.
// A long run logs its progress under label and checkpoints itself into the
// store beside its result, resuming from the checkpoint when killed.
// save, when not nil, keeps the fine-tuned model before the run is stored
// (so a stored run always has its model written).
func tuneAndJudge(base Learner, spec TuneSpec, sp *TypeSplits, p Protocol, seed uint64, store *Store, key, label string, log Progress, save func(Learner, *TypeRun) error) (TypeRun, bool, error) {
	fp := Fingerprint(struct {
		Spec TuneSpec
		Test *TypeSplits
		P    Protocol
		Seed uint64
	}{spec, sp, p, seed})
	ckpt, every := store.checkpoint(key)
	var run TypeRun
	if store.Load(key, fp, &run) {
		removeCheckpoint(ckpt, log) // left by a kill between Save and its removal
		return run, true, nil
	}
	if log == nil {
		log = func(string, ...any) {}
	}
	o := TuneOptions{
		Progress:        epochLogger(label, log),
		Checkpoint:      ckpt,
		CheckpointEvery: every,
		Fingerprint:     fp,
		Log:             func(format string, args ...any) { log("%s: %s", label, fmt.Sprintf(format, args...)) },
	}
	if tuneHook != nil {
		o.stopAfter = tuneHook(key)
	}
	m, res, err := FineTuneWith(base, spec, p, Derive(seed, key), o)
	if err != nil {
		return run, false, err
	}
	row, cTest, all := judge(m, sp)
	run = TypeRun{Tune: res, Row: row, CTest: cTest, All: all}
	if save != nil {
		if err := save(m, &run); err != nil {
			return run, false, fmt.Errorf("%s: saving the model: %w", label, err)
		}
	}
	if err := store.Save(key, fp, run); err != nil {
		return run, false, err
	}
	removeCheckpoint(ckpt, log)
	return run, false, nil
}

// tuneHook lets tests end chosen runs early, as a kill would.
var tuneHook func(key string) func(epoch int) bool

func removeCheckpoint(path string, log Progress) {
	if path == "" {
		return
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) && log != nil {
		log("warning: %v", err)
	}
}

// progressEvery is the least wall time between two progress lines of one
// run: short runs stay quiet, an hour-long one reports twice a minute.
var progressEvery = 30 * time.Second

// epochLogger turns a run's epoch reports into progress lines at most every
// progressEvery.
func epochLogger(label string, log Progress) func(EpochReport) {
	last := time.Now()
	return func(e EpochReport) {
		if time.Since(last) < progressEvery {
			return
		}
		last = time.Now()
		log("%s: %s", label, e)
	}
}

// String is a progress line: where the run is, its pick so far, and how
// long it still takes if the pick stops improving (patience) and at most.
func (e EpochReport) String() string {
	c := "-"
	if e.CVal >= 0 {
		c = fmt.Sprintf("%.3f", e.CVal)
	}
	s := fmt.Sprintf("epoch %d of %d, F val %.3f, C val %s, best epoch %d (F val %.3f)", e.Epoch, e.Epochs, e.FVal, c, e.Best, e.BestF)
	if e.BestF < 0 {
		s = fmt.Sprintf("epoch %d of %d, F val %.3f, C val %s, no epoch keeps C yet", e.Epoch, e.Epochs, e.FVal, c)
	}
	if done := e.Epoch - e.Resumed; done > 0 {
		per := e.Elapsed / time.Duration(done)
		likely, most := e.Left()
		s += fmt.Sprintf(", %.1fs/epoch, ETA %s", per.Seconds(), (per * time.Duration(likely)).Round(time.Second))
		if most > likely {
			s += fmt.Sprintf(" (at most %s if it keeps improving)", (per * time.Duration(most)).Round(time.Second))
		}
	}
	return s
}
