package baseline

import (
	"encoding/json"
	"fmt"
	"sync"

	"jrx/latent"
	"jrx/nn"
)

// StageCoconut is the config stage of a COCONUT network.
const StageCoconut = "coconut"

// MetaCoconut is the checkpoint metadata entry holding CoconutMeta as JSON.
const MetaCoconut = "coconut"

// CoconutMeta is what a COCONUT checkpoint records beside the network's
// config (docs/MODEL.md, "Checkpoints"): the marker ids and the number of
// thoughts used at inference.
type CoconutMeta struct {
	Model    string `json:"model"` // always "coconut"
	Thoughts int    `json:"thoughts"`
	BOT      int    `json:"bot"`
	EOT      int    `json:"eot"`
}

// Coconut is COCONUT (C, docs/MODEL.md): the token network of T whose
// continuous thoughts, the final-norm output h at the position before,
// are fed back raw as the next input between [BOT] and [EOT], followed by
// greedy tokens. The task owns the vocabulary: BOT and EOT are its ids.
type Coconut struct {
	Net      *latent.Reasoner // no target table; Cfg.Stage "coconut"
	BOT, EOT int
	// Thoughts is k, the number of thoughts at inference (the last
	// curriculum stage trained).
	Thoughts int

	prefill sync.Pool // *nn.StackActs for one sequence of Context positions
}

// NewCoconut wraps a token network (T0's weights) as COCONUT. Like New, it
// takes the network over: its target table is dropped and its stage set to
// "coconut". bot and eot are the task's marker ids; thoughts is k.
func NewCoconut(net *latent.Reasoner, bot, eot, thoughts int) (*Coconut, error) {
	if err := checkMeta(net.Cfg, CoconutMeta{Model: StageCoconut, Thoughts: thoughts, BOT: bot, EOT: eot}); err != nil {
		return nil, err
	}
	net.Target = nil
	net.Cfg.Stage = StageCoconut
	return &Coconut{Net: net, BOT: bot, EOT: eot, Thoughts: thoughts}, nil
}

func checkMeta(cfg latent.Config, m CoconutMeta) error {
	switch {
	case m.Model != StageCoconut:
		return fmt.Errorf("coconut: model %q, want %q", m.Model, StageCoconut)
	case m.BOT < 0 || m.BOT >= cfg.Vocab || m.EOT < 0 || m.EOT >= cfg.Vocab:
		return fmt.Errorf("coconut: marker ids bot %d, eot %d outside the vocabulary of %d", m.BOT, m.EOT, cfg.Vocab)
	case m.BOT == m.EOT:
		return fmt.Errorf("coconut: bot and eot are the same id %d", m.BOT)
	case m.Thoughts < 0 || m.Thoughts+3 > cfg.Context:
		return fmt.Errorf("coconut: %d thoughts do not fit a context of %d", m.Thoughts, cfg.Context)
	}
	return nil
}

// Meta returns the checkpoint metadata entry.
func (m *Coconut) Meta() CoconutMeta {
	return CoconutMeta{Model: StageCoconut, Thoughts: m.Thoughts, BOT: m.BOT, EOT: m.EOT}
}

// Save writes the checkpoint atomically: the baseline's tensors, the
// config with stage "coconut", and the "coconut" metadata entry.
func (m *Coconut) Save(path string, extra map[string]string) error {
	b, err := json.Marshal(m.Meta())
	if err != nil {
		return err
	}
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	meta[MetaCoconut] = string(b)
	return m.Net.Save(path, meta)
}

// LoadCoconut reads a COCONUT checkpoint. A Reasoner, a baseline or a file
// without (or with a wrong) "coconut" entry is refused with an error naming
// the file.
func LoadCoconut(b []byte, name string) (*Coconut, map[string]string, error) {
	net, meta, err := latent.Load(b, name)
	if err != nil {
		return nil, nil, err
	}
	if net.Target != nil || net.Cfg.Stage != StageCoconut {
		return nil, nil, fmt.Errorf("%s: not a COCONUT checkpoint (stage %q)", name, net.Cfg.Stage)
	}
	raw, ok := meta[MetaCoconut]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no %q metadata entry", name, MetaCoconut)
	}
	var cm CoconutMeta
	if err := json.Unmarshal([]byte(raw), &cm); err != nil {
		return nil, nil, fmt.Errorf("%s: %q metadata: %w", name, MetaCoconut, err)
	}
	if err := checkMeta(net.Cfg, cm); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Coconut{Net: net, BOT: cm.BOT, EOT: cm.EOT, Thoughts: cm.Thoughts}, meta, nil
}

