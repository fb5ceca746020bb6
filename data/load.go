package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Task says how original classes map to the binary task label.
type Task struct {
	Name       string
	Classes    []string // metadata: name of each original class
	Positive   []int    // classes with task label 1
	LabelNames []string // names of task labels 0 and 1
}

// PathMNIST is the paper's binary task: malignant = tissue 7 (STR) and 8 (TUM).
var PathMNIST = Task{
	Name: "pathmnist",
	Classes: []string{"ADI adipose", "BACK background", "DEB debris", "LYM lymphocytes",
		"MUC mucus", "MUS smooth muscle", "NORM normal mucosa",
		"STR cancer-associated stroma", "TUM adenocarcinoma epithelium"},
	Positive:   []int{7, 8},
	LabelNames: []string{"benign", "malignant"},
}

// Synth is the synthetic tissue set's task: PathMNIST's classes and label.
var Synth = Task{Name: "synth", Classes: PathMNIST.Classes, Positive: PathMNIST.Positive, LabelNames: PathMNIST.LabelNames}

// Fashion is the Fashion-MNIST stand-in: positive = T-shirt/top and shirt.
var Fashion = Task{
	Name: "fashion",
	Classes: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
		"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
	Positive:   []int{0, 6},
	LabelNames: []string{"other", "top or shirt"},
}

// LoadOptions control Load. Zero values pick the documented defaults.
type LoadOptions struct {
	Task     string  // "pathmnist", "fashion", "synth" or "auto" (or "")
	Seed     uint64  // seeds every split choice (the paper used 42)
	Channels int     // 3: repeat grayscale to RGB; 0: keep the file's channels
	TestFrac float64 // share of all data in the test (analysis) split; default 0.4, or 0.2 when the input has only a train split
	ValFrac  float64 // when the input has no val split: share of the remaining train data taken as val; default 0.1
	// Positive names the class folders with task label 1; required for an
	// image folder (see ReadImageDir), rejected for other inputs.
	Positive []string
}

// Load reads a MedMNIST .npz file, a directory of IDX files or an image
// folder (a directory of class folders, see ReadImageDir) and builds the
// binary task's train/val/test splits with the test split enlarged to
// TestFrac of all data (see TestFractions), as the paper does.
func Load(path string, opt LoadOptions) (*Splits, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("data: %v", err)
	}
	if st.IsDir() && isImageDir(path) {
		if opt.Task != "" && opt.Task != "auto" && opt.Task != ImageTaskName {
			return nil, fmt.Errorf("data %s: an image folder's task is set by its positive classes, not task %q", path, opt.Task)
		}
		return LoadImageDir(path, opt)
	}
	if st.IsDir() && hasImageFiles(path) {
		if _, err := ReadIDXDir(path); err != nil {
			return nil, fmt.Errorf("data %s: has images but no class folders: they must sit in DIR/<class>/ (or DIR/train/<class>/)", path)
		}
	}
	if len(opt.Positive) > 0 {
		return nil, fmt.Errorf("data %s: positive classes (--positive) are only for image folders; this input's task is set with --task", path)
	}
	var raw *RawSplits
	switch {
	case st.IsDir():
		raw, err = ReadIDXDir(path)
	case strings.HasSuffix(strings.ToLower(path), ".npz") || isZip(path):
		raw, err = ReadNPZ(path)
	default:
		return nil, fmt.Errorf("data %s: not a .npz file, a directory of IDX files or an image folder", path)
	}
	if err != nil {
		return nil, err
	}
	return Build(raw, opt)
}

func isZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	n, _ := f.Read(b[:])
	return n == 4 && string(b[:]) == "PK\x03\x04"
}

// Build turns raw splits into the task's Splits (see Load).
func Build(raw *RawSplits, opt LoadOptions) (*Splits, error) {
	task, err := pickTask(raw, opt.Task)
	if err != nil {
		return nil, err
	}
	return build(raw, task, opt, nil)
}

