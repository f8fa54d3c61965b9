package nn

import "fmt"

// StackConfig describes a stack of pre-norm transformer blocks (MODEL.md).
// D is the model width, A the attention inner width (Heads × dh, dh even),
// F the feed-forward width. QKNorm switches the non-learnable QK-Norm on (the
// MODEL.md default). RopeBase 0 means 10000.
type StackConfig struct {
	D, A, Heads, F, Layers int
	QKNorm                 bool
	RopeBase               float64
}

// Dh returns the head width A/Heads.
func (c StackConfig) Dh() int { return c.A / c.Heads }

func (c StackConfig) check() {
	if c.D <= 0 || c.A <= 0 || c.Heads <= 0 || c.F <= 0 || c.Layers <= 0 {
		lyPanicf("StackConfig: non-positive size in %+v", c)
	}
	if c.A%c.Heads != 0 || (c.A/c.Heads)%2 != 0 {
		lyPanicf("StackConfig: A %d must be Heads %d × an even head width", c.A, c.Heads)
	}
}

func (c StackConfig) ropeBase() float64 {
	if c.RopeBase == 0 {
		return 10000
	}
	return c.RopeBase
}

// DeclareStack declares, for l < cfg.Layers, prefix+"blocks.{l}.norm1" (d),
// ".wq", ".wk", ".wv" (d×A), ".wo" (A×d), ".norm2" (d), ".w1" (d×F), ".w2"
// (F×d), then prefix+"final_norm" (d).
func DeclareStack(p *ParamSet, prefix string, cfg StackConfig) {
	declareBlocks(p, prefix, cfg, false, prefix+"final_norm")
}

func declareBlocks(p *ParamSet, prefix string, cfg StackConfig, cross bool, finalNorm string) {
	cfg.check()
	d, A, F := cfg.D, cfg.A, cfg.F
	for l := 0; l < cfg.Layers; l++ {
		b := fmt.Sprintf("%sblocks.%d.", prefix, l)
		p.Add(b+"norm1", d)
		p.Add(b+"wq", d, A)
		p.Add(b+"wk", d, A)
		p.Add(b+"wv", d, A)
		p.Add(b+"wo", A, d)
		if cross {
			p.Add(b+"norm3", d)
			p.Add(b+"cq", d, A)
			p.Add(b+"ck", d, A)
			p.Add(b+"cv", d, A)
			p.Add(b+"co", A, d)
		}
		p.Add(b+"norm2", d)
		p.Add(b+"w1", d, F)
		p.Add(b+"w2", F, d)
	}
	p.Add(finalNorm, d)
}

// attnParams are the views of one attention sub-layer (self: norm1, wq, wk,
// wv, wo; cross: norm3, cq, ck, cv, co) and of their gradients.
type attnParams struct {
	norm, wq, wk, wv, wo      []float32
	gnorm, gwq, gwk, gwv, gwo []float32
}

type mlpParams struct {
	norm, w1, w2    []float32
	gnorm, gw1, gw2 []float32
}

type blockParams struct {
	self  attnParams
	cross attnParams // decoder only
	mlp   mlpParams
}

// stackCore is shared by Stack and Decoder.
type stackCore struct {
	cfg    StackConfig
	p      *ParamSet
	blocks []blockParams
	fnorm  []float32
	gfnorm []float32
	cross  bool
}

