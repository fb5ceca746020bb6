// Command remedy finds the distinct ways a trained image model fails, checks
// that those failure types are real, and repairs the model.
package main

import (
	"fmt"
	"os"

	"remedy/kernels"
)

const version = "0.1.0-dev"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	switch os.Args[1] {
	case "version":
		fmt.Printf("remedy %s (kernels: %s, threads: %d)\n", version, kernels.Path(), kernels.Threads())
	case "help", "-h", "--help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "remedy: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: remedy <command> [flags]

commands:
  version   print the version and the kernel path in use
`)
}
