package latent

import (
	"fmt"

	"jrx/nn"
)

// Stepper runs the Reasoner on one sequence, one position at a time, on a KV
// cache: prompt tokens enter as rows of E, latents as c·r. It never sees a
// token produced by anything else: that is the error-containment property.
type Stepper struct {
	r     *Reasoner
	cache *nn.KVCache
	x, h  []float32
}

// NewStepper makes a stepper with room for Cfg.Context positions.
func (r *Reasoner) NewStepper() *Stepper {
	d := r.Cfg.D
	var c *nn.KVCache
	if r.Frozen != nil {
		c = r.Frozen.NewCache(r.Cfg.Context)
	} else {
		c = r.Net.NewCache(r.Cfg.Context)
	}
	return &Stepper{r: r, cache: c, x: make([]float32, d), h: make([]float32, d)}
}

// step runs one position of the stack on the cache.
func (s *Stepper) step() {
	if s.r.Frozen != nil {
		s.r.Frozen.Step(s.cache, s.x, s.h)
		return
	}
	s.r.Net.Step(s.cache, s.x, s.h)
}

// Len is the number of positions fed so far.
func (s *Stepper) Len() int { return s.cache.Len() }

// Truncate drops positions ≥ n, restoring the state after n positions exactly.
func (s *Stepper) Truncate(n int) { s.cache.Truncate(n) }

// Clone returns an independent copy of the stepper's state.
func (s *Stepper) Clone() *Stepper {
	d := s.r.Cfg.D
	return &Stepper{r: s.r, cache: s.cache.Clone(), x: make([]float32, d), h: append([]float32(nil), s.h...)}
}

// H is the final-norm output at the last position fed (a view; do not keep).
func (s *Stepper) H() []float32 { return s.h }

func (s *Stepper) room() error {
	if s.cache.Len() >= s.r.Cfg.Context {
		return fmt.Errorf("reasoner: context of %d positions is full", s.r.Cfg.Context)
	}
	return nil
}

// FeedToken appends a prompt token.
func (s *Stepper) FeedToken(tok int) error {
	if err := s.checkToken(tok); err != nil {
		return err
	}
	if err := s.room(); err != nil {
		return err
	}
	d := s.r.Cfg.D
	if s.r.Frozen != nil {
		s.r.embedM.Slice(tok*d, (tok+1)*d).Widen(s.x)
	} else {
		copy(s.x, s.r.Embed()[tok*d:(tok+1)*d])
	}
	s.step()
	return nil
}

// checkToken says whether tok is in the vocabulary.
func (s *Stepper) checkToken(tok int) error {
	if tok < 0 || tok >= s.r.Cfg.Vocab {
		return fmt.Errorf("reasoner: token id %d outside the vocabulary of %d", tok, s.r.Cfg.Vocab)
	}
	return nil
}

// FeedTokens feeds a prompt. Into an empty stepper it is one batched pass
// (nn.Stack.Prefill: matrix–matrix products instead of one matrix–vector
// product per token and weight), which agrees with feeding the tokens one
// at a time to float32 rounding but not bit for bit; otherwise it feeds
// them one at a time.
func (s *Stepper) FeedTokens(toks []int) error {
	for _, tok := range toks {
		if err := s.checkToken(tok); err != nil {
			return err
		}
	}
	if s.cache.Len() != 0 || len(toks) < 2 {
		for _, tok := range toks {
			if err := s.FeedToken(tok); err != nil {
				return err
			}
		}
		return nil
	}
	if len(toks) > s.r.Cfg.Context {
		return fmt.Errorf("reasoner: a prompt of %d tokens exceeds the context of %d positions", len(toks), s.r.Cfg.Context)
	}
	d := s.r.Cfg.D
	x := make([]float32, len(toks)*d)
	if s.r.Frozen != nil {
		for i, tok := range toks {
			s.r.embedM.Slice(tok*d, (tok+1)*d).Widen(x[i*d : (i+1)*d])
		}
		s.r.Frozen.Prefill(s.cache, x, len(toks), s.h)
		return nil
	}
	gather(x, s.r.Embed(), toks, d)
	a, _ := s.r.prefill.Get().(*nn.StackActs)
	if a == nil {
		a = s.r.Net.NewActs(1, s.r.Cfg.Context)
	}
	s.r.Net.Prefill(s.cache, a, x, len(toks), s.h)
	s.r.prefill.Put(a)
	return nil
}

// FeedLatent appends a latent (fed back as c·lat).
func (s *Stepper) FeedLatent(lat []float32) error {
	if err := s.room(); err != nil {
		return err
	}
	c := s.r.Cfg.FeedbackScale
	for i, v := range lat {
		s.x[i] = c * v
	}
	s.step()
	return nil
}