func newCore(p *ParamSet, prefix string, cfg StackConfig, cross bool, finalNorm string) stackCore {
	cfg.check()
	c := stackCore{cfg: cfg, p: p, cross: cross}
	get := func(name string, shape ...int) ([]float32, []float32) {
		if !p.Has(name) {
			lyPanicf("stack: parameter %q not declared", name)
		}
		sh := p.Shape(name)
		if fmt.Sprint(sh) != fmt.Sprint(shape) {
			lyPanicf("stack: parameter %q has shape %v, want %v", name, sh, shape)
		}
		return p.W(name), p.G(name)
	}
	d, A, F := cfg.D, cfg.A, cfg.F
	for l := 0; l < cfg.Layers; l++ {
		b := fmt.Sprintf("%sblocks.%d.", prefix, l)
		var bp blockParams
		s := &bp.self
		s.norm, s.gnorm = get(b+"norm1", d)
		s.wq, s.gwq = get(b+"wq", d, A)
		s.wk, s.gwk = get(b+"wk", d, A)
		s.wv, s.gwv = get(b+"wv", d, A)
		s.wo, s.gwo = get(b+"wo", A, d)
		if cross {
			x := &bp.cross
			x.norm, x.gnorm = get(b+"norm3", d)
			x.wq, x.gwq = get(b+"cq", d, A)
			x.wk, x.gwk = get(b+"ck", d, A)
			x.wv, x.gwv = get(b+"cv", d, A)
			x.wo, x.gwo = get(b+"co", A, d)
		}
		m := &bp.mlp
		m.norm, m.gnorm = get(b+"norm2", d)
		m.w1, m.gw1 = get(b+"w1", d, F)
		m.w2, m.gw2 = get(b+"w2", F, d)
		c.blocks = append(c.blocks, bp)
	}
	c.fnorm, c.gfnorm = get(finalNorm, d)
	return c
}

// Stack is a causal stack of pre-norm blocks with a final RMSNorm:
// h = RMSNorm_gf(Block_L(…Block_1(x)…)). It holds views into P (taken at
// NewStack), so P.Data must not be replaced afterwards. A Stack is
// read-only during Forward/Backward/Step: several goroutines may use it
// with distinct StackActs / KVCache values (Backward writes P's gradients,
// so concurrent Backwards on one ParamSet race).
type Stack struct {
	Cfg    StackConfig
	P      *ParamSet
	Prefix string
	core   stackCore
}

// NewStack binds a stack declared with DeclareStack(p, prefix, cfg) after
// p.Alloc. It panics if a tensor is missing or misshapen.
func NewStack(p *ParamSet, prefix string, cfg StackConfig) *Stack {
	return &Stack{Cfg: cfg, P: p, Prefix: prefix, core: newCore(p, prefix, cfg, false, prefix+"final_norm")}
}

// attnActs caches one attention sub-layer's forward values.
type attnActs struct {
	xn, rstd   []float32 // RMSNorm output [Nq×d] and rstd [Nq]
	q, k, v    []float32 // [Nq×A], [Nk×A], [Nk×A]; q, k after QK-Norm and RoPE
	qhat, khat []float32 // QK-Norm outputs before RoPE (QKNorm only)
	qr, kr     []float32 // QK-Norm rstd [Nq×H], [Nk×H] (QKNorm only)
	P          []float32 // softmax [B·H·Tq·Tk]
	o          []float32 // heads concatenated [Nq×A]
}

type mlpActs struct {
	xn, rstd []float32 // [N×d], [N]
	gd, g    []float32 // GELU'(u) and GELU(u) of the pre-activation u [N×F], row stride ld
	ld       int       // ffnStride(F), also the backward du's stride
}

// ffnPad switches the padding of ffnStride (tests compare).
var ffnPad = true

// ffnStride is the row stride of the F-wide activations (GELU'(u), GELU(u)
// and the backward's du): F, or F+16 (one cache line more) when F is a
// multiple of 256. A product reading such a matrix in place walks down its
// rows, and rows 1 KB, 2 KB or 4 KB apart fall in 4, 2 or 1 of an L1's 64
// sets (8 ways): the 12 rows of an AVX-512 tile, or B's rows under a weight
// gradient's T kernel, then evict each other. Measured on a Zen 4, at
// F 1024: XᵀdU +33% (AVX2), G·W2 +18% (AVX-512); at F 512 XᵀdU +4–14%
// (AVX2). The padding is never read or written: a stride changes no bit.
func ffnStride(F int) int {
	if ffnPad && F%256 == 0 {
		return F + 16
	}
	return F
}

type blockActs struct {
	self  attnActs
	x1    []float32 // residual after self-attention [N×d]
	cross attnActs  // decoder only
	x2    []float32 // residual after cross-attention [N×d] (decoder only)
	mlp   mlpActs
}