// build is Build for a known task; files, when given, holds each split's
// example files for their Origins.
func build(raw *RawSplits, task Task, opt LoadOptions, files map[string][]string) (*Splits, error) {
	var err error
	var sets [3]*Set
	for i, r := range []*Raw{raw.Train, raw.Val, raw.Test} {
		if r == nil {
			continue
		}
		if sets[i], err = toSet(r, task, raw.Path); err != nil {
			return nil, err
		}
		if f := files[r.Split]; f != nil {
			if len(f) != r.N {
				return nil, fmt.Errorf("data %s: %d files for %d %s examples", raw.Path, len(f), r.N, r.Split)
			}
			for j := range f {
				sets[i].Source[j].File = f[j]
			}
		}
		if r.Planted != nil {
			sets[i].Planted = r.Planted
			sets[i].PlantedNames = raw.PlantedNames
		}
		switch opt.Channels {
		case 0:
		case 3:
			sets[i] = sets[i].Gray3()
		case 1:
			if sets[i].C != 1 {
				return nil, fmt.Errorf("data %s: images have %d channels, 1 requested", raw.Path, sets[i].C)
			}
		default:
			return nil, fmt.Errorf("data: Channels must be 0, 1 or 3, not %d", opt.Channels)
		}
	}
	tr, va, te := sets[0], sets[1], sets[2]
	if tr == nil {
		return nil, fmt.Errorf("data %s: no train split", raw.Path)
	}
	for _, s := range []*Set{va, te} {
		if s != nil && (s.C != tr.C || s.H != tr.H || s.W != tr.W) {
			return nil, fmt.Errorf("data %s: splits differ in image shape (%dx%dx%d vs %dx%dx%d)", raw.Path, s.C, s.H, s.W, tr.C, tr.H, tr.W)
		}
	}
	empty := tr.Subset(nil)
	testFrac := opt.TestFrac
	if testFrac == 0 {
		testFrac = 0.4
		if va == nil && te == nil {
			testFrac = 0.2
		}
	}
	if testFrac < 0 || testFrac >= 1 {
		return nil, fmt.Errorf("data: TestFrac %v must be in [0, 1)", testFrac)
	}
	valFrac := opt.ValFrac
	if valFrac == 0 {
		valFrac = 0.1
	}
	if valFrac < 0 || valFrac >= 1 {
		return nil, fmt.Errorf("data: ValFrac %v must be in [0, 1)", valFrac)
	}
	hadVal := va != nil
	if va == nil {
		va = empty
	}
	if te == nil {
		te = empty
	}
	fTr, fVa := TestFractions(tr.N, va.N, te.N, testFrac)
	mTr, mVa := MoveCount(fTr, tr.N), MoveCount(fVa, va.N)
	// Separate PCG streams per purpose, all from the one seed.
	movedTr, keepTr := pickSorted(tr.N, mTr, rand.New(rand.NewPCG(opt.Seed, 1)))
	movedVa, keepVa := pickSorted(va.N, mVa, rand.New(rand.NewPCG(opt.Seed, 2)))
	test, err := Concat(te, tr.Subset(movedTr), va.Subset(movedVa))
	if err != nil {
		return nil, err
	}
	train, val := tr.Subset(keepTr), va.Subset(keepVa)
	note := fmt.Sprintf("test enlarged to %.1f%% of %d: moved %.3g of train (%d) and %.3g of val (%d) into test, seed %d",
		100*float64(test.N)/float64(tr.N+va.N+te.N), tr.N+va.N+te.N, fTr, mTr, fVa, mVa, opt.Seed)
	if !hadVal {
		nv := MoveCount(valFrac, train.N)
		pv, pt := pickSorted(train.N, nv, rand.New(rand.NewPCG(opt.Seed, 3)))
		val, train = train.Subset(pv), train.Subset(pt)
		note += fmt.Sprintf("; no val split in the input: %.3g of the remaining train (%d) taken as val", valFrac, nv)
	}
	return &Splits{Train: train, Val: val, Test: test, Task: task.Name, Note: note}, nil
}

