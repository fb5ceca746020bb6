package framework

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"remedy/nn"
)

// paramBits is every parameter's bit pattern, to compare models exactly.
func paramBits(ps []nn.Param) [][]uint32 {
	out := make([][]uint32, len(ps))
	for i, p := range ps {
		for _, v := range p.T.Data {
			out[i] = append(out[i], math.Float32bits(v))
		}
	}
	return out
}

func learnerBits(l Learner) [][]uint32 {
	switch m := l.(type) {
	case *ckToy:
		return [][]uint32{{uint32(math.Float64bits(m.w)), uint32(math.Float64bits(m.w) >> 32), uint32(math.Float64bits(m.b)), uint32(math.Float64bits(m.b) >> 32)}}
	case *Classifier:
		return paramBits(m.M.Params())
	case *Detector:
		return paramBits(m.M.Params())
	}
	panic("unknown learner")
}

func adamBits(a *nn.Adam) (int, [][]uint32) {
	t, m, v := a.State()
	var out [][]uint32
	for _, ts := range [][][]float32{m, v} {
		for _, x := range ts {
			row := make([]uint32, len(x))
			for j, f := range x {
				row[j] = math.Float32bits(f)
			}
			out = append(out, row)
		}
	}
	return t, out
}

// roundTrip checks SaveState/LoadState on a learner that has taken steps:
// the copy holds the same parameters and Adam state, and the next step of
// both gives the same bits; a params-only state leaves the optimiser alone;
// a cut state is an error that changes nothing.
func roundTrip(t *testing.T, trained, fresh Learner, adam func(Learner) *nn.Adam, cases []int) {
	t.Helper()
	var full, params bytes.Buffer
	require.NoError(t, trained.(Checkpointer).SaveState(&full, true))
	require.NoError(t, trained.(Checkpointer).SaveState(&params, false))
	require.Less(t, params.Len(), full.Len())

	freshBits := learnerBits(fresh)
	for _, cut := range []int{0, 5, full.Len() / 2, full.Len() - 1} {
		require.Error(t, fresh.(Checkpointer).LoadState(bytes.NewReader(full.Bytes()[:cut])), "cut at %d", cut)
	}
	require.Error(t, fresh.(Checkpointer).LoadState(bytes.NewReader(append(full.Bytes(), 0))), "trailing byte")
	require.Equal(t, freshBits, learnerBits(fresh), "a failed load changes nothing")
	steps0, _ := adamBits(adam(fresh))
	require.Equal(t, 0, steps0)

	require.NoError(t, fresh.(Checkpointer).LoadState(bytes.NewReader(params.Bytes())))
	require.Equal(t, learnerBits(trained), learnerBits(fresh))
	steps, _ := adamBits(adam(fresh))
	require.Equal(t, 0, steps, "a params-only state leaves the optimiser alone")

	require.NoError(t, fresh.(Checkpointer).LoadState(bytes.NewReader(full.Bytes())))
	ta, ma := adamBits(adam(trained))
	tb, mb := adamBits(adam(fresh))
	require.Greater(t, ta, 0)
	require.Equal(t, ta, tb)
	require.Equal(t, ma, mb)
	require.NoError(t, trained.Step(cases))
	require.NoError(t, fresh.Step(cases))
	require.Equal(t, learnerBits(trained), learnerBits(fresh), "the next step is bit-identical")
}

func TestClassifierStateRoundTrip(t *testing.T) {
	im := randomImages(12, 3)
	base, err := NewClassifier(nn.NewBPVGG(5), newVGG, im)
	require.NoError(t, err)
	a := base.Clone()
	a.SetOptimizer(1e-3, 1e-3)
	for i := 0; i < 3; i++ {
		require.NoError(t, a.Step([]int{i, i + 3, i + 6}))
	}
	b := base.Clone()
	b.SetOptimizer(1e-3, 1e-3)
	roundTrip(t, a, b, func(l Learner) *nn.Adam { return l.(*Classifier).opt }, []int{1, 2, 9})

	// A state of another architecture is refused.
	f := tinyICE(t, 4)
	d := NewDetector(nn.NewICEDetector(1), f, nil, DetectOptions{})
	var db bytes.Buffer
	require.NoError(t, d.SaveState(&db, false))
	require.ErrorContains(t, b.(*Classifier).LoadState(&db), "tensors")
}

