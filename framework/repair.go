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
// pre-repair row first. With out set, every run's model is written to
// out.Dir/models/ (see repairModelFile).
func Repair(base Learner, sp *TypeSplits, p Protocol, seed uint64, store *Store, prefix string, workers int, log Progress, out *ModelOut) ([]RepairRow, error) {
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
	// Every run of every method is independent: they share one pool of
	// workers, the runs on all of F (the longest) first, so a two-core
	// machine trains two of them at once instead of one after another.
	type job struct {
		m, i int
		spec TuneSpec
		pr   Protocol
	}
	var jobs []job
	specs := make([][]TuneSpec, len(RepairMethods))
	for mi, m := range RepairMethods {
		switch m.Name {
		case "single", "single+c":
			for _, t := range sp.Types {
				s := TuneSpec{Train: t.Train, Val: t.Val}
				if m.Name == "single+c" {
					s.CTrain, s.CVal, s.Constrain = sp.C.Train, sp.C.Val, true
				}
				specs[mi] = append(specs[mi], s)
			}
		case "all":
			specs[mi] = []TuneSpec{{Train: fTr, Val: fVal}}
		case "ewc":
			specs[mi] = []TuneSpec{{Train: fTr, Val: fVal, EWCLambda: EWCLambda, EWCCases: ewcCases}}
		case "all+c":
			specs[mi] = []TuneSpec{{Train: fTr, Val: fVal, CTrain: sp.C.Train, CVal: sp.C.Val, Constrain: true}}
		}
	}
	for _, perType := range []bool{false, true} {
		for mi, m := range RepairMethods {
			single := m.Name == "single" || m.Name == "single+c"
			if single != perType {
				continue
			}
			pr := pAll
			if single {
				pr = p
			}
			for i, s := range specs[mi] {
				jobs = append(jobs, job{mi, i, s, pr})
			}
		}
	}
	runs := make([][]TypeRun, len(RepairMethods))
	for mi := range runs {
		runs[mi] = make([]TypeRun, len(specs[mi]))
	}
	err := runParallel(len(jobs), workers, func(j int) error {
		jb := jobs[j]
		name, n := RepairMethods[jb.m].Name, len(specs[jb.m])
		key := fmt.Sprintf("%s/repair-%s-%d", prefix, name, jb.i+1)
		label := fmt.Sprintf("repair %s %d/%d", name, jb.i+1, n)
		var save func(Learner, *TypeRun) error
		if out != nil {
			perType := name == "single" || name == "single+c"
			file := repairModelFile(name, jb.i, perType)
			extra := map[string]string{"repair_method": name, "repair_label": RepairMethods[jb.m].Label, "repair_types": prefix}
			if perType && jb.i < len(out.TypeNames) {
				extra["repair_type"] = out.TypeNames[jb.i]
			}
			save = func(m Learner, run *TypeRun) error { return out.saveRepaired(m, run, file, extra) }
		}
		run, reused, err := tuneAndJudge(base, jb.spec, sp, jb.pr, seed, store, key, label, log, save)
		if err != nil {
			return fmt.Errorf("repair %s: %w", name, err)
		}
		if reused && out != nil {
			out.checkRepaired(&run, label, key, log)
		}
		runs[jb.m][jb.i] = run
		if reused {
			log("repair %s %d/%d already done, reused", name, jb.i+1, n)
		} else {
			log("repair %s %d/%d: epoch %d of %d, C test %.3f, all test %.3f", name, jb.i+1, n, run.Tune.Epoch, run.Tune.Epochs, run.CTest, run.All)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for mi, m := range RepairMethods {
		mr := runs[mi]
		r := RepairRow{Method: m.Name, Label: m.Label, PerType: make([]float64, k), Runs: mr}
		for i := range r.PerType {
			src := mr[0]
			if len(mr) == k && len(specs[mi]) > 1 {
				src = mr[i]
			}
			r.PerType[i] = src.Row[i]
		}
		for _, run := range mr {
			r.CTest += run.CTest / float64(len(mr))
			r.All += run.All / float64(len(mr))
		}
		r.MeanF = float64(NewMeanStd(r.PerType).Mean)
		r.KeepsC = r.CTest >= KeepCMin
		rows = append(rows, r)
	}
	return rows, nil
}
