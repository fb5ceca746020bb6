package framework

import "fmt"

// RepairRow is one line of the repair table (the paper's Table 2): accuracy
// on every F_i^te, on C^te and on the whole test set. For the per-type
// methods, cell i comes from the model repaired on type i, and C^te and All
// are averaged over those models.
type RepairRow struct {
	Method  string    `json:"method"`
	Label   string    `json:"label"`
	PerType []float64 `json:"per_type"`
	MeanF   float64   `json:"mean_f"`
	CTest   float64   `json:"c_test"`
	All     float64   `json:"all_test"`
	KeepsC  bool      `json:"keeps_c"` // C^te >= KeepCMin
	Runs    []TypeRun `json:"runs,omitempty"`
}

// KeepCMin is the C^te accuracy a repair must keep to be marked as keeping
// what worked.
const KeepCMin = 0.85

// EWCLambda and EWCMaxCases are the paper's code's EWC settings.
const (
	EWCLambda   = 1000
	EWCMaxCases = 10000
)

// RepairMethods lists the Phase II methods in table order.
var RepairMethods = []struct{ Name, Label string }{
	{"single", "F_i only"},
	{"single+c", "F_i ∪ C"},
	{"all", "all F"},
	{"ewc", "EWC on all F"},
	{"all+c", "all F ∪ C (50% C)"},
}

// RepairProtocol is the protocol for the methods trained on all of F: the
// paper's code trains those up to 1000 epochs with patience 100.
func RepairProtocol(p Protocol) Protocol {
	if p.Name == "paper" {
		p.Epochs, p.Patience = 1000, 100
	}
	if p.MaxEpochs > 0 {
		p.Epochs = min(p.Epochs, p.MaxEpochs)
	}
	return p
}

// Repair runs the Phase II methods and returns the table, with the
// pre-repair row first.
func Repair(base Learner, sp *TypeSplits, p Protocol, seed uint64, store *Store, prefix string, workers int, log Progress) ([]RepairRow, error) {
	k := len(sp.Types)
	row0, c0, a0 := judge(base, sp)
	rows := []RepairRow{{Method: "none", Label: "pre-repair", PerType: row0, MeanF: float64(NewMeanStd(row0).Mean), CTest: c0, All: a0, KeepsC: c0 >= KeepCMin}}
	var fTr, fVal []int
	for _, t := range sp.Types {
		fTr = append(fTr, t.Train...)
		fVal = append(fVal, t.Val...)
	}
	ewcCases := sp.C.Train[:min(len(sp.C.Train), EWCMaxCases)]
	pAll := RepairProtocol(p)
	for _, m := range RepairMethods {
		var specs []TuneSpec
		var pr Protocol
		switch m.Name {
		case "single", "single+c":
			pr = p
			for _, t := range sp.Types {
				s := TuneSpec{Train: t.Train, Val: t.Val}
				if m.Name == "single+c" {
					s.CTrain, s.CVal, s.Constrain = sp.C.Train, sp.C.Val, true
				}
				specs = append(specs, s)
			}
		case "all":
			pr, specs = pAll, []TuneSpec{{Train: fTr, Val: fVal}}
		case "ewc":
			pr, specs = pAll, []TuneSpec{{Train: fTr, Val: fVal, EWCLambda: EWCLambda, EWCCases: ewcCases}}
		case "all+c":
			pr, specs = pAll, []TuneSpec{{Train: fTr, Val: fVal, CTrain: sp.C.Train, CVal: sp.C.Val, Constrain: true}}
		}
		runs := make([]TypeRun, len(specs))
		err := runParallel(len(specs), workers, func(i int) error {
			key := fmt.Sprintf("%s/repair-%s-%d", prefix, m.Name, i+1)
			run, reused, err := tuneAndJudge(base, specs[i], sp, pr, seed, store, key, fmt.Sprintf("repair %s %d/%d", m.Name, i+1, len(specs)), log)
			if err != nil {
				return fmt.Errorf("repair %s: %w", m.Name, err)
			}
			runs[i] = run
			if reused {
				log("repair %s %d/%d already done, reused", m.Name, i+1, len(specs))
			} else {
				log("repair %s %d/%d: epoch %d of %d, C test %.3f, all test %.3f", m.Name, i+1, len(specs), run.Tune.Epoch, run.Tune.Epochs, run.CTest, run.All)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		r := RepairRow{Method: m.Name, Label: m.Label, PerType: make([]float64, k), Runs: runs}
		for i := range r.PerType {
			src := runs[0]
			if len(runs) == k && len(specs) > 1 {
				src = runs[i]
			}
			r.PerType[i] = src.Row[i]
		}
		for _, run := range runs {
			r.CTest += run.CTest / float64(len(runs))
			r.All += run.All / float64(len(runs))
		}
		r.MeanF = float64(NewMeanStd(r.PerType).Mean)
		r.KeepsC = r.CTest >= KeepCMin
		rows = append(rows, r)
	}
	return rows, nil
}
