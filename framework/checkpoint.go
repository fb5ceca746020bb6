package framework

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"remedy/nn"
)

// Checkpointer is a Learner whose training state can be written out and
// read back, so that a long fine-tuning run killed mid-way resumes where it
// stopped instead of from scratch. Classifier and Detector implement it.
type Checkpointer interface {
	// SaveState writes the parameters and, with optimizer, the optimiser's
	// step count and moments. (An EWC anchor and Fisher are not written:
	// they are recomputed, deterministically, from the base model.)
	SaveState(w io.Writer, optimizer bool) error
	// LoadState reads what SaveState wrote, into a learner of the same
	// architecture. On error nothing has been changed.
	LoadState(r io.Reader) error
}

const learnerStateMagic = "RMDYLS01"

// saveLearnerState writes params (and adam's state when adam is not nil).
func saveLearnerState(w io.Writer, params []nn.Param, adam *nn.Adam) error {
	var b bytes.Buffer
	b.WriteString(learnerStateMagic)
	ts := make([][]float32, len(params))
	for i, p := range params {
		ts[i] = p.T.Data
	}
	putTensors(&b, ts)
	if adam == nil {
		b.WriteByte(0)
	} else {
		t, m, v := adam.State()
		b.WriteByte(1)
		b.Write(binary.LittleEndian.AppendUint64(nil, uint64(t)))
		putTensors(&b, m)
		putTensors(&b, v)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// loadLearnerState reads saveLearnerState's output into params and adam,
// checking everything before it changes anything.
func loadLearnerState(r io.Reader, params []nn.Param, adam *nn.Adam) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	d := &decoder{b: raw}
	if string(d.bytes(len(learnerStateMagic))) != learnerStateMagic {
		return fmt.Errorf("not a learner state")
	}
	want := make([]int, len(params))
	for i, p := range params {
		want[i] = p.T.Numel()
	}
	ps := d.tensors(want)
	hasOpt := d.bytes(1)
	var steps uint64
	var m, v [][]float32
	if d.err == nil && hasOpt[0] == 1 {
		steps = d.u64()
		m, v = d.tensors(want), d.tensors(want)
	} else if d.err == nil && hasOpt[0] != 0 {
		d.fail("bad optimiser flag %d", hasOpt[0])
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d bytes left over", len(d.b))
	}
	if d.err != nil {
		return d.err
	}
	if m != nil {
		if adam == nil {
			return fmt.Errorf("the state has optimiser moments but the learner has no Adam optimiser")
		}
		if steps > math.MaxInt32 {
			return fmt.Errorf("optimiser step count %d", steps)
		}
		if err := adam.SetState(int(steps), m, v); err != nil {
			return err
		}
	}
	for i, p := range params {
		copy(p.T.Data, ps[i])
	}
	return nil
}

func putTensors(b *bytes.Buffer, ts [][]float32) {
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(ts))))
	var tmp []byte
	for _, t := range ts {
		tmp = binary.LittleEndian.AppendUint64(tmp[:0], uint64(len(t)))
		for _, x := range t {
			tmp = binary.LittleEndian.AppendUint32(tmp, math.Float32bits(x))
		}
		b.Write(tmp)
	}
}

// decoder reads a byte slice, remembering the first error instead of
// panicking on short input.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b) {
		d.fail("truncated: %d bytes wanted, %d left", n, len(d.b))
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

// tensors reads a tensor list whose sizes must be want.
func (d *decoder) tensors(want []int) [][]float32 {
	n := d.u32()
	if d.err == nil && int(n) != len(want) {
		d.fail("%d tensors, the model has %d", n, len(want))
	}
	if d.err != nil {
		return nil
	}
	out := make([][]float32, n)
	for i := range out {
		k := d.u64()
		if d.err == nil && k != uint64(want[i]) {
			d.fail("tensor %d has %d values, the model's has %d", i, k, want[i])
		}
		b := d.bytes(4 * want[i])
		if d.err != nil {
			return nil
		}
		t := make([]float32, want[i])
		for j := range t {
			t[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
		}
		out[i] = t
	}
	return out
}

// SaveState implements Checkpointer.
func (c *Classifier) SaveState(w io.Writer, optimizer bool) error {
	var a *nn.Adam
	if optimizer {
		a = c.opt
	}
	return saveLearnerState(w, c.M.Params(), a)
}

// LoadState implements Checkpointer.
func (c *Classifier) LoadState(r io.Reader) error {
	return loadLearnerState(r, c.M.Params(), c.opt)
}

// SaveState implements Checkpointer.
func (d *Detector) SaveState(w io.Writer, optimizer bool) error {
	var a *nn.Adam
	if optimizer {
		a = d.adam()
	}
	return saveLearnerState(w, d.M.Params(), a)
}

// LoadState implements Checkpointer.
func (d *Detector) LoadState(r io.Reader) error {
	return loadLearnerState(r, d.M.Params(), d.adam())
}

// adam is the Adam optimiser under a possible EWC wrapper.
func (d *Detector) adam() *nn.Adam {
	switch o := d.opt.(type) {
	case *nn.Adam:
		return o
	case *ewc:
		a, _ := o.inner.(*nn.Adam)
		return a
	}
	return nil
}

// A fine-tuning checkpoint file: magic, then length-prefixed JSON of the
// loop's state, the current learner's state (with optimiser), the best
// epoch's parameters (empty while the original model is the pick), and a
// SHA-256 of all of it, so a truncated or damaged file is recognised.
const checkpointMagic = "RMDYCK01"

// tuneCheckpoint is FineTune's loop state at the end of an epoch.
type tuneCheckpoint struct {
	Fingerprint string     `json:"fingerprint"`
	Epoch       int        `json:"epoch"` // epochs finished
	Since       int        `json:"since"`
	BestF       float64    `json:"best_f"`
	Result      TuneResult `json:"result"`
	F           []int      `json:"f"` // the F^tr order (shuffled in place every epoch)
	CPerm       []int      `json:"c_perm"`
	CPos        int        `json:"c_pos"`
	RNG         []byte     `json:"rng"` // the PCG state
	model, best []byte
}

func encodeCheckpoint(ck *tuneCheckpoint) ([]byte, error) {
	meta, err := json.Marshal(ck)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(checkpointMagic)
	for _, part := range [][]byte{meta, ck.model, ck.best} {
		b.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(part))))
		b.Write(part)
	}
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes(), nil
}

