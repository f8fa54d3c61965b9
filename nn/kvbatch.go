package nn

import "math"

// BatchKVCache is KVCache for B sequences that advance in lockstep (all at
// the same length): the keys and values of every layer's self-attention
// (after QK-Norm and RoPE) for positions 0…Len()−1 of each sequence, and
// the scratch of StepBatch. PrefillBatch fills it from one batched Forward;
// each StepBatch then appends one position to every sequence with
// matrix–matrix products over the B rows (the batched free run of the
// Talker stages: one position per latent step instead of the whole
// sequence again).
//
// StepBatch computes each row with the same kernels, in the same order, as
// Forward computes the last row of the whole sequence (the projections,
// norms and GELU row by row; the attention row with the same Sgemm calls
// over the cached keys and values, softmax over the same scores), so on a
// path whose Sgemm gives each element the same bits wherever it sits in C
// (the pure-Go paths: TestSgemmDeterminism) it agrees with Forward bit for
// bit; on OpenBLAS, to float32 rounding.
type BatchKVCache struct {
	cfg            StackConfig
	maxB, capacity int
	b, n           int
	K, V           [][]float32 // per layer [maxB×capacity×A]: sequence b's position t is row b·capacity+t
	rope           *RopeTable

	res, xn, h  []float32 // [maxB×d]
	rstd        []float32 // [maxB]
	q, k, v, o  []float32 // [maxB×A]
	u, g        []float32 // [maxB×F]: GELU'(u) (as Forward keeps it) and GELU(u)
	att         []float32 // [maxB×H×capacity]
	qr, kr, hat []float32 // QK-Norm scratch [maxB×H], [maxB×H], [maxB×A]
}

// NewBatchCache returns an empty cache for up to maxB sequences of up to
// capacity positions.
func (s *Stack) NewBatchCache(maxB, capacity int) *BatchKVCache {
	if maxB <= 0 || capacity <= 0 {
		lyPanicf("NewBatchCache: maxB %d capacity %d", maxB, capacity)
	}
	cfg := s.Cfg
	d, A, F, H := cfg.D, cfg.A, cfg.F, cfg.Heads
	f := func(n int) []float32 { return make([]float32, n) }
	c := &BatchKVCache{cfg: cfg, maxB: maxB, capacity: capacity}
	for l := 0; l < cfg.Layers; l++ {
		c.K = append(c.K, f(maxB*capacity*A))
		c.V = append(c.V, f(maxB*capacity*A))
	}
	c.rope = NewRopeTable(cfg.Dh(), capacity, cfg.ropeBase())
	c.res, c.xn, c.h, c.rstd = f(maxB*d), f(maxB*d), f(maxB*d), f(maxB)
	c.q, c.k, c.v, c.o = f(maxB*A), f(maxB*A), f(maxB*A), f(maxB*A)
	c.u, c.g = f(maxB*F), f(maxB*F)
	c.att = f(maxB * H * capacity)
	if cfg.QKNorm {
		c.qr, c.kr, c.hat = f(maxB*H), f(maxB*H), f(maxB*A)
	}
	return c
}

// Len returns the number of positions stored per sequence.
func (c *BatchKVCache) Len() int { return c.n }

// Batch returns the number of sequences of the last PrefillBatch.
func (c *BatchKVCache) Batch() int { return c.b }

// Cap returns the capacity in positions.
func (c *BatchKVCache) Cap() int { return c.capacity }

// Reset empties the cache (the next call must be PrefillBatch).
func (c *BatchKVCache) Reset() { c.b, c.n = 0, 0 }

