package framework

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"remedy/autograd"
	"remedy/kernels"
	"remedy/nn"
	"remedy/rproj"
)

func randomImages(n int, seed uint64) *Images {
	r := rand.New(rand.NewPCG(seed, 1))
	im := &Images{N: n, C: 3, H: 28, W: 28, Pix: make([]uint8, n*3*28*28), Labels: make([]int32, n)}
	for i := range im.Pix {
		im.Pix[i] = uint8(r.IntN(256))
	}
	for i := range im.Labels {
		im.Labels[i] = int32(r.IntN(2))
	}
	return im
}

func newVGG() nn.Model { return nn.NewBPVGG(0) }

func TestClassifierCloneAndCheck(t *testing.T) {
	im := randomImages(20, 1)
	c, err := NewClassifier(nn.NewBPVGG(3), newVGG, im)
	require.NoError(t, err)
	cl := c.Clone().(*Classifier)
	all := seq(20)
	require.Equal(t, c.Correct(all), cl.Correct(all))
	cl.SetOptimizer(1e-3, 0)
	require.NoError(t, cl.Step(all[:8]))
	require.NotEqual(t, c.M.Params()[0].T.Data[0], cl.M.Params()[0].T.Data[0], "a step on the clone moves only the clone")

	bad := *im
	bad.H = 32
	_, err = NewClassifier(nn.NewBPVGG(3), newVGG, &bad)
	require.ErrorContains(t, err, "28x28")
	bad = *im
	bad.Labels = append([]int32{5}, im.Labels[1:]...)
	_, err = NewClassifier(nn.NewBPVGG(3), newVGG, &bad)
	require.ErrorContains(t, err, "label 5")
}

// The streamed, batched, projected gradients equal the projection of
// gradients from independent batch-1 backward passes.
func TestGradientEmbeddingMatchesBatchOne(t *testing.T) {
	im := randomImages(5, 2)
	m := nn.NewBPVGG(4)
	c, err := NewClassifier(m, newVGG, im)
	require.NoError(t, err)
	o := EmbedOptions{Out: 8, Chunk: 100_000, Batch: 3}
	cases := []int{4, 0, 2, 3}
	emb, d, err := c.GradientEmbedding(cases, o, 11, nil)
	require.NoError(t, err)
	weights := nn.ConvWeights(m)
	tp := autograd.NewTape()
	for r, id := range cases {
		x, y := im.batch([]int{id}, 3, nil, nil)
		tp.Reset()
		for _, p := range m.Params() {
			p.T.ZeroGrad()
		}
		loss, err := nn.Loss(tp, m, x, 1, y)
		require.NoError(t, err)
		require.NoError(t, tp.Backward(loss))
		off := 0
		for _, w := range weights {
			bs, out := rproj.Chunked([]int{w.T.Numel()}, o.Chunk, o.Out)
			b, err := rproj.NewBlocks(bs, out, Derive(11, "embed/gradient/"+w.Name))
			require.NoError(t, err)
			want := make([]float32, b.DOut())
			require.NoError(t, b.Project(want, w.T.Grad, 1))
			got := emb[r*d+off : r*d+off+b.DOut()]
			for j := range want {
				require.InDelta(t, want[j], got[j], 1e-4*(1+math.Abs(float64(want[j]))), "case %d %s dim %d", id, w.Name, j)
			}
			off += b.DOut()
		}
		require.Equal(t, d, off)
	}
}

func TestFeatureEmbeddingFirstLayer(t *testing.T) {
	im := randomImages(3, 5)
	m := nn.NewBPVGG(6)
	c, _ := NewClassifier(m, newVGG, im)
	emb, d, err := c.FeatureEmbedding([]int{2, 1}, EmbedOptions{Out: 100, Batch: 1}, 1, nil)
	require.NoError(t, err)
	// 6 convs + 6 ReLUs + 3 pools; 16 and 32 channels kept, wider ones to 100.
	require.Equal(t, 3*16+3*32+9*100, d)
	// The first 16 values are the spatial means of the first conv's output.
	x, _ := im.batch([]int{1}, 3, nil, nil)
	p := m.Params()
	s := kernels.ConvShape{N: 1, C: 3, H: 28, W: 28, K: 16, R: 3, S: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}
	y := make([]float32, 16*28*28)
	kernels.ConvForward(s, x, p[0].T.Data, p[1].T.Data, y)
	for k := 0; k < 16; k++ {
		var sum float64
		for _, v := range y[k*784 : (k+1)*784] {
			sum += float64(v)
		}
		require.InDelta(t, sum/784, emb[d+k], 1e-4)
	}
}

func TestEWCHoldsParametersNearAnchor(t *testing.T) {
	im := randomImages(16, 7)
	base, _ := NewClassifier(nn.NewBPVGG(8), newVGG, im)
	move := func(lambda float64) float64 {
		c := base.Clone().(*Classifier)
		c.SetOptimizer(1e-3, 0)
		if lambda > 0 {
			require.NoError(t, c.AnchorEWC(seq(8), lambda))
		}
		for i := 0; i < 5; i++ {
			require.NoError(t, c.Step(seq(16)[8:]))
		}
		var d float64
		for i, p := range c.M.Params() {
			for j, v := range p.T.Data {
				dv := float64(v - base.M.Params()[i].T.Data[j])
				d += dv * dv
			}
		}
		return d
	}
	free, held := move(0), move(1e7)
	require.Less(t, held, free/2, "a strong EWC penalty keeps the parameters closer to the anchor")
	c := base.Clone().(*Classifier)
	require.Error(t, c.AnchorEWC(nil, 1))
}
