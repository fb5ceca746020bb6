//go:build purego || !amd64

package umap

func edgeAVX512(cur *float32, snap *float32, k int, negs *int32, nneg int, c *layoutConsts) {
	panic("umap: edgeAVX512 without assembly")
}

func edgeAsm() bool { return false }