// StackActs holds the activations of one Forward (and the scratch of its
// Backward) for up to maxB sequences of up to maxT positions (and, for a
// Decoder, memories of up to maxTm rows). Allocated once, reused every step.
type StackActs struct {
	maxB, maxT, maxTm int
	B, T, Tm          int
	cfg               StackConfig
	cross             bool
	rope              *RopeTable
	res               [][]float32 // res[l] = input of block l [N×d]; res[L] = input of final norm
	blocks            []blockActs
	h, hr             []float32 // final norm output [N×d], rstd [N]
	mem               []float32 // copy of the decoder memory [B·Tm×d]
	valid             bool
	// infer: made by NewInferActs: one set of block buffers shared by
	// every layer and two residual buffers used in turn, no backward
	// scratch. Forward gives the same bits; Backward and Prefill refuse it.
	infer bool

	dres, dxn      []float32 // [N×d]
	dq, dk, dv, do []float32 // [N×A] (dk, dv: [max(N, Nm)×A])
	du             []float32 // [N×F], row stride ffnStride(F)
	scratch        []float32 // attention backward [B·H·T·max(T, Tm)]
}

func newActs(cfg StackConfig, cross bool, maxB, maxT, maxTm int) *StackActs {
	return newActsMode(cfg, cross, maxB, maxT, maxTm, false)
}

// newActsMode allocates training activations (infer false) or the lean
// forward-only ones (infer true: see StackActs.infer).
func newActsMode(cfg StackConfig, cross bool, maxB, maxT, maxTm int, infer bool) *StackActs {
	if maxB <= 0 || maxT <= 0 || (cross && maxTm <= 0) {
		lyPanicf("NewActs: bad sizes maxB %d maxT %d maxTm %d", maxB, maxT, maxTm)
	}
	d, A, F, H := cfg.D, cfg.A, cfg.F, cfg.Heads
	ldF := ffnStride(F) // the F-wide buffers' row stride
	N := maxB * maxT
	Nm := maxB * maxTm
	f := func(n int) []float32 { return make([]float32, n) }
	a := &StackActs{maxB: maxB, maxT: maxT, maxTm: maxTm, cfg: cfg, cross: cross}
	a.rope = NewRopeTable(cfg.Dh(), max(maxT, maxTm), cfg.ropeBase())
	newAttn := func(Nq, Nk, Tq, Tk int) attnActs {
		at := attnActs{xn: f(Nq * d), rstd: f(Nq), q: f(Nq * A), k: f(Nk * A), v: f(Nk * A),
			P: f(maxB * H * Tq * Tk), o: f(Nq * A)}
		if cfg.QKNorm {
			at.qhat, at.khat = f(Nq*A), f(Nk*A)
			at.qr, at.kr = f(Nq*H), f(Nk*H)
		}
		return at
	}
	newBlock := func() blockActs {
		var b blockActs
		b.self = newAttn(N, N, maxT, maxT)
		b.x1 = f(N * d)
		if cross {
			b.cross = newAttn(N, Nm, maxT, maxTm)
			b.x2 = f(N * d)
		}
		b.mlp = mlpActs{xn: f(N * d), rstd: f(N), gd: f(N * ldF), g: f(N * ldF), ld: ldF}
		return b
	}
	if infer {
		// Block l reads res[l] and writes res[l+1]; nothing else outlives
		// the block, so two residual buffers and one block's buffers do.
		a.infer = true
		r0, r1 := f(N*d), f(N*d)
		b := newBlock()
		for l := 0; l <= cfg.Layers; l++ {
			a.res = append(a.res, [2][]float32{r0, r1}[l%2])
		}
		for l := 0; l < cfg.Layers; l++ {
			a.blocks = append(a.blocks, b)
		}
		a.h, a.hr = f(N*d), f(N)
		if cross {
			a.mem = f(Nm * d)
		}
		return a
	}
	for l := 0; l <= cfg.Layers; l++ {
		a.res = append(a.res, f(N*d))
	}
	for l := 0; l < cfg.Layers; l++ {
		a.blocks = append(a.blocks, newBlock())
	}
	a.h, a.hr = f(N*d), f(N)
	if cross {
		a.mem = f(Nm * d)
	}
	a.dres, a.dxn = f(N*d), f(N*d)
	a.dq, a.do = f(N*A), f(N*A)
	a.dk, a.dv = f(max(N, Nm)*A), f(max(N, Nm)*A)
	a.du = f(N * ldF) // mlpBackward reads it with the blocks' mlp.ld
	a.scratch = f(maxB * H * maxT * max(maxT, maxTm))
	return a
}

