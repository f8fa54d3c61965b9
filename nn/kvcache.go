package nn

import "math"

// KVCache holds, for one sequence, the keys and values of every layer's
// self-attention (after QK-Norm and RoPE) for positions 0…Len()−1, and the
// scratch of Step, so that stepping one position at a time does not
// allocate. Capacity is fixed at creation. A cache belongs to one stack (or
// decoder) and must not be shared between goroutines.
type KVCache struct {
	cfg      StackConfig
	cross    bool
	capacity int
	n        int
	K, V     [][]float32 // per layer [capacity×A]
	rope     *RopeTable

	res, xn, q, k, v, o []float32 // [d] or [A]
	u, g                []float32 // [F]
	att                 []float32 // [max(capacity, Tm)]
	attH                []float32 // [H×capacity]: FrozenStack.Step's heads in parallel (made on first use)
	km, vm              []float32 // cross-attention keys/values of the memory [Tm×A]
}

func newCache(cfg StackConfig, cross bool, capacity int) *KVCache {
	if capacity <= 0 {
		lyPanicf("NewCache: capacity %d", capacity)
	}
	d, A, F := cfg.D, cfg.A, cfg.F
	c := &KVCache{cfg: cfg, cross: cross, capacity: capacity}
	for l := 0; l < cfg.Layers; l++ {
		c.K = append(c.K, make([]float32, capacity*A))
		c.V = append(c.V, make([]float32, capacity*A))
	}
	c.rope = NewRopeTable(cfg.Dh(), capacity, cfg.ropeBase())
	c.res, c.xn = make([]float32, d), make([]float32, d)
	c.q, c.k, c.v, c.o = make([]float32, A), make([]float32, A), make([]float32, A), make([]float32, A)
	c.u, c.g = make([]float32, F), make([]float32, F)
	c.att = make([]float32, capacity)
	return c
}

// NewCache returns an empty cache for up to capacity positions.
func (s *Stack) NewCache(capacity int) *KVCache { return newCache(s.Cfg, false, capacity) }

// NewCache returns an empty cache for up to capacity decoder positions.
func (dc *Decoder) NewCache(capacity int) *KVCache { return newCache(dc.Cfg, true, capacity) }

// Len returns the number of positions stored.
func (c *KVCache) Len() int { return c.n }

// Cap returns the capacity in positions.
func (c *KVCache) Cap() int { return c.capacity }

// Truncate drops the positions ≥ n, so the next Step is at position n.
// It panics unless 0 ≤ n ≤ Len().
func (c *KVCache) Truncate(n int) {
	if n < 0 || n > c.n {
		lyPanicf("KVCache.Truncate(%d) with %d positions", n, c.n)
	}
	c.n = n
}

// Clone returns an independent deep copy.
func (c *KVCache) Clone() *KVCache {
	d := newCache(c.cfg, c.cross, c.capacity)
	for l := range c.K {
		copy(d.K[l], c.K[l])
		copy(d.V[l], c.V[l])
	}
	d.n = c.n
	d.rope = c.rope.clone()
	return d
}

// Step appends one position (index Len()) with input vector x [d] (a token
// embedding or a fed-back latent) and writes h [d], the final-norm output
// there. It equals the last row of Forward over the whole sequence (up to
// float32 rounding). It panics if the cache is full.
func (s *Stack) Step(c *KVCache, x []float32, h []float32) {
	s.core.step(c, x, h, nil, 0)
}

// Prefill fills an empty cache with T positions at once: x [T×d] are the
// input vectors, h [d] receives the final-norm output at the last one, and
// a (from NewActs(1, ≥ T); reusable, overwritten) holds the pass's
// activations. It is one full-sequence Forward (matrix–matrix products on
// both cores) instead of T Steps, and agrees with them to float32 rounding
// (not bit for bit: the sums run in another order). Later Steps continue
// from position T. It panics unless the cache is empty and 1 ≤ T ≤ Cap().
func (s *Stack) Prefill(c *KVCache, a *StackActs, x []float32, T int, h []float32) {
	co := &s.core
	if c.cfg != co.cfg || c.cross != co.cross {
		lyPanicf("Prefill: cache was made for another stack")
	}
	if c.n != 0 || T < 1 || T > c.capacity {
		lyPanicf("Prefill: %d positions into a cache holding %d of %d", T, c.n, c.capacity)
	}
	d, A := co.cfg.D, co.cfg.A
	lyNeed("Prefill x", x, T*d)
	lyNeed("Prefill h", h, d)
	if a == nil || a.cfg != co.cfg || a.cross || a.maxT < T || a.infer {
		lyPanicf("Prefill: activations for another stack, forward-only, or for fewer than %d positions", T)
	}
	out := s.Forward(a, x[:T*d], 1, T)
	for l := range co.blocks {
		copy(c.K[l][:T*A], a.blocks[l].self.k[:T*A])
		copy(c.V[l][:T*A], a.blocks[l].self.v[:T*A])
	}
	copy(h[:d], out[(T-1)*d:T*d])
	c.n = T
}

// Step appends one decoder position with input x [d], cross-attending to
// mem [Tm×d] (the memory's keys and values are recomputed on each call),
// and writes h [d].
func (dc *Decoder) Step(c *KVCache, x []float32, mem []float32, Tm int, h []float32) {
	if Tm <= 0 {
		lyPanicf("Decoder.Step: memory length %d", Tm)
	}
	dc.core.step(c, x, h, mem, Tm)
}

// rmsRow is RMSNormForward for one row, without goroutines.
func rmsRow(y, x, g []float32) {
	d := len(x)
	ms := lyDot(x, x) / float32(d)
	r := float32(1 / math.Sqrt(float64(ms)+rmsEps))
	y = y[:d]
	g = g[:d]
	for j, v := range x {
		y[j] = v * r * g[j]
	}
}

