package framework

import (
	"fmt"
	"math"
)

// Scores are the quality of a set of failure types (paper section 2.1).
// Matrix[i][j] = m(M_i, F_j^te), the accuracy on type j's test set of the
// model fine-tuned on type i; CTest[i] = m(M_i, C^te).
type Scores struct {
	Matrix        [][]float64 `json:"matrix"`
	CTest         []float64   `json:"c_test"`
	Learnability  []float64   `json:"learnability"`
	Independence  []Num       `json:"independence"`
	Compatibility []float64   `json:"compatibility"`
	Summary       Summary     `json:"summary"`
}

// Summary aggregates per-type scores as mean and population std.
type Summary struct {
	Learnability  MeanStd `json:"learnability"`
	Independence  MeanStd `json:"independence"`
	Compatibility MeanStd `json:"compatibility"`
}

// MeanStd is a mean with its population standard deviation.
type MeanStd struct {
	Mean Num `json:"mean"`
	Std  Num `json:"std"`
}

func (m MeanStd) String() string {
	if math.IsNaN(float64(m.Mean)) {
		return "–"
	}
	return fmt.Sprintf("%.2f ± %.2f", float64(m.Mean), float64(m.Std))
}

// NewMeanStd computes the mean and population std (NaNs skipped).
func NewMeanStd(v []float64) MeanStd {
	var s, n float64
	for _, x := range v {
		if !math.IsNaN(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return MeanStd{Num(math.NaN()), Num(math.NaN())}
	}
	mean := s / n
	var q float64
	for _, x := range v {
		if !math.IsNaN(x) {
			q += (x - mean) * (x - mean)
		}
	}
	return MeanStd{Num(mean), Num(math.Sqrt(q / n))}
}

// Score derives Learnability L_i = m(M_i, F_i^te), Independence
// I_i = mean_{j != i}(m(M_i, F_i^te) - m(M_i, F_j^te)) (unclipped, as the
// authors' code) and Compatibility m(M_i, C^te) from the matrix.
func Score(matrix [][]float64, cTest []float64) (*Scores, error) {
	k := len(matrix)
	if len(cTest) != k {
		return nil, fmt.Errorf("score: %d rows but %d C^te entries", k, len(cTest))
	}
	s := &Scores{Matrix: matrix, CTest: cTest}
	for i, row := range matrix {
		if len(row) != k {
			return nil, fmt.Errorf("score: row %d has %d columns, want %d", i, len(row), k)
		}
		s.Learnability = append(s.Learnability, row[i])
		ind := math.NaN()
		if k > 1 {
			var d float64
			for j, v := range row {
				if j != i {
					d += row[i] - v
				}
			}
			ind = d / float64(k-1)
		}
		s.Independence = append(s.Independence, Num(ind))
	}
	s.Compatibility = append([]float64(nil), cTest...)
	s.Summary = Summary{NewMeanStd(s.Learnability), NewMeanStd(floats(s.Independence)), NewMeanStd(s.Compatibility)}
	return s, nil
}

func floats(v []Num) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
