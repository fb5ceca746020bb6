package kernels

// Path reports the kernel path in use: "generic", "avx2", "avx512" or "neon".
func Path() string { return path }

var path = "generic"
