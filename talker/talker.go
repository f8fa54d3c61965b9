package talker

import (
	"encoding/json"
	"fmt"
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
	meta := map[string]string{"format": cfg.Format, "config": cfg.json()}
	for k, v := range extra {
		meta[k] = v
	}
	return nn.WriteSafetensors(path, p, meta)
}

// parse reads a checkpoint's config and checks its format.
func parse(b []byte, name, format string) (*nn.SafeFile, Config, error) {
	var cfg Config
	f, err := nn.ParseSafetensors(b)
	if err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", name, err)
	}
	if err := json.Unmarshal([]byte(f.Meta["config"]), &cfg); err != nil {
		return nil, cfg, fmt.Errorf("%s: config metadata: %w", name, err)
	}
	if cfg.Format != format {
		return nil, cfg, fmt.Errorf("%s: format %q, want %q", name, cfg.Format, format)
	}
	if err := cfg.Validate(); err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", name, err)
	}
	return f, cfg, nil
}

// fill checks f against p's tensors and copies them in.
func fill(f *nn.SafeFile, p *nn.ParamSet, name string) error {
	shapes := map[string][]int{}
	for _, n := range p.Names() {
		shapes[n] = p.Shape(n)
	}
	if err := f.Expect(shapes); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := f.LoadInto(p); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
