package main

import (
	"fmt"
	"os"
	"time"

	"remedy/data/npy"
	"remedy/umap"
)

func init() {
	register(command{"umap", "embed the rows of a .npy matrix with UMAP", runUMAP})
}

func runUMAP(args []string) error {
	fs := embFlags("umap", "--in X.npy --out Y.npy [flags]",
		"Embeds the rows of X (n x d, float32 or float64, C order) with UMAP and writes\n"+
			"the n x dim float32 embedding. Parameters have umap-learn's names and meanings;\n"+
			"the same seed and thread count give the same output.")
	in := fs.String("in", "", "input matrix, a 2-D float32/float64 .npy (required)")
	out := fs.String("out", "", "output embedding, float32 .npy (required)")
	nn := fs.Int("n-neighbors", 15, "size of the local neighbourhood (self included)")
	minDist := fs.Float64("min-dist", 0.1, "minimum distance between embedded points")
	spread := fs.Float64("spread", 1.0, "scale of the embedded points")
	dim := fs.Int("dim", 10, "output dimensions (n_components)")
	metric := fs.String("metric", "euclidean", "euclidean or cosine")
	epochs := fs.Int("n-epochs", 0, "SGD epochs (0 = 500 up to 10,000 points, else 200)")
	seed := fs.Int64("seed", 0, "random seed (random_state)")
	threads := fs.Int("threads", 0, "goroutines (0 = all cores)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	if done, err := parseEmbFlags(fs, args); done || err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	if *dim < 1 {
		return fmt.Errorf("--dim %d: must be at least 1", *dim)
	}
	x, n, d, err := readEmbedding(*in)
	if err != nil {
		return err
	}
	opt := umap.Options{
		NNeighbors:  *nn,
		MinDist:     *minDist,
		MinDistSet:  true,
		Spread:      *spread,
		NComponents: *dim,
		NEpochs:     *epochs,
		Metric:      *metric,
		RandomState: *seed,
		Threads:     *threads,
	}
	if !*quiet {
		opt.Progress = os.Stderr
	}
	start := time.Now()
	y, err := umap.FitTransform(x, n, d, opt)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	if err := npy.WriteFloat32(*out, []int{n, *dim}, y); err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(os.Stderr, "umap: %d x %d -> %d x %d in %.2fs, wrote %s\n", n, d, n, *dim, time.Since(start).Seconds(), *out)
	}
	return nil
}
