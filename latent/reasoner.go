package latent

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"jrx/nn"
)

// Parameter names outside the stack (docs/MODEL.md, "Checkpoints").
const (
	NameEmbed  = "embed"
	NameTarget = "target_embed"
	// NameMTP is the training-only two-ahead head W_m (d×d); it is never
	// saved in a checkpoint.
	NameMTP = "mtp"
)

// Reasoner is the JEPA predictor: token embedding E, a stack of pre-norm
// blocks with a final RMSNorm, and the EMA target table Ē. The same struct
// without a target table is the coupled baseline's network.
type Reasoner struct {
	Cfg Config
	// P holds every trained tensor (embed, blocks.*, final_norm, and mtp
	// while pretraining with the two-ahead head) in one buffer.
	P *nn.ParamSet
	// Target is Ē [V×d], updated only by EMA; nil for a baseline network.
	Target []float32
	Net    *nn.Stack
	// Frozen is set instead of P and Net for a Reasoner opened for
	// inference from a mapped checkpoint (OpenMapped); embedM and targetM
	// are then its tables in their stored dtype.
	Frozen          *nn.FrozenStack
	embedM, targetM nn.Mat

	// prefill pools the activations of Stepper.FeedTokens' batched pass
	// (*nn.StackActs for one sequence of Context positions).
	prefill sync.Pool
}

// New declares and allocates a network with zero weights. withTarget adds
// the EMA target table; withMTP adds the two-ahead head.
func New(cfg Config, withTarget, withMTP bool) (*Reasoner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := cfg.declare(withMTP)
	p.Alloc()
	r := &Reasoner{Cfg: cfg, P: p, Net: nn.NewStack(p, "", cfg.Stack())}
	if withTarget {
		r.Target = make([]float32, cfg.Vocab*cfg.D)
	}
	return r, nil
}

// Init draws the weights from seed (nn's default initialisation; E and the
// two-ahead head ~ N(0, 0.02²)) and copies E into the target table.
func (r *Reasoner) Init(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6a72782d72656173))
	nn.InitStack(r.P, "", r.Cfg.Stack(), rng)
	nn.InitNormal(r.P.W(NameEmbed), 0.02, rng)
	if r.P.Has(NameMTP) {
		nn.InitNormal(r.P.W(NameMTP), 0.02, rng)
	}
	r.Cfg.Seed = seed
	r.ResetTarget()
}

// ResetTarget sets Ē = E (the start of SST).
func (r *Reasoner) ResetTarget() {
	if r.Target == nil {
		r.Target = make([]float32, r.Cfg.Vocab*r.Cfg.D)
	}
	copy(r.Target, r.P.W(NameEmbed))
}

// UpdateTarget applies one EMA step Ē ← m·Ē + (1 − m)·E.
func (r *Reasoner) UpdateTarget() {
	m := r.Cfg.EMA
	e := r.P.W(NameEmbed)
	t := r.Target[:len(e)]
	for i := range t {
		t[i] = m*t[i] + (1-m)*e[i]
	}
}

// Embed returns E [V×d].
func (r *Reasoner) Embed() []float32 { return r.P.W(NameEmbed) }

// CopyWeightsFrom copies every tensor that both networks have (same name
// and shape) from src, and src's target table when both have one. It is how
// a stage starts from the previous stage's weights.
func (r *Reasoner) CopyWeightsFrom(src *Reasoner) error {
	for _, name := range r.P.Names() {
		if !src.P.Has(name) {
			continue
		}
		if fmt.Sprint(src.P.Shape(name)) != fmt.Sprint(r.P.Shape(name)) {
			return fmt.Errorf("copy weights: tensor %q has shape %v, want %v", name, src.P.Shape(name), r.P.Shape(name))
		}
		copy(r.P.W(name), src.P.W(name))
	}
	if r.Target != nil && src.Target != nil {
		copy(r.Target, src.Target)
	}
	return nil
}

// L2 writes y = x/max(‖x‖, 1e-12) and returns ‖x‖.
func L2(y, x []float32) float32 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	n := math.Sqrt(s)
	inv := float32(1 / math.Max(n, 1e-12))
	for i, v := range x {
		y[i] = v * inv
	}
	return float32(n)
}

// source presents a Reasoner's saved tensors (the trained ones except the
// two-ahead head, then the target table) to the checkpoint writer.
type source struct{ r *Reasoner }

func (s source) Names() []string {
	var out []string
	for _, n := range s.r.P.Names() {
		if n != NameMTP {
			out = append(out, n)
		}
	}
	if s.r.Target != nil {
		out = append(out, NameTarget)
	}
	return out
}

func (s source) Shape(name string) []int {
	if name == NameTarget {
		return []int{s.r.Cfg.Vocab, s.r.Cfg.D}
	}
	return s.r.P.Shape(name)
}

func (s source) W(name string) []float32 {
	if name == NameTarget {
		return s.r.Target
	}
	return s.r.P.W(name)
}

// Save writes the network (without the two-ahead head) as a safetensors
// checkpoint, atomically. extra metadata entries are stored beside the config.
func (r *Reasoner) Save(path string, extra map[string]string) error {
	return r.SaveAs(path, extra, nn.F32)
}

// SaveAs is Save storing the tensors as dt (F16 and BF16 round to nearest
// even; see nn.EncodeSafetensorsAs).
func (r *Reasoner) SaveAs(path string, extra map[string]string, dt nn.DType) error {
	meta := map[string]string{"format": r.Cfg.Format, "config": r.Cfg.JSON()}
	for k, v := range extra {
		meta[k] = v
	}
	return nn.WriteSafetensorsAs(path, source{r}, meta, dt)
}

// ReadHeader checks a checkpoint written by Save from its header alone,
// before anything is allocated: the safetensors header, the config
// (ParseConfig) and every tensor's shape against the config (the target
// table is optional: a baseline has none). name is used in error messages.
func ReadHeader(b []byte, name string) (*nn.SafeHeader, Config, error) {
	h, err := nn.ParseSafetensorsHeader(b)
	if err != nil {
		return nil, Config{}, fmt.Errorf("%s: %w", name, err)
	}
	cfg, err := CheckHeader(h)
	if err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", name, err)
	}
	return h, cfg, nil
}

// CheckHeader checks a parsed checkpoint header: its config (ParseConfig)
// and every tensor's shape against it (the target table is optional).
func CheckHeader(h *nn.SafeHeader) (Config, error) {
	cfg, err := ParseConfig(h.Meta)
	if err != nil {
		return cfg, err
	}
	return cfg, h.Expect(cfg.Shapes(h.Has(NameTarget)))
}

// Load reads a checkpoint written by Save. The file must hold exactly the
// tensors its config implies, all finite; the target table is optional (a
// baseline has none). The header is checked (ReadHeader) before the
// network is allocated. name is used in error messages.
func Load(b []byte, name string) (*Reasoner, map[string]string, error) {
	h, cfg, err := ReadHeader(b, name)
	if err != nil {
		return nil, nil, err
	}
	r, err := New(cfg, h.Has(NameTarget), false)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := h.LoadInto(b, source{r}); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return r, h.Meta, nil
}
