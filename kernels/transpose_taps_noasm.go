//go:build purego || !amd64

package kernels

var tapTab = []int32{0}

// tap9Fn: no assembly tap transpose on this build.
func tap9Fn() func(dst *float32, ldd, dk int, src *float32, sk, blocks, n int, tab *int32) {
	return nil
}

// tapAdd9Fn: no assembly tap permute-and-add on this build.
func tapAdd9Fn() func(dst, src *float32, lds, blocks int, tab *int32) { return nil }
