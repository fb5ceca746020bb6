package asm

// winograd_amd64.s, winograd5_amd64.s and winograd6_amd64.s, and the Go
// twins ../winograd5.go and ../winograd6.go, are written by internal/wingen.
//go:generate go run ./internal/wingen
