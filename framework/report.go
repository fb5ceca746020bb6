package framework

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"remedy/plot"
)

// PaperTable1 holds the paper's BP-MNIST Learnability and Independence
// (Table 1, means) to print beside a run's figures.
var PaperTable1 = map[string][2]float64{
	"random": {0.42, 0.00}, "fpfn": {0.74, 0.74}, "metadata": {0.92, 0.58},
	"feature": {0.79, 0.52}, "gradient": {0.92, 0.69},
}

// PaperTable2 holds the paper's BP-MNIST repair figures (mean F_i^te, C^te,
// all test).
var PaperTable2 = map[string][3]float64{
	"none": {0, 1.0, 0.91}, "single": {0.95, 0.81, 0.77}, "single+c": {0.92, 0.91, 0.86},
	"all": {0.74, 0.19, 0.24}, "ewc": {0.70, 0.27, 0.30}, "all+c": {0.62, 0.90, 0.88},
}

func orUnknown(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}

// TileFunc renders analysis case i as an image tile for example grids.
type TileFunc func(i int) plot.Tile

// WriteReport writes report.md and the figures into dir. withPaper prints
// the paper's BP-MNIST figures beside the run's.
func WriteReport(dir string, r *Results, e *Evaluation, tile TileFunc, withPaper bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# remedy report\n\n")
	fmt.Fprintf(&b, "Data `%s` (task %s), model `%s`, seed %d, protocol `%s`, kernels %s, build %s.\n\n", r.Data, r.Task, r.Model, r.Seed, r.Config.Protocol.Name, r.Kernels, orUnknown(r.Build))
	fmt.Fprintf(&b, "Analysis set: %d cases, %d failures, %d correct (accuracy %.3f).\n\n", r.Cases, r.Failures, r.Correct, r.Accuracy)
	writeSummary(&b, r)

	b.WriteString("## Failure types (Table 1)\n\n")
	b.WriteString("Learnability L = m(M_i, F_i^te), Independence I = mean over j != i of m(M_i, F_i^te) - m(M_i, F_j^te), Compatibility = m(M_i, C^te); mean ± std over types.\n\n")
	head := "| method | k | Learnability | Independence | Compatibility | planted ARI | time |"
	sep := "|---|---|---|---|---|---|---|"
	if withPaper {
		head += " paper L | paper I |"
		sep += "---|---|"
	}
	b.WriteString(head + "\n" + sep + "\n")
	for _, name := range r.MethodOrder {
		m := r.Methods[name]
		ari := "–"
		if m.PlantedARI != nil {
			ari = fmt.Sprintf("%.2f", *m.PlantedARI)
		}
		var secs float64
		for _, s := range m.Seconds {
			secs += s
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %.0f s |", name, m.K, m.Summary.Learnability, m.Summary.Independence, m.Summary.Compatibility, ari, secs)
		if withPaper {
			if p, ok := PaperTable1[name]; ok {
				fmt.Fprintf(&b, " %.2f | %.2f |", p[0], p[1])
			} else {
				b.WriteString(" – | – |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	for _, name := range r.MethodOrder {
		m := r.Methods[name]
		fmt.Fprintf(&b, "### %s\n\n", name)
		if m.Clustering != nil {
			fmt.Fprintf(&b, "Embedding of %d dimensions; silhouette by k: ", m.EmbedDim)
			for i, k := range m.Clustering.Ks {
				fmt.Fprintf(&b, "%d: %.3f  ", k, float64(m.Clustering.Silhouettes[i]))
			}
			fmt.Fprintf(&b, "-> k = %d.\n\n", m.Clustering.BestK)
		}
		if o := m.TypesFrom; o != nil && o.Reused {
			// Another build may find other types; say whose these are.
			fmt.Fprintf(&b, "Types reused from an earlier run (made %s, build %s, %s kernels).\n\n", o.Made, orUnknown(o.Build), o.Kernels)
		}
		for _, s := range m.SetAside {
			fmt.Fprintf(&b, "Set aside: %s (%d failures, %s).\n\n", s.Name, s.Size, s.Reason)
		}
		b.WriteString("| type | size | train/val/test | make-up | L | I | C^te | picked epoch |\n|---|---|---|---|---|---|---|---|\n")
		for i, t := range m.Types {
			ep := fmt.Sprint(m.Runs[i].Tune.Epoch)
			if m.Runs[i].Tune.KeptBase {
				ep = "original kept"
			}
			fmt.Fprintf(&b, "| %s | %d | %d/%d/%d | %s | %.2f | %s | %.2f | %s |\n", t.Name, t.Size, t.Splits[0], t.Splits[1], t.Splits[2],
				makeup(t.Meta, t.Size), m.Learn[i], fmtNum(m.Indep[i]), m.Compat[i], ep)
		}
		fmt.Fprintf(&b, "\n![fine-tuning matrix](fig2-matrix-%s.png)\n\n", name)
		if m.Clustering != nil {
			fmt.Fprintf(&b, "![failures by type](fig3a-umap-%s-types.png) ![failures by metadata](fig3b-umap-%s-metadata.png)\n\n", name, name)
		}
		fmt.Fprintf(&b, "![metadata make-up](fig3c-makeup-%s.png)\n\n![examples per type](fig3d-examples-%s.png)\n\n", name, name)
	}
	if r.Repair != nil {
		writeRepairTable(&b, r.Repair, withPaper)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "report.md"), []byte(b.String())); err != nil {
		return err
	}
	return writeFigures(dir, r, e, tile)
}

func writeRepairTable(b *strings.Builder, rp *RepairResult, withPaper bool) {
	fmt.Fprintf(b, "## Repair (Table 2), types from %s\n\n", rp.Types)
	fmt.Fprintf(b, "Accuracy on each type's test set, on the correct cases' test set C^te and on the whole test set. ✓ marks methods keeping C^te >= %.2f.\n\n", KeepCMin)
	b.WriteString("| method |")
	for _, n := range rp.Names {
		fmt.Fprintf(b, " %s |", n)
	}
	b.WriteString(" mean F_i | C^te | all | keeps C |")
	if withPaper {
		b.WriteString(" paper F_i / C / all |")
	}
	b.WriteString("\n|---|")
	for range rp.Names {
		b.WriteString("---|")
	}
	b.WriteString("---|---|---|---|")
	if withPaper {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, row := range rp.Rows {
		fmt.Fprintf(b, "| %s |", row.Label)
		for _, v := range row.PerType {
			fmt.Fprintf(b, " %.2f |", v)
		}
		keep := ""
		if row.KeepsC {
			keep = "✓"
		}
		fmt.Fprintf(b, " %.2f | %.2f | %.2f | %s |", row.MeanF, row.CTest, row.All, keep)
		if withPaper {
			if p, ok := PaperTable2[row.Method]; ok {
				fmt.Fprintf(b, " %.2f / %.2f / %.2f |", p[0], p[1], p[2])
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n![repair](fig-repair.png)\n\n")
	writeRepairModels(b, rp)
}

// writeRepairModels lists the repaired model files under Table 2: they are
// what a user takes away, each with the figures it earned.
func writeRepairModels(b *strings.Builder, rp *RepairResult) {
	var lines []string
	for _, row := range rp.Rows {
		for i, run := range row.Runs {
			if run.Model == "" {
				continue
			}
			what := row.Label
			if len(row.Runs) > 1 && i < len(rp.Names) {
				what += " on " + rp.Names[i]
			}
			ep := fmt.Sprintf("epoch %d", run.Tune.Epoch)
			if run.Tune.KeptBase {
				ep = "no epoch qualified: the original model"
			}
			lines = append(lines, fmt.Sprintf("- `%s`: %s (%s; C^te %.2f, all test %.2f)", filepath.ToSlash(run.Model), what, ep, run.CTest, run.All))
		}
	}
	if len(lines) == 0 {
		return
	}
	b.WriteString("Repaired models (load with `remedy eval --model FILE`; the metadata names the original model and the repair):\n\n")
	b.WriteString(strings.Join(lines, "\n") + "\n\n")
}

func fmtNum(n Num) string {
	if math.IsNaN(float64(n)) {
		return "–"
	}
	return fmt.Sprintf("%.2f", float64(n))
}

// makeup lists the largest metadata shares of a type, e.g. "STR 60%, TUM 30%".
func makeup(meta map[string]int, size int) string {
	var parts []string
	for i, k := range byCount(meta) {
		if i == 3 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.0f%%", k, 100*float64(meta[k])/float64(max(size, 1))))
	}
	return strings.Join(parts, ", ")
}

// byCount lists a make-up's keys, the most common first (ties by name).
func byCount(counts map[string]int) []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return counts[keys[i]] > counts[keys[j]] || counts[keys[i]] == counts[keys[j]] && keys[i] < keys[j]
	})
	return keys
}

func writeFigures(dir string, r *Results, e *Evaluation, tile TileFunc) error {
	for _, name := range r.MethodOrder {
		m := r.Methods[name]
		t, _ := m.TypesOf()
		if t == nil {
			continue // loaded from disk without its types: nothing to draw
		}
		cols := append(append([]string(nil), t.Names...), "C^te")
		vals := make([][]float64, len(m.Matrix))
		for i, row := range m.Matrix {
			vals[i] = append(append([]float64(nil), row...), m.CTest[i])
		}
		if err := plot.Heatmap(filepath.Join(dir, "fig2-matrix-"+name+".png"), plot.HeatmapSpec{
			Title: "Fine-tuning matrix, " + name + ": accuracy of M_i on F_j^te", RowLabels: t.Names, ColLabels: cols,
			Values: vals, Min: 0, Max: 1, Annotate: true, RowTitle: "fine-tuned on", ColTitle: "evaluated on",
			ValueLabel: "accuracy", GapBeforeLastCol: true, OutlineDiagonal: true}); err != nil {
			return err
		}
		members := t.Members()
		if m.Clustering != nil && m.Clustering.Plane != nil {
			var x, y []float64
			var groups, metaG []int
			for i, a := range t.Assign {
				if a < 0 {
					continue // set aside (a cluster too small to split): not drawn
				}
				x, y = append(x, float64(m.Clustering.Plane[2*i])), append(y, float64(m.Clustering.Plane[2*i+1]))
				groups = append(groups, a)
				if len(e.Meta) > 0 {
					metaG = append(metaG, int(e.Cases[e.F[i]].Meta[0]))
				}
			}
			if err := plot.Scatter(filepath.Join(dir, "fig3a-umap-"+name+"-types.png"), plot.ScatterSpec{
				Title: "Failures (2-D UMAP of the " + name + " embedding) by type", X: x, Y: y, Groups: groups,
				GroupNames: t.Names, LegendTitle: "type", LegendCounts: true}); err != nil {
				return err
			}
			if len(e.Meta) > 0 {
				if err := plot.Scatter(filepath.Join(dir, "fig3b-umap-"+name+"-metadata.png"), plot.ScatterSpec{
					Title: "Failures (2-D UMAP of the " + name + " embedding) by " + e.Meta[0].Name, X: x, Y: y, Groups: metaG,
					GroupNames: e.Meta[0].Values, LegendTitle: e.Meta[0].Name, LegendCounts: true}); err != nil {
					return err
				}
			}
		}
		if len(e.Meta) > 0 {
			f := e.Meta[0]
			vals := make([][]float64, t.K)
			for k, mem := range members {
				vals[k] = make([]float64, len(f.Values))
				for _, i := range mem {
					if v := e.Cases[e.F[i]].Meta[0]; v >= 0 && int(v) < len(f.Values) {
						vals[k][v]++
					}
				}
			}
			if err := plot.StackedBars(filepath.Join(dir, "fig3c-makeup-"+name+".png"), plot.BarSpec{
				Title: "Make-up of each " + name + " type by " + f.Name, Bars: t.Names, Segments: f.Values,
				Values: vals, Normalize: true, LegendTitle: f.Name}); err != nil {
				return err
			}
		}
		if tile != nil {
			const perRow = 10
			rows := make([][]plot.Tile, t.K)
			for k, mem := range members {
				order := append([]int(nil), mem...)
				if m.Clustering != nil && m.Clustering.Centre != nil {
					sort.SliceStable(order, func(a, b int) bool { return m.Clustering.Centre[order[a]] < m.Clustering.Centre[order[b]] })
				}
				for _, i := range order[:min(perRow, len(order))] {
					rows[k] = append(rows[k], tile(e.F[i]))
				}
			}
			title := "Examples of each " + name + " type"
			if m.Clustering != nil {
				title += ", closest to the type's centre first"
			}
			if err := plot.ImageGrid(filepath.Join(dir, "fig3d-examples-"+name+".png"), plot.GridSpec{Title: title, RowLabels: t.Names, Images: rows}); err != nil {
				return err
			}
		}
	}
	if r.Repair != nil {
		rp := r.Repair
		var labels []string
		var vals [][]float64
		for _, row := range rp.Rows {
			labels = append(labels, row.Label)
			vals = append(vals, append(append([]float64(nil), row.PerType...), row.CTest, row.All))
		}
		cols := append(append([]string(nil), rp.Names...), "C^te", "all")
		if err := plot.Heatmap(filepath.Join(dir, "fig-repair.png"), plot.HeatmapSpec{
			Title: "Repair (types from " + rp.Types + "): accuracy after each method", RowLabels: labels, ColLabels: cols,
			Values: vals, Min: 0, Max: 1, Annotate: true, RowTitle: "repair method", ColTitle: "evaluated on", ValueLabel: "accuracy"}); err != nil {
			return err
		}
	}
	return nil
}