// ---- training: the stage-s layout and the multi-pass forward/backward ----

// CoconutBatch is a training batch: B problems (prompt and answer token
// ids, as the task gives them) at curriculum stage Stage, which replaces
// the first Stage answer symbols by Stage thoughts.
type CoconutBatch struct {
	Prompts, Answers [][]int
	Stage            int
}

// CoconutLayout places a batch in B right-padded rows of T positions
// (docs/MODEL.md: x_1 … x_P, [BOT], θ_1 … θ_s, [EOT], a_{s+1} … a_{n−1}).
// Index i = b·T + position.
type CoconutLayout struct {
	B, T, Stage int
	Len         []int     // [B] unpadded length P + n + 1
	BOTPos      []int     // [B] position of [BOT]; thought j (1-based) is at BOTPos + j
	Inputs      []int     // [B·T] token id fed at each position; −1 at thoughts and padding
	Thought     []int     // [B·T] j ≥ 1 at thought j's position, 0 elsewhere
	Targets     []int     // [B·T] the answer symbol predicted there, −1 where no loss
	Weights     []float32 // [B·T] 1 where a symbol is predicted, 0 elsewhere
}

// Layout checks a batch and lays it out. Errors name the problem.
func (m *Coconut) Layout(b CoconutBatch) (*CoconutLayout, error) {
	cfg := m.Net.Cfg
	B := len(b.Prompts)
	if B == 0 || len(b.Answers) != B {
		return nil, fmt.Errorf("coconut: %d prompts and %d answers", B, len(b.Answers))
	}
	s := b.Stage
	if s < 0 {
		return nil, fmt.Errorf("coconut: stage %d < 0", s)
	}
	inVocab := func(ids []int) error {
		for _, id := range ids {
			if id < 0 || id >= cfg.Vocab {
				return fmt.Errorf("token id %d outside the vocabulary of %d", id, cfg.Vocab)
			}
		}
		return nil
	}
	T := 0
	for i := range B {
		P, n := len(b.Prompts[i]), len(b.Answers[i])
		if P == 0 {
			return nil, fmt.Errorf("coconut: problem %d has an empty prompt", i)
		}
		if n <= s {
			return nil, fmt.Errorf("coconut: problem %d: an answer of %d symbols leaves none after %d thoughts", i, n, s)
		}
		if P+n+1 > cfg.Context {
			return nil, fmt.Errorf("coconut: problem %d needs %d positions, the context holds %d", i, P+n+1, cfg.Context)
		}
		if err := inVocab(b.Prompts[i]); err != nil {
			return nil, fmt.Errorf("coconut: problem %d prompt: %w", i, err)
		}
		if err := inVocab(b.Answers[i]); err != nil {
			return nil, fmt.Errorf("coconut: problem %d answer: %w", i, err)
		}
		T = max(T, P+n+1)
	}
	l := &CoconutLayout{B: B, T: T, Stage: s, Len: make([]int, B), BOTPos: make([]int, B),
		Inputs: make([]int, B*T), Thought: make([]int, B*T), Targets: make([]int, B*T), Weights: make([]float32, B*T)}
	for i := range l.Inputs {
		l.Inputs[i], l.Targets[i] = -1, -1
	}
	for i := range B {
		pr, ans := b.Prompts[i], b.Answers[i]
		P, n := len(pr), len(ans)
		row := i * T
		l.Len[i], l.BOTPos[i] = P+n+1, P
		copy(l.Inputs[row:], pr)
		l.Inputs[row+P] = m.BOT
		for j := 1; j <= s; j++ {
			l.Thought[row+P+j] = j
		}
		e := P + s + 1
		l.Inputs[row+e] = m.EOT
		copy(l.Inputs[row+e+1:], ans[s:n-1])
		for k := 0; k < n-s; k++ {
			l.Targets[row+e+k] = ans[s+k]
			l.Weights[row+e+k] = 1
		}
	}
	return l, nil
}

