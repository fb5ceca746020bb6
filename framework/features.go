package framework

import (
	"fmt"
	"io"

	"remedy/autograd"
	"remedy/nn"
	"remedy/rproj"
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
	var (
		projs []*rproj.Projector
		offs  []int
		d     int
		emb   []float32
	)
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
		if emb == nil {
			// Sizes are known after the first batch.
			for li, m := range means {
				k := len(m) / n
				offs = append(offs, d)
				if k > o.Out {
					projs = append(projs, rproj.New(k, o.Out, Derive(seed, fmt.Sprintf("embed/feature/%d", li))))
					d += o.Out
				} else {
					projs = append(projs, nil)
					d += k
				}
			}
			emb = make([]float32, len(cases)*d)
		}
		for li, m := range means {
			k := len(m) / n
			out := m
			width := k
			if p := projs[li]; p != nil {
				width = p.DOut()
				out = make([]float32, n*width)
				if err := p.Project(out, m, n); err != nil {
					return nil, 0, err
				}
			}
			for r := 0; r < n; r++ {
				copy(emb[(s+r)*d+offs[li]:], out[r*width:(r+1)*width])
			}
		}
		if progress != nil {
			fmt.Fprintf(progress, "\rfeature embedding: %d/%d", s+n, len(cases))
		}
	}
	if progress != nil {
		fmt.Fprintln(progress)
	}
	return emb, d, nil
}
