package baseline

import (
	"fmt"

	"jrx/latent"
	"jrx/nn"
)

// Model is the coupled Transformer T: the Reasoner's network trained only
// with next-token cross-entropy (tied head), decoding greedily with its own
// tokens fed back into its context.
type Model struct {
	Net *latent.Reasoner // no target table
}

// New wraps a token network as the baseline (its target table is dropped).
func New(net *latent.Reasoner) *Model {
	net.Target = nil
	net.Cfg.Stage = "baseline"
	return &Model{Net: net}
}

// Decoder decodes one sequence token by token on a KV cache.
type Decoder struct {
	m      *Model
	s      *latent.Stepper
	z      []float32
	steps  []int
	prompt int // prompt length
}

// NewDecoder prefills prompt and returns a decoder ready to emit tokens.
func (m *Model) NewDecoder(prompt []int) (*Decoder, error) {
	if len(prompt) == 0 {
		return nil, fmt.Errorf("baseline: empty prompt")
	}
	s := m.Net.NewStepper()
	if err := s.FeedTokens(prompt); err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	return &Decoder{m: m, s: s, z: make([]float32, m.Net.Cfg.Vocab), prompt: len(prompt)}, nil
}

// Next returns the greedy token at the current position (does not feed it).
func (d *Decoder) Next() int {
	cfg := d.m.Net.Cfg
	nn.TiedHeadForward(d.z, d.s.H(), d.m.Net.Embed(), 1, cfg.D, cfg.Vocab)
	return nn.Argmax(d.z)
}

// Len is the number of positions in the decoder's context.
func (d *Decoder) Len() int { return d.s.Len() }

// Truncate forgets positions ≥ n (never the prompt's). The next call must be Feed (Next would
// read the stale last position).
func (d *Decoder) Truncate(n int) {
	if n < d.prompt {
		n = d.prompt
	}
	d.s.Truncate(n)
	if k := n - d.prompt; k < len(d.steps) {
		d.steps = d.steps[:k]
	}
}

// Feed appends a token to the context (the model's own or an injected one).
func (d *Decoder) Feed(tok int) error {
	if err := d.s.FeedToken(tok); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	d.steps = append(d.steps, tok)
	return nil
}

// Decode greedily emits steps tokens after prompt. force maps a step index
// (0-based) to a token that replaces the model's choice there and stays in
// its context.
func (m *Model) Decode(prompt []int, steps int, force map[int]int) ([]int, error) {
	d, err := m.NewDecoder(prompt)
	if err != nil {
		return nil, err
	}
	out := make([]int, steps)
	for t := range out {
		tok := d.Next()
		if f, ok := force[t]; ok {
			if f < 0 || f >= m.Net.Cfg.Vocab {
				return nil, fmt.Errorf("baseline: forced token %d at step %d outside the vocabulary", f, t)
			}
			tok = f
		}
		out[t] = tok
		if t+1 < steps {
			if err := d.Feed(tok); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Save writes the baseline checkpoint (no target table) atomically.
func (m *Model) Save(path string, extra map[string]string) error {
	return m.Net.Save(path, extra)
}

// SaveAs is Save storing the tensors as dt.
func (m *Model) SaveAs(path string, extra map[string]string, dt nn.DType) error {
	return m.Net.SaveAs(path, extra, dt)
}

// Load reads a baseline checkpoint; a file with a target table is refused.
func Load(b []byte, name string) (*Model, map[string]string, error) {
	net, meta, err := latent.Load(b, name)
	if err != nil {
		return nil, nil, err
	}
	if net.Target != nil || net.Cfg.Stage != "baseline" {
		return nil, nil, fmt.Errorf("%s: not a baseline checkpoint (stage %q)", name, net.Cfg.Stage)
	}
	return &Model{Net: net}, meta, nil
}
