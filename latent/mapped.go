package latent

import (
	"fmt"

	"jrx/nn"
)

// OpenMapped opens a Reasoner (or baseline) checkpoint for inference from a
// memory-mapped file (nn.OpenSafetensorsMapped): the config and every
// tensor's shape are checked from the header, then the weights are viewed
// in their stored dtype (F32, F16 or BF16) without a copy (Frozen,
// EmbedMat, TargetMat). Such a Reasoner steps (NewStepper) and reads out;
// it cannot train (P and Net are nil) and f must stay open while it is
// used. An F32 target table is also exposed as Target (a view). name is
// used in error messages.
func OpenMapped(f *nn.MappedSafetensors, name string) (*Reasoner, map[string]string, error) {
	cfg, err := CheckHeader(f.Header)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	fs, err := nn.NewFrozenStack(f.Tensor, "", cfg.Stack())
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	r := &Reasoner{Cfg: cfg, Frozen: fs}
	if r.embedM, err = f.Tensor(NameEmbed); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if f.Header.Has(NameTarget) {
		if r.targetM, err = f.Tensor(NameTarget); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		if r.targetM.DType == nn.F32 {
			r.Target = r.targetM.F32
		}
	}
	return r, f.Header.Meta, nil
}

// EmbedMat is E [V×d] in its stored dtype (an F32 Mat over P for a
// trainable Reasoner).
func (r *Reasoner) EmbedMat() nn.Mat {
	if r.Frozen != nil {
		return r.embedM
	}
	return nn.MatF32(r.Embed())
}

// TargetMat is Ē [V×d] in its stored dtype (a zero Mat when there is none).
func (r *Reasoner) TargetMat() nn.Mat {
	if r.Frozen != nil {
		return r.targetM
	}
	if r.Target == nil {
		return nn.Mat{}
	}
	return nn.MatF32(r.Target)
}

// WeightBytes is the number of weight bytes one latent step reads: the
// stack's matrices and gains (the embedding is read only for prompt
// tokens, one row each).
func (r *Reasoner) WeightBytes() int64 {
	if r.Frozen != nil {
		return r.Frozen.WeightBytes()
	}
	var n int64
	for _, name := range r.P.Names() {
		if name != NameEmbed && name != NameMTP {
			n += 4 * int64(len(r.P.W(name)))
		}
	}
	return n
}
