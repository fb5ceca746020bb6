package main

import (
	"fmt"

	"remedy/kernels"
)

const version = "0.1.0-dev"

func init() {
	register(command{"version", "print the version and the kernel path in use", func([]string) error {
		fmt.Printf("remedy %s (kernels: %s, threads: %d)\n", version, kernels.Path(), kernels.Threads())
		return nil
	}})
}