// CoconutWork holds the buffers of training passes over batches of up to
// maxB rows of maxT positions, allocated once and reused.
type CoconutWork struct {
	maxB, maxT          int
	acts                *nn.StackActs
	cache               *nn.BatchKVCache // the thoughts' passes
	pos                 []int            // [B]
	x, xs, dx, dh, seed []float32        // [B·T×d]
	logits, probs, dlog []float32        // [B·T×V]
	lay                 *CoconutLayout
}

// NewWork allocates buffers for batches of up to maxB×maxT.
func (m *Coconut) NewWork(maxB, maxT int) *CoconutWork {
	n, d, v := maxB*maxT, m.Net.Cfg.D, m.Net.Cfg.Vocab
	f := func(k int) []float32 { return make([]float32, k) }
	return &CoconutWork{maxB: maxB, maxT: maxT, acts: m.Net.Net.NewActs(maxB, maxT),
		cache: m.Net.Net.NewBatchCache(maxB, maxT), pos: make([]int, maxB),
		x: f(n * d), xs: f(n * d), dx: f(n * d), dh: f(n * d), seed: f(n * d),
		logits: f(n * v), probs: f(n * v), dlog: f(n * v)}
}

// Loss runs the multi-pass forward of a laid-out batch (the thoughts on a KV
// cache, then the final pass over whole rows) and returns the mean
// cross-entropy over the remaining answer symbols. With backward it then
// accumulates the gradients of every parameter into Net.P's Grad, through
// the thoughts (docs/MODEL.md, "Gradient path"): s input-gradient backwards
// for the thoughts' adjoints, then one whole backward, all over the final
// pass's activations. It panics if the layout exceeds wk.
func (m *Coconut) Loss(wk *CoconutWork, l *CoconutLayout, backward bool) float32 {
	B, T, s := l.B, l.T, l.Stage
	if B > wk.maxB || T > wk.maxT {
		panic(fmt.Sprintf("baseline: batch %d×%d larger than the work buffers %d×%d", B, T, wk.maxB, wk.maxT))
	}
	cfg := m.Net.Cfg
	n, d, V := B*T, cfg.D, cfg.Vocab
	E := m.Net.Embed()
	net := m.Net.Net
	x := wk.x[:n*d]
	clear(x)
	for i, id := range l.Inputs {
		if id >= 0 {
			copy(x[i*d:(i+1)*d], E[id*d:(id+1)*d])
		}
	}
	// Thought 1 is h at [BOT]: one forward over the prompts (positions
	// 0 … BOTPos of every row, right-padded to the longest) fills a KV cache;
	// thought j+1 is h at BOTPos+j, one position of each row on that cache.
	// These are the bits of a whole forward up to BOTPos+j (nn.StepBatchAt).
	if s > 0 {
		Tp := 0
		for b := range B {
			Tp = max(Tp, l.BOTPos[b]+1)
		}
		xs := wk.xs[:B*Tp*d]
		for b := range B {
			copy(xs[b*Tp*d:(b+1)*Tp*d], x[b*T*d:(b*T+Tp)*d])
		}
		net.PrefillBatch(wk.cache, wk.acts, xs, B, Tp)
		hp := wk.acts.Out()
		for b := range B {
			src := b*Tp + l.BOTPos[b]
			dst := b*T + l.BOTPos[b] + 1
			copy(x[dst*d:(dst+1)*d], hp[src*d:(src+1)*d])
		}
		pos := wk.pos[:B]
		xt := wk.xs[:B*d]
		for j := 1; j < s; j++ {
			for b := range B {
				pos[b] = l.BOTPos[b] + j
				copy(xt[b*d:(b+1)*d], x[(b*T+pos[b])*d:])
			}
			h := net.StepBatchAt(wk.cache, xt, pos)
			for b := range B {
				dst := b*T + pos[b] + 1
				copy(x[dst*d:(dst+1)*d], h[b*d:(b+1)*d])
			}
		}
	}
	h := net.Forward(wk.acts, x, B, T)
	logits, probs := wk.logits[:n*V], wk.probs[:n*V]
	nn.TiedHeadForward(logits, h, E, n, d, V)
	loss := nn.CrossEntropyForward(probs, logits, l.Targets, l.Weights, n, V)
	wk.lay = l
	if !backward {
		return loss
	}
	dE := m.Net.P.G(latent.NameEmbed)
	dlog, dh, dx, seed := wk.dlog[:n*V], wk.dh[:n*d], wk.dx[:n*d], wk.seed[:n*d]
	clear(dlog)
	nn.CrossEntropyBackward(dlog, probs, l.Targets, l.Weights, n, V, 1)
	clear(dh)
	nn.TiedHeadBackward(dh, dE, dlog, h, E, n, d, V)
	// μ_s … μ_1 from input gradients alone (Backward is linear in its seed
	// and causal: once the seeds at positions ≥ t_j are in, dx at t_j is
	// μ_j, which goes on into the thought's source h at t_j − 1); each μ_j
	// is added to dh there, and one Backward of the final pass seeded with
	// the completed dh gives the parameters' gradients (docs/MODEL.md,
	// "Gradient path") and the embeddings' input gradient.
	if s > 0 {
		clear(dx)
		net.BackwardInput(wk.acts, dh, dx)
		for j := s; j >= 1; j-- {
			// dx at t_j is now μ_j: into dh at its source, and, while an
			// earlier thought's μ still depends on it, backwards alone.
			if j > 1 {
				clear(seed)
			}
			for b := range B {
				t := b*T + l.BOTPos[b] + j
				mu := dx[t*d : (t+1)*d]
				dst := dh[(t-1)*d : t*d]
				for k, v := range mu {
					dst[k] += v
				}
				if j > 1 {
					copy(seed[(t-1)*d:t*d], mu)
				}
			}
			if j > 1 {
				net.BackwardInput(wk.acts, seed, dx)
			}
		}
	}
	clear(dx)
	net.Backward(wk.acts, dh, dx)
	for i, id := range l.Inputs {
		if id >= 0 {
			g := dE[id*d : (id+1)*d]
			for k, v := range dx[i*d : (i+1)*d] {
				g[k] += v
			}
		}
	}
	return loss
}