// NewActs allocates activations for batches of up to maxB sequences of up to
// maxT positions.
func (s *Stack) NewActs(maxB, maxT int) *StackActs {
	return newActs(s.Cfg, false, maxB, maxT, 0)
}

// NewInferActs allocates forward-only activations for batches of up to
// maxB sequences of up to maxT positions: Forward on them gives the same
// bits as on NewActs's, in about 1/Layers of the memory (one layer's
// buffers, reused by every layer, and no backward scratch); Backward and
// Prefill panic on them. Evaluations use them.
func (s *Stack) NewInferActs(maxB, maxT int) *StackActs {
	return newActsMode(s.Cfg, false, maxB, maxT, 0, true)
}

// Forward runs the stack on x [B·T×d] (B sequences of T input vectors:
// embeddings or fed-back latents; causal attention within each sequence)
// and returns h [B·T×d], the final-norm output: a view into a, valid until
// a's next Forward. x is copied and may be reused by the caller.
func (s *Stack) Forward(a *StackActs, x []float32, B, T int) []float32 {
	return s.core.forward(a, x, B, T, nil, 0)
}

// Out returns h [B·T×d] of a's last Forward (or PrefillBatch), a view valid
// until a's next Forward; nil before the first.
func (a *StackActs) Out() []float32 {
	if !a.valid {
		return nil
	}
	return a.h[:a.B*a.T*a.cfg.D]
}

// Backward takes dh [B·T×d], the loss gradient w.r.t. the h of a's last
// Forward, accumulates the gradients of this stack's parameters into P's
// Grad and, if dx != nil, accumulates the input gradient into dx [B·T×d].
// It does not modify the cached activations, so several Backwards after one
// Forward (one per loss) accumulate correctly. dx may alias dh.
func (s *Stack) Backward(a *StackActs, dh []float32, dx []float32) {
	s.core.backward(a, dh, dx, nil, true)
}

// BackwardInput is Backward without the parameters' gradients: it only
// accumulates the input gradient into dx [B·T×d] (about half the work: the
// weight-gradient products and the norms' gain sums are skipped). By
// linearity, Backward over the sum of several seeds gives the parameters
// what separate Backwards would; BackwardInput serves the seeds that must be
// known before that sum can be formed (COCONUT's thoughts).
func (s *Stack) BackwardInput(a *StackActs, dh []float32, dx []float32) {
	if dx == nil {
		lyPanicf("stack BackwardInput without dx")
	}
	s.core.backward(a, dh, dx, nil, false)
}

func (c *stackCore) checkActs(a *StackActs, B, T, Tm int) {
	if a.cross != c.cross || a.cfg != c.cfg {
		lyPanicf("stack: activations were made for another stack")
	}
	if B <= 0 || T <= 0 || B > a.maxB || T > a.maxT {
		lyPanicf("stack: batch %d×%d exceeds activations for %d×%d", B, T, a.maxB, a.maxT)
	}
	if c.cross && (Tm <= 0 || Tm > a.maxTm) {
		lyPanicf("decoder: memory length %d outside 1…%d", Tm, a.maxTm)
	}
}

