//go:build arm64 && !purego

package kernels

import (
	"remedy/kernels/asm"

	"golang.org/x/sys/cpu"
)

// NEON (ASIMD) is part of every ARMv8-A core Go supports, but ask the OS
// anyway so that REMEDY_KERNELS=neon fails clearly if it is ever missing.
func init() {
	addImpl(impl{name: "neon", available: cpu.ARM64.HasASIMD, gemm: microKernel{mr: 8, nr: 12, fn: asm.MicroNEON8x12}})
}