// Thought returns thought j (1-based) of row b as fed in wk's last Loss (a
// view, valid until the next Loss).
func (wk *CoconutWork) Thought(b, j int) []float32 {
	l := wk.lay
	if l == nil || b < 0 || b >= l.B || j < 1 || j > l.Stage {
		panic(fmt.Sprintf("baseline: no thought %d of row %d in the last pass", j, b))
	}
	d := len(wk.x) / (wk.maxB * wk.maxT)
	i := b*l.T + l.BOTPos[b] + j
	return wk.x[i*d : (i+1)*d]
}

// Logits returns the logits [B·T×V] of wk's last Loss (a view).
func (wk *CoconutWork) Logits() []float32 {
	V := len(wk.logits) / (wk.maxB * wk.maxT)
	return wk.logits[:wk.lay.B*wk.lay.T*V]
}

// ---- inference: one sequence on a KV cache ----

// Position kinds after the prompt, in a CoconutDecoder's history.
const (
	KindBOT = iota
	KindThought
	KindEOT
	KindToken
)

// CoconutDecoder runs one problem on a KV cache: the prompt and [BOT] in
// one pass, then thoughts one at a time (each can be read and changed
// before it is fed), then [EOT], then tokens.
type CoconutDecoder struct {
	m      *Coconut
	cache  *nn.KVCache
	x      []float32
	hist   []float32 // h at positions prompt … Len()−1, [(Len()−prompt)×d]
	kinds  []int     // kind of positions prompt … Len()−1
	z      []float32
	prompt int
}

