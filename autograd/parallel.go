package autograd

import "remedy/kernels"

// Element-wise kernels are single-threaded; with several kernel threads the
// tape splits large ones into contiguous ranges run on the kernels' worker
// pool (kernels.Parallel; jobs are plain structs, so dispatch does not
// allocate).
// Every element or plane is computed by the same code whatever the split, so
// results are bit-identical for any thread count.

const parMin = 1 << 15 // elements below which splitting costs more than it saves

// splitElementwise can be turned off by tests to compare with the serial path.
var splitElementwise = true

type jobKind uint8

const (
	jobRelu jobKind = iota
	jobReluBack
	jobMaxPool
	jobMaxPoolBack
	jobMaxPoolReluBack
	jobAdd
	jobAxpy
	jobSpatialMean
	jobSpatialMeanBack
	// channels-last (units are images; ch channels)
	jobMaxPoolNHWC
	jobMaxPoolNHWCBack
	jobMaxPoolNHWCReluBack
	jobSpatialMeanNHWC
	jobSpatialMeanNHWCBack
)

type pjob struct {
	kind    jobKind
	a, b, c []float32
	arg     []int32
	h, w    int
	ch      int
	f       float32
}

// RunRange runs units [lo, hi) of j (kernels.Parallel's loop body).
func (j *pjob) RunRange(lo, hi int) {
	s := j.slice(lo, hi)
	s.run()
}

func (j *pjob) run() {
	switch j.kind {
	case jobRelu:
		kernels.Relu(j.a, j.b)
	case jobReluBack:
		kernels.ReluBackward(j.a, j.b, j.c)
	case jobMaxPool:
		kernels.MaxPool2x2(len(j.b)/(j.h/2*(j.w/2)), j.h, j.w, j.a, j.b, j.arg)
	case jobMaxPoolBack:
		kernels.MaxPool2x2Backward(len(j.a)/(j.h/2*(j.w/2)), j.h, j.w, j.a, j.arg, j.b)
	case jobMaxPoolReluBack:
		kernels.MaxPool2x2ReluBackward(len(j.a)/(j.h/2*(j.w/2)), j.h, j.w, j.a, j.c, j.arg, j.b)
	case jobAdd:
		kernels.Add(j.a, j.b, j.c)
	case jobAxpy:
		kernels.Axpy(j.f, j.a, j.b)
	case jobSpatialMean:
		kernels.SpatialMean(j.a, j.b, len(j.a), j.w)
	case jobSpatialMeanBack:
		kernels.SpatialMeanBackward(j.a, j.b, len(j.b), j.w)
	case jobMaxPoolNHWC:
		kernels.MaxPool2x2NHWC(len(j.b)/(j.h/2*(j.w/2)*j.ch), j.h, j.w, j.ch, j.a, j.b, j.arg)
	case jobMaxPoolNHWCBack:
		kernels.MaxPool2x2NHWCBackward(len(j.a)/(j.h/2*(j.w/2)*j.ch), j.h, j.w, j.ch, j.a, j.arg, j.b)
	case jobMaxPoolNHWCReluBack:
		kernels.MaxPool2x2NHWCReluBackward(len(j.a)/(j.h/2*(j.w/2)*j.ch), j.h, j.w, j.ch, j.a, j.c, j.arg, j.b)
	case jobSpatialMeanNHWC: // a: n x ch means, b: n images of w pixels x ch
		kernels.SpatialMeanNHWC(j.a, j.b, len(j.a)/j.ch, j.w, j.ch)
	case jobSpatialMeanNHWCBack: // a: n images of w pixels x ch, b: n x ch
		kernels.SpatialMeanNHWCBackward(j.a, j.b, len(j.b)/j.ch, j.w, j.ch)
	}
}

// slice returns job j restricted to units [lo, hi): elements, or planes for
// the pooling jobs.
func (j pjob) slice(lo, hi int) pjob {
	sub := func(s []float32, per int) []float32 {
		if s == nil {
			return nil
		}
		return s[lo*per : hi*per]
	}
	switch j.kind {
	case jobMaxPool:
		in, out := j.h*j.w, j.h/2*(j.w/2)
		j.a, j.b, j.arg = sub(j.a, in), sub(j.b, out), j.arg[lo*out:hi*out]
	case jobMaxPoolBack, jobMaxPoolReluBack:
		in, out := j.h*j.w, j.h/2*(j.w/2)
		j.a, j.c, j.arg, j.b = sub(j.a, out), sub(j.c, out), j.arg[lo*out:hi*out], sub(j.b, in)
	case jobSpatialMean: // a: one mean per plane, b: planes of w elements
		j.a, j.b = sub(j.a, 1), sub(j.b, j.w)
	case jobSpatialMeanBack: // a: planes of w elements, b: one gradient per plane
		j.a, j.b = sub(j.a, j.w), sub(j.b, 1)
	case jobMaxPoolNHWC:
		in, out := j.h*j.w*j.ch, j.h/2*(j.w/2)*j.ch
		j.a, j.b, j.arg = sub(j.a, in), sub(j.b, out), j.arg[lo*out:hi*out]
	case jobMaxPoolNHWCBack, jobMaxPoolNHWCReluBack:
		in, out := j.h*j.w*j.ch, j.h/2*(j.w/2)*j.ch
		j.a, j.c, j.arg, j.b = sub(j.a, out), sub(j.c, out), j.arg[lo*out:hi*out], sub(j.b, in)
	case jobSpatialMeanNHWC:
		j.a, j.b = sub(j.a, j.ch), sub(j.b, j.w*j.ch)
	case jobSpatialMeanNHWCBack:
		j.a, j.b = sub(j.a, j.w*j.ch), sub(j.b, j.ch)
	default:
		j.a, j.b, j.c = sub(j.a, 1), sub(j.b, 1), sub(j.c, 1)
	}
	return j
}

