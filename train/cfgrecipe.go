package train

import (
	"bytes"
	"encoding/json"
	"fmt"

	"jrx/latent"
	"jrx/tasks/cfg"
)

// CFGRecipe is everything that determines a grammar training run (the
// paper's Experiment 2, docs/TRAINING.md "Grammars"): the grammar task,
// the shapes of T0 and of R (T0's first ReasonerLayers blocks), and the
// optimiser settings and step counts of every stage. It is stored in every
// state file and model file; a resumed run must have the same recipe.
//
// The grammar task's settings (levels, grammar_seed, answer_len, grammar)
// are top-level fields of its JSON, so tasks.New("cfg", recipeJSON) — what
// the engine's model-set loader calls — rebuilds the same task, grammar
// included.
type CFGRecipe struct {
	Task        string          `json:"task"` // "cfg"
	Levels      int             `json:"levels"`
	GrammarSeed uint64          `json:"grammar_seed"`
	AnswerLen   int             `json:"answer_len"`
	Grammar     json.RawMessage `json:"grammar,omitempty"` // the rule table (cfg.Grammar's JSON); empty: generated from levels and grammar_seed

	// Model is T0's network (also T's and C's); Model.Layers is L.
	Model latent.Config `json:"model"`
	// ReasonerLayers is N: R is T0's embedding, first N blocks and final
	// norm (the paper: 16 of 24).
	ReasonerLayers int `json:"reasoner_layers"`

	// T0: next-token cross-entropy on whole sentences with [ANS] at a
	// random cut (the task's pretraining variant), cosine decay.
	Batch         int     `json:"batch"`
	PretrainSteps int     `json:"pretrain_steps"`
	LR            float32 `json:"lr"`
	MinLR         float32 `json:"min_lr"`
	Warmup        int     `json:"warmup"`
	WeightDecay   float32 `json:"weight_decay"`
	// PretrainMarkers is the fraction of T0's (and T's) sentences that
	// carry COCONUT's [BOT] [EOT] right after [ANS], no loss on predicting
	// either: T0 then reads past the markers as it reads past [ANS], so
	// C's curriculum starts from a network to which its layout is not new
	// (0: T0 never sees them, and C's stage 0 learns them; TRAINING.md).
	PretrainMarkers float32 `json:"pretrain_markers,omitempty"`
	// MicroBatches > 1 splits each batch of T0's, T's and SST's steps
	// into that many micro-batches of rows sorted by length, each padded
	// to its own longest, their gradients accumulated with their share of
	// the loss weight: the same step to float32 rounding on fewer padded
	// positions (0 or 1: one batch padded to its longest).
	MicroBatches int `json:"micro_batches,omitempty"`

	// R's SST steps; T continues T0 for as many steps with the same
	// schedule.
	SSTSteps  int     `json:"sst_steps"`
	SSTLR     float32 `json:"sst_lr"`
	SSTMinLR  float32 `json:"sst_min_lr"`
	SSTWarmup int     `json:"sst_warmup"`
	// SSTFeedPasses > 0 trains R with self-fed SST (docs/MODEL.md): the
	// answer positions' inputs are R's own latents from that many
	// no-gradient passes instead of the tokens' embeddings. 0 is the
	// paper's one teacher-forced pass.
	SSTFeedPasses int `json:"sst_feed_passes,omitempty"`
	// SSTFeedBoost > 0 leans each fed input toward its true token by a
	// weight drawn uniformly from [0, SSTFeedBoost) (SSTLossFed's boost).
	SSTFeedBoost float32 `json:"sst_feed_boost,omitempty"`
	// SSTFeedMajor adds to each fed input's boost the least weight that
	// makes its true token the nearest target row (SSTLossFed's major):
	// every fed input then reads as the symbol the sentence goes on with.
	SSTFeedMajor bool `json:"sst_feed_major,omitempty"`

	// Talkers, on R's free-running latents of the answer.
	MonoLayers  int     `json:"mono_layers"`
	DualEnc     int     `json:"dual_enc_layers"`
	DualDec     int     `json:"dual_dec_layers"`
	DualSteps   int     `json:"dual_steps"`
	MonoSteps   int     `json:"mono_steps"`
	TalkerLR    float32 `json:"talker_lr"`
	TalkerBatch int     `json:"talker_batch"`

	// COCONUT from T0: CoconutSteps[s] steps at curriculum stage s
	// (s = 0 … Thoughts; stage 0 has the markers and no thought), a fresh
	// optimiser and schedule per stage; C thinks len(CoconutSteps)−1
	// thoughts at inference.
	CoconutSteps []int   `json:"coconut_steps"`
	CoconutLR    float32 `json:"coconut_lr"`
	CoconutBatch int     `json:"coconut_batch"`

	Seed      uint64 `json:"seed"`
	EvalEvery int    `json:"eval_every"`
	EvalN     int    `json:"eval_n"`
	// EvalEndN of the EvalN problems also get T's greedy continuation to
	// the sentence's end at each evaluation of T0 and T.
	EvalEndN int `json:"eval_end_n"`
	// FinalEvalN problems drawn from FinalEvalSeed (never used in
	// training) are evaluated at the end; the figures go into every model
	// file and eval.json.
	FinalEvalN    int    `json:"final_eval_n"`
	FinalEvalSeed uint64 `json:"final_eval_seed"`
}

