// Package data reads image data sets and simulates the synthetic sets
// remedy's demos run on. It imports only the standard library and its own
// npy sub-package: no numeric code of the project.
//
// Files: Load reads a MedMNIST .npz (zip of .npy: train_/val_/test_
// images uint8 N x H x W x C or N x H x W, labels N x 1) or a directory of
// MNIST-style IDX files (gzip or raw, told by their first bytes; idx3
// N x H x W and idx4 N x H x W x C images, idx1 labels). Images become
// planar N x C x H x W (CHW) uint8; Channels: 3 repeats grayscale.
//
// Tasks: "pathmnist" (malignant = tissue 7 STR and 8 TUM), "fashion"
// (positive = 0 T-shirt/top and 6 shirt), "synth" (the synthetic tissue
// set, PathMNIST's mapping); the original class stays as Meta and every
// example keeps its Source (file split and index).
//
// Splits, as the paper's code builds them: the test split is enlarged to
// TestFrac (default 0.4) of all examples by moving a seeded random part of
// train and val into it. Half of val moves (unless that alone overshoots)
// and the train share is what is still needed, rounded to three decimals
// like the paper's 34.1%; for PathMNIST's 89,996 / 10,004 / 7,180 this is
// exactly 0.341 and 0.5, giving 59,308 / 5,002 / 42,870. The moves are
// not stratified (the paper's code does not say); the seed is yours (the
// paper used 42; our PCG streams do not reproduce numpy's choice of
// examples). An input without a val split (Fashion-MNIST, the 1,000
// PathMNIST images) gets ValFrac (default 0.1) of the remaining train as
// val; an input with only a train split defaults to TestFrac 0.2, so the
// 1,000 real PathMNIST images give train 720 / val 80 / test 200.
// Fashion-MNIST (60,000 + 10,000) gives 37,800 / 4,200 / 28,000.
//
// Simulators: SynthTissue draws 28x28 RGB H&E-like textures in 9 classes
// with four planted failure types (rare stain, blur, glandular tumour, wavy
// muscle) whose ground truth is kept per example; SimICE draws ICE-like
// sector ultrasound frames with 0-2 catheters, each with an image type and
// tip position. Both are deterministic for a seed whatever the core count.
package data