// NewDecoder reads the prompt and [BOT]; the decoder then stands before
// the first thought.
func (m *Coconut) NewDecoder(prompt []int) (*CoconutDecoder, error) {
	cfg := m.Net.Cfg
	if len(prompt) == 0 {
		return nil, fmt.Errorf("coconut: empty prompt")
	}
	if len(prompt)+1 > cfg.Context {
		return nil, fmt.Errorf("coconut: a prompt of %d tokens and [BOT] exceed the context of %d positions", len(prompt), cfg.Context)
	}
	for _, t := range prompt {
		if t < 0 || t >= cfg.Vocab {
			return nil, fmt.Errorf("coconut: token id %d outside the vocabulary of %d", t, cfg.Vocab)
		}
	}
	d := cfg.D
	T := len(prompt) + 1
	x := make([]float32, T*d)
	E := m.Net.Embed()
	for i, t := range append(append([]int(nil), prompt...), m.BOT) {
		copy(x[i*d:(i+1)*d], E[t*d:(t+1)*d])
	}
	dc := &CoconutDecoder{m: m, cache: m.Net.Net.NewCache(cfg.Context), x: make([]float32, d),
		hist: make([]float32, d, 16*d), kinds: []int{KindBOT}, z: make([]float32, cfg.Vocab), prompt: len(prompt)}
	a, _ := m.prefill.Get().(*nn.StackActs)
	if a == nil {
		a = m.Net.Net.NewActs(1, cfg.Context)
	}
	m.Net.Net.Prefill(dc.cache, a, x, T, dc.hist[:d])
	m.prefill.Put(a)
	return dc, nil
}

// Len is the number of positions in the context (prompt, [BOT], …).
func (dc *CoconutDecoder) Len() int { return dc.cache.Len() }

// Kinds returns the kind of every position after the prompt ([BOT] first).
func (dc *CoconutDecoder) Kinds() []int { return append([]int(nil), dc.kinds...) }

// Thinking says whether the decoder is between [BOT] and [EOT].
func (dc *CoconutDecoder) Thinking() bool {
	last := dc.kinds[len(dc.kinds)-1]
	return last == KindBOT || last == KindThought
}

// ThoughtsFed is the number of thoughts in the context.
func (dc *CoconutDecoder) ThoughtsFed() int {
	k := 0
	for _, v := range dc.kinds {
		if v == KindThought {
			k++
		}
	}
	return k
}

// H is the final-norm output at the last position (a view; do not keep).
// While thinking it is the next thought; after [EOT] the head reads it.
func (dc *CoconutDecoder) H() []float32 {
	d := dc.m.Net.Cfg.D
	return dc.hist[len(dc.hist)-d:]
}

// Thought returns a copy of the next thought (H), to show or perturb and
// then pass to FeedThought.
func (dc *CoconutDecoder) Thought() []float32 { return append([]float32(nil), dc.H()...) }

func (dc *CoconutDecoder) step(kind int) error {
	cfg := dc.m.Net.Cfg
	if dc.cache.Len() >= cfg.Context {
		return fmt.Errorf("coconut: context of %d positions is full", cfg.Context)
	}
	d := cfg.D
	n := len(dc.hist)
	dc.hist = append(dc.hist, make([]float32, d)...)
	dc.m.Net.Net.Step(dc.cache, dc.x, dc.hist[n:n+d])
	dc.kinds = append(dc.kinds, kind)
	return nil
}

// FeedThought appends v [d] as the next thought. The model's own thought
// is Thought(); any other vector (a noisy one) is fed as given.
func (dc *CoconutDecoder) FeedThought(v []float32) error {
	if !dc.Thinking() {
		return fmt.Errorf("coconut: a thought after [EOT]")
	}
	if len(v) != dc.m.Net.Cfg.D {
		return fmt.Errorf("coconut: a thought of %d values, want %d", len(v), dc.m.Net.Cfg.D)
	}
	copy(dc.x, v)
	return dc.step(KindThought)
}

// EndThoughts appends [EOT]; the decoder then emits tokens.
func (dc *CoconutDecoder) EndThoughts() error {
	if !dc.Thinking() {
		return fmt.Errorf("coconut: [EOT] after [EOT]")
	}
	d := dc.m.Net.Cfg.D
	copy(dc.x, dc.m.Net.Embed()[dc.m.EOT*d:(dc.m.EOT+1)*d])
	return dc.step(KindEOT)
}