// PrefillBatch runs Forward over B sequences of T input vectors x [B·T×d]
// on a (training activations from NewActs(≥ B, ≥ T); reusable, overwritten),
// stores every position's keys and values in the emptied cache and returns
// the final-norm output at each sequence's last position [B×d] (a view into
// c, valid until its next call). It panics unless 1 ≤ B ≤ maxB and
// 1 ≤ T ≤ Cap().
func (s *Stack) PrefillBatch(c *BatchKVCache, a *StackActs, x []float32, B, T int) []float32 {
	co := &s.core
	if c.cfg != co.cfg {
		lyPanicf("PrefillBatch: cache was made for another stack")
	}
	if B < 1 || B > c.maxB || T < 1 || T > c.capacity {
		lyPanicf("PrefillBatch: %d×%d positions into a cache for %d×%d", B, T, c.maxB, c.capacity)
	}
	if a == nil || a.cfg != co.cfg || a.cross || a.infer || a.maxB < B || a.maxT < T {
		lyPanicf("PrefillBatch: activations for another stack, forward-only, or for fewer than %d×%d positions", B, T)
	}
	d, A := co.cfg.D, co.cfg.A
	lyNeed("PrefillBatch x", x, B*T*d)
	out := s.Forward(a, x[:B*T*d], B, T)
	for l := range co.blocks {
		k, v := a.blocks[l].self.k, a.blocks[l].self.v
		for b := 0; b < B; b++ {
			copy(c.K[l][b*c.capacity*A:b*c.capacity*A+T*A], k[b*T*A:(b+1)*T*A])
			copy(c.V[l][b*c.capacity*A:b*c.capacity*A+T*A], v[b*T*A:(b+1)*T*A])
		}
	}
	for b := 0; b < B; b++ {
		copy(c.h[b*d:(b+1)*d], out[(b*T+T-1)*d:(b*T+T)*d])
	}
	c.b, c.n = B, T
	return c.h[:B*d]
}

// StepBatch appends one position to each of the cache's B sequences, with
// input x [B×d] (row b for sequence b), and returns the final-norm output
// there [B×d] (a view into c, valid until its next call). It equals the
// last rows of Forward over the whole sequences (see BatchKVCache). It
// panics if the cache is empty or full.
func (s *Stack) StepBatch(c *BatchKVCache, x []float32) []float32 {
	if c.n == 0 || c.n >= c.capacity {
		lyPanicf("StepBatch: cache holds %d of %d positions (Prefill first; not full)", c.n, c.capacity)
	}
	out := s.stepBatch(c, x, nil)
	c.n++
	return out
}

// StepBatchAt computes one position of each of the cache's B sequences at
// its own position pos[b] (0 < pos[b] < Cap()), attending to that
// sequence's cached positions 0…pos[b]−1 and storing its keys and values at
// pos[b], and returns the final-norm output there [B×d] (a view into c,
// valid until its next call). Sequences of a right-padded batch of unequal
// lengths advance this way after one PrefillBatch over the longest: what
// the prefill stored beyond a sequence's length is never attended and is
// overwritten as it advances. Row b equals Forward's row pos[b] over that
// sequence (bit for bit on the pure-Go paths, as StepBatch). Len() is not
// changed. It panics if the cache is empty or a position is out of range.
func (s *Stack) StepBatchAt(c *BatchKVCache, x []float32, pos []int) []float32 {
	if c.n == 0 || len(pos) != c.b {
		lyPanicf("StepBatchAt: %d positions for a cache of %d sequences holding %d (Prefill first)", len(pos), c.b, c.n)
	}
	for _, p := range pos {
		if p <= 0 || p >= c.capacity {
			lyPanicf("StepBatchAt: position %d outside 1…%d", p, c.capacity-1)
		}
	}
	return s.stepBatch(c, x, pos)
}

