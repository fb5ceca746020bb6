package framework

import (
	"fmt"
	"math/rand/v2"
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
	if len(spec.Train) == 0 || len(spec.Val) == 0 {
		return nil, TuneResult{}, fmt.Errorf("fine-tune: empty F train (%d) or validation (%d) set", len(spec.Train), len(spec.Val))
	}
	if spec.Constrain && len(spec.CVal) == 0 {
		return nil, TuneResult{}, fmt.Errorf("fine-tune: the Compatibility constraint needs C validation cases")
	}
	r := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	m := base.Clone()
	m.SetOptimizer(p.LR, p.WeightDecay)
	if spec.EWCLambda > 0 {
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
	// m is still the original model here; judging it through m keeps base
	// read-only, so runs can share it from several goroutines.
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
	f := append([]int(nil), spec.Train...)
	var cPerm []int
	cPos := 0
	nextC := func() int {
		if cPos == len(cPerm) {
			cPerm = r.Perm(len(spec.CTrain))
			cPos = 0
		}
		cPos++
		return spec.CTrain[cPerm[cPos-1]]
	}
	batch := max(1, p.Batch)
	since := 0
	for epoch := 1; epoch <= p.Epochs; epoch++ {
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
		if progress != nil {
			progress(epoch, fAcc, cAcc)
		}
		ok := !spec.Constrain || cAcc >= p.CMin
		if ok && fAcc > bestF {
			bestF, best = fAcc, m.Clone()
			res.Epoch, res.FValAcc, res.CValAcc, res.KeptBase = epoch, fAcc, cAcc, false
			since = 0
		} else {
			since++
		}
		if p.Patience > 0 && since >= p.Patience {
			break
		}
		if bestF == 1 { // nothing can beat a perfect pick
			break
		}
	}
	if res.KeptBase {
		best = base.Clone()
	}
	return best, res, nil
}
