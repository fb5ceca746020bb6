//go:build purego || !amd64

package kernels

// No assembly Winograd transforms on this build: the Go twins run.
func winoInputFn() func(pin **float32, nt, c int, v *float32, lde, ldv int) { return nil }

func winoOutputFn() func(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32) {
	return nil
}

func winoFilterFn() func(g *float32, ldg, n int, dst *float32, lde, ldp int) { return nil }

func wino5InputFn() func(pin **float32, nt, c int, v *float32, lde, ldv int) { return nil }

func wino5OutputFn() func(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32) {
	return nil
}

func wino5FilterFn() func(g *float32, ldg, n int, dst *float32, lde, ldp int) { return nil }

func wino6InputFn() func(pin **float32, nt, c int, v *float32, lde, ldv int) { return nil }

func wino6OutputFn() func(m *float32, lde, ldm, nt, c int, pout **float32, bias *float32) {
	return nil
}

func wino6FilterFn() func(g *float32, ldg, n int, dst *float32, lde, ldp int) { return nil }