// stepBatch computes one position of every sequence: at c.n for all when
// pos is nil, else at pos[b] for sequence b.
func (s *Stack) stepBatch(c *BatchKVCache, x []float32, pos []int) []float32 {
	co := &s.core
	cfg := co.cfg
	if c.cfg != cfg {
		lyPanicf("StepBatch: cache was made for another stack")
	}
	B, capy := c.b, c.capacity
	at := func(b int) int {
		if pos == nil {
			return c.n
		}
		return pos[b]
	}
	d, A, H, dh, F := cfg.D, cfg.A, cfg.Heads, cfg.Dh(), cfg.F
	lyNeed("StepBatch x", x, B*d)
	res, xn, rstd := c.res[:B*d], c.xn[:B*d], c.rstd[:B]
	q, k, v, o := c.q[:B*A], c.k[:B*A], c.v[:B*A], c.o[:B*A]
	copy(res, x[:B*d])
	scale := float32(1 / math.Sqrt(float64(dh)))
	for l := range co.blocks {
		bp := &co.blocks[l]
		w := &bp.self
		// Self-attention: the projections of Forward's attnForward, for B
		// rows, each at its position.
		RMSNormForward(xn, rstd, res, w.norm, B, d)
		Sgemm(false, false, B, A, d, 1, xn, d, w.wq, A, 0, q, A)
		Sgemm(false, false, B, A, d, 1, xn, d, w.wk, A, 0, k, A)
		Sgemm(false, false, B, A, d, 1, xn, d, w.wv, A, 0, v, A)
		K, V := c.K[l], c.V[l]
		for b := 0; b < B; b++ {
			p := at(b)
			c.normRope(q[b*A:(b+1)*A], b, p)
			c.normRope(k[b*A:(b+1)*A], b, p)
			copy(K[(b*capy+p)*A:(b*capy+p+1)*A], k[b*A:(b+1)*A])
			copy(V[(b*capy+p)*A:(b*capy+p+1)*A], v[b*A:(b+1)*A])
		}
		// The attention row of attnForwardTask for query p: scores by
		// Sgemm, softmax over positions 0…p, then P·V by Sgemm.
		lyParFor(B*H, 1, func(lo, hi int) {
			for task := lo; task < hi; task++ {
				b, h := task/H, task%H
				n := at(b) + 1 // keys of this sequence, this position's included
				row := c.att[task*capy : task*capy+n]
				ko := b*capy*A + h*dh
				Sgemm(false, true, 1, n, dh, scale, q[b*A+h*dh:], A, K[ko:], A, 0, row, n)
				mx := row[0]
				for _, s := range row[1:] {
					if s > mx {
						mx = s
					}
				}
				softmaxRow(row, mx)
				Sgemm(false, false, 1, dh, n, 1, row, n, V[ko:], A, 0, o[b*A+h*dh:], A)
			}
		})
		Sgemm(false, false, B, d, A, 1, o, A, w.wo, d, 1, res, d)
		// The MLP, as mlpForward.
		m := &bp.mlp
		u, g := c.u[:B*F], c.g[:B*F]
		RMSNormForward(xn, rstd, res, m.norm, B, d)
		Sgemm(false, false, B, F, d, 1, xn, d, m.w1, F, 0, u, F)
		lyParFor(B*F, 16384, func(lo, hi int) {
			geluFused(g[lo:hi], u[lo:hi], u[lo:hi])
		})
		Sgemm(false, false, B, d, F, 1, g, F, m.w2, d, 1, res, d)
	}
	RMSNormForward(c.h[:B*d], rstd, res, co.fnorm, B, d)
	return c.h[:B*d]
}

// normRope applies QK-Norm (if on) and RoPE at pos to row b's x [A] in
// place, as normRopeForward does for a row at position pos.
func (c *BatchKVCache) normRope(x []float32, b, pos int) {
	H, A := c.cfg.Heads, c.cfg.A
	dh := A / H
	if c.cfg.QKNorm {
		hrow := c.hat[b*A : (b+1)*A]
		for h := 0; h < H; h++ {
			c.qr[b*H+h] = qkNormVec(hrow[h*dh:(h+1)*dh], x[h*dh:(h+1)*dh])
		}
		copy(x, hrow)
	}
	c.rope.RotateRow(x, H, pos, false)
}
