package framework

import (
	"fmt"
	"image"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"remedy/data"
	"remedy/nn"
	"remedy/plot"
)

// Metadata field names of the detection analysis set.
const (
	MetaImageType = "image type"
	MetaLocation  = "location"
)

// DetLabelNames name the detection cases' labels: 1 = a catheter is there
// (TP or FN), 0 = none (a false alarm or an empty frame).
var DetLabelNames = []string{"no catheter", "catheter"}

// BackgroundType is the image-type name of false alarms away from any
// catheter and of empty frames.
const BackgroundType = "background"

// FalseAlarmType is the planted type of every false alarm.
const FalseAlarmType = "false alarm"

// DetPlantedNames names the planted types of a detection analysis set of
// frames s: the catheter image types, then background (empty frames), then
// false alarm.
func DetPlantedNames(s *data.ICESet) []string {
	return append(append([]string(nil), s.TypeNames...), BackgroundType, FalseAlarmType)
}

// EvaluateDetector runs the detector on every frame and makes the analysis
// set: one case per catheter (found = correct, missed = a failure), one per
// false alarm (a failure) and one per empty frame without predictions
// (correct). Metadata: image type (the catheter's; a false alarm within two
// cells of a catheter takes that catheter's, else "background") and the
// frame's anatomical location. Planted (indices into DetPlantedNames): a
// catheter's image type, and one type for every false alarm: the simulator
// plants catheter appearances that make the detector miss catheters,
// nothing that makes it fire, and a false alarm beside a hard catheter
// needs the opposite fix (fire less) from the catheter's own miss.
func EvaluateDetector(m *nn.ResDetector, frames *DetFrames, o DetectOptions) (*Detector, *Evaluation, error) {
	d := NewDetector(m, frames, nil, o)
	s := frames.Set
	all := make([]int, s.N)
	for i := range all {
		all[i] = i
	}
	dets, logits := d.Run(all)
	types := append(append([]string(nil), s.TypeNames...), BackgroundType)
	bg := int32(len(s.TypeNames))
	e := &Evaluation{Meta: []MetaField{{Name: MetaImageType, Values: types}, {Name: MetaLocation, Values: s.LocationNames}}}
	hw := frames.GH * frames.GW
	falseAlarm := bg + 1
	add := func(o DetObject, label, pred int32, conf float32, correct bool, typ int32) {
		d.Objects = append(d.Objects, o)
		planted := typ
		if o.Kind == ObjFalseAlarm {
			planted = falseAlarm
		}
		cs := Case{Index: len(e.Cases), Source: s.Source[o.Frame].Split, SourceIndex: s.Source[o.Frame].Index,
			Label: label, Pred: pred, Confidence: conf, Correct: correct, Meta: []int32{typ, s.Location[o.Frame]}, Planted: planted}
		e.Cases = append(e.Cases, cs)
	}
	for fr := 0; fr < s.N; fr++ {
		tips := frames.Tips(fr)
		detObj, objDet := Match(dets[fr], tips, d.Opt.MatchDist)
		for j, p := range tips {
			cell, ox, oy := CellOf(p, frames.GH, frames.GW, frames.Stride)
			o := DetObject{Frame: fr, Kind: ObjCatheter, Catheter: j, X: p.X, Y: p.Y, Cell: cell, OffX: ox, OffY: oy}
			typ := s.Objects[fr][j].Type
			if i := objDet[j]; i >= 0 {
				add(o, 1, 1, dets[fr][i].Score, true, typ)
			} else {
				add(o, 1, 0, sigmoid(logits[fr*hw+cell]), false, typ)
			}
		}
		for i, det := range dets[fr] {
			if detObj[i] >= 0 {
				continue
			}
			typ, near := bg, float32(2*frames.Stride)
			for j, p := range tips {
				if dd := dist(det.X, det.Y, p.X, p.Y); dd <= near {
					typ, near = s.Objects[fr][j].Type, dd
				}
			}
			add(DetObject{Frame: fr, Kind: ObjFalseAlarm, Catheter: -1, X: det.X, Y: det.Y, Cell: det.Cell}, 0, 1, det.Score, false, typ)
		}
		if len(tips) == 0 && len(dets[fr]) == 0 {
			best := 0
			for c := 1; c < hw; c++ {
				if logits[fr*hw+c] > logits[fr*hw+best] {
					best = c
				}
			}
			add(DetObject{Frame: fr, Kind: ObjEmptyFrame, Catheter: -1, X: -1, Y: -1, Cell: best}, 0, 0,
				1-sigmoid(logits[fr*hw+best]), true, bg)
		}
	}
	return d, e, e.Split()
}

// DetTile renders case i: the whole frame with a marker at the object and
// its verdict (TP, FN, FP, TN) and score as the caption.
func DetTile(d *Detector, e *Evaluation) TileFunc {
	return func(i int) plot.Tile {
		o := d.Objects[i]
		c := e.Cases[i]
		s := d.Frames.Set
		verdict := map[[2]bool]string{{true, true}: "TP", {true, false}: "FN", {false, true}: "TN", {false, false}: "FP"}[[2]bool{c.Label == 1, c.Correct}]
		t := plot.Tile{Pix: s.Frame(o.Frame), C: 1, H: s.Size, W: s.Size, Scale: max(1, 128/s.Size), Caption: fmt.Sprintf("%s %.2f", verdict, c.Confidence)}
		if o.X >= 0 {
			t.Marker = &image.Point{X: int(o.X), Y: int(o.Y)}
		}
		return t
	}
}