func TestDetectorStateRoundTrip(t *testing.T) {
	f := tinyICE(t, 8)
	m := nn.NewICEDetector(2)
	m.Cls.Bias.Data[0] += 0.3
	d, e, err := EvaluateDetector(m, f, DetectOptions{})
	require.NoError(t, err)
	all := seq(len(e.Cases))
	a := d.Clone()
	a.SetOptimizer(1e-3, 0)
	// Under EWC the Adam state is still found and kept.
	require.NoError(t, a.AnchorEWC(all, 10))
	for i := 0; i < 2; i++ {
		require.NoError(t, a.Step(all[:min(4, len(all))]))
	}
	b := d.Clone()
	b.SetOptimizer(1e-3, 0)
	require.NoError(t, b.AnchorEWC(all, 10))
	roundTrip(t, a, b, func(l Learner) *nn.Adam { return l.(*Detector).adam() }, all[:min(3, len(all))])
}

// tinyTune is a small fine-tuning of a real classifier: F^val overlaps F^tr
// so the pick moves; F^tr, C^tr and the batch are sized so that the C
// permutation is mid-way at epoch ends, and C^val is subsampled (RNG draws
// in validation too).
func tinyTune(t *testing.T) (Learner, TuneSpec, Protocol) {
	im := easyImages(40, 7)
	base, err := NewClassifier(nn.NewBPVGG(9), newVGG, im)
	require.NoError(t, err)
	base.Batch = 64
	// F^val: the F^tr cases the base model gets wrong, so every better
	// epoch becomes the pick.
	train := seq(10)
	var val []int
	for i, ok := range base.Correct(train) {
		if !ok {
			val = append(val, train[i])
		}
	}
	require.NotEmpty(t, val)
	spec := TuneSpec{Train: train, Val: val, CTrain: seq(30)[14:30], CVal: seq(40)[30:40], Constrain: true}
	p := Protocol{Name: "tiny", LR: 1e-3, WeightDecay: 1e-3, Epochs: 7, Batch: 4, CMin: 0, CValSample: -1}
	return base, spec, p
}

// easyImages are random images whose label shows in their brightness, so
// a few steps already change predictions.
func easyImages(n int, seed uint64) *Images {
	im := randomImages(n, seed)
	per := im.C * im.H * im.W
	for i, l := range im.Labels {
		for j := i * per; j < (i+1)*per; j++ {
			im.Pix[j] = im.Pix[j]/2 + uint8(l)*128
		}
	}
	return im
}

func tuneEqual(t *testing.T, wantM Learner, want TuneResult, gotM Learner, got TuneResult) {
	t.Helper()
	require.Equal(t, want, got)
	require.Equal(t, learnerBits(wantM), learnerBits(gotM))
}

// tinyDetTune fine-tunes a tiny detector on its own failures: its F
// validation accuracy moves every few epochs, so the best model so far is
// a trained one by the time of the first checkpoints.
func tinyDetTune(t *testing.T) (Learner, TuneSpec, Protocol) {
	f := tinyICE(t, 12)
	m := nn.NewICEDetector(2)
	m.Cls.Bias.Data[0] += 0.3
	d, e, err := EvaluateDetector(m, f, DetectOptions{})
	require.NoError(t, err)
	spec := TuneSpec{Train: e.F, Val: e.F, CTrain: e.C, CVal: e.C, Constrain: true}
	p := Protocol{Name: "tiny", LR: 3e-3, WeightDecay: 1e-3, Epochs: 6, Batch: 4, CMin: 0, CValSample: 6}
	return d, spec, p
}

