package framework

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
)

// writeSummary opens report.md with the findings in plain words, for a
// reader who will not study the tables: how often the model fails, the
// failure types of the main method and whether they beat chance, and the
// repair that keeps the correct cases.
func writeSummary(b *strings.Builder, r *Results) {
	b.WriteString("## In short\n\n")
	fmt.Fprintf(b, "The model gets %d of %d analysis cases right (accuracy %.3f); %d are failures.\n\n", r.Correct, r.Cases, r.Accuracy, r.Failures)
	name := summaryMethod(r)
	m := r.Methods[name]
	if m == nil {
		return
	}
	s := m.Summary
	fmt.Fprintf(b, "The **%s** method found %d failure types. Fine-tuning on one type fixes %s of its held-out failures on average (Learnability), %s more than it fixes of the other types (Independence), and keeps %s of the correct cases (Compatibility).",
		name, m.K, pct(s.Learnability), pts(s.Independence), pct(s.Compatibility))
	if rnd := r.Methods["random"]; rnd != nil && name != "random" {
		rl, ri := float64(rnd.Summary.Learnability.Mean), float64(rnd.Summary.Independence.Mean)
		l, i := float64(s.Learnability.Mean), float64(s.Independence.Mean)
		fmt.Fprintf(b, " Random groups of the same failures score %s and %s: ", pct(rnd.Summary.Learnability), pts(rnd.Summary.Independence))
		switch {
		case l > rl && i >= ri+0.1:
			b.WriteString("these types are real, each a way of failing that fixing another does not fix.")
		case i >= ri+0.1:
			b.WriteString("these types are more distinct than chance, though not easier to learn.")
		default:
			b.WriteString("these types are not clearly more distinct than chance groups; treat them with care.")
		}
	}
	if kept := keptBase(m.Runs); kept == len(m.Runs) && kept > 0 {
		b.WriteString(" But every fine-tuning run kept the original model (no epoch fixed more of the type's validation failures within the rules), so these figures say nothing about the types; a longer protocol (`--protocol paper`) or a better-trained model may.")
	} else if kept > 0 {
		fmt.Fprintf(b, " %d of the %d fine-tuning runs kept the original model.", kept, len(m.Runs))
	}
	b.WriteString("\n\n")
	b.WriteString("| type | failures | mostly | true label |\n|---|---|---|---|\n")
	for _, t := range m.Types {
		fmt.Fprintf(b, "| %s | %d | %s | %s |\n", t.Name, t.Size, dominant(t.Meta, t.Size), dominant(t.Labels, t.Size))
	}
	b.WriteString("\n")
	if r.Repair != nil {
		writeRepairSummary(b, r.Repair)
	}
}

// summaryMethod is the method the summary speaks about: the repaired one,
// else gradient (the paper's), else the first run.
func summaryMethod(r *Results) string {
	if r.Repair != nil && r.Methods[r.Repair.Types] != nil {
		return r.Repair.Types
	}
	if r.Methods["gradient"] != nil || len(r.MethodOrder) == 0 {
		return "gradient"
	}
	return r.MethodOrder[0]
}

// writeRepairSummary names, among the repairs that give one model for all
// types, the one keeping C^te with the best whole-test accuracy, and says
// plainly how it compares with the original model.
func writeRepairSummary(b *strings.Builder, rp *RepairResult) {
	var pre, best *RepairRow
	for i := range rp.Rows {
		row := &rp.Rows[i]
		switch row.Method {
		case "none":
			pre = row
		case "all", "ewc", "all+c":
			if row.KeepsC && (best == nil || row.All > best.All) {
				best = row
			}
		}
	}
	if pre == nil {
		return
	}
	if best == nil {
		fmt.Fprintf(b, "Repair: none of the repairs that give one model for all types keeps %.0f%% of the correct cases; see Table 2 for the per-type repairs.\n\n", 100*KeepCMin)
		return
	}
	if best.MeanF == 0 {
		b.WriteString("Repair: no repair that gives one model for all types and keeps the correct cases fixed any failure; the original model stays the one to use.\n\n")
		return
	}
	fmt.Fprintf(b, "Repair: of the repairs that give one model for all types and keep the correct cases, **%s** does best on the whole test set: it fixes %.0f%% of the failure types' test cases (mean over types), keeps %.0f%% of the correct ones, and scores %.3f on the whole test set against the original's %.3f",
		best.Label, 100*best.MeanF, 100*best.CTest, best.All, pre.All)
	switch {
	case best.All < pre.All:
		b.WriteString(": it trades some overall accuracy for the failures it fixes.")
	default:
		b.WriteString(".")
	}
	if len(best.Runs) == 1 && best.Runs[0].Model != "" {
		fmt.Fprintf(b, " Model: `%s`.", filepath.ToSlash(best.Runs[0].Model))
	}
	b.WriteString("\n\n")
}

func keptBase(runs []TypeRun) int {
	n := 0
	for _, r := range runs {
		if r.Tune.KeptBase {
			n++
		}
	}
	return n
}

// dominant names the most common value of a make-up and its share.
func dominant(counts map[string]int, size int) string {
	if len(counts) == 0 || size == 0 {
		return "–"
	}
	keys := byCount(counts)
	return fmt.Sprintf("%s (%.0f%%)", keys[0], 100*float64(counts[keys[0]])/float64(size))
}

func pct(m MeanStd) string {
	if math.IsNaN(float64(m.Mean)) {
		return "– (undefined)"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(m.Mean))
}

// pts is a difference of accuracies, in percentage points.
func pts(m MeanStd) string {
	if math.IsNaN(float64(m.Mean)) {
		return "– (undefined)"
	}
	return fmt.Sprintf("%.0f points", 100*float64(m.Mean))
}
