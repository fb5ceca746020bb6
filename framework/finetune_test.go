package framework

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// toyLearner is logistic regression on 1-D points: a real, tiny model, so
// the protocol's selection logic is exercised on genuine training curves.
type toyLearner struct {
	x     []float64
	y     []int
	w, b  float64
	lr    float64
	steps int
	ewc   float64
	w0    float64
}

func (t *toyLearner) Clone() Learner { c := *t; c.steps = 0; return &c }
func (t *toyLearner) Correct(cases []int) []bool {
	out := make([]bool, len(cases))
	for i, c := range cases {
		out[i] = (t.w*t.x[c]+t.b > 0) == (t.y[c] == 1)
	}
	return out
}
func (t *toyLearner) SetOptimizer(lr, _ float64) { t.lr = lr }
func (t *toyLearner) Step(cases []int) error {
	var gw, gb float64
	for _, c := range cases {
		p := 1 / (1 + math.Exp(-(t.w*t.x[c] + t.b)))
		gw += (p - float64(t.y[c])) * t.x[c]
		gb += p - float64(t.y[c])
	}
	n := float64(len(cases))
	gw = gw/n + t.ewc*(t.w-t.w0)
	t.w -= t.lr * gw
	t.b -= t.lr * gb / n
	t.steps++
	return nil
}
func (t *toyLearner) AnchorEWC(_ []int, lambda float64) error { t.ewc, t.w0 = lambda, t.w; return nil }

// Points left of 0 are class 0, right of 0 class 1, but the model's boundary
// sits at x = 1, so the points in (0, 1) are its failures.
func toyData() (*toyLearner, []int, []int) {
	l := &toyLearner{w: 4, b: -4}
	var f, c []int
	for i := 0; i < 200; i++ {
		x := -2 + 4*float64(i)/199
		y := 0
		if x > 0 {
			y = 1
		}
		l.x = append(l.x, x)
		l.y = append(l.y, y)
		if (l.w*x+l.b > 0) == (y == 1) {
			c = append(c, i)
		} else {
			f = append(f, i)
		}
	}
	return l, f, c
}

func TestFineTuneRepairsWithinConstraint(t *testing.T) {
	base, f, c := toyData()
	fp, _ := SplitSet(f, nil, 1, "F")
	cp, _ := SplitSet(c, nil, 1, "C")
	p := Protocol{LR: 0.5, Epochs: 40, Batch: 1, CMin: 0.9}
	spec := TuneSpec{Train: fp.Train, Val: fp.Val, CTrain: cp.Train, CVal: cp.Val, Constrain: true}
	var epochs int
	m, res, err := FineTune(base, spec, p, 3, func(int, float64, float64) { epochs++ })
	require.NoError(t, err)
	require.False(t, res.KeptBase)
	require.Equal(t, res.Epochs, epochs)
	require.Greater(t, accuracy(m, fp.Test), 0.5, "the repaired boundary moved left")
	require.GreaterOrEqual(t, res.CValAcc, 0.9)
	require.Equal(t, 4.0, base.w, "the base model is untouched")
	// The picked epoch is the best F validation accuracy among qualifying ones.
	for i, fa := range res.FValCurve {
		if res.CValCurve[i] >= 0.9 {
			require.LessOrEqual(t, fa, res.FValAcc)
		}
	}
}

func TestFineTuneKeepsOriginalWhenConstraintUnmet(t *testing.T) {
	base, f, c := toyData()
	fp, _ := SplitSet(f, nil, 1, "F")
	cp, _ := SplitSet(c, nil, 1, "C")
	// CMin above what any model here can reach: no epoch qualifies.
	p := Protocol{LR: 0.5, Epochs: 5, Batch: 4, CMin: 1.01}
	m, res, err := FineTune(base, TuneSpec{Train: fp.Train, Val: fp.Val, CTrain: cp.Train, CVal: cp.Val, Constrain: true}, p, 3, nil)
	require.NoError(t, err)
	require.True(t, res.KeptBase)
	require.Equal(t, 0, res.Epoch)
	require.Equal(t, base.w, m.(*toyLearner).w)
}

func TestFineTuneDeterministic(t *testing.T) {
	base, f, c := toyData()
	spec := TuneSpec{Train: f[:20], Val: f[20:], CTrain: c[:100], CVal: c[100:], Constrain: true}
	p := FastProtocol()
	p.LR = 0.3
	a, ra, _ := FineTune(base, spec, p, 9, nil)
	b, rb, _ := FineTune(base, spec, p, 9, nil)
	require.Equal(t, ra, rb)
	require.Equal(t, a.(*toyLearner).w, b.(*toyLearner).w)
}

func TestFineTuneBadSpec(t *testing.T) {
	base, f, _ := toyData()
	_, _, err := FineTune(base, TuneSpec{Train: f, Val: nil}, FastProtocol(), 1, nil)
	require.Error(t, err)
	_, _, err = FineTune(base, TuneSpec{Train: f, Val: f, Constrain: true}, FastProtocol(), 1, nil)
	require.ErrorContains(t, err, "Compatibility")
}