func TestFineTuneResumesBitIdentical(t *testing.T) {
	base, spec, p := tinyTune(t)
	det, detSpec, detP := tinyDetTune(t)
	ewcSpec := TuneSpec{Train: spec.Train, Val: spec.Val, EWCLambda: 100, EWCCases: spec.CTrain[:6]}
	for _, tc := range []struct {
		name string
		base Learner
		spec TuneSpec
		p    Protocol
	}{{"classifier ewc", base, ewcSpec, p}, {"detector f+c", det, detSpec, detP}} {
		t.Run(tc.name, func(t *testing.T) {
			base, spec, p := tc.base, tc.spec, tc.p
			refM, ref, err := FineTuneWith(base, spec, p, 11, TuneOptions{})
			require.NoError(t, err)
			require.Greater(t, ref.Epochs, 4, "the run goes on past the stop")
			require.False(t, ref.KeptBase)

			dir := t.TempDir()
			path := filepath.Join(dir, "run.ckpt")
			early := filepath.Join(dir, "early.ckpt")
			var logs []string
			logf := func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
			// Checkpoint after every epoch; keep the one of epoch 2 aside
			// (at epoch 3's report the file still holds epoch 2), then stop
			// after epoch 4 as a kill would.
			o := TuneOptions{Checkpoint: path, CheckpointEvery: time.Nanosecond, Fingerprint: "run", Log: logf,
				stopAfter: func(e int) bool { return e == 4 },
				Progress: func(e EpochReport) {
					if e.Epoch == 3 {
						b, err := os.ReadFile(path)
						require.NoError(t, err)
						require.NoError(t, os.WriteFile(early, b, 0o644))
					}
				}}
			_, _, err = FineTuneWith(base, spec, p, 11, o)
			require.ErrorIs(t, err, errStopped)
			require.FileExists(t, path)

			// Resume from epoch 4 (checkpointing on), then from epoch 2.
			o.stopAfter, o.Progress = nil, nil
			var resumedAt []int
			o.Progress = func(e EpochReport) { resumedAt = append(resumedAt, e.Resumed) }
			m, res, err := FineTuneWith(base, spec, p, 11, o)
			require.NoError(t, err)
			tuneEqual(t, refM, ref, m, res)
			require.Equal(t, 4, resumedAt[0])
			require.Contains(t, strings.Join(logs, "\n"), fmt.Sprintf("resuming from %s at epoch 4 of %d", path, p.Epochs))

			b, err := os.ReadFile(early)
			require.NoError(t, err)
			ck, err := readCheckpoint(early, mustCkFP(t, "run", 11, base))
			require.NoError(t, err)
			require.Equal(t, 2, ck.Epoch)
			if tc.name == "detector f+c" {
				require.NotEmpty(t, ck.best, "the checkpoint holds a trained best model")
			}
			require.NoError(t, os.WriteFile(path, b, 0o644))
			o.CheckpointEvery = time.Hour
			resumedAt = nil
			m, res, err = FineTuneWith(base, spec, p, 11, o)
			require.NoError(t, err)
			tuneEqual(t, refM, ref, m, res)
			require.Equal(t, 2, resumedAt[0])
		})
	}
}

// A damaged checkpoint is ignored with a warning naming the file, and the
// run starts afresh (so the result is still right); a checkpoint of other
// inputs or another base model is not used either.
// ckToy is the logistic-regression toyLearner with a state to checkpoint
// (its step count stands in for an optimiser's): the loop's own state is
// then tested at every epoch in microseconds.
type ckToy struct{ toyLearner }

func (c *ckToy) Clone() Learner { return &ckToy{*c.toyLearner.Clone().(*toyLearner)} }

func (c *ckToy) SaveState(w io.Writer, optimizer bool) error {
	b := binary.LittleEndian.AppendUint64(nil, math.Float64bits(c.w))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(c.b))
	if optimizer {
		b = binary.LittleEndian.AppendUint64(b, uint64(c.steps))
	}
	_, err := w.Write(b)
	return err
}

func (c *ckToy) LoadState(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(b) != 16 && len(b) != 24 {
		return fmt.Errorf("toy state of %d bytes", len(b))
	}
	c.w = math.Float64frombits(binary.LittleEndian.Uint64(b))
	c.b = math.Float64frombits(binary.LittleEndian.Uint64(b[8:]))
	if len(b) == 24 {
		c.steps = int(binary.LittleEndian.Uint64(b[16:]))
	}
	return nil
}

