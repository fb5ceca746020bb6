package umap

import (
	"math"
	"unsafe"
)

// LayoutParams are the SGD settings of OptimizeLayout.
type LayoutParams struct {
	A, B               float64
	NEpochs            int
	LearningRate       float64 // initial alpha, decayed linearly to 0
	NegativeSampleRate int
	RepulsionStrength  float64 // gamma
	Seed               int64
	Threads            int
}

// EpochsPerSample returns n_epochs / (n_epochs * w / max w) per edge (-1 for
// zero weights), as umap-learn's make_epochs_per_sample.
func EpochsPerSample(w []float32, nEpochs int) []float64 {
	var mx float32
	for _, v := range w {
		if v > mx {
			mx = v
		}
	}
	out := make([]float64, len(w))
	for i, v := range w {
		ns := float64(nEpochs) * (float64(v) / float64(mx))
		if ns > 0 {
			out[i] = float64(nEpochs) / ns
		} else {
			out[i] = -1
		}
	}
	return out
}

func clip4(v float32) float32 {
	if v > 4 {
		return 4
	}
	if v < -4 {
		return -4
	}
	return v
}

// OptimizeLayout runs UMAP's stochastic gradient descent on emb (n x dim,
// row-major, changed in place) for the symmetric graph g.
//
// Deterministic parallel scheme: at the start of each epoch the embedding is
// copied to a snapshot. Each vertex is updated only through its own outgoing
// edges (g is symmetric, so every pair is seen from both ends), moving only
// itself, reading the other end and negative samples from the snapshot. The
// attractive step is applied twice because umap-learn moves both ends for
// each of the two directed copies of an edge. Negative samples come from a
// generator keyed by (seed, epoch, edge). A vertex's result thus depends on
// nothing another goroutine does during the epoch, and the output is the
// same for any thread count.
func OptimizeLayout(emb []float32, n, dim int, g *Graph, p LayoutParams) {
	if n <= SerialLayoutMax {
		optimizeLayoutSerial(emb, n, dim, g, p)
		return
	}
	if dim <= kLanes {
		optimizeLayout16(emb, n, dim, g, p)
		return
	}
	optimizeLayoutWide(emb, n, dim, g, p)
}

