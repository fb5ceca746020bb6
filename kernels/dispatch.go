package kernels

import (
	"fmt"
	"os"
)

// microKernel computes one register tile: C[mr x nr] += A~ * B~, where A~ is
// an mr x kc panel packed column by column (a[p*mr+i]) and B~ a kc x nr panel
// packed row by row (b[p*nr+j]). C has row stride ldc. The GEMM driver handles
// alpha (while packing), beta (before the tiles) and partial edge tiles
// (through a scratch tile), so every micro-kernel sees only full tiles.
type microKernel struct {
	mr, nr int
	fn     func(kc int, a, b, c *float32, ldc int)
	// set, optional, computes C = A~ * B~ without reading C; the driver
	// uses it for the first kc slice when beta == 0, saving a clearing pass
	// and a read of C (which matters when k is small and C large).
	set func(kc int, a, b, c *float32, ldc int)
}

// impl is one instruction-set path. Arch-specific files register theirs in
// init through addImpl; "generic" is always present.
type impl struct {
	name      string
	available bool // the running CPU supports it
	gemm      microKernel
	// Optional vector primitives for skinny GEMMs (see gemm_skinny.go);
	// nil means the pure-Go dotGo / axpyGo. Both take equal-length slices.
	dot  func(x, y []float32) float32
	axpy func(alpha float32, x, y []float32) // y += alpha*x
	// Optional packing routines (nil: pure Go), both filling k rows of w
	// floats at dst with alpha times the source, zero beyond n lanes:
	// packCopy reads rows src[p*ld : p*ld+n], packGather columns src[i*ld+p],
	// i < n. They may write up to 7 floats past dst[k*w-1]; w <= packMaxW.
	packCopy, packGather func(dst, src *float32, ld, k, n, w int, alpha float32)
	packMaxW             int
}

var impls = []impl{{name: "generic", available: true, gemm: genericMicro}}

func addImpl(i impl) { impls = append(impls, i) }

// cur is the path in use. Chosen in init (after the arch files have added
// theirs; Go runs a package's init functions in file-name order, and every
// arch file sorts before "select.go").
var cur impl

// Path reports the kernel path in use: "generic", "avx2", "avx512" or "neon".
func Path() string { return cur.name }

// Paths lists the paths this CPU can run, best last.
func Paths() []string {
	var out []string
	for _, i := range impls {
		if i.available {
			out = append(out, i.name)
		}
	}
	return out
}

// UsePath switches to the named path; an error names the path if the CPU
// lacks it or it is unknown on this architecture.
func UsePath(name string) error {
	for _, i := range impls {
		if i.name == name {
			if !i.available {
				return fmt.Errorf("kernels: path %q is not supported by this CPU (available: %v)", name, Paths())
			}
			cur = i
			return nil
		}
	}
	return fmt.Errorf("kernels: unknown path %q (available: %v)", name, Paths())
}

// selectPath picks the best available path, or the one forced by
// REMEDY_KERNELS; a forced path the CPU lacks is a fatal start-up error,
// since silently running another path would make benchmarks and tests lie.
func selectPath() {
	for _, i := range impls {
		if i.available {
			cur = i // impls are registered in increasing preference
		}
	}
	if want := os.Getenv("REMEDY_KERNELS"); want != "" {
		if err := UsePath(want); err != nil {
			fmt.Fprintf(os.Stderr, "REMEDY_KERNELS=%s: %v\n", want, err)
			os.Exit(2)
		}
	}
}
