//go:build purego || !amd64

package umap

func edgeAVX512(cur *float32, snap *float32, k int, negs *int32, nneg int, c *layoutConsts) {
	panic("umap: edgeAVX512 without assembly")
}

func useAVX512() bool { return false }

func dot64AVX512(x, y *float64, n int) float64 { panic("umap: dot64AVX512 without assembly") }

func axpy64AVX512(a float64, x, y *float64, n int) { panic("umap: axpy64AVX512 without assembly") }