// CFGRecipeFor is the default grammar recipe for the default grammar of
// the given number of levels (docs/TRAINING.md, "Grammars", has the
// measurements behind the numbers). The grammar's rule table is part of
// the recipe.
func CFGRecipeFor(levels int) (CFGRecipe, error) {
	m := latent.DefaultConfig(cfg.VocabSize)
	m.Layers = 8
	r := CFGRecipe{
		Task: cfg.Name, Levels: levels, GrammarSeed: cfg.DefaultSeed, AnswerLen: cfg.DefaultAnswerLen,
		Model: m, ReasonerLayers: 8,
		Batch: 32, PretrainSteps: 1750, LR: 1e-3, MinLR: 5e-5, Warmup: 100, WeightDecay: 0.1, MicroBatches: 4,
		SSTSteps: 600, SSTLR: 3e-4, SSTMinLR: 3e-5, SSTWarmup: 30, SSTFeedPasses: 1, SSTFeedBoost: 1, SSTFeedMajor: true,
		MonoLayers: 2, DualEnc: 4, DualDec: 4, DualSteps: 3000, MonoSteps: 150, TalkerLR: 1e-3, TalkerBatch: 32,
		CoconutSteps: []int{300, 300, 300, 450, 450}, CoconutLR: 1e-3, CoconutBatch: 32, PretrainMarkers: 0.5,
		Seed: 1, EvalEvery: 250, EvalN: 256, EvalEndN: 32, FinalEvalN: 1000, FinalEvalSeed: 20251220,
	}
	if err := r.fill(); err != nil {
		return CFGRecipe{}, err
	}
	return r, nil
}

// TinyCFGRecipe trains a 2-level grammar with a tiny model in a few
// seconds: the recipe of the end-to-end tests.
func TinyCFGRecipe() CFGRecipe {
	r, err := CFGRecipeFor(2)
	if err != nil {
		panic(err) // the default 2-level grammar always generates
	}
	r.Model.D, r.Model.A, r.Model.F, r.Model.Layers, r.Model.Heads = 32, 32, 64, 3, 2
	r.ReasonerLayers = 2
	r.SSTFeedPasses, r.SSTFeedBoost, r.SSTFeedMajor = 0, 0, false // the paper's SST: the tiny run's measured bars
	r.AnswerLen = 4
	r.Batch, r.TalkerBatch, r.CoconutBatch = 16, 16, 16
	r.PretrainSteps, r.SSTSteps, r.DualSteps, r.MonoSteps = 300, 150, 100, 40
	r.CoconutSteps = []int{30, 30, 30}
	r.MicroBatches = 0 // one batch: the tiny run's measured bars
	r.LR, r.MinLR, r.Warmup = 3e-3, 3e-4, 20
	r.SSTLR, r.SSTMinLR, r.SSTWarmup, r.TalkerLR, r.CoconutLR = 3e-4, 3e-5, 10, 3e-3, 1e-3
	r.MonoLayers, r.DualEnc, r.DualDec = 1, 1, 1
	r.EvalEvery, r.EvalN, r.EvalEndN = 100, 32, 8
	r.FinalEvalN = 100
	if err := r.fill(); err != nil {
		panic(err)
	}
	return r
}

// fill stores the grammar's rule table and sets the context to what the
// task needs.
func (r *CFGRecipe) fill() error {
	r.Grammar = nil
	t, err := r.task()
	if err != nil {
		return err
	}
	if r.Grammar, err = t.Grammar().MarshalJSON(); err != nil {
		return err
	}
	r.Model.Context = r.needContext(t)
	return nil
}

// SetShape changes the grammar (levels, seed) or the answer length and
// refreshes the stored rule table and the context.
func (r *CFGRecipe) SetShape(levels int, seed uint64, answerLen int) error {
	r.Levels, r.GrammarSeed, r.AnswerLen = levels, seed, answerLen
	return r.fill()
}

// task builds the grammar task the recipe describes (its evaluation form).
func (r CFGRecipe) task() (*cfg.Task, error) {
	seed := r.GrammarSeed
	s := cfg.Settings{Levels: r.Levels, GrammarSeed: &seed, AnswerLen: r.AnswerLen, Grammar: r.Grammar}
	t, err := s.Task()
	if err != nil {
		return nil, fmt.Errorf("recipe: %w", err)
	}
	return t, nil
}

// Tasks returns the grammar task (evaluation form: answers of AnswerLen
// symbols) and its pretraining variant (answers to the sentence's end).
func (r CFGRecipe) Tasks() (eval, pretrain *cfg.Task, err error) {
	t, err := r.task()
	if err != nil {
		return nil, nil, err
	}
	return t, t.Pretraining().(*cfg.Task), nil
}

