package talker

import (
	"fmt"

	"jrx/nn"
)

// OpenMonoMapped opens a Mono-Talker checkpoint for inference from a
// memory-mapped file: the config and shapes are checked from the header,
// then the weights are viewed in their stored dtype without a copy
// (Frozen, HeadMat). It steps and reads (NewStepper, Read) but cannot
// train (P and Net are nil); f must stay open while it is used.
func OpenMonoMapped(f *nn.MappedSafetensors, name string) (*Mono, map[string]string, error) {
	cfg, err := CheckHeader(f.Header, FormatMono)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	fs, err := nn.NewFrozenStack(f.Tensor, "", cfg.stack(cfg.Layers))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	m := &Mono{Cfg: cfg, Frozen: fs}
	if m.headM, err = f.Tensor(NameHead); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, f.Header.Meta, nil
}

// HeadMat is the head W_h [d×V] in its stored dtype.
func (m *Mono) HeadMat() nn.Mat {
	if m.Frozen != nil {
		return m.headM
	}
	return nn.MatF32(m.P.W(NameHead))
}

func (m *Mono) newCache(n int) *nn.KVCache {
	if m.Frozen != nil {
		return m.Frozen.NewCache(n)
	}
	return m.Net.NewCache(n)
}

// stepLogits runs one latent through the stack on c and writes the head's
// logits z [V] (h [d] is scratch).
func (m *Mono) stepLogits(c *nn.KVCache, r, h, z []float32) {
	d, v := m.Cfg.D, m.Cfg.Vocab
	if m.Frozen != nil {
		m.Frozen.Step(c, r, h)
		nn.MatVecPar(z, h, m.headM, d, v, false)
		return
	}
	m.Net.Step(c, r, h)
	nn.Sgemm(false, false, 1, v, d, 1, h, d, m.P.W(NameHead), v, 0, z, v)
}
