package nn

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Blocked, parallel SGEMM driver.
//
// C is cut into tiles of mr×nr (the microkernel's size); partial tiles at
// the edges use the smallest generated kernel that covers them. The k loop
// is cut into nkb equal blocks of depth ≤ kcMax; every tile accumulates the
// blocks in order, so each C element sees the same operations whatever the
// split. A is read in place, but for a transposed A, whose row tiles are
// packed into contiguous [p][i] panels (aMode), and a partial row tile that
// no kernel height fits (packed, zero-padded). B is packed once per call into kc×nr panels, shared by all
// threads — or, when few row tiles reuse it and B is not transposed, read in
// place (only the partial column panel is packed).
//
// A call runs in two phases, both shared out dynamically: packing B panels,
// then chunks of whole row tiles (or whole column tiles when C is wider than
// tall). The calling goroutine works too, so a parallel call never waits for
// a worker to wake up: a late worker just takes fewer chunks. Pool workers
// spin (yielding) for a short while after a job so that back-to-back calls
// find them awake. Which goroutine computes a tile never changes its bits.

// gemmConfig holds the blocking and threading knobs of the driver. A B block
// of kc rows × ncTiles panels (≤ bBlockFloats floats) is swept by all row
// tiles of a chunk while it stays in L2. Products below serialFlops run on
// the calling goroutine; below parMinFlops they are shared only with workers
// that are already awake. chunkFlops is the target size of a chunk. threads
// > 0 forces a goroutine count, split a partition and bMode how B is read
// (tests use these to check that results do not depend on them).
type gemmConfig struct {
	kcMax, bBlockFloats                  int
	serialFlops, parMinFlops, chunkFlops float64
	// least tiles per chunk: column chunks (each reads all of A) and row
	// chunks that sweep more than one B block
	colChunkTiles, rowChunkTiles int
	threads, split, bMode        int
	aMode                        int
}

var defaultGemmConfig = gemmConfig{
	kcMax:         512,
	bBlockFloats:  192 * 1024,
	serialFlops:   1 << 20,
	parMinFlops:   16 << 20,
	chunkFlops:    4 << 20,
	colChunkTiles: 2,
	rowChunkTiles: 8,
}

const (
	splitAuto = iota
	splitRows
	splitCols
)

// How a non-transposed B is fed to the kernels: packed into panels or read
// in place (full-width tiles only; a partial panel is always packed).
const (
	bAuto = iota
	bPack
	bDirect
)

// How a transposed A is fed to the T kernels: packed, one row tile and k
// block at a time, into a contiguous [p][i] panel of stride mr (the layout
// of a packed edge tile), or read in place with its row stride. Packing
// changes no bit: the kernel and its order of operations are the same.
const (
	aAuto = iota
	aPack
	aDirect
)

// directBMaxTiles: with bAuto, B is read in place when fewer row tiles than
// this would reuse a packed panel.
const directBMaxTiles = 24

// bL2Stride: a B operand whose row stride is a multiple of this many bytes
// (only a B read in place has one: a packed panel's is a tile row) has its
// rows in one or two of an L1's 64 sets (4 KB a way); the T kernels then
// take their L2 variant (tileKernel.tl2).
const bL2Stride = 2048

// workerSpin is how long an idle pool worker keeps polling for the next job
// before it blocks (waking a blocked thread costs ~0.1 ms on a VM).
var workerSpin = 2 * time.Millisecond

type gemmJob struct {
	im             *gemmImpl
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	// several products sharing A (sgemmMulti): op(B) and C are bs[i] and
	// cs[i] for columns i·nPer…(i+1)·nPer−1 of the whole (nil: b and c)
	bs, cs [][]float32
	nPer   int

	kc, nkb  int // k block depth and count
	tm, tn   int // tiles along m and n
	ncTiles  int // column tiles per L2 block
	directB  bool
	packA    bool // pack full row tiles of a transposed A (see aPack)
	colSplit bool
	nPack    int // phase 1 units (B panels)
	nChunks  int // phase 2 units
	bp       []float32
	bpBuf    *[]float32

	// claimed and finished units of each phase (atomic)
	nextPack, donePack, nextChunk, doneChunk int64
}

type gemmScratch struct{ a, c, slab []float32 }

var (
	scratchPool = sync.Pool{New: func() any { return new(gemmScratch) }}
	bufPool     = sync.Pool{New: func() any { return new([]float32) }}
)

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func checkMat(name string, trans bool, rows, cols int, s []float32, ld int) {
	if trans {
		rows, cols = cols, rows
	}
	if ld < cols {
		panic(fmt.Sprintf("nn: Sgemm: bad stride for %s: %d < %d", name, ld, cols))
	}
	if rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("nn: Sgemm: %s too short: len %d < %d", name, len(s), (rows-1)*ld+cols))
	}
}