func (co *stackCore) step(c *KVCache, x, h, mem []float32, Tm int) {
	cfg := co.cfg
	if c.cfg != cfg || c.cross != co.cross {
		lyPanicf("Step: cache was made for another stack")
	}
	if c.n >= c.capacity {
		lyPanicf("Step: cache full (%d positions)", c.capacity)
	}
	d, A, H, dh, F := cfg.D, cfg.A, cfg.Heads, cfg.Dh(), cfg.F
	lyNeed("Step x", x, d)
	lyNeed("Step h", h, d)
	pos := c.n
	res := c.res
	copy(res, x[:d])
	if co.cross {
		lyNeed("Decoder.Step mem", mem, Tm*d)
		if len(c.km) < Tm*A {
			c.km = make([]float32, Tm*A)
			c.vm = make([]float32, Tm*A)
		}
		if len(c.att) < Tm {
			c.att = make([]float32, Tm)
		}
		c.rope.Ensure(Tm)
	}
	for l := range co.blocks {
		bp := &co.blocks[l]
		// Self-attention over positions 0…pos.
		w := &bp.self
		rmsRow(c.xn, res, w.norm)
		lyVecMat(c.q, c.xn, w.wq, d, A, false)
		kr := c.K[l][pos*A : (pos+1)*A]
		vr := c.V[l][pos*A : (pos+1)*A]
		lyVecMat(kr, c.xn, w.wk, d, A, false)
		lyVecMat(vr, c.xn, w.wv, d, A, false)
		stepNormRope(c.q, c.rope, pos, H, dh, cfg.QKNorm)
		stepNormRope(kr, c.rope, pos, H, dh, cfg.QKNorm)
		stepAttend(c.o, c.att, c.q, c.K[l], c.V[l], pos+1, H, dh)
		lyVecMat(res, c.o, w.wo, A, d, true)
		if co.cross {
			w := &bp.cross
			rmsRow(c.xn, res, w.norm)
			lyVecMat(c.q, c.xn, w.wq, d, A, false)
			stepNormRope(c.q, c.rope, pos, H, dh, cfg.QKNorm)
			km, vm := c.km[:Tm*A], c.vm[:Tm*A]
			for j := 0; j < Tm; j++ {
				lyVecMat(km[j*A:(j+1)*A], mem[j*d:(j+1)*d], w.wk, d, A, false)
				lyVecMat(vm[j*A:(j+1)*A], mem[j*d:(j+1)*d], w.wv, d, A, false)
				stepNormRope(km[j*A:(j+1)*A], c.rope, j, H, dh, cfg.QKNorm)
			}
			stepAttend(c.o, c.att, c.q, km, vm, Tm, H, dh)
			lyVecMat(res, c.o, w.wo, A, d, true)
		}
		m := &bp.mlp
		rmsRow(c.xn, res, m.norm)
		lyVecMat(c.u, c.xn, m.w1, d, F, false)
		geluFused(c.g, nil, c.u)
		lyVecMat(res, c.g, m.w2, F, d, true)
	}
	rmsRow(h[:d], res, co.fnorm)
	c.n++
}

// stepNormRope applies QK-Norm (if on) and RoPE at pos to one row in place.
func stepNormRope(row []float32, rope *RopeTable, pos, H, dh int, qknorm bool) {
	if qknorm {
		for h := 0; h < H; h++ {
			seg := row[h*dh : (h+1)*dh]
			qkNormVec(seg, seg)
		}
	}
	rope.RotateRow(row, H, pos, false)
}

// stepAttend computes o [A] for one query q [A] over the first n rows of
// K, V [·×A], per head, with att [≥ n] as scratch.
func stepAttend(o, att, q, K, V []float32, n, H, dh int) {
	for h := 0; h < H; h++ {
		stepAttendHead(o, att, q, K, V, n, H, dh, h)
	}
}

// stepAttendHead is stepAttend for head h alone (it writes o's head-h
// segment and uses att [≥ n] as scratch).
func stepAttendHead(o, att, q, K, V []float32, n, H, dh, h int) {
	A := H * dh
	scale := float32(1 / math.Sqrt(float64(dh)))
	row := att[:n]
	attnScores(row, n, q[h*dh:], K[h*dh:], n, 1, dh, A, scale)
	mx := float32(math.Inf(-1))
	for _, s := range row {
		if s > mx {
			mx = s
		}
	}
	softmaxRow(row, mx)
	oh := o[h*dh : (h+1)*dh]
	clear(oh)
	attnValues(oh, row, n, V[h*dh:], n, 1, dh, A)
}

// lyVecMat computes y = x·W (acc false) or y += x·W (acc true) for one row
// x [in] and W [in×out], as a sum of scaled rows of W in row order (no
// goroutines, no allocation: Step's matrix-vector products). The SIMD paths
// keep y in registers across the rows (gemv); the result is the same, bit
// for bit, as adding the rows one Axpy at a time.
func lyVecMat(y, x, W []float32, in, out int, acc bool) {
	y = y[:out]
	if !acc {
		clear(y)
	}
	if g := active.Load().impl.gemv; g != nil {
		g(y, x[:in], W[:in*out], in, out)
		return
	}
	vecMatAxpy(y, x, W, in, out)
}

// vecMatAxpy is lyVecMat's accumulation as one Axpy per row of W.
func vecMatAxpy(y, x, W []float32, in, out int) {
	for p, v := range x[:in] {
		lyAxpy(v, W[p*out:(p+1)*out], y)
	}
}
