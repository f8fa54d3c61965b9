package latent

import (
	"encoding/json"
	"fmt"
	"math"

	"jrx/nn"
)

// FormatReasoner is the checkpoint format tag of a Reasoner (and of the
// coupled baseline, which is the same network without the target table).
const FormatReasoner = "jrx-reasoner/1"

// Config is the Reasoner's architecture and training constants. It is stored
// as JSON in every checkpoint's metadata ("config"); docs/MODEL.md defines
// each field.
type Config struct {
	Format string `json:"format"`
	Vocab  int    `json:"vocab"`
	D      int    `json:"d"`
	A      int    `json:"attn"`
	Heads  int    `json:"heads"`
	F      int    `json:"ffn"`
	Layers int    `json:"layers"`
	// Context is the longest sequence (prompt + latent steps) the model runs.
	Context  int     `json:"context"`
	QKNorm   bool    `json:"qk_norm"`
	RopeBase float64 `json:"rope_base"`
	// FeedbackScale is c: a fed-back latent enters as c·r.
	FeedbackScale float32 `json:"feedback_scale"`
	// K scales the SST loss k·(1 − cos).
	K float32 `json:"k"`
	// EMA is the target table's momentum m: Ē ← m·Ē + (1 − m)·E.
	EMA float32 `json:"ema"`
	// MTPWeight weights the training-only two-ahead head (0 = off).
	MTPWeight float32 `json:"mtp_weight"`
	// Stage says what training the weights have had: "init", "pretrain",
	// "sst" (a Reasoner) or "baseline" (the coupled Transformer T).
	Stage string `json:"stage"`
	// Seed is the seed the weights were initialised and trained with.
	Seed uint64 `json:"seed"`
}

// DefaultConfig is the small default network: d 128, 6 blocks, FFN 512,
// 4 heads, rotary positions without QK-Norm (measured: see docs/TRAINING.md).
func DefaultConfig(vocab int) Config {
	return Config{
		Format: FormatReasoner, Vocab: vocab,
		D: 128, A: 128, Heads: 4, F: 512, Layers: 6, Context: 64,
		QKNorm: false, RopeBase: 10000,
		FeedbackScale: 1, K: 4, EMA: 0.98, Stage: "init",
	}
}

// Validate reports a config that cannot describe a network.
func (c Config) Validate() error {
	switch {
	case c.Vocab < 2:
		return fmt.Errorf("config: vocab %d < 2", c.Vocab)
	case c.D < 2 || c.A < 2 || c.F < 1 || c.Layers < 1 || c.Heads < 1:
		return fmt.Errorf("config: sizes must be positive (d %d, attn %d, ffn %d, layers %d, heads %d)", c.D, c.A, c.F, c.Layers, c.Heads)
	case c.A%c.Heads != 0:
		return fmt.Errorf("config: attn %d is not a multiple of heads %d", c.A, c.Heads)
	case (c.A/c.Heads)%2 != 0:
		return fmt.Errorf("config: head width %d must be even for rotary positions", c.A/c.Heads)
	case c.Context < 2:
		return fmt.Errorf("config: context %d < 2", c.Context)
	case c.D > 1<<14 || c.A > 1<<14 || c.F > 1<<16 || c.Layers > 256 || c.Vocab > 1<<20 || c.Context > 1<<16:
		return fmt.Errorf("config: sizes out of range (d %d, attn %d, ffn %d, layers %d, vocab %d, context %d)", c.D, c.A, c.F, c.Layers, c.Vocab, c.Context)
	case !(c.RopeBase >= 0) || math.IsInf(c.RopeBase, 0):
		return fmt.Errorf("config: rope_base %g must be a finite number > 0 (0 means 10000)", c.RopeBase)
	case !(c.FeedbackScale > 0) || math.IsInf(float64(c.FeedbackScale), 0):
		return fmt.Errorf("config: feedback_scale %g must be finite and > 0", c.FeedbackScale)
	case !(c.EMA >= 0 && c.EMA < 1):
		return fmt.Errorf("config: ema %g must be in [0, 1)", c.EMA)
	case !(c.K >= 0) || math.IsInf(float64(c.K), 0):
		return fmt.Errorf("config: k %g must be finite and >= 0", c.K)
	case !(c.MTPWeight >= 0) || math.IsInf(float64(c.MTPWeight), 0):
		return fmt.Errorf("config: mtp_weight %g must be finite and >= 0", c.MTPWeight)
	}
	return nil
}

// ParseConfig decodes and validates the "config" metadata of a checkpoint
// (a Reasoner's or the coupled baseline's): valid JSON, the right format
// tag, and Validate.
func ParseConfig(meta map[string]string) (Config, error) {
	var cfg Config
	raw, ok := meta["config"]
	if !ok {
		return cfg, fmt.Errorf("no config metadata (is it a jrx checkpoint?)")
	}
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return cfg, fmt.Errorf("config metadata: %w", err)
	}
	if cfg.Format != FormatReasoner {
		return cfg, fmt.Errorf("format %q, want %q", cfg.Format, FormatReasoner)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// declare declares the network's trained tensors (embed, the stack and,
// with withMTP, the two-ahead head) in a new ParamSet without allocating it.
func (c Config) declare(withMTP bool) *nn.ParamSet {
	p := nn.NewParamSet()
	p.Add(NameEmbed, c.Vocab, c.D)
	nn.DeclareStack(p, "", c.Stack())
	if withMTP {
		p.Add(NameMTP, c.D, c.D)
	}
	return p
}

// Shapes returns the tensors a checkpoint of this config holds (the target
// table when withTarget), computed without allocating. c must be valid.
func (c Config) Shapes(withTarget bool) map[string][]int {
	p := c.declare(false)
	out := make(map[string][]int, len(p.Names())+1)
	for _, n := range p.Names() {
		out[n] = p.Shape(n)
	}
	if withTarget {
		out[NameTarget] = []int{c.Vocab, c.D}
	}
	return out
}

// NumParams is the number of trained parameters (without the two-ahead
// head), computed without allocating. c must be valid.
func (c Config) NumParams() int { return c.declare(false).NumParams() }

// Stack is the configuration of the Transformer stack.
func (c Config) Stack() nn.StackConfig {
	return nn.StackConfig{D: c.D, A: c.A, Heads: c.Heads, F: c.F, Layers: c.Layers, QKNorm: c.QKNorm, RopeBase: c.RopeBase}
}

// JSON encodes the config for checkpoint metadata.
func (c Config) JSON() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // a struct of numbers always marshals
	}
	return string(b)
}
