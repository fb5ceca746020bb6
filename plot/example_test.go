package plot_test

import (
	"image"
	"log"
	"os"
	"path/filepath"

	"remedy/plot"
)

func ExampleHeatmap() {
	dir, _ := os.MkdirTemp("", "plot")
	defer os.RemoveAll(dir)
	err := plot.Heatmap(filepath.Join(dir, "matrix.png"), plot.HeatmapSpec{
		Title:     "Fine-tuning matrix (gradient)",
		RowLabels: []string{"type 1", "type 2"},
		ColLabels: []string{"type 1", "type 2", "C"},
		Values:    [][]float64{{0.91, 0.20, 0.93}, {0.15, 0.84, 0.90}},
		Min:       0, Max: 1, Annotate: true,
		RowTitle: "fine-tuned on", ColTitle: "evaluated on", ValueLabel: "accuracy",
		GapBeforeLastCol: true, OutlineDiagonal: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
}

func ExampleImageGrid() {
	dir, _ := os.MkdirTemp("", "plot")
	defer os.RemoveAll(dir)
	tile := plot.Tile{Pix: make([]uint8, 3*28*28), C: 3, H: 28, W: 28, Caption: "p=0.93",
		Marker: &image.Point{X: 14, Y: 10}}
	err := plot.ImageGrid(filepath.Join(dir, "examples.png"), plot.GridSpec{
		Title:     "Examples per type",
		RowLabels: []string{"type 1", "type 2"},
		Images:    [][]plot.Tile{{tile, tile}, {tile}},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
}