func toyTune() (Learner, TuneSpec) {
	base, f, c := toyData()
	fp, _ := SplitSet(f, nil, 1, "F")
	cp, _ := SplitSet(c, nil, 1, "C")
	return &ckToy{*base}, TuneSpec{Train: fp.Train, Val: fp.Val, CTrain: cp.Train, CVal: cp.Val, Constrain: true}
}

// Stopped after any epoch and resumed, a run ends exactly as without the
// stop: the paper's alternation (C permutation mid-way at epoch ends, C^val
// subsampled) and mini-batches repeated up to MinSteps, with patience.
func TestFineTuneResumeEveryEpochToy(t *testing.T) {
	base, spec := toyTune()
	for _, p := range []Protocol{
		{Name: "alternating", LR: 0.01, Epochs: 30, Patience: 4, Batch: 1, CMin: 0.9, CValSample: -1},
		{Name: "batches", LR: 0.05, Epochs: 30, Patience: 4, Batch: 4, CMin: 0.9, MinSteps: 10},
		{Name: "patience", LR: 0.003, Epochs: 30, Patience: 3, Batch: 2, CMin: 0.9, CValSample: 5},
	} {
		refM, ref, err := FineTuneWith(base, spec, p, 21, TuneOptions{})
		require.NoError(t, err)
		require.Greater(t, ref.Epochs, 5, p.Name)
		require.Greater(t, ref.Epoch, 1, p.Name)
		for k := 1; k < ref.Epochs; k++ {
			path := filepath.Join(t.TempDir(), "run.ckpt")
			o := TuneOptions{Checkpoint: path, CheckpointEvery: time.Nanosecond, Fingerprint: "toy", stopAfter: func(e int) bool { return e == k }}
			_, _, err := FineTuneWith(base, spec, p, 21, o)
			require.ErrorIs(t, err, errStopped)
			o.stopAfter = nil
			m, res, err := FineTuneWith(base, spec, p, 21, o)
			require.NoError(t, err)
			require.Equal(t, ref, res, "%s stopped after epoch %d", p.Name, k)
			require.Equal(t, learnerBits(refM), learnerBits(m), "%s stopped after epoch %d", p.Name, k)
		}
	}
}

func TestFineTuneBadCheckpoint(t *testing.T) {
	base, spec := toyTune()
	p := Protocol{LR: 0.05, Epochs: 6, Batch: 1, CMin: 0.9}
	refM, ref, err := FineTuneWith(base, spec, p, 5, TuneOptions{})
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "run.ckpt")
	o := TuneOptions{Checkpoint: path, CheckpointEvery: time.Nanosecond, Fingerprint: "run", stopAfter: func(e int) bool { return e == 2 }}
	_, _, err = FineTuneWith(base, spec, p, 5, o)
	require.ErrorIs(t, err, errStopped)
	good, err := os.ReadFile(path)
	require.NoError(t, err)

	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 1
	other := base.Clone().(*ckToy)
	other.w += 1
	for _, tc := range []struct {
		name string
		data []byte
		fp   string
		base Learner
		want string
	}{
		{"truncated", good[:len(good)/3], "run", base, "warning: ignoring unusable checkpoint (" + path + ": checksum mismatch"},
		{"empty", nil, "run", base, "warning: ignoring unusable checkpoint (" + path + ": not a remedy checkpoint"},
		{"flipped", flipped, "run", base, "warning: ignoring unusable checkpoint (" + path + ": checksum mismatch"},
		{"other inputs", good, "other", base, path + ": checkpoint of another run: starting afresh"},
		{"other model", good, "run", other, path + ": checkpoint of another run: starting afresh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path, tc.data, 0o644))
			var logs []string
			o := TuneOptions{Checkpoint: path, CheckpointEvery: time.Hour, Fingerprint: tc.fp,
				Log: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }}
			m, res, err := FineTuneWith(tc.base, spec, p, 5, o)
			require.NoError(t, err)
			require.Len(t, logs, 1)
			require.Contains(t, logs[0], tc.want)
			if tc.base == base {
				tuneEqual(t, refM, ref, m, res)
			}
		})
	}

	// A sound file whose state does not fit the run (here: F order of
	// another F^tr) is refused by the checks, not resumed.
	ck, err := readCheckpoint(path, mustCkFP(t, "run", 5, base))
	require.NoError(t, err)
	ck.F = ck.F[1:]
	raw, err := encodeCheckpoint(ck)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	var logs []string
	o = TuneOptions{Checkpoint: path, CheckpointEvery: time.Hour, Fingerprint: "run",
		Log: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }}
	m, res, err := FineTuneWith(base, spec, p, 5, o)
	require.NoError(t, err)
	tuneEqual(t, refM, ref, m, res)
	require.Len(t, logs, 1)
	require.Contains(t, logs[0], "permutation")
}

