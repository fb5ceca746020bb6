// Package rproj is Gaussian random projection: y = x R with R a dIn x dOut
// matrix of independent N(0, 1/dOut) entries (the scaling of scikit-learn's
// GaussianRandomProjection), so squared norms are kept in expectation.
//
// R is never needed whole: it is cut into row blocks of BlockRows rows, and
// block b is drawn from its own random stream keyed by (seed, b), so any block
// can be regenerated on demand. Rows to project can arrive batch by batch
// (Project per batch gives the same result as one call on all rows), and
// Blocks projects each part of a vector (say, each layer's gradient) on its own.
package rproj

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"remedy/kernels"
)

// BlockRows is the number of rows of R drawn from one random stream. It is
// part of the definition of the matrix for a seed; changing it changes R.
const BlockRows = 1024

// DefaultCacheBytes is how much of R a Projector keeps between calls.
const DefaultCacheBytes = 256 << 20

// Projector projects dIn-dimensional rows to dOut dimensions.
type Projector struct {
	dIn, dOut int
	key       uint64
	scale     float64
	// CacheBytes bounds the generated blocks kept for later calls (blocks
	// beyond it are regenerated each call). Set before the first Project.
	CacheBytes int64
	// Threads bounds the goroutines drawing blocks (< 1: GOMAXPROCS). The
	// result does not depend on it.
	Threads int

	mu     sync.Mutex
	cache  [][]float32
	cached int64
}

// New returns the projector for seed. It panics if dIn or dOut is below 1.
func New(dIn, dOut int, seed uint64) *Projector {
	if dIn < 1 || dOut < 1 {
		panic(fmt.Sprintf("rproj: dimensions %d -> %d must be positive", dIn, dOut))
	}
	return &Projector{
		dIn: dIn, dOut: dOut, key: mix(seed),
		scale:      1 / math.Sqrt(float64(dOut)),
		CacheBytes: DefaultCacheBytes,
		cache:      make([][]float32, numBlocks(dIn)),
	}
}

func numBlocks(dIn int) int { return (dIn + BlockRows - 1) / BlockRows }

// DIn and DOut report the dimensions.
func (p *Projector) DIn() int  { return p.dIn }
func (p *Projector) DOut() int { return p.dOut }

func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Block writes block b of R (rows b*BlockRows up to dIn, row-major, dOut
// wide) into buf, which must hold them, and returns that part of buf.
func (p *Projector) Block(b int, buf []float32) []float32 {
	r0, r1 := b*BlockRows, min((b+1)*BlockRows, p.dIn)
	out := buf[:(r1-r0)*p.dOut]
	rng := rand.New(rand.NewPCG(p.key, mix(uint64(b)^0x7270726f6a)))
	for i := range out {
		out[i] = float32(rng.NormFloat64() * p.scale)
	}
	return out
}

// Matrix returns the whole of R (dIn x dOut); meant for small matrices and tests.
func (p *Projector) Matrix() []float32 {
	m := make([]float32, p.dIn*p.dOut)
	for b := 0; b < numBlocks(p.dIn); b++ {
		p.Block(b, m[b*BlockRows*p.dOut:])
	}
	return m
}

// Project writes rows (nRows x dIn, row-major) times R into dst (nRows x dOut).
func (p *Projector) Project(dst, rows []float32, nRows int) error {
	return p.project(dst, p.dOut, rows, p.dIn, nRows)
}

func (p *Projector) project(dst []float32, ldd int, rows []float32, ldr int, nRows int) error {
	if nRows < 0 {
		return fmt.Errorf("rproj: negative row count %d", nRows)
	}
	if nRows == 0 {
		return nil
	}
	if need := (nRows-1)*ldr + p.dIn; len(rows) < need {
		return fmt.Errorf("rproj: input has %d values, %d rows of %d need %d", len(rows), nRows, p.dIn, need)
	}
	if need := (nRows-1)*ldd + p.dOut; len(dst) < need {
		return fmt.Errorf("rproj: output has room for %d values, %d rows of %d need %d", len(dst), nRows, p.dOut, need)
	}
	for i := 0; i < nRows; i++ {
		for j, v := range rows[i*ldr : i*ldr+p.dIn] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("rproj: non-finite value %v in row %d, column %d", v, i, j)
			}
		}
	}
	threads := p.Threads
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	nb := numBlocks(p.dIn)
	// Blocks are drawn `threads` at a time in parallel, then multiplied in
	// block order, so the sum order (and the result) is fixed.
	scratch := make([][]float32, threads)
	for b0 := 0; b0 < nb; b0 += threads {
		b1 := min(b0+threads, nb)
		blocks := make([][]float32, b1-b0)
		var wg sync.WaitGroup
		for b := b0; b < b1; b++ {
			if c := p.cachedBlock(b); c != nil {
				blocks[b-b0] = c
				continue
			}
			wg.Add(1)
			go func(b int) {
				defer wg.Done()
				s := b - b0
				if p.wantCache(b) {
					blk := p.Block(b, make([]float32, BlockRows*p.dOut))
					p.store(b, blk)
					blocks[s] = blk
					return
				}
				if scratch[s] == nil {
					scratch[s] = make([]float32, BlockRows*p.dOut)
				}
				blocks[s] = p.Block(b, scratch[s])
			}(b)
		}
		wg.Wait()
		for b := b0; b < b1; b++ {
			r0 := b * BlockRows
			kb := min(BlockRows, p.dIn-r0)
			var beta float32 = 1
			if b == 0 {
				beta = 0
			}
			kernels.Sgemm(false, false, nRows, p.dOut, kb, 1, rows[r0:], ldr, blocks[b-b0], p.dOut, beta, dst, ldd)
		}
	}
	return nil
}