func (c *stackCore) forward(a *StackActs, x []float32, B, T int, mem []float32, Tm int) []float32 {
	c.checkActs(a, B, T, Tm)
	d := c.cfg.D
	N := B * T
	lyNeed("stack Forward x", x, N*d)
	a.B, a.T, a.Tm = B, T, Tm
	copy(a.res[0][:N*d], x[:N*d])
	var src []float32
	if c.cross {
		lyNeed("decoder Forward mem", mem, B*Tm*d)
		src = a.mem[:B*Tm*d]
		copy(src, mem)
	}
	for l := range c.blocks {
		bp, ba := &c.blocks[l], &a.blocks[l]
		xin := a.res[l][:N*d]
		x1 := ba.x1[:N*d]
		c.attnForward(&bp.self, &ba.self, a.rope, xin, x1, nil, B, T, T)
		if c.cross {
			x2 := ba.x2[:N*d]
			c.attnForward(&bp.cross, &ba.cross, a.rope, x1, x2, src, B, T, Tm)
			x1 = x2
		}
		c.mlpForward(&bp.mlp, &ba.mlp, x1, a.res[l+1][:N*d], N)
	}
	RMSNormForward(a.h[:N*d], a.hr[:N], a.res[len(c.blocks)][:N*d], c.fnorm, N, d)
	a.valid = true
	return a.h[:N*d]
}

func (c *stackCore) backward(a *StackActs, dh, dx, dmem []float32, grads bool) {
	if !a.valid {
		lyPanicf("stack Backward without Forward")
	}
	if a.infer {
		lyPanicf("stack Backward on forward-only activations (NewInferActs)")
	}
	d := c.cfg.D
	B, T, Tm := a.B, a.T, a.Tm
	N := B * T
	lyNeed("stack Backward dh", dh, N*d)
	dres := a.dres[:N*d]
	lyClear(dres)
	L := len(c.blocks)
	RMSNormBackward(dres, gradOf(grads, c.gfnorm), dh, a.res[L][:N*d], a.hr[:N], c.fnorm, N, d)
	var src []float32
	if c.cross {
		src = a.mem[:B*Tm*d]
		if dmem != nil {
			lyNeed("decoder Backward dmem", dmem, B*Tm*d)
		}
	}
	for l := L - 1; l >= 0; l-- {
		bp, ba := &c.blocks[l], &a.blocks[l]
		x1 := ba.x1[:N*d]
		mlpIn := x1
		if c.cross {
			mlpIn = ba.x2[:N*d]
		}
		c.mlpBackward(a, &bp.mlp, &ba.mlp, mlpIn, dres, N, grads)
		if c.cross {
			c.attnBackward(a, &bp.cross, &ba.cross, x1, src, dmem, dres, B, T, Tm, grads)
		}
		c.attnBackward(a, &bp.self, &ba.self, a.res[l][:N*d], nil, nil, dres, B, T, T, grads)
	}
	if dx != nil {
		lyNeed("stack Backward dx", dx, N*d)
		lyAxpy(1, dres, dx[:N*d])
	}
}

// attnForward computes out = x + Attn(RMSNorm(x), src) for one attention
// sub-layer. src == nil means self-attention (causal, keys/values from the
// normalised x); otherwise cross-attention to src [B·Tk×d] without a mask.
func (c *stackCore) attnForward(w *attnParams, a *attnActs, rope *RopeTable, x, out, src []float32, B, Tq, Tk int) {
	cfg := c.cfg
	d, A, H, dh := cfg.D, cfg.A, cfg.Heads, cfg.Dh()
	Nq, Nk := B*Tq, B*Tk
	xn := a.xn[:Nq*d]
	RMSNormForward(xn, a.rstd[:Nq], x, w.norm, Nq, d)
	causal := src == nil
	if causal {
		src = xn
	}
	q, k, v := a.q[:Nq*A], a.k[:Nk*A], a.v[:Nk*A]
	if causal {
		// one input: the three projections as one product (xn read once)
		SgemmMulti(false, false, Nq, A, d, 1, xn, d, [][]float32{w.wq, w.wk, w.wv}, A, 0, [][]float32{q, k, v}, A)
	} else {
		Sgemm(false, false, Nq, A, d, 1, xn, d, w.wq, A, 0, q, A)
		SgemmMulti(false, false, Nk, A, d, 1, src, d, [][]float32{w.wk, w.wv}, A, 0, [][]float32{k, v}, A)
	}
	var qhat, khat, qr, kr []float32
	if cfg.QKNorm {
		qhat, khat, qr, kr = a.qhat[:Nq*A], a.khat[:Nk*A], a.qr[:Nq*H], a.kr[:Nk*H]
	}
	normRopeForward(q, qhat, qr, rope, Nq, Tq, H, dh)
	normRopeForward(k, khat, kr, rope, Nk, Tk, H, dh)
	dm := AttnDims{B: B, Tq: Tq, Tk: Tk, H: H, Dh: dh, Causal: causal}
	o := a.o[:Nq*A]
	AttentionForward(o, a.P, q, k, v, dm)
	lyCopy(out, x)
	Sgemm(false, false, Nq, d, A, 1, o, A, w.wo, d, 1, out, d)
}

