//go:build !(amd64 || arm64) || purego

package kernels

func adamSIMD(w, g, m, v []float32, c *AdamCoef) int { return 0 }