func mustCkFP(t *testing.T, run string, seed uint64, base Learner) string {
	fp, err := checkpointFingerprint(run, seed, base)
	require.NoError(t, err)
	return fp
}

// Through Quality and the store: a killed type run resumes from its
// checkpoint, the scores equal an uninterrupted analysis's, the checkpoint
// is removed once the result is stored, and progress lines name the run.
func TestQualityResumesFromCheckpoint(t *testing.T) {
	f := tinyICE(t, 12)
	m := nn.NewICEDetector(2)
	m.Cls.Bias.Data[0] += 0.3
	base, e, err := EvaluateDetector(m, f, DetectOptions{})
	require.NoError(t, err)
	part := func(ids []int, tr, val int) Parts {
		return Parts{Train: ids[:tr], Val: ids[tr : tr+val], Test: ids[tr+val:]}
	}
	require.GreaterOrEqual(t, len(e.F), 30)
	require.GreaterOrEqual(t, len(e.C), 8)
	sp := &TypeSplits{Types: []Parts{part(e.F[:15], 9, 3), part(e.F[15:30], 9, 3)}, C: part(e.C, 4, 2)}
	p := Protocol{Name: "tiny", LR: 3e-3, WeightDecay: 1e-3, Epochs: 5, Batch: 4, CMin: 0}
	var mu sync.Mutex
	var lines []string
	log := func(f string, a ...any) { mu.Lock(); lines = append(lines, fmt.Sprintf(f, a...)); mu.Unlock() }

	want, wantRuns, err := Quality(base, sp, p, 3, &Store{Dir: t.TempDir(), CheckpointEvery: -1}, "random", 1, log)
	require.NoError(t, err)

	dir := t.TempDir()
	store := &Store{Dir: dir, CheckpointEvery: time.Nanosecond}
	tuneHook = func(key string) func(int) bool {
		return func(e int) bool { return key == "random/quality-type1" && e == 3 }
	}
	_, _, err = Quality(base, sp, p, 3, store, "random", 1, log)
	tuneHook = nil
	require.ErrorIs(t, err, errStopped)
	ckpt := filepath.Join(dir, "random", "quality-type1.ckpt")
	require.FileExists(t, ckpt)

	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 0
	lines = nil
	got, gotRuns, err := Quality(base, sp, p, 3, store, "random", 1, log)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, wantRuns, gotRuns)
	require.NoFileExists(t, ckpt, "removed once the result is stored")
	all := strings.Join(lines, "\n")
	require.Contains(t, all, "random: type 1/2: resuming from "+ckpt+" at epoch 3 of 5")
	require.Contains(t, all, "random: type 1/2: epoch 4 of 5, F val ")
	require.Contains(t, all, "random: type 2/2 fine-tuned")
	require.NotContains(t, all, "random: type 2/2: resuming")

	// A third run reuses both results.
	lines = nil
	again, _, err := Quality(base, sp, p, 3, store, "random", 1, log)
	require.NoError(t, err)
	require.Equal(t, want, again)
	require.Len(t, lines, 2)
	require.Contains(t, lines[0], "already done")
	require.Contains(t, all, "s/epoch, ETA ")
	left, _ := filepath.Glob(filepath.Join(dir, "random", ".*"))
	require.Empty(t, left, "no temporary files left")
}