// normRopeForward applies, in place on x [n×H·dh], QK-Norm (if hat != nil,
// keeping the normalised rows in hat and rstd in r) and then RoPE at
// positions i mod T.
func normRopeForward(x, hat, r []float32, rope *RopeTable, n, T, H, dh int) {
	A := H * dh
	lyParFor(n, 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := x[i*A : (i+1)*A]
			if hat != nil {
				hrow := hat[i*A : (i+1)*A]
				for h := 0; h < H; h++ {
					r[i*H+h] = qkNormVec(hrow[h*dh:(h+1)*dh], row[h*dh:(h+1)*dh])
				}
				copy(row, hrow)
			}
			rope.RotateRow(row, H, i%T, false)
		}
	})
}

// normRopeBackward maps, in place, gradients w.r.t. the rotated (and
// normalised) rows back to gradients w.r.t. the projections.
func normRopeBackward(dx, hat, r []float32, rope *RopeTable, n, T, H, dh int) {
	A := H * dh
	lyParFor(n, 32, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := dx[i*A : (i+1)*A]
			rope.RotateRow(row, H, i%T, true)
			if hat != nil {
				for h := 0; h < H; h++ {
					seg := row[h*dh : (h+1)*dh]
					qkNormVecBackward(seg, seg, hat[i*A+h*dh:i*A+(h+1)*dh], r[i*H+h], false)
				}
			}
		}
	})
}

// attnBackward: dres holds ∂L/∂out on entry and ∂L/∂x (accumulated) on
// exit. For cross-attention (src != nil) the gradient w.r.t. src is
// accumulated into dsrc when non-nil.
func (c *stackCore) attnBackward(sa *StackActs, w *attnParams, a *attnActs, x, src, dsrc, dres []float32, B, Tq, Tk int, grads bool) {
	cfg := c.cfg
	d, A, H, dh := cfg.D, cfg.A, cfg.Heads, cfg.Dh()
	Nq, Nk := B*Tq, B*Tk
	xn := a.xn[:Nq*d]
	causal := src == nil
	if causal {
		src = xn
	}
	o := a.o[:Nq*A]
	do := sa.do[:Nq*A]
	Sgemm(false, true, Nq, A, d, 1, dres, d, w.wo, d, 0, do, A)
	if grads {
		Sgemm(true, false, A, d, Nq, 1, o, A, dres, d, 1, w.gwo, d)
	}
	dq, dk, dv := sa.dq[:Nq*A], sa.dk[:Nk*A], sa.dv[:Nk*A]
	lyClear(dq, dk, dv)
	dm := AttnDims{B: B, Tq: Tq, Tk: Tk, H: H, Dh: dh, Causal: causal}
	AttentionBackward(dq, dk, dv, sa.scratch, do, a.P, a.q[:Nq*A], a.k[:Nk*A], a.v[:Nk*A], dm)
	var qhat, khat, qr, kr []float32
	if cfg.QKNorm {
		qhat, khat, qr, kr = a.qhat[:Nq*A], a.khat[:Nk*A], a.qr[:Nq*H], a.kr[:Nk*H]
	}
	normRopeBackward(dq, qhat, qr, sa.rope, Nq, Tq, H, dh)
	normRopeBackward(dk, khat, kr, sa.rope, Nk, Tk, H, dh)
	if grads {
		if causal {
			// self-attention: one input, its three weight gradients as one
			// product (the input's slabs packed once)
			SgemmMulti(true, false, d, A, Nq, 1, xn, d, [][]float32{dq, dk, dv}, A, 1, [][]float32{w.gwq, w.gwk, w.gwv}, A)
		} else {
			Sgemm(true, false, d, A, Nq, 1, xn, d, dq, A, 1, w.gwq, A)
			SgemmMulti(true, false, d, A, Nk, 1, src, d, [][]float32{dk, dv}, A, 1, [][]float32{w.gwk, w.gwv}, A)
		}
	}
	dxn := sa.dxn[:Nq*d]
	Sgemm(false, true, Nq, d, A, 1, dq, A, w.wq, A, 0, dxn, d)
	if causal {
		Sgemm(false, true, Nq, d, A, 1, dk, A, w.wk, A, 1, dxn, d)
		Sgemm(false, true, Nq, d, A, 1, dv, A, w.wv, A, 1, dxn, d)
	} else if dsrc != nil {
		Sgemm(false, true, Nk, d, A, 1, dk, A, w.wk, A, 1, dsrc, d)
		Sgemm(false, true, Nk, d, A, 1, dv, A, w.wv, A, 1, dsrc, d)
	}
	RMSNormBackward(dres, gradOf(grads, w.gnorm), dxn, x, a.rstd[:Nq], w.norm, Nq, d)
}

