package nn

import (
	"fmt"
	"math"
	"runtime"
)

// FrozenStack is an inference-only Stack (same math, same tensor names)
// whose weights are Mats of any dtype, typically views of a memory-mapped
// checkpoint: nothing is copied or widened ahead of time, there are no
// gradient buffers, and a step reads each weight once through MatVecPar.
// With F32 weights, Step and Prefill give the same bits as Stack's.
//
// Step's cost is the weights' bytes streamed from memory (WeightBytes);
// Prefill widens one matrix at a time into a scratch buffer and runs the
// batched products, so a prompt costs one pass over the weights plus
// compute. Its work buffers are about 4·(H·T² + 2·T·F + 8·T·max(d, A))
// bytes for a T-token prompt, freed after the call.
type FrozenStack struct {
	Cfg    StackConfig
	blocks []frozenBlock
	fnorm  []float32
}

type frozenBlock struct {
	norm1, norm2   []float32
	wq, wk, wv, wo Mat
	w1, w2         Mat
}

// NewFrozenStack binds the tensors prefix+"blocks.{l}.*" and
// prefix+"final_norm" (DeclareStack's names) that get returns, checking
// each one's element count. Norm gains are small and widened to float32
// here; the matrices stay as get returns them.
func NewFrozenStack(get func(name string) (Mat, error), prefix string, cfg StackConfig) (*FrozenStack, error) {
	cfg.check()
	d, A, F := cfg.D, cfg.A, cfg.F
	var err error
	mat := func(name string, n int) Mat {
		if err != nil {
			return Mat{}
		}
		var m Mat
		if m, err = get(name); err == nil && m.Len() != n {
			err = fmt.Errorf("frozen stack: tensor %q has %d values, want %d", name, m.Len(), n)
		}
		return m
	}
	vec := func(name string, n int) []float32 {
		m := mat(name, n)
		if err != nil {
			return nil
		}
		v := make([]float32, n)
		m.Widen(v)
		return v
	}
	s := &FrozenStack{Cfg: cfg}
	for l := 0; l < cfg.Layers; l++ {
		b := fmt.Sprintf("%sblocks.%d.", prefix, l)
		s.blocks = append(s.blocks, frozenBlock{
			norm1: vec(b+"norm1", d), wq: mat(b+"wq", d*A), wk: mat(b+"wk", d*A), wv: mat(b+"wv", d*A), wo: mat(b+"wo", A*d),
			norm2: vec(b+"norm2", d), w1: mat(b+"w1", d*F), w2: mat(b+"w2", F*d),
		})
	}
	s.fnorm = vec(prefix+"final_norm", d)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// WeightBytes is the number of weight bytes one Step reads (every matrix
// and gain of every block, and the final gain).
func (s *FrozenStack) WeightBytes() int64 {
	var n int64
	for _, b := range s.blocks {
		n += b.wq.Bytes() + b.wk.Bytes() + b.wv.Bytes() + b.wo.Bytes() + b.w1.Bytes() + b.w2.Bytes()
		n += 4 * int64(len(b.norm1)+len(b.norm2))
	}
	return n + 4*int64(len(s.fnorm))
}

// NewCache returns an empty cache for up to capacity positions.
func (s *FrozenStack) NewCache(capacity int) *KVCache { return newCache(s.Cfg, false, capacity) }

// Step appends one position with input x [d] and writes h [d], as
// Stack.Step does (bit for bit with F32 weights).
func (s *FrozenStack) Step(c *KVCache, x, h []float32) {
	cfg := s.Cfg
	if c.cfg != cfg || c.cross {
		lyPanicf("FrozenStack.Step: cache was made for another stack")
	}
	if c.n >= c.capacity {
		lyPanicf("FrozenStack.Step: cache full (%d positions)", c.capacity)
	}
	d, A, H, dh, F := cfg.D, cfg.A, cfg.Heads, cfg.Dh(), cfg.F
	lyNeed("Step x", x, d)
	lyNeed("Step h", h, d)
	pos := c.n
	res := c.res
	copy(res, x[:d])
	if len(c.attH) < H*c.capacity {
		c.attH = make([]float32, H*c.capacity)
	}
	for l := range s.blocks {
		b := &s.blocks[l]
		rmsRow(c.xn, res, b.norm1)
		kr := c.K[l][pos*A : (pos+1)*A]
		vr := c.V[l][pos*A : (pos+1)*A]
		matVecsPar([]matVecTask{
			{y: c.q, x: c.xn, W: b.wq, in: d, out: A},
			{y: kr, x: c.xn, W: b.wk, in: d, out: A},
			{y: vr, x: c.xn, W: b.wv, in: d, out: A},
		})
		stepNormRope(c.q, c.rope, pos, H, dh, cfg.QKNorm)
		stepNormRope(kr, c.rope, pos, H, dh, cfg.QKNorm)
		s.attend(c, l, pos+1)
		MatVecPar(res, c.o, b.wo, A, d, true)
		rmsRow(c.xn, res, b.norm2)
		MatVecPar(c.u, c.xn, b.w1, d, F, false)
		geluFused(c.g, nil, c.u)
		MatVecPar(res, c.g, b.w2, F, d, true)
	}
	rmsRow(h[:d], res, s.fnorm)
	c.n++
}

// attend is stepAttend over the first n positions of layer l's cache,
// with the loops turned so that the cache is read front to back: phase 1
// scores every head of a chunk of positions (a key row is one contiguous
// A-float read), phase 2 takes a group of heads through the softmax and
// the value rows in position order. Each head's scores, softmax and
// weighted sum are the operations of stepAttendHead in the same order
// (the same bits); the pool's workers share the units when the cache is
// long enough to be worth it.
func (s *FrozenStack) attend(c *KVCache, l, n int) {
	H, dh, A := s.Cfg.Heads, s.Cfg.Dh(), s.Cfg.A
	scale := float32(1 / math.Sqrt(float64(dh)))
	K, V, q, o, att, cp := c.K[l], c.V[l], c.q, c.o, c.attH, c.capacity
	const posChunk = 32
	scores := func(u int) {
		j0, j1 := u*posChunk, min((u+1)*posChunk, n)
		attnScores(att[j0:], cp, q, K[j0*A:], j1-j0, H, dh, A, scale)
	}
	nth := runtime.GOMAXPROCS(0)
	if n*A < parMinWork/4 {
		nth = 1
	}
	group := (H + 2*nth - 1) / (2 * nth)
	values := func(u int) {
		h0, h1 := u*group, min((u+1)*group, H)
		for h := h0; h < h1; h++ {
			row := att[h*cp : h*cp+n]
			mx := float32(math.Inf(-1))
			for _, v := range row {
				if v > mx {
					mx = v
				}
			}
			softmaxRow(row, mx)
			clear(o[h*dh : (h+1)*dh])
		}
		attnValues(o[h0*dh:], att[h0*cp:], cp, V[h0*dh:], n, h1-h0, dh, A)
	}
	n1, n2 := (n+posChunk-1)/posChunk, (H+group-1)/group
	if nth == 1 {
		for u := range n1 {
			scores(u)
		}
		for u := range n2 {
			values(u)
		}
		return
	}
	runPar(n1, scores, n2, values)
}

// Prefill fills an empty cache with T positions x [T×d] at once and writes
// the final-norm output at the last one into h [d], as Stack.Prefill does
// (bit for bit with F32 weights).
func (s *FrozenStack) Prefill(c *KVCache, x []float32, T int, h []float32) {
	cfg := s.Cfg
	if c.cfg != cfg || c.cross {
		lyPanicf("FrozenStack.Prefill: cache was made for another stack")
	}
	if c.n != 0 || T < 1 || T > c.capacity {
		lyPanicf("FrozenStack.Prefill: %d positions into a cache holding %d of %d", T, c.n, c.capacity)
	}
	d, A, H, dh, F := cfg.D, cfg.A, cfg.Heads, cfg.Dh(), cfg.F
	lyNeed("Prefill x", x, T*d)
	lyNeed("Prefill h", h, d)
	f := func(n int) []float32 { return make([]float32, n) }
	res, x1, xn, rstd := f(T*d), f(T*d), f(T*d), f(T)
	q, k, v, o := f(T*A), f(T*A), f(T*A), f(T*A)
	var qhat, khat, qr, kr []float32
	if cfg.QKNorm {
		qhat, khat, qr, kr = f(T*A), f(T*A), f(T*H), f(T*H)
	}
	P := f(H * T * T)
	gd, g := f(T*F), f(T*F)
	var scratch []float32
	w32 := func(m Mat) []float32 {
		if m.DType == F32 {
			return m.F32
		}
		if len(scratch) < m.Len() {
			scratch = make([]float32, max(d*A, A*d, d*F))
		}
		sc := scratch[:m.Len()]
		lyParFor(m.Len(), 1<<16, func(lo, hi int) { m.Slice(lo, hi).Widen(sc[lo:hi]) })
		return sc
	}
	copy(res, x[:T*d])
	for l := range s.blocks {
		b := &s.blocks[l]
		RMSNormForward(xn, rstd, res, b.norm1, T, d)
		Sgemm(false, false, T, A, d, 1, xn, d, w32(b.wq), A, 0, q, A)
		Sgemm(false, false, T, A, d, 1, xn, d, w32(b.wk), A, 0, k, A)
		Sgemm(false, false, T, A, d, 1, xn, d, w32(b.wv), A, 0, v, A)
		normRopeForward(q, qhat, qr, c.rope, T, T, H, dh)
		normRopeForward(k, khat, kr, c.rope, T, T, H, dh)
		AttentionForward(o, P, q, k, v, AttnDims{B: 1, Tq: T, Tk: T, H: H, Dh: dh, Causal: true})
		copy(c.K[l][:T*A], k)
		copy(c.V[l][:T*A], v)
		copy(x1, res)
		Sgemm(false, false, T, d, A, 1, o, A, w32(b.wo), d, 1, x1, d)
		RMSNormForward(xn, rstd, x1, b.norm2, T, d)
		Sgemm(false, false, T, F, d, 1, xn, d, w32(b.w1), F, 0, gd, F)
		lyParFor(T*F, 16384, func(lo, hi int) { geluFused(g[lo:hi], gd[lo:hi], gd[lo:hi]) })
		copy(res, x1)
		Sgemm(false, false, T, d, F, 1, g, F, w32(b.w2), d, 1, res, d)
	}
	RMSNormForward(xn, rstd, res, s.fnorm, T, d)
	copy(h[:d], xn[(T-1)*d:T*d])
	c.n = T
}