// runPar runs j over units [0, units) where each unit has cost elems/units
// elements, split over the kernel threads when it is large enough.
func (tp *Tape) runPar(j pjob, units, elems int) {
	if kernels.Threads() <= 1 || units <= 1 || elems < parMin || !splitElementwise {
		j.run()
		return
	}
	tp.pj = j
	tp.par.For(units, &tp.pj)
	tp.pj = pjob{}
}

func (tp *Tape) relu(dst, x []float32) {
	tp.runPar(pjob{kind: jobRelu, a: dst, b: x}, len(dst), len(dst))
}

func (tp *Tape) reluBack(dx, dy, y []float32) {
	tp.runPar(pjob{kind: jobReluBack, a: dx, b: dy, c: y}, len(dx), len(dx))
}

func (tp *Tape) maxPool(planes, h, w int, x, y []float32, arg []int32) {
	tp.runPar(pjob{kind: jobMaxPool, a: x, b: y, arg: arg, h: h, w: w}, planes, planes*h*w)
}

func (tp *Tape) maxPoolBack(planes, h, w int, dy []float32, arg []int32, dx []float32) {
	tp.runPar(pjob{kind: jobMaxPoolBack, a: dy, arg: arg, b: dx, h: h, w: w}, planes, planes*h*w)
}

func (tp *Tape) add(dst, a, b []float32) {
	tp.runPar(pjob{kind: jobAdd, a: dst, b: a, c: b}, len(dst), len(dst))
}

func (tp *Tape) axpy(alpha float32, x, y []float32) {
	tp.runPar(pjob{kind: jobAxpy, a: x, b: y, f: alpha}, len(y), len(y))
}

func (tp *Tape) maxPoolReluBack(planes, h, w int, dy, y []float32, arg []int32, dx []float32) {
	tp.runPar(pjob{kind: jobMaxPoolReluBack, a: dy, c: y, arg: arg, b: dx, h: h, w: w}, planes, planes*h*w)
}

func (tp *Tape) spatialMean(dst, x []float32, planes, hw int) {
	tp.runPar(pjob{kind: jobSpatialMean, a: dst[:planes], b: x, w: hw}, planes, planes*hw)
}

func (tp *Tape) spatialMeanBack(dx, dy []float32, planes, hw int) {
	tp.runPar(pjob{kind: jobSpatialMeanBack, a: dx, b: dy[:planes], w: hw}, planes, planes*hw)
}

// Channels-last variants: n images of h x w x c (pools) or hw x c (means),
// split over images.

func (tp *Tape) maxPoolNHWC(n, h, w, c int, x, y []float32, arg []int32) {
	tp.runPar(pjob{kind: jobMaxPoolNHWC, a: x, b: y, arg: arg, h: h, w: w, ch: c}, n, n*h*w*c)
}

func (tp *Tape) maxPoolNHWCBack(n, h, w, c int, dy []float32, arg []int32, dx []float32) {
	tp.runPar(pjob{kind: jobMaxPoolNHWCBack, a: dy, arg: arg, b: dx, h: h, w: w, ch: c}, n, n*h*w*c)
}

func (tp *Tape) maxPoolNHWCReluBack(n, h, w, c int, dy, y []float32, arg []int32, dx []float32) {
	tp.runPar(pjob{kind: jobMaxPoolNHWCReluBack, a: dy, c: y, arg: arg, b: dx, h: h, w: w, ch: c}, n, n*h*w*c)
}

func (tp *Tape) spatialMeanNHWC(dst, x []float32, n, hw, c int) {
	tp.runPar(pjob{kind: jobSpatialMeanNHWC, a: dst[:n*c], b: x, w: hw, ch: c}, n, n*hw*c)
}

func (tp *Tape) spatialMeanNHWCBack(dx, dy []float32, n, hw, c int) {
	tp.runPar(pjob{kind: jobSpatialMeanNHWCBack, a: dx, b: dy[:n*c], w: hw, ch: c}, n, n*hw*c)
}
