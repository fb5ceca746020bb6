package main

import (
	"fmt"

	"remedy/framework"
	"remedy/kernels"
)

const version = "0.1.0-dev"

func init() {
	register(command{"version", "print the version and the kernel path in use", func([]string) error {
		fmt.Printf("remedy %s (%s; kernels: %s, threads: %d)\n", version, framework.Build(), kernels.Path(), kernels.Threads())
		return nil
	}})
}
