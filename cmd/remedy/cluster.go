package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"remedy/data/npy"
	"remedy/kmeans"
)

func init() {
	register(command{"cluster", "k-means an embedding (.npy), choosing k by the silhouette", runCluster})
}

// embFlags makes a FlagSet whose --help prints usage and is not an error.
func embFlags(name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: remedy %s %s\n\n%s\n\nflags:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseEmbFlags parses args; help requested returns done = true and no error.
func parseEmbFlags(fs *flag.FlagSet, args []string) (done bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, err
	}
	if fs.NArg() > 0 {
		return false, fmt.Errorf("unexpected arguments %q (flags only)", fs.Args())
	}
	return false, nil
}

// readEmbedding reads a 2-D float32 or float64 C-order .npy file as float32.
func readEmbedding(path string) (x []float32, n, d int, err error) {
	if path == "" {
		return nil, 0, 0, fmt.Errorf("--in is required")
	}
	a, err := npy.ReadFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	if a.Descr != "<f4" && a.Descr != "<f8" {
		return nil, 0, 0, fmt.Errorf("%s: dtype %s, want float32 (<f4) or float64 (<f8)", path, a.Descr)
	}
	if len(a.Shape) != 2 {
		return nil, 0, 0, fmt.Errorf("%s: shape %v, want a 2-D array (points x dimensions)", path, a.Shape)
	}
	x, err = a.Float32()
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return x, a.Shape[0], a.Shape[1], nil
}

// parseKRange reads "3..10" or "5".
func parseKRange(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(s, "..")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi = lo
	var err2 error
	if isRange {
		hi, err2 = strconv.Atoi(strings.TrimSpace(b))
	}
	if err1 != nil || err2 != nil || lo < 1 || hi < lo {
		return 0, 0, fmt.Errorf("--k %q: want a number (5) or a range (3..10) of positive numbers", s)
	}
	return lo, hi, nil
}

func runCluster(args []string) error {
	fs := embFlags("cluster", "--in Y.npy --out labels.npy [flags]",
		"Clusters the rows of Y with k-means (k-means++, n-init restarts) for every k in\n"+
			"the range, prints the silhouette curve, and writes the labels (int32) of the\n"+
			"k with the highest silhouette (the larger k on ties).")
	in := fs.String("in", "", "input embedding, a 2-D float32/float64 .npy (required)")
	out := fs.String("out", "", "output labels, int32 .npy of length n (required)")
	kr := fs.String("k", "3..10", "k or a range lo..hi")
	seed := fs.Uint64("seed", 0, "random seed")
	nInit := fs.Int("n-init", 10, "k-means restarts per k")
	maxIter := fs.Int("max-iter", 300, "Lloyd iterations per restart")
	threads := fs.Int("threads", 0, "goroutines (0 = all cores)")
	if done, err := parseEmbFlags(fs, args); done || err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	lo, hi, err := parseKRange(*kr)
	if err != nil {
		return err
	}
	x, n, d, err := readEmbedding(*in)
	if err != nil {
		return err
	}
	opt := kmeans.Options{NInit: *nInit, MaxIter: *maxIter, Seed: *seed, Threads: *threads}
	labels, err := clusterEmbedding(os.Stdout, x, n, d, lo, hi, opt)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	return npy.WriteInt32(*out, []int{n}, labels)
}

// clusterEmbedding prints the curve to w and returns the chosen labels.
func clusterEmbedding(w io.Writer, x []float32, n, d, lo, hi int, opt kmeans.Options) ([]int32, error) {
	if lo == hi {
		r, err := kmeans.Fit(x, n, d, lo, opt)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "n=%d d=%d k=%d inertia %.6g iterations %d\n", n, d, lo, r.Inertia, r.Iter)
		if lo >= 2 && lo < n {
			if s, err := kmeans.Silhouette(x, n, d, r.Labels, lo); err == nil {
				fmt.Fprintf(w, "silhouette %.4f\n", s)
			}
		}
		return r.Labels, nil
	}
	sel, err := kmeans.Select(x, n, d, lo, hi, opt)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "n=%d d=%d\n%4s  %10s  %14s\n", n, d, "k", "silhouette", "inertia")
	var chosen []int32
	for i, k := range sel.Ks {
		mark := ""
		if k == sel.BestK {
			mark = "  <- best"
			chosen = sel.Results[i].Labels
		}
		fmt.Fprintf(w, "%4d  %10.4f  %14.6g%s\n", k, sel.Silhouettes[i], sel.Inertias[i], mark)
	}
	fmt.Fprintf(w, "chosen k = %d\n", sel.BestK)
	return chosen, nil
}
