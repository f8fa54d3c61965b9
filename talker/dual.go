package talker

import (
	"fmt"

	"jrx/nn"
)

// Tensor names of the Dual-Talker outside its stacks.
const (
	prefixEnc    = "enc."
	prefixDec    = "dec."
	NameDecEmbed = "dec.embed"
	// nameFinalNorm is the decoder's final norm: MODEL.md names it
	// "final_norm", without the "dec." prefix.
	nameFinalNorm = "final_norm"
)

// Dual is the Dual-Talker: an encoder (causal blocks + its own final norm)
// over the latent trajectory gives the memory M; an autoregressive decoder
// with its own embedding, causal self-attention and cross-attention to M
// emits the tokens. Its own previous tokens are an input, so a token error
// injected there tests continuous guidance.
type Dual struct {
	Cfg Config
	P   *nn.ParamSet
	Enc *nn.Stack
	Dec *nn.Decoder
}

// NewDual allocates a Dual-Talker with zero weights.
func NewDual(cfg Config) (*Dual, error) {
	cfg.Format = FormatDual
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := cfg.declare()
	p.Alloc()
	return &Dual{Cfg: cfg, P: p,
		Enc: nn.NewStack(p, prefixEnc, cfg.stack(cfg.EncLayers)),
		Dec: nn.NewDecoderNamed(p, prefixDec, nameFinalNorm, cfg.stack(cfg.DecLayers))}, nil
}

// Init draws the weights from seed.
func (m *Dual) Init(seed uint64) {
	rng := newRNG(seed)
	nn.InitStack(m.P, prefixEnc, m.Cfg.stack(m.Cfg.EncLayers), rng)
	nn.InitNormal(m.P.W(NameDecEmbed), 0.02, rng)
	nn.InitDecoderNamed(m.P, prefixDec, nameFinalNorm, m.Cfg.stack(m.Cfg.DecLayers), rng)
	nn.InitNormal(m.P.W(NameHead), 0.02, rng)
	m.Cfg.Seed = seed
}

// DualWork holds reusable training buffers.
type DualWork struct {
	B, T                int
	enc, dec            *nn.StackActs
	x, dx, dh, dmem     []float32
	logits, probs, dlog []float32
	h                   []float32
}

// NewWork allocates buffers for batches of up to maxB trajectories of maxT.
func (m *Dual) NewWork(maxB, maxT int) *DualWork {
	n, d, v := maxB*maxT, m.Cfg.D, m.Cfg.Vocab
	return &DualWork{B: maxB, T: maxT, enc: m.Enc.NewActs(maxB, maxT), dec: m.Dec.NewActs(maxB, maxT),
		x: make([]float32, n*d), dx: make([]float32, n*d), dh: make([]float32, n*d), dmem: make([]float32, n*d),
		logits: make([]float32, n*v), probs: make([]float32, n*v), dlog: make([]float32, n*v)}
}

// Logits runs the teacher-forced forward pass: lat [B·T×d], decoder input
// tokens dec [B·T] (BOS then the previous targets); logits [B·T×V].
func (m *Dual) Logits(w *DualWork, lat []float32, dec []int, B, T int) []float32 {
	if B > w.B || T > w.T {
		panic("talker: batch larger than the Work buffers")
	}
	n, d, v := B*T, m.Cfg.D, m.Cfg.Vocab
	mem := m.Enc.Forward(w.enc, lat[:n*d], B, T)
	E := m.P.W(NameDecEmbed)
	x := w.x[:n*d]
	for i, t := range dec[:n] {
		copy(x[i*d:(i+1)*d], E[t*d:(t+1)*d])
	}
	h := m.Dec.Forward(w.dec, x, B, T, mem, T)
	w.h = h
	nn.Sgemm(false, false, n, v, d, 1, h, d, m.P.W(NameHead), v, 0, w.logits[:n*v], v)
	return w.logits[:n*v]
}

// Loss runs forward and backward on a batch and returns the mean
// cross-entropy; gradients accumulate into m.P.
func (m *Dual) Loss(w *DualWork, lat []float32, dec, targets []int, wt []float32, B, T int) float32 {
	n, d, v := B*T, m.Cfg.D, m.Cfg.Vocab
	logits := m.Logits(w, lat, dec, B, T)
	probs, dlog := w.probs[:n*v], w.dlog[:n*v]
	loss := nn.CrossEntropyForward(probs, logits, targets, wt, n, v)
	clear(dlog)
	nn.CrossEntropyBackward(dlog, probs, targets, wt, n, v, 1)
	W, dW := m.P.W(NameHead), m.P.G(NameHead)
	nn.Sgemm(true, false, d, v, n, 1, w.h, d, dlog, v, 1, dW, v)
	dh, dx, dmem := w.dh[:n*d], w.dx[:n*d], w.dmem[:n*d]
	clear(dh)
	nn.Sgemm(false, true, n, d, v, 1, dlog, v, W, v, 1, dh, d)
	clear(dx)
	clear(dmem)
	m.Dec.Backward(w.dec, dh, dx, dmem)
	dE := m.P.G(NameDecEmbed)
	for i, t := range dec[:n] {
		g := dE[t*d : (t+1)*d]
		for j, val := range dx[i*d : (i+1)*d] {
			g[j] += val
		}
	}
	m.Enc.Backward(w.enc, dmem, nil)
	return loss
}

