package talker

import (
	"fmt"

	"jrx/nn"
)

// Mono is the Mono-Talker: causal blocks over the latent trajectory, a final
// RMSNorm and an untied head; token t depends on r_1 … r_t only.
type Mono struct {
	Cfg Config
	P   *nn.ParamSet
	Net *nn.Stack
	// Frozen is set instead of P and Net for a Mono-Talker opened for
	// inference from a mapped checkpoint (OpenMonoMapped); headM is then
	// its head in its stored dtype.
	Frozen *nn.FrozenStack
	headM  nn.Mat
}

// NameHead is the output head's tensor name (d×V).
const NameHead = "head"

// NewMono allocates a Mono-Talker with zero weights.
func NewMono(cfg Config) (*Mono, error) {
	cfg.Format = FormatMono
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := cfg.declare()
	p.Alloc()
	return &Mono{Cfg: cfg, P: p, Net: nn.NewStack(p, "", cfg.stack(cfg.Layers))}, nil
}

// Init draws the weights from seed.
func (m *Mono) Init(seed uint64) {
	rng := newRNG(seed)
	nn.InitStack(m.P, "", m.Cfg.stack(m.Cfg.Layers), rng)
	nn.InitNormal(m.P.W(NameHead), 0.02, rng)
	m.Cfg.Seed = seed
}

// MonoWork holds reusable training buffers for batches up to B×T.
type MonoWork struct {
	B, T                int
	acts                *nn.StackActs
	logits, probs, dlog []float32
	dh                  []float32
	h                   []float32 // the last Forward's output (a view into acts)
}

// NewWork allocates buffers for batches of up to maxB×maxT latents.
func (m *Mono) NewWork(maxB, maxT int) *MonoWork {
	n := maxB * maxT
	return &MonoWork{B: maxB, T: maxT, acts: m.Net.NewActs(maxB, maxT),
		logits: make([]float32, n*m.Cfg.Vocab), probs: make([]float32, n*m.Cfg.Vocab),
		dlog: make([]float32, n*m.Cfg.Vocab), dh: make([]float32, n*m.Cfg.D)}
}

// NewEvalWork allocates forward-only buffers for Logits on batches of up to
// maxB×maxT latents (nn.Stack.NewInferActs: same bits, a fraction of the
// memory); Loss panics on them.
func (m *Mono) NewEvalWork(maxB, maxT int) *MonoWork {
	return &MonoWork{B: maxB, T: maxT, acts: m.Net.NewInferActs(maxB, maxT),
		logits: make([]float32, maxB*maxT*m.Cfg.Vocab)}
}

// Logits runs the forward pass over lat [B·T×d] and returns logits
// [B·T×V] (a view into w).
func (m *Mono) Logits(w *MonoWork, lat []float32, B, T int) []float32 {
	if B > w.B || T > w.T {
		panic("talker: batch larger than the Work buffers")
	}
	n, d, v := B*T, m.Cfg.D, m.Cfg.Vocab
	h := m.Net.Forward(w.acts, lat[:n*d], B, T)
	w.h = h
	nn.Sgemm(false, false, n, v, d, 1, h, d, m.P.W(NameHead), v, 0, w.logits[:n*v], v)
	return w.logits[:n*v]
}

// Loss runs forward and backward on a batch and returns the mean
// cross-entropy against targets (weights wt, nil = all 1). Gradients are
// accumulated into m.P.
func (m *Mono) Loss(w *MonoWork, lat []float32, targets []int, wt []float32, B, T int) float32 {
	n, d, v := B*T, m.Cfg.D, m.Cfg.Vocab
	logits := m.Logits(w, lat, B, T)
	probs, dlog, dh := w.probs[:n*v], w.dlog[:n*v], w.dh[:n*d]
	loss := nn.CrossEntropyForward(probs, logits, targets, wt, n, v)
	clear(dlog)
	nn.CrossEntropyBackward(dlog, probs, targets, wt, n, v, 1)
	h := w.h
	W, dW := m.P.W(NameHead), m.P.G(NameHead)
	nn.Sgemm(true, false, d, v, n, 1, h, d, dlog, v, 1, dW, v) // dW += hᵀ·dz
	clear(dh)
	nn.Sgemm(false, true, n, d, v, 1, dlog, v, W, v, 1, dh, d) // dh += dz·Wᵀ
	m.Net.Backward(w.acts, dh, nil)
	return loss
}

// Read returns the Mono-Talker's greedy token for every latent of one
// trajectory lat [T][d].
func (m *Mono) Read(lat [][]float32) ([]int, error) {
	if len(lat) == 0 {
		return nil, nil
	}
	if len(lat) > m.Cfg.Context {
		return nil, fmt.Errorf("mono-talker: %d latents exceed its context of %d", len(lat), m.Cfg.Context)
	}
	d, v := m.Cfg.D, m.Cfg.Vocab
	c := m.newCache(len(lat))
	h := make([]float32, d)
	z := make([]float32, v)
	out := make([]int, len(lat))
	for t, r := range lat {
		if len(r) != d {
			return nil, fmt.Errorf("mono-talker: latent %d has width %d, want %d", t, len(r), d)
		}
		m.stepLogits(c, r, h, z)
		out[t] = nn.Argmax(z)
	}
	return out, nil
}

// SaveAs is Save storing the tensors as dt.
func (m *Mono) SaveAs(path string, extra map[string]string, dt nn.DType) error {
	return saveAs(path, m.P, m.Cfg, extra, dt)
}

// Save writes the Mono-Talker checkpoint atomically.
func (m *Mono) Save(path string, extra map[string]string) error {
	return save(path, m.P, m.Cfg, extra)
}

// LoadMono reads a Mono-Talker checkpoint.
func LoadMono(b []byte, name string) (*Mono, map[string]string, error) {
	h, cfg, err := ReadHeader(b, name, FormatMono)
	if err != nil {
		return nil, nil, err
	}
	m, err := NewMono(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := fill(h, b, m.P, name); err != nil {
		return nil, nil, err
	}
	return m, h.Meta, nil
}

// MonoStepper reads a trajectory one latent at a time on a KV cache (the
// engine's lockstep path): the token for r_t depends on r_1 … r_t only.
type MonoStepper struct {
	m    *Mono
	c    *nn.KVCache
	h, z []float32
}

// NewStepper returns a stepper with room for Cfg.Context latents.
func (m *Mono) NewStepper() *MonoStepper {
	return &MonoStepper{m: m, c: m.newCache(m.Cfg.Context), h: make([]float32, m.Cfg.D), z: make([]float32, m.Cfg.Vocab)}
}

// Len is the number of latents read.
func (s *MonoStepper) Len() int { return s.c.Len() }

// Truncate forgets latents ≥ n.
func (s *MonoStepper) Truncate(n int) { s.c.Truncate(n) }

// Next reads one more latent and returns the greedy token and its logits (a
// view, valid until the next call).
func (s *MonoStepper) Next(r []float32) (int, []float32, error) {
	d := s.m.Cfg.D
	if len(r) != d {
		return 0, nil, fmt.Errorf("mono-talker: latent width %d, want %d", len(r), d)
	}
	if s.c.Len() >= s.c.Cap() {
		return 0, nil, fmt.Errorf("mono-talker: context of %d latents is full", s.c.Cap())
	}
	s.m.stepLogits(s.c, r, s.h, s.z)
	return nn.Argmax(s.z), s.z, nil
}
