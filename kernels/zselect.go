package kernels

// This file's name sorts after every arch file so its init runs last.
func init() { selectPath() }
