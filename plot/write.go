package plot

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
)

// savePNG writes img to path atomically: the PNG goes to a temporary file in
// the same directory, is synced, and is renamed over path only when
// complete, so readers never see a half-written figure.
func savePNG(path string, img image.Image) (err error) {
	if path == "" {
		return errors.New("plot: empty output path")
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err = enc.Encode(f, img); err != nil {
		return fmt.Errorf("plot: encoding %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	return nil
}
