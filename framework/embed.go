package framework

import (
	"fmt"

	"remedy/nn"
	"remedy/rproj"
)

// gradientSink projects each conv weight's per-example gradient rows on
// their own (each layer cut into parts as the paper's code does) into an
// n x D embedding as they arrive, so only one batch of gradients is held.
type gradientSink struct {
	projs []*rproj.Blocks
	offs  []int // column of each weight's block in a row
	D     int
	emb   []float32
	tmp   []float32
	err   error // first projection error
}

func newGradientSink(weights []nn.Param, n int, o EmbedOptions, seed uint64) (*gradientSink, error) {
	g := &gradientSink{}
	for _, w := range weights {
		bs, out := rproj.Chunked([]int{w.T.Numel()}, o.Chunk, o.Out)
		b, err := rproj.NewBlocks(bs, out, Derive(seed, "embed/gradient/"+w.Name))
		if err != nil {
			return nil, err
		}
		g.projs = append(g.projs, b)
		g.offs = append(g.offs, g.D)
		g.D += b.DOut()
	}
	g.emb = make([]float32, n*g.D)
	return g, nil
}

// put projects weight i's gradient rows (nRows of them) of the examples
// starting at embedding row start.
func (g *gradientSink) put(i int, rows []float32, nRows, start int) {
	out := g.projs[i].DOut()
	g.tmp = append(g.tmp[:0], make([]float32, nRows*out)...)
	if err := g.projs[i].Project(g.tmp, rows, nRows); err != nil {
		if g.err == nil {
			g.err = err
		}
		return
	}
	for r := 0; r < nRows; r++ {
		o := (start+r)*g.D + g.offs[i]
		copy(g.emb[o:o+out], g.tmp[r*out:(r+1)*out])
	}
}

// featureSink writes per-layer feature vectors into an n x D embedding,
// each layer wider than out projected to out dimensions on its own. The
// layer widths are learnt from the first batch.
type featureSink struct {
	n, out int
	seed   uint64
	projs  []*rproj.Projector // nil: layer kept as is
	offs   []int
	D      int
	emb    []float32
}

// put writes the layers' features (layers[l] is nRows x width_l) of the
// examples starting at embedding row start.
func (f *featureSink) put(layers [][]float32, nRows, start int) error {
	if f.emb == nil {
		for l, v := range layers {
			k := len(v) / nRows
			f.offs = append(f.offs, f.D)
			if k > f.out {
				f.projs = append(f.projs, rproj.New(k, f.out, Derive(f.seed, fmt.Sprintf("embed/feature/%d", l))))
				f.D += f.out
			} else {
				f.projs = append(f.projs, nil)
				f.D += k
			}
		}
		f.emb = make([]float32, f.n*f.D)
	}
	for l, v := range layers {
		width, rows := len(v)/nRows, v
		if p := f.projs[l]; p != nil {
			width = p.DOut()
			rows = make([]float32, nRows*width)
			if err := p.Project(rows, v, nRows); err != nil {
				return err
			}
		}
		for r := 0; r < nRows; r++ {
			copy(f.emb[(start+r)*f.D+f.offs[l]:], rows[r*width:(r+1)*width])
		}
	}
	return nil
}