// sgemm is Sgemm on path im with the given driver configuration.
func (im *gemmImpl) sgemm(cfg *gemmConfig, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("nn: Sgemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	checkMat("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	checkMat("A", transA, m, k, a, lda)
	checkMat("B", transB, k, n, b, ldb)
	if im.whole != nil {
		im.whole(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	im.drive(cfg, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, nil, nil, 0)
}

// sgemmMulti computes C_i = alpha·op(A)·op(B_i) + beta·C_i for every i, each
// op(B_i) k×nPer and C_i m×nPer (strides ldb, ldc): on the blocked driver one
// product of width len(bs)·nPer, so A is packed, swept and shared out once
// (column tiles never straddle two B_i: nPer is a multiple of the kernel
// width, or the products run one by one). Each C_i gets the bits Sgemm
// would give it alone.
func (im *gemmImpl) sgemmMulti(cfg *gemmConfig, transA, transB bool, m, nPer, k int, alpha float32, a []float32, lda int, bs [][]float32, ldb int, beta float32, cs [][]float32, ldc int) {
	if len(bs) != len(cs) || len(bs) == 0 {
		panic(fmt.Sprintf("nn: SgemmMulti: %d B matrices for %d C matrices", len(bs), len(cs)))
	}
	if len(bs) == 1 || im.whole != nil || nPer%im.nr != 0 || m <= 0 || nPer <= 0 || k <= 0 || alpha == 0 {
		for i := range bs {
			im.sgemm(cfg, transA, transB, m, nPer, k, alpha, a, lda, bs[i], ldb, beta, cs[i], ldc)
		}
		return
	}
	checkMat("A", transA, m, k, a, lda)
	for i := range bs {
		checkMat("C", false, m, nPer, cs[i], ldc)
		checkMat("B", transB, k, nPer, bs[i], ldb)
	}
	im.drive(cfg, transA, transB, m, len(bs)*nPer, k, alpha, a, lda, bs[0], ldb, beta, cs[0], ldc, bs, cs, nPer)
}

// drive runs a validated product (m, n, k > 0, alpha ≠ 0) on the blocked
// driver; bs, cs and nPer as gemmJob's (nil for one product).
func (im *gemmImpl) drive(cfg *gemmConfig, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int,
	bs, cs [][]float32, nPer int) {
	mr, nr := im.mr, im.nr
	tm, tn := (m+mr-1)/mr, (n+nr-1)/nr
	flops := 2 * float64(m) * float64(n) * float64(k)
	nth := cfg.threads
	if nth <= 0 {
		// (GOMAXPROCS takes a scheduler lock: skip it for small products.)
		switch {
		case flops < cfg.serialFlops:
			nth = 1
		case flops < cfg.parMinFlops:
			nth = 1
			if sp := int(spinning.Load()); sp > 0 {
				nth = min(runtime.GOMAXPROCS(0), 1+sp)
			}
		default:
			nth = runtime.GOMAXPROCS(0)
		}
	}
	// Column chunks when C is wider than tall — but not for a transposed
	// A (the weight gradients XᵀdY) with row tiles enough for every
	// thread: each column chunk packs all of A again for a few columns.
	colSplit := cfg.split == splitCols || cfg.split == splitAuto && tn > tm && !(transA && tm >= 4*nth)
	units := tm
	if colSplit {
		units = tn
	}
	nkb := (k + cfg.kcMax - 1) / cfg.kcMax
	kc := (k + nkb - 1) / nkb
	nChunks := 1
	if nth > 1 {
		// A chunk should reuse what it loads: a column chunk reads all of
		// A, and a row chunk that sweeps several B blocks should sweep
		// each over several row tiles while the block is in L2.
		minTiles := 1
		if colSplit {
			minTiles = cfg.colChunkTiles
		} else if nkb > 1 || tn*kc*nr > cfg.bBlockFloats {
			minTiles = cfg.rowChunkTiles
		}
		minTiles = max(minTiles, 1)
		nChunks = min(units/minTiles, max(2*nth, int(flops/cfg.chunkFlops)))
		// A multiple of nth chunks balances the threads when all start
		// together; the dynamic claiming absorbs late starters.
		nChunks = max(nth, nChunks/nth*nth)
		nChunks = min(nChunks, units)
	}
	// A transposed A is read as [p][i]: in place, each k step of a row
	// tile is a few floats on its own cache line (and page, for long k).
	// Packed, the tile's kc×mr panel is contiguous, like B's packed panels,
	// and swept by every column tile of the chunk: the BLIS/OpenBLAS way
	// (a transposed B is already packed into the plain case's panels).
	packA := transA && (cfg.aMode == aPack || cfg.aMode == aAuto && tn > 1)
	directB := !transB && (cfg.bMode == bDirect || cfg.bMode == bAuto && tm < directBMaxTiles)
	if nChunks == 1 {
		var j gemmJob
		j.setup(im, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, kc, nkb, tm, tn, cfg, directB, colSplit, 1)
		j.packA = packA
		j.bs, j.cs, j.nPer = bs, cs, nPer
		j.work()
		j.release()
		return
	}
	j := new(gemmJob)
	j.setup(im, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, kc, nkb, tm, tn, cfg, directB, colSplit, nChunks)
	j.packA = packA
	j.bs, j.cs, j.nPer = bs, cs, nPer
	for _, w := range workers(nth - 1) {
		select {
		case w <- j:
		default: // worker backlogged: the caller takes its share
		}
	}
	j.work()
	for atomic.LoadInt64(&j.doneChunk) < int64(j.nChunks) {
		runtime.Gosched()
	}
	j.release()
}

func (j *gemmJob) setup(im *gemmImpl, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int,
	kc, nkb, tm, tn int, cfg *gemmConfig, directB, colSplit bool, nChunks int) {
	*j = gemmJob{im: im, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc, kc: kc, nkb: nkb, tm: tm, tn: tn,
		ncTiles: max(1, cfg.bBlockFloats/(kc*im.nr)), directB: directB, colSplit: colSplit, nChunks: nChunks}
	panel := kc * im.nr
	var size int
	switch {
	case !directB:
		j.nPack = nkb * tn
		size = j.nPack * panel
	case n%im.nr != 0:
		j.nPack = nkb // the partial panel of each k block
		size = j.nPack * panel
	}
	if size > 0 {
		j.bpBuf = bufPool.Get().(*[]float32)
		*j.bpBuf = grow(*j.bpBuf, size)
		j.bp = *j.bpBuf
	}
}

func (j *gemmJob) release() {
	if j.bpBuf != nil {
		bufPool.Put(j.bpBuf)
		j.bpBuf, j.bp = nil, nil
	}
}

// work takes units of both phases until none are left.
func (j *gemmJob) work() {
	np := int64(j.nPack)
	if np > 0 {
		for {
			u := atomic.AddInt64(&j.nextPack, 1) - 1
			if u >= np {
				break
			}
			j.packUnit(int(u))
			atomic.AddInt64(&j.donePack, 1)
		}
		for atomic.LoadInt64(&j.donePack) < np {
			runtime.Gosched()
		}
	}
	nc := int64(j.nChunks)
	if atomic.LoadInt64(&j.nextChunk) >= nc {
		return
	}
	sc := scratchPool.Get().(*gemmScratch)
	sc.a = grow(sc.a, j.kc*j.im.mr)
	sc.c = grow(sc.c, j.im.mr*j.im.nr)
	for {
		u := atomic.AddInt64(&j.nextChunk, 1) - 1
		if u >= nc {
			break
		}
		j.runChunk(sc, int(u))
		atomic.AddInt64(&j.doneChunk, 1)
	}
	scratchPool.Put(sc)
}

// packUnit packs one B panel: (k block, column tile) u.
func (j *gemmJob) packUnit(u int) {
	nr := j.im.nr
	q, tj := u/j.tn, u%j.tn
	dst := j.bp[u*j.kc*nr:]
	if j.directB {
		q, tj = u, j.tn-1
	}
	pc := q * j.kc
	j0 := tj * nr
	kc, w := min(j.kc, j.k-pc), min(nr, j.n-j0)
	b, j0 := j.bAt(j0)
	if j.transB && j.im.packBT != nil && j.im.packBT(dst, b, j.ldb, pc, kc, j0, w) {
		return
	}
	packBPanel(dst, j.transB, b, j.ldb, pc, kc, j0, w, nr)
}

// bPanel returns the B operand of column tile tj in k block q, and its
// row stride.
func (j *gemmJob) bPanel(q, tj int) ([]float32, int) {
	nr := j.im.nr
	if !j.directB {
		return j.bp[(q*j.tn+tj)*j.kc*nr:], nr
	}
	if (tj+1)*nr > j.n {
		return j.bp[q*j.kc*nr:], nr
	}
	b, j0 := j.bAt(tj * nr)
	return b[q*j.kc*j.ldb+j0:], j.ldb
}

// bAt returns the B matrix holding column j0 of the whole op(B) and j0's
// column in it; cAt the same for C.
func (j *gemmJob) bAt(j0 int) ([]float32, int) {
	if j.bs == nil {
		return j.b, j0
	}
	return j.bs[j0/j.nPer], j0 % j.nPer
}

func (j *gemmJob) cAt(j0 int) ([]float32, int) {
	if j.cs == nil {
		return j.c, j0
	}
	return j.cs[j0/j.nPer], j0 % j.nPer
}

// runChunk computes chunk u: a range of whole row tiles (or column tiles).
func (j *gemmJob) runChunk(sc *gemmScratch, u int) {
	ti0, ti1, tj0, tj1 := j.tm*u/j.nChunks, j.tm*(u+1)/j.nChunks, 0, j.tn
	if j.colSplit {
		ti0, ti1, tj0, tj1 = 0, j.tm, j.tn*u/j.nChunks, j.tn*(u+1)/j.nChunks
	}
	im := j.im
	mr, nr := im.mr, im.nr
	full := &im.tiles[len(im.tiles)-1]
	// A transposed A's full row tiles of the chunk are packed together,
	// one slab a k block, reading each row of A once, left to right (tile
	// by tile, each k step of a tile was a few floats on a row of its own:
	// the rows, activations written long before in the forward pass, came
	// in one latency at a time).
	slabTiles := 0
	if j.transA && j.packA {
		slabTiles = min(ti1, j.m/mr) - ti0
		if slabTiles > 0 {
			sc.slab = grow(sc.slab, slabTiles*j.kc*mr)
		}
	}
	for jc := tj0; jc < tj1; jc += j.ncTiles {
		jce := min(jc+j.ncTiles, tj1)
		for q := 0; q < j.nkb; q++ {
			pc := q * j.kc
			kc := min(j.kc, j.k-pc)
			beta := j.beta
			if q > 0 {
				beta = 1
			}
			if slabTiles > 0 {
				packATransSlab(sc.slab, j.a, j.lda, ti0*mr, pc, kc, mr, slabTiles)
			}
			for ti := ti0; ti < ti1; ti++ {
				i0 := ti * mr
				rows := min(mr, j.m-i0)
				rt := rows
				if rows < mr {
					rt = im.rowTile(rows)
				}
				var as []float32
				lda, trans := j.lda, j.transA
				switch {
				case rows < rt:
					// Zero-padded copy: the kernel reads rt rows.
					packAEdge(sc.a, j.transA, j.a, j.lda, i0, rows, pc, kc, rt)
					as, lda, trans = sc.a, rt, true
				case j.transA && j.packA && ti-ti0 < slabTiles:
					as, lda = sc.slab[(ti-ti0)*kc*mr:], rt
				case j.transA && j.packA: // a partial tile a kernel fits
					packATransSlab(sc.a, j.a, j.lda, i0, pc, kc, rt, 1)
					as, lda = sc.a, rt
				case j.transA:
					as = j.a[pc*j.lda+i0:]
				default:
					as = j.a[i0*j.lda+pc:]
				}
				for tj := jc; tj < jce; tj++ {
					j0 := tj * nr
					cols := min(nr, j.n-j0)
					tk := full
					if rt < mr || cols < nr {
						tk = im.tile(rt, cols)
					}
					bp, ldb := j.bPanel(q, tj)
					kern := tk.n
					switch {
					case trans && tk.tl2 != nil && ldb%(bL2Stride/4) == 0:
						kern = tk.tl2
					case trans:
						kern = tk.t
					}
					c, cj := j.cAt(j0)
					if rows == tk.rows && cols == tk.cols {
						kern(kc, as, lda, bp, ldb, c[i0*j.ldc+cj:], j.ldc, j.alpha, beta)
						continue
					}
					// Partial tile: compute into a scratch tile with the
					// same kernel, then copy the valid part back.
					t, ldt := sc.c, tk.cols
					if beta != 0 {
						for r := 0; r < rows; r++ {
							copy(t[r*ldt:r*ldt+cols], c[(i0+r)*j.ldc+cj:])
						}
					}
					kern(kc, as, lda, bp, ldb, t, ldt, j.alpha, beta)
					for r := 0; r < rows; r++ {
						copy(c[(i0+r)*j.ldc+cj:(i0+r)*j.ldc+cj+cols], t[r*ldt:])
					}
				}
			}
		}
	}
}

// packBPanel packs op(B)[pc:pc+kc, j0:j0+w] into dst as a kc×nr row-major
// panel, zero-padded on the right.
func packBPanel(dst []float32, transB bool, b []float32, ldb, pc, kc, j0, w, nr int) {
	d := dst[:kc*nr]
	if !transB {
		off := pc*ldb + j0
		if w == nr && copyRowsArch(d, b[off:], ldb, kc, nr) {
			return
		}
		for p := 0; p < kc; p++ {
			row := d[p*nr : p*nr+nr]
			copy(row, b[off:off+w])
			if w < nr {
				clear(row[w:])
			}
			off += ldb
		}
		return
	}
	for jj := 0; jj < w; jj++ {
		src := b[(j0+jj)*ldb+pc:]
		src = src[:kc]
		for p, v := range src {
			d[p*nr+jj] = v
		}
	}
	if w < nr {
		for p := 0; p < kc; p++ {
			clear(d[p*nr+w : p*nr+nr])
		}
	}
}

// packAEdge packs rows [i0,i0+rows) of op(A)[:, pc:pc+kc] as [p][i] with
// stride mr, zero-padding rows up to mr.
func packAEdge(dst []float32, transA bool, a []float32, lda, i0, rows, pc, kc, mr int) {
	d := dst[:kc*mr]
	clear(d)
	if transA {
		for p := 0; p < kc; p++ {
			off := (pc+p)*lda + i0
			copy(d[p*mr:p*mr+rows], a[off:off+rows])
		}
		return
	}
	for r := 0; r < rows; r++ {
		src := a[(i0+r)*lda+pc:]
		src = src[:kc]
		for p, v := range src {
			d[p*mr+r] = v
		}
	}
}

// packATransSlab packs tiles row tiles of a transposed A, from column i0
// on, in k block [pc, pc+kc): tile t, as [p][i] with stride mr (what the T
// kernel reads with lda = mr), at dst[t*kc*mr:]. Each row of A is read
// once, left to right.
func packATransSlab(dst, a []float32, lda, i0, pc, kc, mr, tiles int) {
	if packATransSlabArch(dst, a, lda, i0, pc, kc, mr, tiles) {
		return
	}
	// (the 12- and 6-row tiles of the SIMD paths always take the assembly)
	panel := kc * mr
	d := dst[:tiles*panel]
	off := pc*lda + i0
	for p := 0; p < kc; p++ {
		for t := 0; t < tiles; t++ {
			copy(d[t*panel+p*mr:t*panel+p*mr+mr], a[off+t*mr:off+t*mr+mr])
		}
		off += lda
	}
}

// scaleC sets C = beta·C (beta == 0 overwrites with zeros).
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Worker pool.

// poolJob is work the pool's workers share: work claims units until none
// are left, so a worker that picks a job up late finds nothing to do and a
// caller that finds every worker busy does all of it. poll is how long a
// worker keeps polling for the next job after this one.
type poolJob interface {
	work()
	poll() time.Duration
}

func (j *gemmJob) poll() time.Duration { return workerSpin }

var (
	poolMu      sync.Mutex
	poolWorkers []chan poolJob
	spinning    atomic.Int32 // workers polling for a job right now
)

// workers returns n job channels of pool workers, starting workers as
// needed.
func workers(n int) []chan poolJob {
	poolMu.Lock()
	defer poolMu.Unlock()
	for len(poolWorkers) < n {
		ch := make(chan poolJob, 4)
		poolWorkers = append(poolWorkers, ch)
		go workerLoop(ch)
	}
	return poolWorkers[:n]
}

func workerLoop(ch chan poolJob) {
	for j := range ch {
		j.work()
		wait := j.poll()
		// Poll for the next job for a while before blocking. The poll
		// (len of a buffered channel, the goroutine count, the clock) takes
		// no lock; every few microseconds Gosched lets goroutines queued on
		// this P run. A polling P never steals work queued on other Ps, so
		// stop as soon as new goroutines appear (the caller's own; the
		// parallel loops of nn run on this pool), leaving the P to them.
		spinning.Add(1)
		deadline := time.Now().Add(wait)
		base := runtime.NumGoroutine()
		for i := 1; ; i++ {
			if len(ch) > 0 {
				spinning.Add(-1)
				j := <-ch
				j.work()
				spinning.Add(1)
				deadline = time.Now().Add(j.poll())
				continue
			}
			if g := runtime.NumGoroutine(); g > base {
				break
			} else {
				base = g
			}
			if i%256 == 0 {
				if time.Now().After(deadline) {
					break
				}
				runtime.Gosched()
			}
		}
		spinning.Add(-1)
	}
}
