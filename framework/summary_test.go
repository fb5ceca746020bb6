package framework

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func summaryResults(gradI float64) *Results {
	ms := func(m float64) MeanStd { return MeanStd{Mean: Num(m)} }
	return &Results{
		Cases: 100, Correct: 90, Failures: 10, Accuracy: 0.9,
		MethodOrder: []string{"gradient", "random"},
		Methods: map[string]*MethodResult{
			"gradient": {Name: "gradient", K: 2, Summary: Summary{ms(0.9), ms(gradI), ms(0.95)}, Types: []TypeInfo{
				{Name: "type 1", Size: 6, Meta: map[string]int{"TUM": 4, "STR": 2}, Labels: map[string]int{"malignant": 6}},
				{Name: "type 2", Size: 4, Meta: map[string]int{"MUS": 1, "ADI": 1, "LYM": 2}, Labels: map[string]int{"benign": 3, "malignant": 1}},
			}},
			"random": {Name: "random", K: 2, Summary: Summary{ms(0.4), ms(0.01), ms(0.97)}},
		},
		Repair: &RepairResult{Types: "gradient", Rows: []RepairRow{
			{Method: "none", Label: "pre-repair", CTest: 1, All: 0.9, KeepsC: true},
			{Method: "single+c", Label: "F_i ∪ C", MeanF: 1, CTest: 0.99, All: 0.99, KeepsC: true},
			{Method: "all", Label: "all F", MeanF: 0.9, CTest: 0.2, All: 0.3},
			{Method: "ewc", Label: "EWC on all F", MeanF: 0.8, CTest: 0.86, All: 0.85, KeepsC: true},
			{Method: "all+c", Label: "all F ∪ C (50% C)", MeanF: 0.7, CTest: 0.95, All: 0.88, KeepsC: true,
				Runs: []TypeRun{{Model: "models/repair-all+c.safetensors"}}},
		}},
	}
}

func TestSummary(t *testing.T) {
	var b strings.Builder
	writeSummary(&b, summaryResults(0.6))
	s := b.String()
	for _, want := range []string{
		"The model gets 90 of 100 analysis cases right (accuracy 0.900); 10 are failures.",
		"The **gradient** method found 2 failure types. Fine-tuning on one type fixes 90% of its held-out failures on average (Learnability), 60 points more",
		"keeps 95% of the correct cases",
		"Random groups of the same failures score 40% and 1 points: these types are real",
		"| type 1 | 6 | TUM (67%) | malignant (100%) |",
		"| type 2 | 4 | LYM (50%) | benign (75%) |",
		// single+c is per type, not one model; all does not keep C; of
		// ewc and all+c, all+c has the better whole-test accuracy.
		"**all F ∪ C (50% C)** does best on the whole test set: it fixes 70% of the failure types' test cases (mean over types), keeps 95% of the correct ones, and scores 0.880 on the whole test set against the original's 0.900: it trades",
		"Model: `models/repair-all+c.safetensors`.",
	} {
		require.Contains(t, s, want)
	}

	// Types no more independent than random ones are not called real.
	b.Reset()
	r := summaryResults(0.05)
	r.Repair.Rows[3].KeepsC, r.Repair.Rows[4].KeepsC = false, false
	writeSummary(&b, r)
	s = b.String()
	require.Contains(t, s, "not clearly more distinct than chance")
	require.NotContains(t, s, "are real")
	require.Contains(t, s, "none of the repairs that give one model for all types keeps 85%")

	// Runs that all kept the original model say nothing; a repair that
	// fixed nothing is not recommended.
	b.Reset()
	r = summaryResults(0.6)
	r.Methods["gradient"].Runs = []TypeRun{{Tune: TuneResult{KeptBase: true}}, {Tune: TuneResult{KeptBase: true}}}
	for i := range r.Repair.Rows {
		r.Repair.Rows[i].MeanF = 0
	}
	writeSummary(&b, r)
	require.Contains(t, b.String(), "every fine-tuning run kept the original model")
	require.Contains(t, b.String(), "fixed any failure; the original model stays")
	b.Reset()
	r.Methods["gradient"].Runs[1].Tune.KeptBase = false
	writeSummary(&b, r)
	require.Contains(t, b.String(), "1 of the 2 fine-tuning runs kept the original model.")

	// An undefined Independence (a lone type) reads as undefined, not NaN.
	b.Reset()
	r = summaryResults(math.NaN())
	writeSummary(&b, r)
	require.Contains(t, b.String(), "– (undefined) more than")
	require.NotContains(t, b.String(), "NaN")
}