// needContext is the longest sequence any stage runs: a COCONUT row at the
// longest prompt (prompt, [BOT], thoughts and [EOT] in place of answer
// symbols: P + n + 1) — one more than the engine's MaxPrompt + MaxAnswer,
// and more than a whole pretraining sentence with [ANS] and [EOS].
func (r CFGRecipe) needContext(t *cfg.Task) int {
	need := max(t.MaxPrompt()+t.MaxAnswer()+1, t.Grammar().MaxLen()+2)
	if r.PretrainMarkers > 0 {
		need = max(need, t.Grammar().MaxLen()+3) // a whole sentence, [ANS], [BOT], [EOT] and [EOS]
	}
	return need
}

// Thoughts is the number of continuous thoughts C makes at inference: the
// last curriculum stage.
func (r CFGRecipe) Thoughts() int { return len(r.CoconutSteps) - 1 }

// Validate checks the recipe before any work starts.
func (r CFGRecipe) Validate() error {
	if r.Task != cfg.Name {
		return fmt.Errorf("recipe: task %q; a grammar recipe trains %q", r.Task, cfg.Name)
	}
	t, err := r.task()
	if err != nil {
		return err
	}
	if err := r.Model.Validate(); err != nil {
		return fmt.Errorf("recipe: model: %w", err)
	}
	if v := t.Vocab().Size(); r.Model.Vocab != v {
		return fmt.Errorf("recipe: model vocab %d, the cfg task has %d tokens", r.Model.Vocab, v)
	}
	if need := r.needContext(t); r.Model.Context < need {
		return fmt.Errorf("recipe: context %d is shorter than the longest sequence a stage runs (%d: %s)", r.Model.Context, need, t.Distribution())
	}
	k := r.Thoughts()
	switch {
	case r.ReasonerLayers < 1 || r.ReasonerLayers > r.Model.Layers:
		return fmt.Errorf("recipe: reasoner_layers %d; want 1..%d (T0's blocks)", r.ReasonerLayers, r.Model.Layers)
	case r.Batch < 1 || r.TalkerBatch < 1 || r.CoconutBatch < 1:
		return fmt.Errorf("recipe: batch sizes must be positive")
	case r.PretrainSteps < 0 || r.SSTSteps < 0 || r.DualSteps < 0 || r.MonoSteps < 0:
		return fmt.Errorf("recipe: step counts must not be negative")
	case r.LR <= 0 || r.SSTLR <= 0 || r.TalkerLR <= 0 || r.CoconutLR <= 0:
		return fmt.Errorf("recipe: learning rates must be positive")
	case r.MinLR < 0 || r.MinLR > r.LR || r.SSTMinLR < 0 || r.SSTMinLR > r.SSTLR:
		return fmt.Errorf("recipe: a minimum learning rate must lie in [0, peak]")
	case !(r.PretrainMarkers >= 0 && r.PretrainMarkers <= 1):
		return fmt.Errorf("recipe: pretrain_markers %g; want a fraction in [0, 1]", r.PretrainMarkers)
	case r.MicroBatches < 0 || r.MicroBatches > r.Batch:
		return fmt.Errorf("recipe: micro_batches %d; want 0 … batch (%d)", r.MicroBatches, r.Batch)
	case r.Warmup < 0 || r.SSTWarmup < 0:
		return fmt.Errorf("recipe: warm-up steps must not be negative")
	case r.MonoLayers < 1 || r.DualEnc < 1 || r.DualDec < 1:
		return fmt.Errorf("recipe: Talker layer counts must be positive")
	case k < 1 || k >= t.AnswerLen():
		return fmt.Errorf("recipe: coconut_steps has %d stages, so C thinks %d thoughts; want 1..%d thoughts (fewer than answer_len %d), i.e. 2..%d stages", len(r.CoconutSteps), k, t.AnswerLen()-1, t.AnswerLen(), t.AnswerLen())
	case r.EvalEvery < 0 || r.EvalN < 0 || r.EvalEndN < 0 || r.EvalEndN > r.EvalN || r.FinalEvalN < 0:
		return fmt.Errorf("recipe: eval_every, eval_n, final_eval_n must not be negative, and eval_end_n ≤ eval_n")
	case r.EvalEvery > 0 && r.EvalN == 0:
		return fmt.Errorf("recipe: eval_every %d needs eval_n > 0", r.EvalEvery)
	}
	for s, n := range r.CoconutSteps {
		if n < 0 {
			return fmt.Errorf("recipe: coconut_steps[%d] = %d is negative", s, n)
		}
	}
	return nil
}

// JSON encodes the recipe (compact; the grammar as stored).
func (r CFGRecipe) JSON() string {
	b, _ := json.Marshal(r)
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return string(b)
	}
	return out.String()
}