// optimizeLayoutWide is OptimizeLayout for more than 16 dimensions.
func optimizeLayoutWide(emb []float32, n, dim int, g *Graph, p LayoutParams) {
	threads := defaultThreads(p.Threads)
	eps := EpochsPerSample(g.Data, p.NEpochs)
	nE := len(eps)
	nextSample := make([]float64, nE)
	epn := make([]float64, nE)
	nextNeg := make([]float64, nE)
	nsr := float64(p.NegativeSampleRate)
	for e := range eps {
		nextSample[e] = eps[e]
		epn[e] = eps[e] / nsr
		nextNeg[e] = epn[e]
	}
	threads = min(threads, n)
	bounds := layoutChunks(g, n, threads)
	nChunks := len(bounds) - 1
	type scratch struct {
		gcs  []float32
		d2s  []float32
		ks   []int
		cur0 []float32
	}
	scr := make([]scratch, threads)
	for w := range scr {
		scr[w].cur0 = make([]float32, dim)
	}
	// The snapshot's rows are padded to whole 64-byte cache lines: the
	// negative samples read random rows, and an unpadded 10-float row
	// straddles two lines more often than not.
	stride := (dim + 15) / 16 * 16
	snapBuf := make([]float32, n*stride+16)
	off := 0
	if a := uintptr(unsafe.Pointer(&snapBuf[0])) % 64; a != 0 {
		off = int(64-a) / 4
	}
	snap := snapBuf[off : off+n*stride]
	pt := newPowTable(p.B)
	seed := uint64(p.Seed)
	for epoch := 0; epoch < p.NEpochs; epoch++ {
		alpha := float32(p.LearningRate * (1 - float64(epoch)/float64(p.NEpochs)))
		fe := float64(epoch)
		for i := 0; i < n; i++ {
			copy(snap[i*stride:i*stride+dim], emb[i*dim:(i+1)*dim])
		}
		parallelTasks(threads, nChunks, func(w, c int) {
			sc := &scr[w]
			gcs, d2s, ks, cur0 := sc.gcs, sc.d2s, sc.ks, sc.cur0
			defer func() { sc.gcs, sc.d2s, sc.ks = gcs, d2s, ks }()
			for j := bounds[c]; j < bounds[c+1]; j++ {
				cur := emb[j*dim : (j+1)*dim]
				for e := g.Indptr[j]; e < g.Indptr[j+1]; e++ {
					if nextSample[e] > fe || eps[e] < 0 {
						continue
					}
					k := int(g.Indices[e])
					other := snap[k*stride : k*stride+dim]
					other = other[:len(cur)]
					d2 := sqDist(cur, other)
					var gc float32
					if d2 > 0 {
						// -2ab d^(2(b-1)) / (1 + a d^(2b)), d2 = d^2
						pb := pt.pow(d2)
						gc = float32(-2 * p.A * p.B * (pb / float64(d2)) / (p.A*pb + 1))
					}
					// |gc*(cur-other)| per coordinate is at most |gc|*sqrt(d2): when
					// that is below 4 the clip cannot act (same result, no branches)
					if gc*gc*d2 < 15.9 {
						for t := range cur {
							cur[t] += 2 * (gc * (cur[t] - other[t])) * alpha
						}
					} else {
						for t := range cur {
							gd := clip4(gc * (cur[t] - other[t]))
							cur[t] += 2 * gd * alpha
						}
					}
					nextSample[e] += eps[e]
					nneg := int((fe - nextNeg[e]) / epn[e])
					if nneg > 0 {
						// The repulsive forces of one batch are all computed at
						// the position after the attractive step and then
						// applied: the batch's samples are independent, so the
						// CPU overlaps their power evaluations instead of
						// waiting on each update in turn.
						r := newRNG(seed, uint64(epoch), uint64(e))
						if cap(gcs) < nneg {
							gcs = make([]float32, nneg)
							d2s = make([]float32, nneg)
							ks = make([]int, nneg)
						}
						gcs, d2s, ks = gcs[:nneg], d2s[:nneg], ks[:nneg]
						for s := range ks {
							k := r.intn(n)
							ks[s] = k
							if k == j {
								continue
							}
							other := snap[k*stride : k*stride+dim]
							d2 := sqDist(cur, other[:len(cur)])
							d2s[s] = d2
							gcs[s] = -1 // coincident points: push by 4, as umap-learn
							if d2 > 0 {
								pb := pt.pow(d2)
								gcs[s] = float32(2 * p.RepulsionStrength * p.B / ((0.001 + float64(d2)) * (p.A*pb + 1)))
							}
						}
						copy(cur0, cur)
						for s, k := range ks {
							if k == j {
								continue
							}
							gc := gcs[s]
							if gc < 0 {
								for t := range cur {
									cur[t] += 4 * alpha
								}
								continue
							}
							other := snap[k*stride : k*stride+dim]
							other = other[:len(cur)]
							c0 := cur0[:len(cur)]
							if gc*gc*d2s[s] < 15.9 {
								for t := range cur {
									cur[t] += (gc * (c0[t] - other[t])) * alpha
								}
							} else {
								for t := range cur {
									cur[t] += clip4(gc*(c0[t]-other[t])) * alpha
								}
							}
						}
						nextNeg[e] += float64(nneg) * epn[e]
					}
				}
			}
		})
	}
}