// DetTrainOptions configure training of the detector.
type DetTrainOptions struct {
	Epochs   int     `json:"epochs"`
	Batch    int     `json:"batch"`
	LR       float64 `json:"lr"`
	Seed     uint64  `json:"seed"`
	Patience int     `json:"patience"` // stop after this many epochs without a better validation F1; 0 = never
	ClipNorm float64 `json:"clip_norm"`
	// OnBest is called whenever validation F1 improves (e.g. to save).
	OnBest   func(epoch int, f1 float64) error `json:"-"`
	Stop     <-chan struct{}                   `json:"-"`
	Progress io.Writer                         `json:"-"`
}

// DetEpoch is one epoch's figures.
type DetEpoch struct {
	Epoch     int     `json:"epoch"`
	Loss      float64 `json:"loss"`
	Precision float64 `json:"val_precision"`
	Recall    float64 `json:"val_recall"`
	F1        float64 `json:"val_f1"`
	ImagesSec float64 `json:"images_per_s"`
}

// DetTrainMetrics summarise a training run.
type DetTrainMetrics struct {
	BestEpoch   int        `json:"best_epoch"`
	ValF1       float64    `json:"val_f1"`
	Epochs      int        `json:"epochs_run"`
	Interrupted bool       `json:"interrupted"`
	Seconds     float64    `json:"seconds"`
	History     []DetEpoch `json:"history"`
}

// DetectionScores runs the detector on every frame of f.
func DetectionScores(m *nn.ResDetector, f *DetFrames, o DetectOptions) DetCounts {
	all := make([]int, f.Set.N)
	for i := range all {
		all[i] = i
	}
	return NewDetector(m, f, nil, o).Counts(all)
}

// TrainDetector trains m in place with Adam on train, early-stopping on
// validation F1, and leaves m holding the best epoch's parameters.
func TrainDetector(m *nn.ResDetector, train, val *DetFrames, det DetectOptions, o DetTrainOptions) (DetTrainMetrics, error) {
	var tm DetTrainMetrics
	if o.Epochs < 1 || o.Batch < 1 || !(o.LR > 0) {
		return tm, fmt.Errorf("train: epochs, batch and learning rate must be positive")
	}
	d := NewDetector(m, train, nil, det)
	d.ClipNorm = o.ClipNorm
	d.SetOptimizer(o.LR, 0)
	r := rand.New(rand.NewPCG(o.Seed, 0x64657465))
	order := make([]int, train.Set.N)
	for i := range order {
		order[i] = i
	}
	var best [][]float32
	bestF1 := -1.0
	start := time.Now()
	steps := (len(order) + o.Batch - 1) / o.Batch
	since := 0
	for epoch := 1; epoch <= o.Epochs; epoch++ {
		r.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		t0 := time.Now()
		var lossSum float64
		nb := 0
		for s := 0; s < len(order) && !tm.Interrupted; s += o.Batch {
			select {
			case <-o.Stop:
				tm.Interrupted = true
				continue
			default:
			}
			loss, err := d.trainStep(order[s:min(s+o.Batch, len(order))], d.opt)
			if err != nil {
				return tm, fmt.Errorf("epoch %d: %w", epoch, err)
			}
			lossSum += float64(loss)
			nb++
			if o.Progress != nil && (nb%10 == 0 || nb == steps) {
				ips := float64(min(nb*o.Batch, len(order))) / time.Since(t0).Seconds()
				fmt.Fprintf(o.Progress, "\repoch %d/%d  step %d/%d  loss %.4f  %.0f images/s   ", epoch, o.Epochs, nb, steps, lossSum/float64(nb), ips)
			}
		}
		if nb == 0 {
			break
		}
		p, rc, f1 := DetectionScores(m, val, det).PRF()
		st := DetEpoch{Epoch: epoch, Loss: lossSum / float64(nb), Precision: p, Recall: rc, F1: f1,
			ImagesSec: float64(min(nb*o.Batch, len(order))) / time.Since(t0).Seconds()}
		tm.History = append(tm.History, st)
		tm.Epochs = epoch
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "\repoch %d/%d  loss %.4f  val precision %.3f recall %.3f F1 %.3f  %.0f images/s\n", epoch, o.Epochs, st.Loss, p, rc, f1, st.ImagesSec)
		}
		if f1 > bestF1 {
			bestF1, tm.BestEpoch, tm.ValF1 = f1, epoch, f1
			best = nn.Snapshot(m.Params())
			if o.OnBest != nil {
				if err := o.OnBest(epoch, f1); err != nil {
					return tm, err
				}
			}
			since = 0
		} else {
			since++
		}
		if tm.Interrupted || (o.Patience > 0 && since >= o.Patience) {
			break
		}
	}
	if best != nil {
		if err := nn.Restore(m.Params(), best); err != nil {
			return tm, err
		}
	}
	tm.Seconds = time.Since(start).Seconds()
	return tm, nil
}

// metadataField returns the index of the metadata field a method name of
// the form "metadata-<field>" refers to ("metadata-location": the field
// "location"), or -1.
func metadataField(e *Evaluation, method string) int {
	rest, ok := strings.CutPrefix(method, "metadata-")
	if !ok {
		return -1
	}
	for i, f := range e.Meta {
		if strings.ReplaceAll(f.Name, " ", "-") == rest {
			return i
		}
	}
	return -1
}
