// Package asm holds remedy's hand-written Go assembly kernels. Nothing here
// checks CPU features or bounds: callers in remedy/kernels select a routine
// only when the CPU supports it and pass only valid, packed operands.
// Files are per architecture; the purego build tag leaves them all out.
package asm