// layoutChunks splits the vertices into chunks of about equal edge count:
// several per thread, handed out dynamically, so a thread the OS delays does
// not hold up the epoch's barrier. Which thread runs a chunk does not change
// its result.
func layoutChunks(g *Graph, n, threads int) []int {
	nE := g.Indptr[n]
	nChunks := min(n, 1)
	if threads > 1 {
		nChunks = min(n, 16*threads)
	}
	bounds := make([]int, nChunks+1)
	for t := 1; t < nChunks; t++ {
		target := t * nE / nChunks
		lo, hi := 0, n
		for lo < hi {
			mid := (lo + hi) / 2
			if g.Indptr[mid] < target {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		bounds[t] = max(lo, bounds[t-1])
	}
	bounds[nChunks] = n
	return bounds
}

// optimizeLayout16 is OptimizeLayout for at most 16 dimensions: rows are
// held as 16 lanes and each sampled edge goes through edgeAVX512 or its Go
// twin edgeGo (same results).
func optimizeLayout16(emb []float32, n, dim int, g *Graph, p LayoutParams) {
	threads := min(defaultThreads(p.Threads), n)
	L := &layout16{emb: emb, n: n, dim: dim, g: g, asm: useAVX512(),
		c: newLayoutConsts(p.A, p.B, p.RepulsionStrength, dim)}
	eps := EpochsPerSample(g.Data, p.NEpochs)
	L.sched = make([]edgeSched, len(eps))
	nsr := float64(p.NegativeSampleRate)
	for e, v := range eps {
		s := &L.sched[e]
		s.eps, s.next, s.epn = float32(v), float32(v), float32(v/nsr)
		s.nextNeg = s.epn
		if v < 0 { // zero weight: never sampled
			s.next = float32(math.Inf(1))
		}
	}
	bounds := layoutChunks(g, n, threads)
	lanes := make([][layoutWays]lane, threads)
	// The snapshot's rows are 16 lanes (64 bytes), aligned to cache lines:
	// the negative samples read random rows.
	snapBuf := make([]float32, n*kLanes+16)
	off := 0
	if a := uintptr(unsafe.Pointer(&snapBuf[0])) % 64; a != 0 {
		off = int(64-a) / 4
	}
	L.snap = snapBuf[off : off+n*kLanes]
	seedKey := splitmix(uint64(p.Seed))
	for epoch := 0; epoch < p.NEpochs; epoch++ {
		L.c.setAlpha(float32(p.LearningRate*(1-float64(epoch)/float64(p.NEpochs))), dim)
		L.fe = float32(epoch)
		L.epochKey = splitmix(seedKey ^ uint64(epoch)) // newRNG(seed, epoch, e) = {splitmix(epochKey ^ e)}
		for i := 0; i < n; i++ {
			copy(L.snap[i*kLanes:i*kLanes+dim], emb[i*dim:(i+1)*dim])
		}
		parallelTasks(threads, len(bounds)-1, func(w, ch int) {
			L.run(&lanes[w], bounds[ch], bounds[ch+1])
		})
	}
}

// layoutWays is how many vertices a worker advances in turn: one vertex's
// edges form a chain of dependent updates, and alternating between
// independent chains lets the CPU overlap them. A vertex's result does not
// depend on which others it is interleaved with.
const layoutWays = 4

// layout16 is the state of optimizeLayout16 shared by its workers.
type layout16 struct {
	emb      []float32
	n, dim   int
	g        *Graph
	snap     []float32
	sched    []edgeSched
	c        *layoutConsts
	asm      bool
	fe       float32 // current epoch
	epochKey uint64
}

// edgeSched is umap-learn's sampling schedule of one edge (its
// epochs_per_sample, epoch_of_next_sample, epochs_per_negative_sample and
// epoch_of_next_negative_sample), kept together. float32 (umap-learn:
// float64): rounding moves the sampling epochs by far less than an epoch
// over a run, and four edges share a cache line (the array is streamed
// every epoch).
type edgeSched struct{ next, eps, nextNeg, epn float32 }

// lane is one vertex in progress: its row and its next edge.
type lane struct {
	j, e, end int
	cur       [kLanes]float32
	negs      []int32
}

// run updates the vertices [lo, hi) for the current epoch.
func (L *layout16) run(ls *[layoutWays]lane, lo, hi int) {
	next := lo
	load := func(l *lane) bool {
		if next >= hi {
			l.j = -1
			return false
		}
		l.j, l.e, l.end = next, L.g.Indptr[next], L.g.Indptr[next+1]
		l.cur = [kLanes]float32{}
		for t, v := range L.emb[next*L.dim : (next+1)*L.dim] { // dim <= 16: no memmove call
			l.cur[t] = v
		}
		next++
		return true
	}
	for i := range ls {
		load(&ls[i])
	}
	for busy := true; busy; {
		busy = false
		for i := range ls {
			l := &ls[i]
			if l.j < 0 {
				continue
			}
			if !L.step(l) {
				row := L.emb[l.j*L.dim : (l.j+1)*L.dim]
				for t := range row {
					row[t] = l.cur[t]
				}
				if !load(l) {
					continue
				}
			}
			busy = true
		}
	}
}

// step applies l's next due edge; false when there is none left.
func (L *layout16) step(l *lane) bool {
	e := l.e
	for e < l.end && L.sched[e].next > L.fe {
		e++
	}
	if e >= l.end {
		l.e = e
		return false
	}
	l.e = e + 1
	s := &L.sched[e]
	s.next += s.eps
	negs := l.negs[:0]
	if nneg := int((L.fe - s.nextNeg) / s.epn); nneg > 0 {
		r := rng{splitmix(L.epochKey ^ uint64(e))}
		for s := 0; s < nneg; s++ {
			if k := r.intn(L.n); k != l.j {
				negs = append(negs, int32(k))
			}
		}
		s.nextNeg += float32(nneg) * s.epn
	}
	l.negs = negs
	k := int(L.g.Indices[e])
	if L.asm {
		edgeAVX512(&l.cur[0], &L.snap[0], k, unsafe.SliceData(negs), len(negs), L.c)
	} else {
		edgeGo(&l.cur, L.snap, k, negs, L.c)
	}
	return true
}
