package framework

import (
	"fmt"
	"io"

	"remedy/autograd"
	"remedy/nn"
)

// bodyLayers returns the layers whose outputs are the model's features.
func bodyLayers(m nn.Model) ([]nn.Layer, error) {
	switch v := m.(type) {
	case *nn.BPVGG:
		return v.Features, nil
	}
	return nil, fmt.Errorf("feature embedding: no feature layers known for %T", m)
}

// FeatureEmbedding returns, per example, the per-channel spatial means of
// every body layer's output (conv, ReLU, pool), each layer with more than
// o.Out channels projected to o.Out dimensions on its own, concatenated.
func (c *Classifier) FeatureEmbedding(cases []int, o EmbedOptions, seed uint64, progress io.Writer) ([]float32, int, error) {
	layers, err := bodyLayers(c.M)
	if err != nil {
		return nil, 0, err
	}
	tp := autograd.NewTape()
	tp.SetNoGrad(true)
	ch, h, w := c.M.InputShape()
	sink := &featureSink{n: len(cases), out: o.Out, seed: seed}
	for s := 0; s < len(cases); s += o.Batch {
		part := cases[s:min(s+o.Batch, len(cases))]
		n := len(part)
		c.x, c.y = c.Data.batch(part, ch, c.x, c.y)
		tp.Reset()
		x := autograd.NewTensor(c.x, n, ch, h, w)
		var means [][]float32
		for _, l := range layers {
			x = l.Forward(tp, x)
			means = append(means, tp.SpatialMean(x).Data)
		}
		if err := sink.put(means, n, s); err != nil {
			return nil, 0, err
		}
		if progress != nil {
			fmt.Fprintf(progress, "\rfeature embedding: %d/%d", s+n, len(cases))
		}
	}
	if progress != nil {
		fmt.Fprintln(progress)
	}
	return sink.emb, sink.D, nil
}