// gradOf is g when gradients are wanted, else nil (RMSNormBackward then
// skips the gain's sum).
func gradOf(grads bool, g []float32) []float32 {
	if grads {
		return g
	}
	return nil
}

// mlpForward computes out = x + GELU(RMSNorm(x)·W1)·W2.
func (c *stackCore) mlpForward(w *mlpParams, a *mlpActs, x, out []float32, N int) {
	d, F := c.cfg.D, c.cfg.F
	ld := a.ld
	xn, gd, g := a.xn[:N*d], a.gd[:N*ld], a.g[:N*ld]
	RMSNormForward(xn, a.rstd[:N], x, w.norm, N, d)
	Sgemm(false, false, N, F, d, 1, xn, d, w.w1, F, 0, gd, ld) // u, replaced by GELU'(u)
	ffnRows(N, F, ld, func(lo, hi int) {
		geluFused(g[lo:hi], gd[lo:hi], gd[lo:hi])
	})
	lyCopy(out, x)
	Sgemm(false, false, N, d, F, 1, g, ld, w.w2, d, 1, out, d)
}

// mlpBackward: dres holds ∂L/∂out on entry and ∂L/∂x (accumulated) on exit.
func (c *stackCore) mlpBackward(sa *StackActs, w *mlpParams, a *mlpActs, x, dres []float32, N int, grads bool) {
	d, F := c.cfg.D, c.cfg.F
	ld := a.ld // du's too
	xn, gd, g := a.xn[:N*d], a.gd[:N*ld], a.g[:N*ld]
	du := sa.du[:N*ld]
	Sgemm(false, true, N, F, d, 1, dres, d, w.w2, d, 0, du, ld)
	if grads {
		Sgemm(true, false, F, d, N, 1, g, ld, dres, d, 1, w.gw2, d)
	}
	ffnRows(N, F, ld, func(lo, hi int) {
		dus, gds := du[lo:hi], gd[lo:hi]
		for i := mulArch(dus, gds); i < len(dus); i++ {
			dus[i] *= gds[i]
		}
	})
	if grads {
		Sgemm(true, false, d, F, N, 1, xn, d, du, ld, 1, w.gw1, F)
	}
	dxn := sa.dxn[:N*d]
	Sgemm(false, true, N, d, F, 1, du, ld, w.w1, F, 0, dxn, d)
	RMSNormBackward(dres, gradOf(grads, w.gnorm), dxn, x, a.rstd[:N], w.norm, N, d)
}

// ffnRows runs fn over the elements of N rows of F columns, row stride ld,
// in parallel: fn(lo, hi) gets a range of one row (or, when ld == F, of
// consecutive rows) and never a padding element.
func ffnRows(N, F, ld int, fn func(lo, hi int)) {
	if ld == F {
		lyParFor(N*F, 16384, fn)
		return
	}
	lyParFor(N, max(1, 16384/F), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			fn(r*ld, r*ld+F)
		}
	})
}
