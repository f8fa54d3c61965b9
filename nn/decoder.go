package nn

// DeclareDecoder declares a Dual-Talker decoder stack: per block l the
// DeclareStack names plus cross-attention, in checkpoint order:
// prefix+"blocks.{l}.norm1", ".wq", ".wk", ".wv", ".wo", ".norm3", ".cq",
// ".ck", ".cv" (d×A), ".co" (A×d), ".norm2", ".w1", ".w2"; then
// prefix+"final_norm".
func DeclareDecoder(p *ParamSet, prefix string, cfg StackConfig) {
	declareBlocks(p, prefix, cfg, true, prefix+"final_norm")
}

// DeclareDecoderNamed is DeclareDecoder with the final norm's name given
// whole: MODEL.md names the Dual-Talker decoder's blocks "dec.blocks.{l}.*"
// but its final norm "final_norm", i.e.
// DeclareDecoderNamed(p, "dec.", "final_norm", cfg). Use the same name with
// InitDecoderNamed and NewDecoderNamed.
func DeclareDecoderNamed(p *ParamSet, prefix, finalNorm string, cfg StackConfig) {
	declareBlocks(p, prefix, cfg, true, finalNorm)
}

// Decoder is a stack of decoder blocks (MODEL.md):
//
//	x ← x + Attn(RMSNorm_g1(x))            causal self-attention
//	x ← x + CrossAttn(RMSNorm_g3(x), M)    queries from x, keys/values from M, no mask
//	x ← x + GELU(RMSNorm_g2(x) W1) W2
//
// then the final RMSNorm. M is the memory (the encoder's final-norm output);
// QK-Norm and RoPE apply in cross-attention too, each side at its own
// positions. The same sharing rules as Stack apply.
type Decoder struct {
	Cfg    StackConfig
	P      *ParamSet
	Prefix string
	core   stackCore
}

// NewDecoder binds a decoder declared with DeclareDecoder(p, prefix, cfg)
// after p.Alloc. It panics if a tensor is missing or misshapen.
func NewDecoder(p *ParamSet, prefix string, cfg StackConfig) *Decoder {
	return NewDecoderNamed(p, prefix, prefix+"final_norm", cfg)
}

// NewDecoderNamed binds a decoder declared with DeclareDecoderNamed.
func NewDecoderNamed(p *ParamSet, prefix, finalNorm string, cfg StackConfig) *Decoder {
	return &Decoder{Cfg: cfg, P: p, Prefix: prefix, core: newCore(p, prefix, cfg, true, finalNorm)}
}

// NewActs allocates activations for up to maxB sequences of up to maxT
// positions with memories of up to maxT rows (the Dual-Talker's case).
func (dc *Decoder) NewActs(maxB, maxT int) *StackActs {
	return newActs(dc.Cfg, true, maxB, maxT, maxT)
}

// NewActsMem is NewActs for memories of up to maxTm rows.
func (dc *Decoder) NewActsMem(maxB, maxT, maxTm int) *StackActs {
	return newActs(dc.Cfg, true, maxB, maxT, maxTm)
}

// Forward runs the decoder on x [B·T×d] with memory mem [B·Tm×d] (sequence
// b cross-attends to rows b·Tm…(b+1)·Tm−1 only) and returns h [B·T×d], a
// view into a valid until its next Forward. x and mem are copied.
func (dc *Decoder) Forward(a *StackActs, x []float32, B, T int, mem []float32, Tm int) []float32 {
	return dc.core.forward(a, x, B, T, mem, Tm)
}

// Backward accumulates the parameter gradients given dh [B·T×d]; the input
// gradient is accumulated into dx and the memory gradient into dmem
// [B·Tm×d] when they are non-nil.
func (dc *Decoder) Backward(a *StackActs, dh, dx, dmem []float32) {
	dc.core.backward(a, dh, dx, dmem, true)
}
