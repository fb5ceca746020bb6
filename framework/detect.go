package framework

import (
	"math"
	"sort"
)

// Detection semantics for grid detectors (the ICE catheter detector): a
// frame's objectness logits and centre offsets are decoded into scored
// points, thinned by distance-based non-maximum suppression and matched
// greedily (by score) to the true object positions.

// DetectOptions set how detector outputs become detections and how they are
// judged. Zero values take the defaults of DefaultDetectOptions.
type DetectOptions struct {
	// Threshold: a cell is a prediction when sigmoid(logit) > Threshold.
	Threshold float32 `json:"threshold"`
	// NMSDist: a prediction whose centre lies closer than this (pixels) to
	// a higher-scoring kept prediction is suppressed.
	NMSDist float32 `json:"nms_dist"`
	// MatchDist: a prediction is a true positive when its centre lies within
	// this distance (pixels, inclusive) of a still unmatched object.
	MatchDist float32 `json:"match_dist"`
}

// DefaultDetectOptions for a detector of the given stride (pixels per grid
// cell): threshold 0.5, NMS at 3/4 of a cell, matching within half a cell.
func DefaultDetectOptions(stride int) DetectOptions {
	return DetectOptions{Threshold: 0.5, NMSDist: 0.75 * float32(stride), MatchDist: 0.5 * float32(stride)}
}

func (o DetectOptions) withDefaults(stride int) DetectOptions {
	d := DefaultDetectOptions(stride)
	if o.Threshold == 0 {
		o.Threshold = d.Threshold
	}
	if o.NMSDist == 0 {
		o.NMSDist = d.NMSDist
	}
	if o.MatchDist == 0 {
		o.MatchDist = d.MatchDist
	}
	return o
}

// Point is an object position in pixels (x to the right, y down).
type Point struct{ X, Y float32 }

// Detection is one kept prediction: its centre, score (sigmoid of the
// objectness logit) and the grid cell (row-major) it came from.
type Detection struct {
	X     float32 `json:"x"`
	Y     float32 `json:"y"`
	Score float32 `json:"score"`
	Cell  int     `json:"cell"`
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// Decode turns one frame's gh x gw objectness logits (cls) and offsets (reg:
// the x offsets of every cell, then the y offsets, in cell units from the
// cell's top-left corner) into detections sorted by score (ties by cell),
// after thresholding and non-maximum suppression.
func Decode(cls, reg []float32, gh, gw, stride int, o DetectOptions) []Detection {
	o = o.withDefaults(stride)
	hw := gh * gw
	var cand []Detection
	for c := 0; c < hw; c++ {
		s := sigmoid(cls[c])
		if !(s > o.Threshold) {
			continue
		}
		gy, gx := c/gw, c%gw
		cand = append(cand, Detection{X: (float32(gx) + reg[c]) * float32(stride), Y: (float32(gy) + reg[hw+c]) * float32(stride), Score: s, Cell: c})
	}
	sort.SliceStable(cand, func(a, b int) bool { return cand[a].Score > cand[b].Score })
	var kept []Detection
	for _, d := range cand {
		ok := true
		for _, k := range kept {
			if dist(d.X, d.Y, k.X, k.Y) < o.NMSDist {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, d)
		}
	}
	return kept
}

func dist(x0, y0, x1, y1 float32) float32 {
	return float32(math.Hypot(float64(x0-x1), float64(y0-y1)))
}

// Match pairs detections (in the order given: Decode's, highest score
// first) with objects greedily: each detection takes the nearest unmatched
// object within matchDist (ties: the lower object index). detObj[i] is the
// object detection i matched (-1: a false positive); objDet[j] the detection
// that matched object j (-1: a false negative).
func Match(dets []Detection, objs []Point, matchDist float32) (detObj, objDet []int) {
	detObj = make([]int, len(dets))
	objDet = make([]int, len(objs))
	for j := range objDet {
		objDet[j] = -1
	}
	for i, d := range dets {
		detObj[i] = -1
		best := float32(math.Inf(1))
		for j, p := range objs {
			if objDet[j] >= 0 {
				continue
			}
			if e := dist(d.X, d.Y, p.X, p.Y); e <= matchDist && e < best {
				best, detObj[i] = e, j
			}
		}
		if detObj[i] >= 0 {
			objDet[detObj[i]] = i
		}
	}
	return detObj, objDet
}

// CellOf returns the grid cell (row-major) holding point p and p's offset
// within it in cell units. A point exactly on a border between cells belongs
// to the cell below/right of it (offset 0); points on the frame's far edge
// belong to the last cell (offset 1).
func CellOf(p Point, gh, gw, stride int) (cell int, ox, oy float32) {
	fx, fy := p.X/float32(stride), p.Y/float32(stride)
	gx := min(max(int(math.Floor(float64(fx))), 0), gw-1)
	gy := min(max(int(math.Floor(float64(fy))), 0), gh-1)
	return gy*gw + gx, fx - float32(gx), fy - float32(gy)
}

// EncodeTargets writes one frame's training targets: obj (gh*gw) is 1 at the
// cell of each object, ctr (2*gh*gw: x offsets, then y offsets) holds its
// offset there. When two objects fall in the same cell the first listed is
// the target (a grid detector finds at most one object per cell).
func EncodeTargets(objs []Point, gh, gw, stride int, obj, ctr []float32) {
	hw := gh * gw
	clear(obj[:hw])
	clear(ctr[:2*hw])
	for _, p := range objs {
		c, ox, oy := CellOf(p, gh, gw, stride)
		if obj[c] == 1 {
			continue
		}
		obj[c], ctr[c], ctr[hw+c] = 1, ox, oy
	}
}

// DetCounts are true positives, false positives and false negatives.
type DetCounts struct{ TP, FP, FN int }

// Add accumulates the counts of one frame's match.
func (c *DetCounts) Add(detObj, objDet []int) {
	for _, j := range detObj {
		if j >= 0 {
			c.TP++
		} else {
			c.FP++
		}
	}
	for _, i := range objDet {
		if i < 0 {
			c.FN++
		}
	}
}

// PRF returns precision, recall and F1 (0 where undefined).
func (c DetCounts) PRF() (p, r, f1 float64) {
	if c.TP+c.FP > 0 {
		p = float64(c.TP) / float64(c.TP+c.FP)
	}
	if c.TP+c.FN > 0 {
		r = float64(c.TP) / float64(c.TP+c.FN)
	}
	if p+r > 0 {
		f1 = 2 * p * r / (p + r)
	}
	return p, r, f1
}
