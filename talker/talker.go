package talker

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"jrx/nn"
)

// Checkpoint format tags.
const (
	FormatMono = "jrx-mono-talker/1"
	FormatDual = "jrx-dual-talker/1"
)

// Config is a Talker's architecture, stored as JSON in its checkpoint.
// Layers is the Mono-Talker's block count; EncLayers/DecLayers the
// Dual-Talker's. BOS is the decoder's start token (Dual only).
type Config struct {
	Format    string  `json:"format"`
	Vocab     int     `json:"vocab"`
	D         int     `json:"d"`
	A         int     `json:"attn"`
	Heads     int     `json:"heads"`
	F         int     `json:"ffn"`
	Layers    int     `json:"layers,omitempty"`
	EncLayers int     `json:"enc_layers,omitempty"`
	DecLayers int     `json:"dec_layers,omitempty"`
	Context   int     `json:"context"`
	QKNorm    bool    `json:"qk_norm"`
	RopeBase  float64 `json:"rope_base"`
	BOS       int     `json:"bos"`
	Seed      uint64  `json:"seed"`
}

// Validate reports a config that cannot describe a Talker.
func (c Config) Validate() error {
	switch {
	case c.Format != FormatMono && c.Format != FormatDual:
		return fmt.Errorf("talker config: unknown format %q", c.Format)
	case c.Vocab < 2 || c.Vocab > 1<<20:
		return fmt.Errorf("talker config: vocab %d out of range", c.Vocab)
	case c.D < 2 || c.A < 2 || c.F < 1 || c.Heads < 1 || c.D > 1<<14 || c.A > 1<<14 || c.F > 1<<16:
		return fmt.Errorf("talker config: sizes out of range (d %d, attn %d, ffn %d, heads %d)", c.D, c.A, c.F, c.Heads)
	case c.A%c.Heads != 0 || (c.A/c.Heads)%2 != 0:
		return fmt.Errorf("talker config: attn %d must split into %d heads of even width", c.A, c.Heads)
	case c.Context < 1 || c.Context > 1<<16:
		return fmt.Errorf("talker config: context %d out of range", c.Context)
	case !(c.RopeBase >= 0) || math.IsInf(c.RopeBase, 0):
		return fmt.Errorf("talker config: rope_base %g must be a finite number > 0 (0 means 10000)", c.RopeBase)
	}
	if c.Format == FormatMono && (c.Layers < 1 || c.Layers > 256) {
		return fmt.Errorf("talker config: layers %d out of range", c.Layers)
	}
	if c.Format == FormatDual {
		if c.EncLayers < 1 || c.DecLayers < 1 || c.EncLayers > 256 || c.DecLayers > 256 {
			return fmt.Errorf("talker config: enc_layers %d / dec_layers %d out of range", c.EncLayers, c.DecLayers)
		}
		if c.BOS < 0 || c.BOS >= c.Vocab {
			return fmt.Errorf("talker config: bos %d outside the vocabulary", c.BOS)
		}
	}
	return nil
}

// StackOf is the configuration of one of the Talker's stacks with the
// given number of layers (Layers, EncLayers or DecLayers).
func (c Config) StackOf(layers int) nn.StackConfig { return c.stack(layers) }

func (c Config) stack(layers int) nn.StackConfig {
	return nn.StackConfig{D: c.D, A: c.A, Heads: c.Heads, F: c.F, Layers: layers, QKNorm: c.QKNorm, RopeBase: c.RopeBase}
}

func (c Config) json() string {
	b, _ := json.Marshal(c)
	return string(b)
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6a72782d74616c6b)) }

// save writes p with the config as metadata.
func save(path string, p *nn.ParamSet, cfg Config, extra map[string]string) error {
	return saveAs(path, p, cfg, extra, nn.F32)
}

// saveAs is save storing the tensors as dt.
func saveAs(path string, p *nn.ParamSet, cfg Config, extra map[string]string, dt nn.DType) error {
	meta := map[string]string{"format": cfg.Format, "config": cfg.json()}
	for k, v := range extra {
		meta[k] = v
	}
	return nn.WriteSafetensorsAs(path, p, meta, dt)
}

// ParseConfig decodes and validates the "config" metadata of a Talker
// checkpoint of the given format (FormatMono or FormatDual).
func ParseConfig(meta map[string]string, format string) (Config, error) {
	var cfg Config
	raw, ok := meta["config"]
	if !ok {
		return cfg, fmt.Errorf("no config metadata (is it a jrx checkpoint?)")
	}
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return cfg, fmt.Errorf("config metadata: %w", err)
	}
	if cfg.Format != format {
		return cfg, fmt.Errorf("format %q, want %q", cfg.Format, format)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// Shapes returns the tensors a checkpoint of this (valid) config holds,
// computed without allocating.
func (c Config) Shapes() map[string][]int {
	p := c.declare()
	out := make(map[string][]int, len(p.Names()))
	for _, n := range p.Names() {
		out[n] = p.Shape(n)
	}
	return out
}

// NumParams is the number of parameters of this (valid) config, computed
// without allocating.
func (c Config) NumParams() int { return c.declare().NumParams() }

// declare declares the Talker's tensors in a new, unallocated ParamSet.
func (c Config) declare() *nn.ParamSet {
	p := nn.NewParamSet()
	if c.Format == FormatDual {
		nn.DeclareStack(p, prefixEnc, c.stack(c.EncLayers))
		p.Add(NameDecEmbed, c.Vocab, c.D)
		nn.DeclareDecoderNamed(p, prefixDec, nameFinalNorm, c.stack(c.DecLayers))
	} else {
		nn.DeclareStack(p, "", c.stack(c.Layers))
	}
	p.Add(NameHead, c.D, c.Vocab)
	return p
}

// ReadHeader checks a Talker checkpoint of the given format from its
// header alone, before anything is allocated: the safetensors header, the
// config (ParseConfig) and every tensor's shape. name is used in errors.
func ReadHeader(b []byte, name, format string) (*nn.SafeHeader, Config, error) {
	h, err := nn.ParseSafetensorsHeader(b)
	if err != nil {
		return nil, Config{}, fmt.Errorf("%s: %w", name, err)
	}
	cfg, err := CheckHeader(h, format)
	if err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", name, err)
	}
	return h, cfg, nil
}

// CheckHeader checks a parsed Talker checkpoint header of the given format:
// its config (ParseConfig) and every tensor's shape against it.
func CheckHeader(h *nn.SafeHeader, format string) (Config, error) {
	cfg, err := ParseConfig(h.Meta, format)
	if err != nil {
		return cfg, err
	}
	return cfg, h.Expect(cfg.Shapes())
}

// fill decodes the checked file b (header h) into p: every value must be
// finite.
func fill(h *nn.SafeHeader, b []byte, p *nn.ParamSet, name string) error {
	if err := h.LoadInto(b, p); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