// Logits returns z = H·Eᵀ at the last position (a view, valid until the
// next call).
func (dc *CoconutDecoder) Logits() []float32 {
	cfg := dc.m.Net.Cfg
	nn.TiedHeadForward(dc.z, dc.H(), dc.m.Net.Embed(), 1, cfg.D, cfg.Vocab)
	return dc.z
}

// Next returns the greedy token at the last position (it does not feed it).
func (dc *CoconutDecoder) Next() int { return nn.Argmax(dc.Logits()) }

// Feed appends a token after [EOT] (the model's own or a forced one).
func (dc *CoconutDecoder) Feed(tok int) error {
	cfg := dc.m.Net.Cfg
	if dc.Thinking() {
		return fmt.Errorf("coconut: a token before [EOT]")
	}
	if tok < 0 || tok >= cfg.Vocab {
		return fmt.Errorf("coconut: token id %d outside the vocabulary of %d", tok, cfg.Vocab)
	}
	d := cfg.D
	copy(dc.x, dc.m.Net.Embed()[tok*d:(tok+1)*d])
	return dc.step(KindToken)
}

// Truncate forgets positions ≥ n, restoring the state after n positions
// exactly (H included); [BOT] and the prompt are never dropped.
func (dc *CoconutDecoder) Truncate(n int) {
	n = max(n, dc.prompt+1)
	if n >= dc.cache.Len() {
		return
	}
	dc.cache.Truncate(n)
	k := n - dc.prompt
	dc.kinds = dc.kinds[:k]
	dc.hist = dc.hist[:k*dc.m.Net.Cfg.D]
}

// Clone returns an independent copy (a fork).
func (dc *CoconutDecoder) Clone() *CoconutDecoder {
	c := *dc
	c.cache = dc.cache.Clone()
	c.x = make([]float32, len(dc.x))
	c.hist = append([]float32(nil), dc.hist...)
	c.kinds = append([]int(nil), dc.kinds...)
	c.z = make([]float32, len(dc.z))
	return &c
}

// CoconutTrace is one decoded problem: the thoughts as fed, then the tokens.
type CoconutTrace struct {
	Thoughts [][]float32
	Tokens   []int
}

// Decode reads prompt, makes k thoughts, appends [EOT] and emits steps
// greedy tokens. perturb (may be nil) sees thought j (0-based) before it is
// fed and may change it in place (latent noise); force maps a token step
// (0-based) to a token that replaces the model's choice and stays in its
// context.
func (m *Coconut) Decode(prompt []int, k, steps int, perturb func(j int, thought []float32), force map[int]int) (*CoconutTrace, error) {
	if k < 0 || steps < 0 {
		return nil, fmt.Errorf("coconut: %d thoughts, %d steps", k, steps)
	}
	if len(prompt)+k+1+steps > m.Net.Cfg.Context {
		return nil, fmt.Errorf("coconut: a prompt of %d tokens, %d thoughts and %d steps exceed the context of %d", len(prompt), k, steps, m.Net.Cfg.Context)
	}
	dc, err := m.NewDecoder(prompt)
	if err != nil {
		return nil, err
	}
	tr := &CoconutTrace{}
	for j := range k {
		th := dc.Thought()
		if perturb != nil {
			perturb(j, th)
		}
		if err := dc.FeedThought(th); err != nil {
			return nil, err
		}
		tr.Thoughts = append(tr.Thoughts, th)
	}
	if err := dc.EndThoughts(); err != nil {
		return nil, err
	}
	tr.Tokens = make([]int, steps)
	for t := range tr.Tokens {
		tok := dc.Next()
		if f, ok := force[t]; ok {
			if f < 0 || f >= m.Net.Cfg.Vocab {
				return nil, fmt.Errorf("coconut: forced token %d at step %d outside the vocabulary", f, t)
			}
			tok = f
		}
		tr.Tokens[t] = tok
		if t+1 < steps {
			if err := dc.Feed(tok); err != nil {
				return nil, err
			}
		}
	}
	return tr, nil
}
