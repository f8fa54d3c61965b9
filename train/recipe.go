package train

import (
	"encoding/json"
	"fmt"

	"jrx/latent"
	"jrx/tasks"
	_ "jrx/tasks/all" // the recipe names its task
)

// Recipe is everything that determines a training run: task, model shapes,
// optimiser settings and step counts for every stage, and the seed. It is
// stored in every state file and checkpoint, and a resumed run must have the
// same recipe.
type Recipe struct {
	Task  string `json:"task"` // "tree"
	Depth int    `json:"depth"`
	// Order is the edge order: "shuffled" (default) or "level".
	Order string `json:"order"`
	// PretrainTargets is where pretraining puts targets: "leaf" or
	// "any-depth" (every route length equally likely; evaluation is always
	// on leaves).
	PretrainTargets string  `json:"pretrain_targets"`
	RouteWeight     float32 `json:"route_weight"`
	Batch           int     `json:"batch"`

	Model latent.Config `json:"model"`

	PretrainSteps int     `json:"pretrain_steps"`
	LR            float32 `json:"lr"`
	MinLR         float32 `json:"min_lr"`
	Warmup        int     `json:"warmup"`
	WeightDecay   float32 `json:"weight_decay"`

	SSTSteps  int     `json:"sst_steps"`
	SSTLR     float32 `json:"sst_lr"`
	SSTWarmup int     `json:"sst_warmup"`

	MonoLayers  int     `json:"mono_layers"`
	DualEnc     int     `json:"dual_enc_layers"`
	DualDec     int     `json:"dual_dec_layers"`
	TalkerSteps int     `json:"talker_steps"`
	TalkerLR    float32 `json:"talker_lr"`
	TalkerBatch int     `json:"talker_batch"`

	Seed      uint64 `json:"seed"`
	EvalEvery int    `json:"eval_every"`
	EvalN     int    `json:"eval_n"`
	// FinalEvalN trees drawn from FinalEvalSeed (never used in training)
	// are evaluated at the end; the figures go into every model file.
	FinalEvalN    int    `json:"final_eval_n"`
	FinalEvalSeed uint64 `json:"final_eval_seed"`
	// SSTCurveEvery, when > 0, records SST's learning curve: every that
	// many SST steps (and before the first and after the last) the correct
	// major contributor rate and the nearest-token route exact match on
	// the EvalN evaluation trees go into FileSSTCurve (sstcurve.go). It
	// reads the network only: the trained numbers are the same with it on
	// or off. 0 (the default, omitted from the JSON): no curve.
	SSTCurveEvery int `json:"sst_curve_every,omitempty"`
}

// TreeRecipe is the default recipe for trees of the given depth (levels).
// The numbers are the measured ones in docs/TRAINING.md.
func TreeRecipe(depth int) Recipe {
	m := latent.DefaultConfig(vocabSize("tree"))
	m.MTPWeight = 1
	r := Recipe{
		Task: "tree", Depth: depth, Order: "shuffled", PretrainTargets: "any-depth", RouteWeight: 10,
		Batch: 64, Model: m,
		PretrainSteps: 4000, LR: 1e-3, MinLR: 1e-4, Warmup: 200, WeightDecay: 0.1,
		SSTSteps: 600, SSTLR: 3e-4, SSTWarmup: 50,
		MonoLayers: 2, DualEnc: 2, DualDec: 2, TalkerSteps: 300, TalkerLR: 1e-3, TalkerBatch: 64,
		Seed: 1, EvalEvery: 250, EvalN: 256, FinalEvalN: 2000, FinalEvalSeed: 20251219,
	}
	if depth <= 3 {
		r.PretrainSteps = 2000
		r.SSTSteps = 400
	}
	if depth <= 2 {
		r.PretrainSteps, r.SSTSteps, r.TalkerSteps = 300, 100, 100
		r.Model.D, r.Model.A, r.Model.F, r.Model.Layers = 64, 64, 256, 2
	}
	return r
}

// TinyRecipe learns 2-level trees (a root and two leaves: one branch
// choice) in a few seconds on one core: the recipe of the end-to-end tests.
func TinyRecipe() Recipe {
	r := TreeRecipe(2)
	r.Model.D, r.Model.A, r.Model.F, r.Model.Layers, r.Model.Heads = 32, 32, 64, 2, 2
	r.Model.Context = 16
	r.Batch, r.TalkerBatch = 32, 32
	r.PretrainSteps, r.SSTSteps, r.TalkerSteps = 500, 150, 100
	r.LR, r.MinLR, r.Warmup = 3e-3, 3e-4, 20
	r.SSTLR, r.TalkerLR = 1e-3, 3e-3
	r.MonoLayers, r.DualEnc, r.DualDec = 1, 1, 1
	r.EvalEvery, r.EvalN = 0, 64
	r.FinalEvalN = 200
	return r
}

// vocabSize is the vocabulary size of a registered task's defaults (0 when
// it is unknown: Validate then says so).
func vocabSize(name string) int {
	t, err := tasks.New(name, nil)
	if err != nil {
		return 0
	}
	return t.Vocab().Size()
}

// Tasks returns the task the recipe trains (its evaluation form: SST,
// Talkers and every evaluation use it) and the task its token pretraining
// draws from. The task reads its own fields of the recipe's JSON (the tree
// task: depth, order, pretrain_targets).
func (r Recipe) Tasks() (eval, pretrain tasks.Task, err error) {
	t, err := tasks.New(r.Task, json.RawMessage(r.JSON()))
	if err != nil {
		return nil, nil, fmt.Errorf("recipe: %w", err)
	}
	return t, t.Pretraining(), nil
}

// Validate checks the recipe before any work starts.
func (r Recipe) Validate() error {
	task, _, err := r.Tasks()
	if err != nil {
		return err
	}
	if err := r.Model.Validate(); err != nil {
		return err
	}
	if v := task.Vocab().Size(); r.Model.Vocab != v {
		return fmt.Errorf("recipe: model vocab %d, the %s task has %d tokens", r.Model.Vocab, task.Name(), v)
	}
	if need := task.MaxPrompt() + task.MaxAnswer(); r.Model.Context < need {
		return fmt.Errorf("recipe: context %d is shorter than the task's longest sequence (%d tokens: %s)", r.Model.Context, need, task.Distribution())
	}
	switch {
	case r.Batch < 1 || r.TalkerBatch < 1:
		return fmt.Errorf("recipe: batch sizes must be positive")
	case r.PretrainSteps < 0 || r.SSTSteps < 0 || r.TalkerSteps < 0:
		return fmt.Errorf("recipe: step counts must not be negative")
	case r.LR <= 0 || r.SSTLR <= 0 || r.TalkerLR <= 0:
		return fmt.Errorf("recipe: learning rates must be positive")
	case r.MonoLayers < 1 || r.DualEnc < 1 || r.DualDec < 1:
		return fmt.Errorf("recipe: Talker layer counts must be positive")
	case r.SSTCurveEvery < 0:
		return fmt.Errorf("recipe: sst_curve_every %d must not be negative (0: no curve)", r.SSTCurveEvery)
	case r.SSTCurveEvery > 0 && r.EvalN < 1:
		return fmt.Errorf("recipe: sst_curve_every %d needs eval_n ≥ 1 (the curve is measured on the eval_n evaluation trees)", r.SSTCurveEvery)
	}
	return nil
}

// JSON encodes the recipe.
func (r Recipe) JSON() string {
	b, _ := json.Marshal(r)
	return string(b)
}
