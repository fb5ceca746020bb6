package framework

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Learner is what the method needs of a model bound to its analysis data:
// judge cases, take optimiser steps on them, and copy itself. Cases are
// indices into the Evaluation's Cases. Classification and detection each
// implement it; the protocols below know nothing about either.
type Learner interface {
	// Clone returns an independent copy with the same parameters and a fresh
	// optimiser.
	Clone() Learner
	// Correct reports for each case whether the current model gets it right.
	Correct(cases []int) []bool
	// SetOptimizer resets the optimiser (Adam, coupled L2 weight decay).
	SetOptimizer(lr, weightDecay float64)
	// Step takes one optimiser step on the mean loss of the cases.
	Step(cases []int) error
	// AnchorEWC adds the EWC penalty 0.5*lambda*sum((F+1e-4)(theta*-theta)^2)
	// to every later step, with theta* the current parameters and F the
	// empirical Fisher (mean squared per-sample gradient) over the cases.
	AnchorEWC(cases []int, lambda float64) error
}

// Protocol is how a fine-tuning run trains and picks its epoch.
type Protocol struct {
	Name        string  `json:"name"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
	Epochs      int     `json:"epochs"`
	Patience    int     `json:"patience"` // stop after this many epochs without a better pick; 0 = never
	Batch       int     `json:"batch"`    // F cases per step (and as many C); 1 = one case per step, F and C alternating
	CMin        float64 `json:"c_min"`    // Compatibility: C validation accuracy an epoch must keep
	CValSample  int     `json:"c_val_sample"`
	MinSteps    int     `json:"min_steps"`            // steps per epoch at least (small types repeat within an epoch); 0 = one pass
	MaxEpochs   int     `json:"max_epochs,omitempty"` // user cap on epochs, kept by RepairProtocol too; 0 = none
}

// PaperProtocol is the authors' public code: Adam lr 1e-6, weight decay
// 1e-3, one F case then one C case per step, 100 epochs, best F validation
// accuracy among epochs keeping C validation accuracy >= 0.9 (C validation
// sampled each epoch to the size of the type's validation set).
func PaperProtocol() Protocol {
	return Protocol{Name: "paper", LR: 1e-6, WeightDecay: 1e-3, Epochs: 100, Batch: 1, CMin: 0.9, CValSample: -1}
}

// FastProtocol trains on mini-batches of 16 F and 16 C cases at lr 1e-4,
// at least 10 steps an epoch, with early stopping, for quick runs; same
// selection rule on the whole C^val.
func FastProtocol() Protocol {
	return Protocol{Name: "fast", LR: 1e-4, WeightDecay: 1e-3, Epochs: 30, Patience: 5, Batch: 16, CMin: 0.9, MinSteps: 10}
}

// ProtocolByName returns "paper" or "fast".
func ProtocolByName(name string) (Protocol, error) {
	switch name {
	case "paper":
		return PaperProtocol(), nil
	case "fast":
		return FastProtocol(), nil
	}
	return Protocol{}, fmt.Errorf("unknown protocol %q (want paper or fast)", name)
}

// TuneSpec is one fine-tuning run: F cases to repair, optionally C cases to
// keep, and how the epoch is picked.
type TuneSpec struct {
	Train, Val   []int
	CTrain, CVal []int // nil CTrain: train on F only
	Constrain    bool  // pick only epochs whose C validation accuracy >= CMin
	EWCLambda    float64
	EWCCases     []int
}

// TuneResult records what a run did.
type TuneResult struct {
	Epoch     int       `json:"epoch"` // picked epoch (0 = the original model)
	FValAcc   float64   `json:"f_val_acc"`
	CValAcc   float64   `json:"c_val_acc"`
	Epochs    int       `json:"epochs_run"`
	KeptBase  bool      `json:"kept_original"` // no epoch met the constraint
	FValCurve []float64 `json:"f_val_curve"`
	CValCurve []float64 `json:"c_val_curve,omitempty"`
}

func accuracy(l Learner, cases []int) float64 {
	if len(cases) == 0 {
		return 0
	}
	n := 0
	for _, ok := range l.Correct(cases) {
		if ok {
			n++
		}
	}
	return float64(n) / float64(len(cases))
}

// FineTune runs one protocol from base (which it only reads, so several
// runs may share it) and returns the model of the picked epoch.
func FineTune(base Learner, spec TuneSpec, p Protocol, seed uint64, progress func(epoch int, fAcc, cAcc float64)) (Learner, TuneResult, error) {
	var o TuneOptions
	if progress != nil {
		o.Progress = func(e EpochReport) { progress(e.Epoch, e.FVal, e.CVal) }
	}
	return FineTuneWith(base, spec, p, seed, o)
}

// EpochReport describes a run after one of its epochs.
type EpochReport struct {
	Epoch, Epochs int
	FVal, CVal    float64 // CVal -1 without C validation cases
	Best          int     // picked epoch so far (0 = the original model)
	BestF         float64 // its F validation accuracy
	Since         int     // epochs since the pick last improved
	Patience      int
	Resumed       int           // the epoch this process started from (0 = from scratch)
	Elapsed       time.Duration // wall time of this process's epochs
}

// Left is how many more epochs the run takes if the pick does not improve
// again (patience), and at most.
func (e EpochReport) Left() (likely, most int) {
	most = e.Epochs - e.Epoch
	likely = most
	if e.Patience > 0 {
		likely = min(likely, e.Patience-e.Since)
	}
	if e.BestF == 1 {
		likely, most = 0, 0
	}
	return max(likely, 0), max(most, 0)
}

// TuneOptions are FineTuneWith's optional parts.
type TuneOptions struct {
	// Progress is called after every epoch.
	Progress func(EpochReport)
	// Checkpoint, when not empty, is a file the run's state is written to
	// (atomically) at the end of the first epoch after every CheckpointEvery
	// of wall time, and resumed from when it holds a checkpoint of the same
	// run (same Fingerprint, seed and base parameters): the result is then
	// bit-identical to an uninterrupted run's. The caller removes the file
	// once the result is safe. It needs a Learner that is a Checkpointer.
	Checkpoint      string
	CheckpointEvery time.Duration
	Fingerprint     string
	// Log reports a resumed run and a checkpoint that could not be used.
	Log Progress

	stopAfter func(epoch int) bool // tests: end the run as a kill would, after this epoch
}

// errStopped is returned when stopAfter ends a run.
var errStopped = errors.New("fine-tune: stopped")

// FineTuneWith is FineTune with progress reports and checkpoints.
func FineTuneWith(base Learner, spec TuneSpec, p Protocol, seed uint64, o TuneOptions) (Learner, TuneResult, error) {
	if len(spec.Train) == 0 || len(spec.Val) == 0 {
		return nil, TuneResult{}, fmt.Errorf("fine-tune: empty F train (%d) or validation (%d) set", len(spec.Train), len(spec.Val))
	}
	if spec.Constrain && len(spec.CVal) == 0 {
		return nil, TuneResult{}, fmt.Errorf("fine-tune: the Compatibility constraint needs C validation cases")
	}
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	pcg := rand.NewPCG(seed, seed^0x5851f42d4c957f2d)
	r := rand.New(pcg)
	m := base.Clone()
	ckFP := ""
	_, ok1 := base.(Checkpointer)
	_, ok2 := m.(Checkpointer)
	if o.Checkpoint != "" && o.CheckpointEvery > 0 && ok1 && ok2 {
		var err error
		if ckFP, err = checkpointFingerprint(o.Fingerprint, seed, base); err != nil {
			return nil, TuneResult{}, err
		}
	}
	m.SetOptimizer(p.LR, p.WeightDecay)
	if spec.EWCLambda > 0 {
		if len(spec.EWCCases) >= 1000 {
			logf("estimating the EWC Fisher information on %d cases", len(spec.EWCCases))
		}
		if err := m.AnchorEWC(spec.EWCCases, spec.EWCLambda); err != nil {
			return nil, TuneResult{}, err
		}
	}
	cVal := func() []int {
		n := p.CValSample
		if n < 0 {
			n = len(spec.Val)
		}
		if n == 0 || n >= len(spec.CVal) {
			return spec.CVal
		}
		out := make([]int, n)
		for i, j := range r.Perm(len(spec.CVal))[:n] {
			out[i] = spec.CVal[j]
		}
		return out
	}
	res := TuneResult{}
	best := base
	bestF := -1.0
	f := append([]int(nil), spec.Train...)
	var cPerm []int
	cPos := 0
	since := 0
	start := 1
	if ckFP != "" {
		removeStaleTemps(o.Checkpoint, logf)
		ck, err := readCheckpoint(o.Checkpoint, ckFP)
		if err == nil && ck != nil {
			if err = ck.check(spec, p); err != nil {
				err = fmt.Errorf("%s: %w", o.Checkpoint, err)
			}
		}
		var b Learner
		if err == nil && ck != nil && len(ck.best) > 0 {
			b = base.Clone()
			if err = b.(Checkpointer).LoadState(bytes.NewReader(ck.best)); err != nil {
				err = fmt.Errorf("%s: best model: %w", o.Checkpoint, err)
			}
		}
		if err == nil && ck != nil {
			// LoadState changes nothing when it fails, so m is still the
			// fresh model then.
			if err = m.(Checkpointer).LoadState(bytes.NewReader(ck.model)); err != nil {
				err = fmt.Errorf("%s: model: %w", o.Checkpoint, err)
			}
		}
		switch {
		case errors.Is(err, errCheckpointMismatch):
			logf("%v: starting afresh", err)
		case err != nil:
			// The checkpoint only saves time: a bad one costs a restart,
			// never a wrong result.
			logf("warning: ignoring unusable checkpoint (%v); starting afresh", err)
		case ck != nil:
			if err := pcg.UnmarshalBinary(ck.RNG); err != nil { // checked already
				return nil, res, err
			}
			if b != nil {
				best = b
			}
			res, bestF, since, start = ck.Result, ck.BestF, ck.Since, ck.Epoch+1
			f, cPerm, cPos = ck.F, ck.CPerm, ck.CPos
			logf("resuming from %s at epoch %d of %d", o.Checkpoint, ck.Epoch, p.Epochs)
		}
	}
	if start == 1 {
		// m is still the original model here; judging it through m keeps
		// base read-only, so runs can share it from several goroutines.
		res.FValAcc = accuracy(m, spec.Val)
		if len(spec.CVal) > 0 {
			res.CValAcc = accuracy(m, spec.CVal)
		}
		if !spec.Constrain || res.CValAcc >= p.CMin {
			// The original model is a candidate too: a run that only makes
			// things worse keeps it.
			bestF = res.FValAcc
		}
		res.KeptBase = true
	}
	nextC := func() int {
		if cPos == len(cPerm) {
			cPerm = r.Perm(len(spec.CTrain))
			cPos = 0
		}
		cPos++
		return spec.CTrain[cPerm[cPos-1]]
	}
	batch := max(1, p.Batch)
	t0 := time.Now()
	lastCk := t0
	for epoch := start; epoch <= p.Epochs; epoch++ {
		// An epoch is one pass over F^tr, or more passes (each reshuffled)
		// until MinSteps steps when F^tr is small.
		var epochF []int
		for len(epochF) == 0 || (len(epochF)+batch-1)/batch < p.MinSteps {
			r.Shuffle(len(f), func(a, b int) { f[a], f[b] = f[b], f[a] })
			epochF = append(epochF, f...)
		}
		for s := 0; s < len(epochF); s += batch {
			fb := epochF[s:min(s+batch, len(epochF))]
			if len(spec.CTrain) == 0 {
				if err := m.Step(fb); err != nil {
					return nil, res, err
				}
				continue
			}
			cb := make([]int, len(fb))
			for i := range cb {
				cb[i] = nextC()
			}
			if batch == 1 {
				// The paper's alternation: one F step, then one C step.
				if err := m.Step(fb); err != nil {
					return nil, res, err
				}
				if err := m.Step(cb); err != nil {
					return nil, res, err
				}
				continue
			}
			if err := m.Step(append(append([]int(nil), fb...), cb...)); err != nil {
				return nil, res, err
			}
		}
		fAcc := accuracy(m, spec.Val)
		cAcc := -1.0
		if len(spec.CVal) > 0 {
			cAcc = accuracy(m, cVal())
			res.CValCurve = append(res.CValCurve, cAcc)
		}
		res.FValCurve = append(res.FValCurve, fAcc)
		res.Epochs = epoch
		ok := !spec.Constrain || cAcc >= p.CMin
		if ok && fAcc > bestF {
			bestF, best = fAcc, m.Clone()
			res.Epoch, res.FValAcc, res.CValAcc, res.KeptBase = epoch, fAcc, cAcc, false
			since = 0
		} else {
			since++
		}
		if o.Progress != nil {
			o.Progress(EpochReport{Epoch: epoch, Epochs: p.Epochs, FVal: fAcc, CVal: cAcc, Best: res.Epoch, BestF: bestF,
				Since: since, Patience: p.Patience, Resumed: start - 1, Elapsed: time.Since(t0)})
		}
		if p.Patience > 0 && since >= p.Patience {
			break
		}
		if bestF == 1 { // nothing can beat a perfect pick
			break
		}
		if ckFP != "" && epoch < p.Epochs && time.Since(lastCk) >= o.CheckpointEvery {
			ck := &tuneCheckpoint{Fingerprint: ckFP, Epoch: epoch, Since: since, BestF: bestF, Result: res,
				F: f, CPerm: cPerm, CPos: cPos}
			if err := writeCheckpoint(o.Checkpoint, ck, pcg, m, best, res.KeptBase); err != nil {
				// A run that cannot checkpoint still finishes.
				logf("warning: %v", err)
			}
			lastCk = time.Now()
		}
		if o.stopAfter != nil && o.stopAfter(epoch) {
			return nil, res, errStopped
		}
	}
	if res.KeptBase {
		best = base.Clone()
	}
	return best, res, nil
}

func writeCheckpoint(path string, ck *tuneCheckpoint, pcg *rand.PCG, m, best Learner, keptBase bool) error {
	var err error
	if ck.RNG, err = pcg.MarshalBinary(); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := m.(Checkpointer).SaveState(&b, true); err != nil {
		return err
	}
	ck.model = b.Bytes()
	if !keptBase {
		var bb bytes.Buffer
		if err := best.(Checkpointer).SaveState(&bb, false); err != nil {
			return err
		}
		ck.best = bb.Bytes()
	}
	raw, err := encodeCheckpoint(ck)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, raw)
}
