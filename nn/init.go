package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// NewRNG returns a deterministic PCG generator for the seed.
func NewRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// InitNormal fills w with N(0, std²) samples from rng (in index order).
func InitNormal(w []float32, std float32, rng *rand.Rand) {
	for i := range w {
		w[i] = float32(rng.NormFloat64()) * std
	}
}

// InitConst sets every element of w to v.
func InitConst(w []float32, v float32) {
	for i := range w {
		w[i] = v
	}
}

// InitStd is the default standard deviation of weight matrices and
// embeddings (GPT-2's 0.02).
const InitStd = 0.02

// InitStack initialises a stack declared with DeclareStack with the default
// scheme: all gains (norm1, norm2, final_norm) = 1; wq, wk, wv, w1 ~ N(0,
// 0.02²); the residual output projections wo and w2 ~ N(0, (0.02/sqrt(2L))²),
// so the residual stream's variance does not grow with depth. Tensors are
// filled in declaration order from rng, so a seed fixes the result.
func InitStack(p *ParamSet, prefix string, cfg StackConfig, rng *rand.Rand) {
	initBlocks(p, prefix, cfg, rng, false, prefix+"final_norm")
}

// InitDecoderNamed initialises a decoder declared with DeclareDecoderNamed
// like InitStack, with norm3 = 1, cq, ck, cv ~ N(0, 0.02²) and co scaled
// like wo.
func InitDecoderNamed(p *ParamSet, prefix, finalNorm string, cfg StackConfig, rng *rand.Rand) {
	initBlocks(p, prefix, cfg, rng, true, finalNorm)
}

func initBlocks(p *ParamSet, prefix string, cfg StackConfig, rng *rand.Rand, cross bool, finalNorm string) {
	cfg.check()
	outStd := float32(InitStd / math.Sqrt(2*float64(cfg.Layers)))
	for l := 0; l < cfg.Layers; l++ {
		b := fmt.Sprintf("%sblocks.%d.", prefix, l)
		InitConst(p.W(b+"norm1"), 1)
		InitNormal(p.W(b+"wq"), InitStd, rng)
		InitNormal(p.W(b+"wk"), InitStd, rng)
		InitNormal(p.W(b+"wv"), InitStd, rng)
		InitNormal(p.W(b+"wo"), outStd, rng)
		if cross {
			InitConst(p.W(b+"norm3"), 1)
			InitNormal(p.W(b+"cq"), InitStd, rng)
			InitNormal(p.W(b+"ck"), InitStd, rng)
			InitNormal(p.W(b+"cv"), InitStd, rng)
			InitNormal(p.W(b+"co"), outStd, rng)
		}
		InitConst(p.W(b+"norm2"), 1)
		InitNormal(p.W(b+"w1"), InitStd, rng)
		InitNormal(p.W(b+"w2"), outStd, rng)
	}
	InitConst(p.W(finalNorm), 1)
}
