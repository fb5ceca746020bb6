package framework

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"remedy/data"
	"remedy/nn"
)

// TrainOptions configure supervised training of a classifier.
type TrainOptions struct {
	Epochs   int     `json:"epochs"`
	Batch    int     `json:"batch"`
	LR       float64 `json:"lr"`
	Seed     uint64  `json:"seed"`
	Patience int     `json:"patience"`  // stop after this many epochs without a better validation accuracy; 0 = never
	ClipNorm float64 `json:"clip_norm"` // total gradient norm clip; 0 = none
	// OnBest is called with the model whenever validation accuracy improves
	// (e.g. to save it), so an interrupted run keeps its best model.
	OnBest   func(m nn.Model, epoch int, valAcc float64) error `json:"-"`
	Stop     <-chan struct{}                                   `json:"-"` // closed to stop after the current step
	Progress io.Writer                                         `json:"-"`
}

// EpochStat is one epoch's figures.
type EpochStat struct {
	Epoch     int     `json:"epoch"`
	Loss      float64 `json:"loss"`
	ValAcc    float64 `json:"val_accuracy"`
	ImagesSec float64 `json:"images_per_s"`
}

// TrainMetrics summarise a training run.
type TrainMetrics struct {
	BestEpoch   int         `json:"best_epoch"`
	ValAccuracy float64     `json:"val_accuracy"`
	Epochs      int         `json:"epochs_run"`
	Interrupted bool        `json:"interrupted"`
	Seconds     float64     `json:"seconds"`
	History     []EpochStat `json:"history"`
}

// Accuracy of model m on a set.
func Accuracy(m nn.Model, s *data.Set) (float64, []int32, error) {
	c, err := NewClassifier(m, nil, ImagesOf(s))
	if err != nil {
		return 0, nil, err
	}
	all := make([]int, s.N)
	for i := range all {
		all[i] = i
	}
	pred, _, err := c.Predict(all)
	if err != nil {
		return 0, nil, err
	}
	n := 0
	for i, p := range pred {
		if p == s.Labels[i] {
			n++
		}
	}
	return float64(n) / float64(max(1, s.N)), pred, nil
}

// TrainClassifier trains m in place with Adam on train, early-stopping on
// validation accuracy, and leaves m holding the best epoch's parameters.
func TrainClassifier(m nn.Model, train, val *data.Set, o TrainOptions) (TrainMetrics, error) {
	var tm TrainMetrics
	if train.N == 0 || val.N == 0 {
		return tm, fmt.Errorf("train: %d training and %d validation images; need both", train.N, val.N)
	}
	tr, err := NewClassifier(m, nil, ImagesOf(train))
	if err != nil {
		return tm, fmt.Errorf("train: %w", err)
	}
	if err := ImagesOf(val).Check(m); err != nil {
		return tm, fmt.Errorf("validation set: %w", err)
	}
	tr.ClipNorm = o.ClipNorm
	tr.SetOptimizer(o.LR, 0)
	r := rand.New(rand.NewPCG(o.Seed, 0x7472616e))
	var best [][]float32
	bestAcc := -1.0
	start := time.Now()
	order := make([]int, train.N)
	for i := range order {
		order[i] = i
	}
	stepsPerEpoch := (train.N + o.Batch - 1) / o.Batch
	ch, _, _ := m.InputShape()
	since := 0
	for epoch := 1; epoch <= o.Epochs; epoch++ {
		r.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		t0 := time.Now()
		var lossSum float64
		nb := 0
		for s := 0; s < len(order); s += o.Batch {
			select {
			case <-o.Stop:
				tm.Interrupted = true
			default:
			}
			if tm.Interrupted {
				break
			}
			part := order[s:min(s+o.Batch, len(order))]
			tr.x, tr.y = tr.Data.batch(part, ch, tr.x, tr.y)
			loss, err := tr.tr.Step(tr.x, len(part), tr.y)
			if err != nil {
				return tm, err
			}
			if math.IsNaN(float64(loss)) {
				return tm, fmt.Errorf("train: loss became NaN at epoch %d", epoch)
			}
			lossSum += float64(loss)
			nb++
			if o.Progress != nil && (nb%20 == 0 || nb == stepsPerEpoch) {
				el := time.Since(t0).Seconds()
				ips := float64(nb*o.Batch) / el
				left := (float64(stepsPerEpoch-nb) + float64(stepsPerEpoch*(o.Epochs-epoch))) * float64(o.Batch) / ips
				fmt.Fprintf(o.Progress, "\repoch %d/%d  step %d/%d  loss %.4f  %.0f images/s  ~%s left   ", epoch, o.Epochs, nb, stepsPerEpoch,
					lossSum/float64(nb), ips, (time.Duration(left) * time.Second).Round(time.Second))
			}
		}
		if nb == 0 {
			break
		}
		acc, _, err := Accuracy(m, val)
		if err != nil {
			return tm, err
		}
		st := EpochStat{Epoch: epoch, Loss: lossSum / float64(nb), ValAcc: acc, ImagesSec: float64(nb*o.Batch) / time.Since(t0).Seconds()}
		tm.History = append(tm.History, st)
		tm.Epochs = epoch
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "\repoch %d/%d  loss %.4f  val accuracy %.4f  %.0f images/s            \n", epoch, o.Epochs, st.Loss, acc, st.ImagesSec)
		}
		if acc > bestAcc {
			bestAcc, tm.BestEpoch, tm.ValAccuracy = acc, epoch, acc
			best = nn.Snapshot(m.Params())
			if o.OnBest != nil {
				if err := o.OnBest(m, epoch, acc); err != nil {
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