// errCheckpointMismatch marks a sound checkpoint of other inputs.
var errCheckpointMismatch = errors.New("checkpoint of another run")

// readCheckpoint reads and checks a checkpoint file; (nil, nil) when there
// is none.
func readCheckpoint(path, fingerprint string) (*tuneCheckpoint, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(raw) < len(checkpointMagic)+sha256.Size || string(raw[:len(checkpointMagic)]) != checkpointMagic {
		return nil, fmt.Errorf("%s: not a remedy checkpoint (or truncated)", path)
	}
	body, sum := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("%s: checksum mismatch (truncated or damaged)", path)
	}
	d := &decoder{b: body[len(checkpointMagic):]}
	var parts [3][]byte
	for i := range parts {
		n := d.u64()
		if n > uint64(len(d.b)) {
			d.fail("part %d of %d bytes, %d left", i, n, len(d.b))
		}
		parts[i] = d.bytes(int(n))
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d bytes left over", len(d.b))
	}
	if d.err != nil {
		return nil, fmt.Errorf("%s: %w", path, d.err)
	}
	ck := &tuneCheckpoint{}
	if err := json.Unmarshal(parts[0], ck); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if ck.Fingerprint != fingerprint {
		return nil, fmt.Errorf("%s: %w", path, errCheckpointMismatch)
	}
	ck.model, ck.best = parts[1], parts[2]
	return ck, nil
}

// check verifies that the loop state fits the run, so that resuming can
// neither panic nor go on from an impossible state.
func (ck *tuneCheckpoint) check(spec TuneSpec, p Protocol) error {
	switch {
	case ck.Epoch < 1 || ck.Epoch >= p.Epochs:
		return fmt.Errorf("epoch %d of %d", ck.Epoch, p.Epochs)
	case ck.Result.Epochs != ck.Epoch || len(ck.Result.FValCurve) != ck.Epoch:
		return fmt.Errorf("curves of %d epochs at epoch %d", len(ck.Result.FValCurve), ck.Epoch)
	case len(spec.CVal) > 0 && len(ck.Result.CValCurve) != ck.Epoch:
		return fmt.Errorf("C curve of %d epochs at epoch %d", len(ck.Result.CValCurve), ck.Epoch)
	case ck.Result.Epoch < 0 || ck.Result.Epoch > ck.Epoch || ck.Result.KeptBase != (len(ck.best) == 0):
		return fmt.Errorf("picked epoch %d (kept original %v) at epoch %d", ck.Result.Epoch, ck.Result.KeptBase, ck.Epoch)
	case ck.Since < 0 || ck.Since > ck.Epoch:
		return fmt.Errorf("%d epochs without progress at epoch %d", ck.Since, ck.Epoch)
	case ck.CPos < 0 || ck.CPos > len(ck.CPerm):
		return fmt.Errorf("C position %d of %d", ck.CPos, len(ck.CPerm))
	}
	f, want := slices.Clone(ck.F), slices.Clone(spec.Train)
	slices.Sort(f)
	slices.Sort(want)
	if !slices.Equal(f, want) {
		return fmt.Errorf("the F order is not a permutation of F^tr")
	}
	if len(ck.CPerm) > 0 {
		c := slices.Clone(ck.CPerm)
		slices.Sort(c)
		for i, v := range c {
			if v != i || len(c) != len(spec.CTrain) {
				return fmt.Errorf("the C order is not a permutation of C^tr")
			}
		}
	}
	var pcg rand.PCG
	if err := pcg.UnmarshalBinary(ck.RNG); err != nil {
		return fmt.Errorf("random state: %w", err)
	}
	return nil
}

// checkpointFingerprint ties a checkpoint to the run's inputs, its seed and
// the base model's parameters.
func checkpointFingerprint(run string, seed uint64, base Learner) (string, error) {
	ph, err := paramHash(base.(Checkpointer))
	if err != nil {
		return "", err
	}
	return Fingerprint(struct {
		Run  string
		Seed uint64
		Base string
	}{run, seed, ph}), nil
}

// paramHash is a SHA-256 of a learner's parameters.
func paramHash(c Checkpointer) (string, error) {
	h := sha256.New()
	if err := c.SaveState(h, false); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// removeStaleTemps deletes what a kill during WriteFileAtomic left of
// earlier checkpoints of path (each as large as the checkpoint).
func removeStaleTemps(path string, logf Progress) {
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp*"))
	for _, f := range left {
		if err := os.Remove(f); err != nil {
			logf("warning: %v", err)
		}
	}
}
