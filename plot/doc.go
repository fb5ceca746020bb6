// Package plot draws the PNG figures of remedy's reports with the standard
// library only:
//
//   - Heatmap: the fine-tuning matrix m(M_i, F_j^te) with a colour bar
//     (paper Fig. 2);
//   - Scatter: a 2-D embedding coloured by type or metadata (Fig. 3a/b);
//   - StackedBars: the metadata make-up of each type (Fig. 3c);
//   - ImageGrid: example images per type (Fig. 3d);
//   - LineChart and Bars: e.g. silhouette against k, and L/I per type with
//     error bars.
//
// Each function takes a plain spec struct, returns an error (never panics)
// for a bad spec, and writes the PNG atomically (temporary file in the same
// directory, then rename). Text uses a built-in 5x7 bitmap font drawn at
// integer scales (DrawText, DrawTextVertical, TextWidth); colours come from
// Colormap ("viridis", "blues", "rdbu") and the 20-colour categorical
// PaletteColor, which cycles after 20 groups. Output is deterministic.
package plot