// Fill draws, in parallel, every block that fits in the cache and is not
// there yet, so later Project calls only multiply.
func (p *Projector) Fill() {
	threads := p.Threads
	if threads < 1 {
		threads = runtime.GOMAXPROCS(0)
	}
	// reserve in block order (so which blocks are cached is fixed), then draw
	var todo []int
	for b := 0; b < numBlocks(p.dIn); b++ {
		if p.cachedBlock(b) == nil && p.wantCache(b) {
			todo = append(todo, b)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for t := 0; t < threads; t++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(todo) {
					return
				}
				b := todo[i]
				p.store(b, p.Block(b, make([]float32, BlockRows*p.dOut)))
			}
		}()
	}
	wg.Wait()
}

func (p *Projector) cachedBlock(b int) []float32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cache[b]
}

// wantCache reserves room for block b in the cache if the budget allows.
func (p *Projector) wantCache(b int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	size := int64(BlockRows*p.dOut) * 4
	if p.cached+size > p.CacheBytes {
		return false
	}
	p.cached += size
	return true
}

func (p *Projector) store(b int, blk []float32) {
	p.mu.Lock()
	p.cache[b] = blk
	p.mu.Unlock()
}

// Blocks projects consecutive parts of each row on their own (part i, of
// size in[i], to out[i] dimensions with its own matrix) and concatenates the
// results: the paper projects each layer's gradient separately.
type Blocks struct {
	in, out       []int
	offIn, offOut []int
	projs         []*Projector
	dIn, dOut     int
}

// NewBlocks makes one projector per part, part i's seed derived from seed and i.
func NewBlocks(blockSizes, outPerBlock []int, seed uint64) (*Blocks, error) {
	if len(blockSizes) == 0 || len(blockSizes) != len(outPerBlock) {
		return nil, fmt.Errorf("rproj: %d block sizes and %d output sizes (need the same, at least one)", len(blockSizes), len(outPerBlock))
	}
	b := &Blocks{in: blockSizes, out: outPerBlock}
	for i := range blockSizes {
		if blockSizes[i] < 1 || outPerBlock[i] < 1 {
			return nil, fmt.Errorf("rproj: block %d: sizes %d -> %d must be positive", i, blockSizes[i], outPerBlock[i])
		}
		b.offIn = append(b.offIn, b.dIn)
		b.offOut = append(b.offOut, b.dOut)
		b.dIn += blockSizes[i]
		b.dOut += outPerBlock[i]
		b.projs = append(b.projs, New(blockSizes[i], outPerBlock[i], mix(seed)^mix(uint64(i)+0x626c6f636b)))
	}
	return b, nil
}

// DIn and DOut report the total dimensions.
func (b *Blocks) DIn() int  { return b.dIn }
func (b *Blocks) DOut() int { return b.dOut }

// SetCacheBytes bounds the matrix memory kept by all parts together (by
// default each part keeps up to DefaultCacheBytes of its own): parts get
// room for their whole matrix in order until the budget runs out; the rest
// are redrawn on every Project. Set it before the first Project.
func (b *Blocks) SetCacheBytes(total int64) {
	for _, p := range b.projs {
		need := int64(numBlocks(p.dIn)) * BlockRows * int64(p.dOut) * 4
		p.CacheBytes = max(0, min(need, total))
		total -= p.CacheBytes
	}
}

// Part returns the projector of part i.
func (b *Blocks) Part(i int) *Projector { return b.projs[i] }

// Project writes the concatenated projections of rows (nRows x DIn) into
// dst (nRows x DOut).
func (b *Blocks) Project(dst, rows []float32, nRows int) error {
	if nRows < 0 {
		return fmt.Errorf("rproj: negative row count %d", nRows)
	}
	if len(rows) < nRows*b.dIn {
		return fmt.Errorf("rproj: input has %d values, %d rows of %d need %d", len(rows), nRows, b.dIn, nRows*b.dIn)
	}
	if len(dst) < nRows*b.dOut {
		return fmt.Errorf("rproj: output has room for %d values, %d rows of %d need %d", len(dst), nRows, b.dOut, nRows*b.dOut)
	}
	for i, p := range b.projs {
		if err := p.project(dst[b.offOut[i]:], b.dOut, rows[b.offIn[i]:], b.dIn, nRows); err != nil {
			return fmt.Errorf("block %d: %w", i, err)
		}
	}
	return nil
}

// Chunked splits layers into parts for NewBlocks as the paper's code does:
// a layer of at most chunk weights is one part, a larger one is cut into
// ceil(size/chunk) parts of chunk weights (the last one shorter); every part
// goes to out dimensions. For the reference VGG's conv weights with chunk
// 100,000 and out 100 this gives 15 parts, 1,500 dimensions.
func Chunked(layerSizes []int, chunk, out int) (blockSizes, outPerBlock []int) {
	for _, s := range layerSizes {
		if s < chunk {
			blockSizes = append(blockSizes, s)
			outPerBlock = append(outPerBlock, out)
			continue
		}
		for r := s; r > 0; r -= chunk {
			blockSizes = append(blockSizes, min(r, chunk))
			outPerBlock = append(outPerBlock, out)
		}
	}
	return blockSizes, outPerBlock
}