// Memory runs the encoder over one trajectory lat [T][d] and returns M
// [T×d] (a fresh slice).
func (m *Dual) Memory(lat [][]float32) ([]float32, error) {
	d := m.Cfg.D
	if len(lat) > m.Cfg.Context {
		return nil, fmt.Errorf("dual-talker: %d latents exceed its context of %d", len(lat), m.Cfg.Context)
	}
	c := m.Enc.NewCache(len(lat))
	mem := make([]float32, len(lat)*d)
	for t, r := range lat {
		if len(r) != d {
			return nil, fmt.Errorf("dual-talker: latent %d has width %d, want %d", t, len(r), d)
		}
		m.Enc.Step(c, r, mem[t*d:(t+1)*d])
	}
	return mem, nil
}

// Decode greedily decodes len(lat) tokens from the trajectory lat. force
// maps a step index (0-based) to a token that replaces the decoder's own
// choice there; later tokens then read the forced one.
func (m *Dual) Decode(lat [][]float32, force map[int]int) ([]int, error) {
	if len(lat) == 0 {
		return nil, nil
	}
	mem, err := m.Memory(lat)
	if err != nil {
		return nil, err
	}
	d, v, T := m.Cfg.D, m.Cfg.Vocab, len(lat)
	c := m.Dec.NewCache(T)
	E := m.P.W(NameDecEmbed)
	h := make([]float32, d)
	z := make([]float32, v)
	out := make([]int, T)
	prev := m.Cfg.BOS
	for t := 0; t < T; t++ {
		m.Dec.Step(c, E[prev*d:(prev+1)*d], mem, T, h)
		nn.Sgemm(false, false, 1, v, d, 1, h, d, m.P.W(NameHead), v, 0, z, v)
		out[t] = nn.Argmax(z)
		if f, ok := force[t]; ok {
			if f < 0 || f >= v {
				return nil, fmt.Errorf("dual-talker: forced token %d at step %d outside the vocabulary", f, t)
			}
			out[t] = f
		}
		prev = out[t]
	}
	return out, nil
}

// SaveAs is Save storing the tensors as dt.
func (m *Dual) SaveAs(path string, extra map[string]string, dt nn.DType) error {
	return saveAs(path, m.P, m.Cfg, extra, dt)
}

// Save writes the Dual-Talker checkpoint atomically.
func (m *Dual) Save(path string, extra map[string]string) error {
	return save(path, m.P, m.Cfg, extra)
}

// LoadDual reads a Dual-Talker checkpoint.
func LoadDual(b []byte, name string) (*Dual, map[string]string, error) {
	h, cfg, err := ReadHeader(b, name, FormatDual)
	if err != nil {
		return nil, nil, err
	}
	m, err := NewDual(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := fill(h, b, m.P, name); err != nil {
		return nil, nil, err
	}
	return m, h.Meta, nil
}

// Reader decodes trajectories for one session: it keeps its own buffers
// (so that sessions sharing a Dual-Talker never share state) and decodes
// in one batched pass when it can.
type Reader struct {
	m    *Dual
	wk   *DualWork
	lat  []float32
	dec  []int
	maxT int
	Fast int // decodings settled by the batched pass
	Slow int // decodings that fell back to token-by-token
}

// NewReader returns a reader for trajectories of up to maxT latents.
func (m *Dual) NewReader(maxT int) *Reader {
	return &Reader{m: m, wk: m.NewWork(1, maxT), lat: make([]float32, maxT*m.Cfg.D), dec: make([]int, maxT), maxT: maxT}
}

// Decode is Dual.Decode with a hint: the tokens the last decoding gave
// (the trajectory then had one latent fewer). It runs the decoder once over
// [BOS, hint…] (teacher-forced, reading every weight once instead of once
// per token) and accepts the result when it is a fixed point of greedy
// decoding: each position's choice (or forced token) equals the input the
// next position was given. Otherwise it decodes token by token.
func (r *Reader) Decode(lat [][]float32, force map[int]int, hint []int) ([]int, error) {
	T := len(lat)
	if T == 0 || T > r.maxT || len(hint) < T-1 {
		r.Slow++
		return r.m.Decode(lat, force)
	}
	d, v := r.m.Cfg.D, r.m.Cfg.Vocab
	for i, l := range lat {
		if len(l) != d {
			return nil, fmt.Errorf("dual-talker: latent %d has width %d, want %d", i, len(l), d)
		}
		copy(r.lat[i*d:], l)
	}
	r.dec[0] = r.m.Cfg.BOS
	for i := 1; i < T; i++ {
		if hint[i-1] < 0 || hint[i-1] >= v {
			r.Slow++
			return r.m.Decode(lat, force)
		}
		r.dec[i] = hint[i-1]
	}
	logits := r.m.Logits(r.wk, r.lat[:T*d], r.dec[:T], 1, T)
	out := make([]int, T)
	for p := 0; p < T; p++ {
		out[p] = nn.Argmax(logits[p*v : (p+1)*v])
		if f, ok := force[p]; ok {
			if f < 0 || f >= v {
				return nil, fmt.Errorf("dual-talker: forced token %d at step %d outside the vocabulary", f, p)
			}
			out[p] = f
		}
		if p+1 < T && out[p] != r.dec[p+1] {
			r.Slow++
			return r.m.Decode(lat, force)
		}
	}
	r.Fast++
	return out, nil
}
