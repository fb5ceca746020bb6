package kernels

// Hooks for the in-process A/B benchmark in train_ab_test.go (package
// kernels_test, which can import nn): they switch this session's speed-ups
// off and back on; results are correct either way.

// SetWinoUPadForTest sets winoUPad and returns the previous value.
func SetWinoUPadForTest(p int) int {
	old := winoUPad
	winoUPad = p
	return old
}

// SetWgradDirectForTest sets wgradDirectMode and returns the previous value.
func SetWgradDirectForTest(m int) int {
	old := wgradDirectMode
	wgradDirectMode = m
	return old
}