// Latent writes r = L2(h) at the last position into out and returns the
// pre-L2 norm ‖h‖.
func (s *Stepper) Latent(out []float32) float32 { return L2(out, s.h) }

// FreeRun embeds the prompt and produces steps latents: r_1 from the last
// prompt position, then each r_t fed back to give r_{t+1}. The result is
// [steps][d].
func (r *Reasoner) FreeRun(prompt []int, steps int) ([][]float32, error) {
	if len(prompt) == 0 {
		return nil, fmt.Errorf("reasoner: empty prompt")
	}
	if len(prompt)+steps-1 > r.Cfg.Context {
		return nil, fmt.Errorf("reasoner: prompt of %d tokens + %d steps exceeds the context of %d", len(prompt), steps, r.Cfg.Context)
	}
	s := r.NewStepper()
	for _, t := range prompt {
		if err := s.FeedToken(t); err != nil {
			return nil, err
		}
	}
	out := make([][]float32, steps)
	for t := range out {
		out[t] = make([]float32, r.Cfg.D)
		s.Latent(out[t])
		if t+1 < steps {
			if err := s.FeedLatent(out[t]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// FreeRunBatch runs B prompts of equal length P for steps latents each with
// batched full-sequence passes (the training-time path for the Talkers'
// data): it returns lat [B×steps×d]. wk must hold B×(P+steps−1).
func (r *Reasoner) FreeRunBatch(wk *Work, prompts []int, B, P, steps int, lat []float32) {
	d := r.Cfg.D
	E := r.Embed()
	c := r.Cfg.FeedbackScale
	for s := 0; s < steps; s++ {
		T := P + s
		wk.check(B, T)
		x := wk.x[:B*T*d]
		for b := 0; b < B; b++ {
			row := x[b*T*d : (b+1)*T*d]
			gather(row[:P*d], E, prompts[b*P:(b+1)*P], d)
			for j := 0; j < s; j++ {
				src := lat[(b*steps+j)*d : (b*steps+j+1)*d]
				dst := row[(P+j)*d : (P+j+1)*d]
				for i, v := range src {
					dst[i] = c * v
				}
			}
		}
		h := r.Net.Forward(wk.acts, x, B, T)
		for b := 0; b < B; b++ {
			L2(lat[(b*steps+s)*d:(b*steps+s+1)*d], h[(b*T+T-1)*d:(b*T+T)*d])
		}
	}
}

// NewFreeRunCache returns a batched KV cache for FreeRunBatchKV: up to maxB
// prompts of P tokens run for steps latents need capacity P+steps−1.
func (r *Reasoner) NewFreeRunCache(maxB, capacity int) *nn.BatchKVCache {
	return r.Net.NewBatchCache(maxB, capacity)
}

// FreeRunBatchKV is FreeRunBatch on a batched KV cache: one Forward over
// the B prompts (nn.Stack.PrefillBatch), then one position per latent step
// for all B sequences at once (nn.Stack.StepBatch) instead of the whole
// sequence again; lat [B×steps×d] as FreeRunBatch. wk must hold B×P
// (training buffers, as from NewWork) and c B sequences of P+steps−1
// positions. On the pure-Go kernel paths its latents have FreeRunBatch's
// bits (the same kernels in the same order; tested), on OpenBLAS they
// agree to float32 rounding. The tree Talker stages' data (train.Trainer)
// run on it; the evaluations still call FreeRunBatch (forward-only buffers).
func (r *Reasoner) FreeRunBatchKV(wk *Work, c *nn.BatchKVCache, prompts []int, B, P, steps int, lat []float32) {
	if steps < 1 {
		return
	}
	d := r.Cfg.D
	wk.check(B, P)
	if P+steps-1 > c.Cap() {
		panic(fmt.Sprintf("latent: FreeRunBatchKV needs %d positions, the cache holds %d", P+steps-1, c.Cap()))
	}
	cf := r.Cfg.FeedbackScale
	x := wk.x[:B*P*d]
	gather(x, r.Embed(), prompts[:B*P], d)
	c.Reset()
	h := r.Net.PrefillBatch(c, wk.acts, x, B, P)
	for s := 0; ; s++ {
		for b := 0; b < B; b++ {
			L2(lat[(b*steps+s)*d:(b*steps+s+1)*d], h[b*d:(b+1)*d])
		}
		if s+1 == steps {
			return
		}
		xs := wk.x[:B*d]
		for b := 0; b < B; b++ {
			src := lat[(b*steps+s)*d : (b*steps+s+1)*d]
			dst := xs[b*d : (b+1)*d]
			for i, v := range src {
				dst[i] = cf * v
			}
		}
		h = r.Net.StepBatch(c, xs)
	}
}