func TestEpochReportString(t *testing.T) {
	e := EpochReport{Epoch: 120, Epochs: 1000, FVal: 0.4125, CVal: 0.95, Best: 97, BestF: 0.42, Since: 23, Patience: 100, Resumed: 100, Elapsed: 80 * time.Second}
	require.Equal(t, "epoch 120 of 1000, F val 0.412, C val 0.950, best epoch 97 (F val 0.420), 4.0s/epoch, ETA 5m8s (at most 58m40s if it keeps improving)", e.String())
	e = EpochReport{Epoch: 3, Epochs: 10, FVal: 0.5, CVal: -1, Elapsed: 3 * time.Second}
	require.Equal(t, "epoch 3 of 10, F val 0.500, C val -, best epoch 0 (F val 0.000), 1.0s/epoch, ETA 7s", e.String())
	e = EpochReport{Epoch: 3, Epochs: 10, FVal: 0.5, CVal: 0.4, BestF: -1, Patience: 5, Since: 3, Elapsed: 3 * time.Second}
	require.Equal(t, "epoch 3 of 10, F val 0.500, C val 0.400, no epoch keeps C yet, 1.0s/epoch, ETA 2s (at most 7s if it keeps improving)", e.String())
}

// A run killed for real (SIGKILL of a child process, wherever it happens to
// be: mid-epoch, mid-write) resumes from its last checkpoint to the result
// of an uninterrupted run.
func TestKilledRunResumes(t *testing.T) {
	base, spec, p := tinyDetTune(t)
	if path := os.Getenv("REMEDY_CKPT_CHILD"); path != "" {
		// The child: checkpoint every epoch, slowly, until killed.
		o := TuneOptions{Checkpoint: path, CheckpointEvery: time.Nanosecond, Fingerprint: "kill",
			Progress: func(EpochReport) { time.Sleep(100 * time.Millisecond) }}
		FineTuneWith(base, spec, p, 13, o)
		return
	}
	refM, ref, err := FineTuneWith(base, spec, p, 13, TuneOptions{})
	require.NoError(t, err)
	require.Greater(t, ref.Epochs, 3)

	path := filepath.Join(t.TempDir(), "run.ckpt")
	// What a kill during an earlier write would have left.
	stale := filepath.Join(filepath.Dir(path), ".run.ckpt.tmp123")
	require.NoError(t, os.WriteFile(stale, []byte("half"), 0o644))
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledRunResumes$", "-test.count=1")
	cmd.Env = append(os.Environ(), "REMEDY_CKPT_CHILD="+path)
	require.NoError(t, cmd.Start())
	fp := mustCkFP(t, "kill", 13, base)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if ck, err := readCheckpoint(path, fp); err == nil && ck != nil && ck.Epoch >= 2 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the child wrote no checkpoint")
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()

	var logs []string
	o := TuneOptions{Checkpoint: path, CheckpointEvery: time.Nanosecond, Fingerprint: "kill",
		Log: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }}
	m, res, err := FineTuneWith(base, spec, p, 13, o)
	require.NoError(t, err)
	require.Len(t, logs, 1)
	require.Contains(t, logs[0], "resuming from "+path)
	tuneEqual(t, refM, ref, m, res)
	require.NoFileExists(t, stale)
}

// BenchmarkCheckpointBPVGG writes and reads one checkpoint of the paper's
// classifier (model with Adam state plus best parameters).
func BenchmarkCheckpointBPVGG(b *testing.B) {
	im := randomImages(4, 1)
	base, err := NewClassifier(nn.NewBPVGG(1), newVGG, im)
	if err != nil {
		b.Fatal(err)
	}
	m := base.Clone()
	m.SetOptimizer(1e-6, 1e-3)
	if err := m.Step([]int{0, 1}); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "run.ckpt")
	pcg := rand.NewPCG(1, 2)
	for b.Loop() {
		ck := &tuneCheckpoint{Fingerprint: "x", Epoch: 1, Result: TuneResult{Epochs: 1, FValCurve: []float64{0}}, F: []int{0}}
		if err := writeCheckpoint(path, ck, pcg, m, m.Clone(), false); err != nil {
			b.Fatal(err)
		}
		got, err := readCheckpoint(path, "x")
		if err != nil {
			b.Fatal(err)
		}
		if err := m.(Checkpointer).LoadState(bytes.NewReader(got.model)); err != nil {
			b.Fatal(err)
		}
	}
	st, _ := os.Stat(path)
	b.ReportMetric(float64(st.Size())/1e6, "MB")
}