// TestFractions returns the shares of train and val to move into test so
// that test holds testFrac of all examples. Like the paper's code (34.1% of
// train, 50% of val), half of val moves when that does not overshoot, and
// the train share is rounded to three decimals: for PathMNIST's 89,996 /
// 10,004 / 7,180 this gives exactly 0.341 and 0.5 (train 59,308, val 5,002,
// test 42,870). When test is already large enough nothing moves.
func TestFractions(nTrain, nVal, nTest int, testFrac float64) (fTrain, fVal float64) {
	total := float64(nTrain + nVal + nTest)
	need := testFrac*total - float64(nTest)
	if need <= 0 {
		return 0, 0
	}
	fVal = 0.5
	if nVal == 0 {
		fVal = 0
	} else if fVal*float64(nVal) > need {
		return 0, round3(need / float64(nVal))
	}
	if nTrain > 0 {
		fTrain = math.Min(1, round3((need-float64(MoveCount(fVal, nVal)))/float64(nTrain)))
	}
	return fTrain, fVal
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// MoveCount is how many of n examples a share f selects: floor(f*n), with a
// tiny tolerance so that e.g. 0.5*10004 is exactly 5002.
func MoveCount(f float64, n int) int {
	k := int(math.Floor(f*float64(n) + 1e-9))
	return min(max(k, 0), n)
}

func pickTask(raw *RawSplits, name string) (Task, error) {
	switch name {
	case "pathmnist":
		return PathMNIST, nil
	case "fashion":
		return Fashion, nil
	case "synth":
		return Synth, nil
	case "", "auto":
	default:
		return Task{}, fmt.Errorf("data: unknown task %q (pathmnist, fashion, synth or auto)", name)
	}
	maxLabel := int64(-1)
	for _, r := range raw.list() {
		for _, l := range r.Labels {
			maxLabel = max(maxLabel, l)
		}
	}
	t := raw.Train
	base := strings.ToLower(filepath.Base(raw.Path))
	switch {
	case t.Planted != nil && t.C == 3 && maxLabel <= 8:
		return Synth, nil
	case strings.Contains(base, "path"):
		return PathMNIST, nil
	case strings.Contains(base, "fashion"):
		return Fashion, nil
	case t.C == 3 && maxLabel <= 8:
		return PathMNIST, nil
	case t.C == 1 && maxLabel <= 9:
		return Fashion, nil
	}
	return Task{}, fmt.Errorf("data %s: %v (%d channels, labels up to %d); set the task", raw.Path, errNoTask, t.C, maxLabel)
}

// toSet checks labels against the task and converts HWC to planar CHW.
func toSet(r *Raw, task Task, path string) (*Set, error) {
	pos := make([]bool, len(task.Classes))
	for _, p := range task.Positive {
		pos[p] = true
	}
	s := &Set{N: r.N, C: r.C, H: r.H, W: r.W,
		Images:     make([]uint8, len(r.Images)),
		Labels:     make([]int32, r.N),
		LabelNames: task.LabelNames,
		Meta:       make([]int32, r.N),
		MetaNames:  task.Classes,
		Source:     make([]Origin, r.N),
	}
	for i, l := range r.Labels {
		if l < 0 || l >= int64(len(task.Classes)) {
			return nil, fmt.Errorf("data %s: %s label %d of example %d is out of range 0..%d for %s",
				path, r.Split, l, i, len(task.Classes)-1, task.Name)
		}
		s.Meta[i] = int32(l)
		if pos[l] {
			s.Labels[i] = 1
		}
		s.Source[i] = Origin{Split: r.Split, Index: i}
	}
	hw := r.H * r.W
	for n := 0; n < r.N; n++ {
		src := r.Images[n*hw*r.C : (n+1)*hw*r.C]
		dst := s.Images[n*hw*r.C : (n+1)*hw*r.C]
		for p := 0; p < hw; p++ {
			for c := 0; c < r.C; c++ {
				dst[c*hw+p] = src[p*r.C+c]
			}
		}
	}
	return s, nil
}
