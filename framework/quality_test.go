package framework

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func toyEvaluation(t *testing.T) (*toyLearner, *Evaluation) {
	base, _, _ := toyData()
	e := &Evaluation{}
	ok := base.Correct(seq(len(base.x)))
	for i := range base.x {
		e.Cases = append(e.Cases, Case{Index: i, Label: int32(base.y[i]), Correct: ok[i], Meta: []int32{}, Planted: -1})
	}
	require.NoError(t, e.Split())
	return base, e
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestQualityResumesFromStore(t *testing.T) {
	base, e := toyEvaluation(t)
	types, err := RandomTypes(len(e.F), 2, 1)
	require.NoError(t, err)
	sp, err := MakeSplits(e, types, 5)
	require.NoError(t, err)
	require.Len(t, sp.Types, 2)
	dir := t.TempDir()
	store := &Store{Dir: dir}
	p := Protocol{Name: "toy", LR: 0.5, Epochs: 10, Batch: 2, CMin: 0.9}
	var lines int
	log := func(string, ...any) { lines++ }
	s1, runs1, err := Quality(base, sp, p, 1, store, "random", 2, log)
	require.NoError(t, err)
	require.Len(t, s1.Matrix, 2)
	require.Len(t, runs1, 2)
	for i, r := range runs1 {
		require.Equal(t, s1.Learnability[i], r.Row[i])
	}
	files, _ := filepath.Glob(filepath.Join(dir, "random", "*.json"))
	require.Len(t, files, 2)

	// A second run reuses both results; a changed protocol recomputes.
	s2, _, err := Quality(base, sp, p, 1, store, "random", 1, log)
	require.NoError(t, err)
	require.Equal(t, s1, s2)
	p.Epochs = 3
	_, runs3, err := Quality(base, sp, p, 1, store, "random", 1, log)
	require.NoError(t, err)
	require.LessOrEqual(t, runs3[0].Tune.Epochs, 3)
	require.Equal(t, 6, lines)

	// No temporary files are left behind.
	left, _ := filepath.Glob(filepath.Join(dir, "random", ".*"))
	require.Empty(t, left)
}

func TestRepairTable(t *testing.T) {
	base, e := toyEvaluation(t)
	types, _ := RandomTypes(len(e.F), 2, 1)
	sp, _ := MakeSplits(e, types, 5)
	p := Protocol{Name: "toy", LR: 0.5, Epochs: 8, Batch: 2, CMin: 0.9}
	rows, err := Repair(base, sp, p, 1, nil, "r", 2, func(string, ...any) {}, nil)
	require.NoError(t, err)
	require.Len(t, rows, 1+len(RepairMethods))
	pre := rows[0]
	require.Equal(t, []float64{0, 0}, pre.PerType, "every F case is a failure of the base model")
	require.Equal(t, 1.0, pre.CTest)
	nTest := len(sp.AllTest())
	require.InDelta(t, float64(len(sp.C.Test))/float64(nTest), pre.All, 1e-12)
	for _, r := range rows[1:] {
		require.Len(t, r.PerType, 2)
		require.NotEmpty(t, r.Runs)
	}
	// The runs share one worker pool across methods; the table must not
	// depend on how many run at once or in which order they finish, and
	// each per-type cell comes from the run on that type.
	one, err := Repair(base, sp, p, 1, nil, "r", 1, func(string, ...any) {}, nil)
	require.NoError(t, err)
	require.Equal(t, one, rows)
	single := rows[1]
	require.Equal(t, "single", single.Method)
	require.Len(t, single.Runs, 2)
	for i := range single.PerType {
		require.Equal(t, single.Runs[i].Row[i], single.PerType[i])
	}
	for _, r := range rows[3:] {
		require.Len(t, r.Runs, 1, r.Method)
		require.Equal(t, r.Runs[0].Row, r.PerType, r.Method)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "x.json")
	require.NoError(t, WriteFileAtomic(p, []byte("hello")))
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, "hello", string(b))
}
