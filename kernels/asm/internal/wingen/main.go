// Command wingen writes remedy's Winograd transform kernels: the AVX-512
// assembly of F(2x2, 3x3), F(3x3, 3x3) and F(4x4, 3x3) in kernels/asm and
// the pure-Go twins of the F(3x3) and F(4x4) transforms in kernels. The
// twins evaluate every sum in the assembly's order, so both give the same
// bits. Run it through go generate in kernels/asm (see gen.go there), or
//
//	go run ./kernels/asm/internal/wingen -dir kernels/asm
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// file is one generated file, its path relative to the kernels/asm dir.
type file struct {
	path string
	data []byte
}

// generate builds every file in memory.
func generate() ([]file, error) {
	files := []file{{"winograd_amd64.s", []byte(f2Asm())}}
	for _, w := range []*wino{f3(), f4()} {
		asm := w.asm() // numbers the constant table, so before goFile
		src, err := w.goFile()
		if err != nil {
			return nil, fmt.Errorf("F(%dx%d, 3x3) Go twins: %v", w.m, w.m, err)
		}
		files = append(files,
			file{"winograd" + w.tag + "_amd64.s", []byte(asm)},
			file{"../winograd" + w.tag + ".go", src})
	}
	return files, nil
}

// write stores files under dir (the kernels/asm directory).
func write(dir string, files []file) error {
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.path))
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	dir := flag.String("dir", ".", "the kernels/asm directory (the Go twins go to its parent)")
	flag.Parse()
	files, err := generate()
	if err == nil {
		err = write(*dir, files)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wingen:", err)
		os.Exit(1)
	}
}
