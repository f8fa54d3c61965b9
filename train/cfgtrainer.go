package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"jrx/baseline"
	"jrx/latent"
	"jrx/nn"
	"jrx/talker"
	"jrx/tasks"
	"jrx/tasks/cfg"
)

// FileCoconut is COCONUT's file in a grammar model set.
const FileCoconut = "coconut.safetensors"

// Stream ids of the grammar stages' per-step generators (distinct from the
// tree trainer's, though the two never share a directory).
const (
	cfgIDPretrain = 21 + iota
	cfgIDBaseline
	cfgIDSST
	cfgIDTalker // one stream of Talker batches, read by the Dual and Mono stages
	cfgIDCoconut
	cfgIDDual
	cfgIDMono
	cfgIDEval = 98
)

// CFGTrainer trains the grammar model set (the paper's Experiment 2) from
// one pretrained Transformer T0, in order:
//
//	pretrain   T0: next-token cross-entropy on whole sentences with [ANS] at a random cut
//	           (a PretrainMarkers fraction with [BOT] [EOT] after it)
//	baseline   T: T0 + SSTSteps more steps of the same (the coupled baseline)
//	sst        R: T0's embedding, first ReasonerLayers blocks and final norm, then SST
//	dual, mono the Talkers, on R's free-running latents of the answer
//	coconut0…  C: COCONUT from T0, curriculum stage s = 0 … Thoughts
//
// then a final evaluation on fresh problems (CFGReport) written into every
// model file's metadata and eval.json. The stages keep state files in Dir
// as Trainer's do (written periodically, at their end and when the
// context is cancelled); with Resume a stage continues from its state file
// and a finished stage is loaded instead of re-run, to the same numbers as
// an uninterrupted run.
type CFGTrainer struct {
	Recipe    CFGRecipe
	Dir       string
	Resume    bool
	From      string // another run's directory to take finished stages from (Trainer.From)
	Progress  func(Event)
	SaveEvery time.Duration // state-file interval (default 2 minutes)
	// ProgressEvery is the least time between two progress events of a
	// stage (default 1 s; negative: every step).
	ProgressEvery time.Duration

	task, pretask *cfg.Task
	loops         *Trainer // runs the stage loops (Trainer.runLoop); only its loop settings are set

	t0, base, reasoner *latent.Reasoner
	mono               *talker.Mono
	dual               *talker.Dual
	coconut            *baseline.Coconut
	evalSet            []*cfg.Problem
	talkerCache        map[int]cfgTalkerBatch
}

// Run trains every stage. It returns ctx.Err() after saving state if
// cancelled.
func (t *CFGTrainer) Run(ctx context.Context) error {
	r := t.Recipe
	if err := r.Validate(); err != nil {
		return err
	}
	var err error
	if t.task, t.pretask, err = r.Tasks(); err != nil {
		return err
	}
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	if t.SaveEvery == 0 {
		t.SaveEvery = 2 * time.Minute
	}
	if t.ProgressEvery == 0 {
		t.ProgressEvery = time.Second
	}
	t.loops = &Trainer{Recipe: Recipe{Seed: r.Seed, EvalEvery: r.EvalEvery}, Dir: t.Dir, Resume: t.Resume, From: t.From,
		Progress: t.Progress, SaveEvery: t.SaveEvery, ProgressEvery: t.ProgressEvery, stageKey: cfgStageKey}
	t.evalSet = drawProblems(t.task, r.Seed<<8|cfgIDEval, r.EvalN)
	for _, stage := range []func(context.Context) error{t.pretrain, t.baselineStage, t.sst, t.dualStage, t.monoStage, t.coconutStages} {
		if err := stage(ctx); err != nil {
			return err
		}
	}
	return t.finalEval(ctx)
}

func (t *CFGTrainer) emit(e Event) {
	if t.Progress != nil {
		t.Progress(e)
	}
}

func (t *CFGTrainer) adam() nn.AdamWConfig {
	c := nn.DefaultAdamWConfig()
	c.WeightDecay = t.Recipe.WeightDecay
	return c
}

// meta is the metadata every file of the set carries: the recipe (the
// grammar's rule table included, as JSON) and the rule table as text.
func (t *CFGTrainer) meta() map[string]string {
	return map[string]string{"recipe": t.Recipe.JSON(), "grammar": t.task.Grammar().String()}
}

// newTokenNet is T0's network initialised from the recipe's seed.
func (t *CFGTrainer) newTokenNet() (*latent.Reasoner, error) {
	net, err := latent.New(t.Recipe.Model, false, false)
	if err != nil {
		return nil, err
	}
	net.Init(t.Recipe.Seed)
	net.Target = nil
	return net, nil
}

// tokenBatch lays pretraining-variant problems out for next-token
// training: every position predicts the next token of prefix [ANS] rest
// [EOS] with weight 1, except the one that would predict [ANS] itself
// (where the cut falls is not the sentence's business). Rows are padded to
// the batch's longest.
func tokenBatch(ps []*cfg.Problem) (*tasks.Batch, int) {
	return tokenBatchMarked(ps, nil)
}

// tokenBatchMarked is tokenBatch with COCONUT's markers in the rows marked
// true: prefix [ANS] [BOT] [EOT] rest [EOS], no loss on predicting [ANS],
// [BOT] or [EOT] (the recipe's pretrain_markers). marked may be nil.
func tokenBatchMarked(ps []*cfg.Problem, marked []bool) (*tasks.Batch, int) {
	probs := make([]tasks.Problem, len(ps))
	for i, p := range ps {
		probs[i] = p
		if marked != nil && marked[i] {
			probs[i] = markedProblem{p}
		}
	}
	b := tasks.MakeBatch(probs, cfg.IDPAD, 0, 1)
	real := 0
	for i := range b.B {
		// RouteStart is the prompt's last token: [ANS], or [EOT] in a
		// marked row, where the positions predicting [ANS] and [BOT] come
		// before it.
		R, first := b.RouteStart[i], b.RouteStart[i]
		if marked != nil && marked[i] {
			first = R - 2
		}
		for k := max(first-1, 0); k < R; k++ {
			b.W1[i*b.T+k] = 0
		}
		real += b.SeqLen[i] - 1
	}
	return b, real
}

// markedProblem is a grammar problem whose prompt ends with COCONUT's
// markers after [ANS] (tokenBatchMarked).
type markedProblem struct{ *cfg.Problem }

func (p markedProblem) Prompt() []int { return append(p.Problem.Prompt(), cfg.IDBOT, cfg.IDEOT) }

// markRows draws which of n rows carry the markers (each with probability
// frac); nil, and no draw, when frac is 0.
func markRows(rng *rand.Rand, n int, frac float32) []bool {
	if frac <= 0 {
		return nil
	}
	m := make([]bool, n)
	for i := range m {
		m[i] = rng.Float32() < frac
	}
	return m
}

func sampleProblems(task *cfg.Task, rng *rand.Rand, n int) []*cfg.Problem {
	out := make([]*cfg.Problem, n)
	for i := range out {
		out[i] = task.SampleProblem(rng)
	}
	return out
}

// tokenLoop is the loop of T0's pretraining and T's continuation.
func (t *CFGTrainer) tokenLoop(name string, net *latent.Reasoner, steps int, sched nn.Schedule) *loop {
	r := t.Recipe
	wk := net.NewWork(r.Batch, t.pretask.Grammar().MaxLen()+3) // +2: the markers (pretrain_markers)
	return &loop{
		name: name, steps: steps, sched: sched,
		state: &loopState{p: net.P, opt: nn.NewAdamW(net.P, t.adam()), recipe: r.JSON()},
		do: func(_ int, rng *rand.Rand) (float32, int) {
			ps := sampleProblems(t.pretask, rng, r.Batch)
			marks := markRows(rng, len(ps), r.PretrainMarkers)
			b, real := tokenBatchMarked(ps, marks)
			if r.MicroBatches <= 1 {
				loss, _ := net.TokenLoss(wk, b.Inputs, b.Targets, nil, b.W1, nil, b.B, b.T)
				return loss, real
			}
			var loss float32
			whole := weightSum(b.W1)
			for _, part := range microBatches(b, r.MicroBatches) {
				pb, _ := tokenBatchMarked(pick(ps, part), pick(marks, part))
				scale := float32(weightSum(pb.W1) / whole)
				l, _ := net.TokenLossScaled(wk, pb.Inputs, pb.Targets, nil, pb.W1, nil, pb.B, pb.T, scale)
				loss += scale * l
			}
			return loss, real
		},
		evalFn: func() string { return t.evalString(cfgModels{T: net}) },
	}
}

// evalString measures models on the recipe's evaluation problems.
func (t *CFGTrainer) evalString(m cfgModels) string {
	endN := 0
	if m.T != nil {
		endN = t.Recipe.EvalEndN
	}
	rep, err := evalCFG(context.Background(), t.task, m, t.evalSet, endN)
	if err != nil {
		return "evaluation failed: " + err.Error()
	}
	k := t.task.AnswerLen()
	switch {
	case m.C != nil:
		return fmt.Sprintf("C (%d thoughts) valid %.1f%% of %d, last %d exact %.1f%%", m.Thought, 100*rep.CValid, rep.CN, k-m.Thought, 100*rep.CExactLast)
	case m.Dual != nil:
		return fmt.Sprintf("R+Dual next %d valid %.1f%% (exact %.1f%%)", k, 100*rep.RDualValid, 100*rep.RDualExact)
	case m.Mono != nil:
		return fmt.Sprintf("R+Mono next %d valid %.1f%%", k, 100*rep.RMonoValid)
	case m.R != nil:
		return fmt.Sprintf("R free-running, nearest target token: next %d valid %.1f%%", k, 100*rep.RNearestValid)
	}
	return fmt.Sprintf("greedy next %d valid %.1f%% (exact %.1f%%), to the end valid %.1f%% of %d", k, 100*rep.TValid, 100*rep.TExact, 100*rep.TEndValid, endN)
}

// pretrain trains T0.
func (t *CFGTrainer) pretrain(ctx context.Context) error {
	r := t.Recipe
	net, err := t.newTokenNet()
	if err != nil {
		return err
	}
	l := t.tokenLoop("pretrain", net, r.PretrainSteps, nn.Schedule{Peak: r.LR, Min: r.MinLR, Warmup: r.Warmup, Total: r.PretrainSteps})
	if err := t.loops.runLoop(ctx, l, cfgIDPretrain); err != nil {
		return err
	}
	t.t0 = net
	net.Cfg.Stage = "pretrain"
	return net.Save(filepath.Join(t.Dir, FilePretrain), t.meta())
}

// copyOfT0 is a fresh network of T0's shape holding T0's weights.
func (t *CFGTrainer) copyOfT0() (*latent.Reasoner, error) {
	net, err := latent.New(t.Recipe.Model, false, false)
	if err != nil {
		return nil, err
	}
	if err := net.CopyWeightsFrom(t.t0); err != nil {
		return nil, err
	}
	net.Cfg.Seed = t.Recipe.Seed
	return net, nil
}

// baselineStage continues T0 for as many steps as SST takes: T.
func (t *CFGTrainer) baselineStage(ctx context.Context) error {
	r := t.Recipe
	net, err := t.copyOfT0()
	if err != nil {
		return err
	}
	l := t.tokenLoop("baseline", net, r.SSTSteps, nn.Schedule{Peak: r.SSTLR, Min: r.SSTMinLR, Warmup: r.SSTWarmup, Total: r.SSTSteps})
	if err := t.loops.runLoop(ctx, l, cfgIDBaseline); err != nil {
		return err
	}
	t.base = net
	net.Cfg.Stage = "baseline"
	return net.Save(filepath.Join(t.Dir, FileBaseline), t.meta())
}

// ReasonerFromT0 builds R from T0 (the paper's initialisation): T0's
// embedding, its first n blocks and its final norm, with the target table
// Ē = E. The other tensors of T0 are not used.
func ReasonerFromT0(t0 *latent.Reasoner, n int) (*latent.Reasoner, error) {
	c := t0.Cfg
	if n < 1 || n > c.Layers {
		return nil, fmt.Errorf("reasoner from T0: %d blocks of %d", n, c.Layers)
	}
	c.Layers = n
	r, err := latent.New(c, true, false)
	if err != nil {
		return nil, err
	}
	if err := r.CopyWeightsFrom(t0); err != nil {
		return nil, err
	}
	r.ResetTarget()
	return r, nil
}

// sst trains R with SST (MODEL.md: L2 latents, k·(1 − cos) against the
// EMA target table) on the pretraining variant's sequences, the loss on
// the positions after [ANS] (those that predict the rest of the sentence
// and [EOS]).
func (t *CFGTrainer) sst(ctx context.Context) error {
	r := t.Recipe
	net, err := ReasonerFromT0(t.t0, r.ReasonerLayers)
	if err != nil {
		return err
	}
	net.Cfg.Seed = r.Seed
	wk := net.NewWork(r.Batch, t.pretask.Grammar().MaxLen()+1)
	l := &loop{
		name: "sst", steps: r.SSTSteps,
		sched: nn.Schedule{Peak: r.SSTLR, Min: r.SSTMinLR, Warmup: r.SSTWarmup, Total: r.SSTSteps},
		state: &loopState{p: net.P, opt: nn.NewAdamW(net.P, t.adam()), recipe: r.JSON(), extra: map[string][]float32{"target_embed": net.Target}},
		do: func(_ int, rng *rand.Rand) (float32, int) {
			ps := sampleProblems(t.pretask, rng, r.Batch)
			b, real := tokenBatch(ps)
			if r.MicroBatches > 1 {
				var loss float32
				whole := weightSum(b.WSST)
				for _, part := range microBatches(b, r.MicroBatches) {
					pb, _ := tokenBatch(pick(ps, part))
					scale := float32(weightSum(pb.WSST) / whole)
					loss += scale * t.sstPart(net, wk, pb, rng, scale)
				}
				return loss, real
			}
			return t.sstPart(net, wk, b, rng, 1), real
		},
		after:  net.UpdateTarget,
		evalFn: func() string { return t.evalString(cfgModels{R: net}) },
	}
	if err := t.loops.runLoop(ctx, l, cfgIDSST); err != nil {
		return err
	}
	net.Cfg.Stage = "sst"
	t.reasoner = net
	return net.Save(filepath.Join(t.Dir, FileReasoner), t.meta())
}

// sstPart is SST's loss on batch b (or a micro-batch of one), its
// gradient times scale: by default self-fed (the inputs after [ANS], the
// answer symbols, are fed latents, leaned by boosts drawn from rng);
// without passes, SST on token inputs (the same bits as SSTLoss).
func (t *CFGTrainer) sstPart(net *latent.Reasoner, wk *latent.Work, b *tasks.Batch, rng *rand.Rand, scale float32) float32 {
	r := t.Recipe
	if r.SSTFeedPasses <= 0 {
		return net.SSTLossFedScaled(wk, b.Inputs, b.Targets, b.WSST, nil, nil, 0, nil, false, b.B, b.T, scale)
	}
	from, to := make([]int, b.B), make([]int, b.B)
	for i := range b.B {
		from[i], to[i] = b.RouteStart[i]+1, b.SeqLen[i]-1
	}
	var boost []float32
	if r.SSTFeedBoost > 0 {
		boost = make([]float32, b.B*b.T)
		for i := range boost {
			boost[i] = r.SSTFeedBoost * rng.Float32()
		}
	}
	return net.SSTLossFedScaled(wk, b.Inputs, b.Targets, b.WSST, from, to, r.SSTFeedPasses, boost, r.SSTFeedMajor, b.B, b.T, scale)
}

// microBatches splits b's rows into n groups of consecutive lengths (rows
// sorted by length, ties by index), as even in size as can be.
func microBatches(b *tasks.Batch, n int) [][]int {
	order := make([]int, b.B)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return b.SeqLen[order[i]] < b.SeqLen[order[j]] })
	parts := make([][]int, 0, n)
	for p := range n {
		if lo, hi := p*b.B/n, (p+1)*b.B/n; lo < hi {
			parts = append(parts, order[lo:hi])
		}
	}
	return parts
}

// pick returns xs at the indices idx, in their order (nil for nil xs).
func pick[T any](xs []T, idx []int) []T {
	if xs == nil {
		return nil
	}
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// weightSum is Σ w in float64: a batch's loss weight, of which a
// micro-batch's share scales its gradient (a batch always has weight).
func weightSum(w []float32) float64 {
	var s float64
	for _, v := range w {
		s += float64(v)
	}
	return s
}

// talkerConfig is the Talkers' shape: the Reasoner's widths, a context of
// AnswerLen latents.
func (t *CFGTrainer) talkerConfig() talker.Config {
	m := t.Recipe.Model
	return talker.Config{Vocab: m.Vocab, D: m.D, A: m.A, Heads: m.Heads, F: m.F,
		Layers: t.Recipe.MonoLayers, EncLayers: t.Recipe.DualEnc, DecLayers: t.Recipe.DualDec,
		Context: t.task.MaxAnswer(), QKNorm: m.QKNorm, RopeBase: m.RopeBase, BOS: cfg.IDBOS}
}

// cfgTalkerBatch is one batch of the Talkers' stream: R's free-running
// latents lat [B×k×d] of B problems, the answers ans [B×k] padded with [PAD]
// after a short answer's [EOS], their weights w (0 on the padding), and
// the Dual-Talker's decoder inputs dec ([BOS], then the answer shifted).
type cfgTalkerBatch struct {
	lat      []float32
	ans, dec []int
	w        []float32
}

// talkerBatch returns batch step of the Talkers' stream, computed once and
// kept for the other Talker (the free run is the expensive part); keep
// says whether the other Talker will still read it.
func (t *CFGTrainer) talkerBatch(step int, keep bool) cfgTalkerBatch {
	if b, ok := t.talkerCache[step]; ok {
		if !keep {
			delete(t.talkerCache, step)
		}
		return b
	}
	r := t.Recipe
	B, k, d := r.TalkerBatch, t.task.AnswerLen(), r.Model.D
	ps := sampleProblems(t.task, t.loops.stepRNG(cfgIDTalker, step), B)
	prompts := make([][]int, B)
	b := cfgTalkerBatch{lat: make([]float32, B*k*d), ans: make([]int, B*k), dec: make([]int, B*k), w: make([]float32, B*k)}
	for i, p := range ps {
		prompts[i] = p.Prompt()
		a := p.Answer()
		for j := range k {
			b.ans[i*k+j], b.dec[i*k+j] = cfg.IDPAD, cfg.IDPAD
			if j < len(a) {
				b.ans[i*k+j], b.w[i*k+j] = a[j], 1
			}
			if j == 0 {
				b.dec[i*k] = cfg.IDBOS
			} else if j-1 < len(a) {
				b.dec[i*k+j] = a[j-1]
			}
		}
	}
	if err := freeRunRows(t.reasoner, prompts, k, b.lat); err != nil {
		panic(err) // the recipe's context holds every prompt and its answer
	}
	if keep {
		if t.talkerCache == nil {
			t.talkerCache = map[int]cfgTalkerBatch{}
		}
		t.talkerCache[step] = b
	}
	return b
}

// freeRunRows runs the Reasoner free on each prompt for steps latents,
// into lat [len(prompts)×steps×d]: each row on its own KV cache (the
// prompt in one batched pass, then one position per latent, as the engine
// runs it), the rows spread over the cores; the result does not depend on
// the scheduling, and the prompts may differ in length.
// latent.FreeRunBatch computes the same latents (to float32 rounding) for
// prompts of one length, but recomputes the whole sequence at every step:
// ~steps/2 times the work on long prompts.
func freeRunRows(r *latent.Reasoner, prompts [][]int, steps int, lat []float32) error {
	d := r.Cfg.D
	B := len(prompts)
	errs := make([]error, B)
	steppers := sync.Pool{New: func() any { return r.NewStepper() }}
	parallel(context.Background(), B, func(b int) {
		s := steppers.Get().(*latent.Stepper)
		defer steppers.Put(s)
		l, err := freeRunOn(r, s, prompts[b], steps)
		if err != nil {
			errs[b] = err
			return
		}
		for j, v := range l {
			copy(lat[(b*steps+j)*d:(b*steps+j+1)*d], v)
		}
	})
	return errors.Join(errs...)
}

// talkerLoop trains one Talker on the shared stream of batches.
func (t *CFGTrainer) talkerLoop(ctx context.Context, name string, id, steps, otherSteps int, p *nn.ParamSet,
	loss func(b cfgTalkerBatch) float32, eval cfgModels) error {
	r := t.Recipe
	k := t.task.AnswerLen()
	l := &loop{
		name: name, steps: steps,
		state: &loopState{p: p, opt: nn.NewAdamW(p, t.adam()), recipe: r.JSON()},
		sched: nn.Schedule{Peak: r.TalkerLR, Min: r.TalkerLR / 10, Warmup: 20, Total: steps},
		do: func(step int, _ *rand.Rand) (float32, int) {
			return loss(t.talkerBatch(step, step < otherSteps)), r.TalkerBatch * k
		},
		evalFn: func() string { return t.evalString(eval) },
	}
	return t.loops.runLoop(ctx, l, id)
}

func (t *CFGTrainer) dualStage(ctx context.Context) error {
	r := t.Recipe
	m, err := talker.NewDual(t.talkerConfig())
	if err != nil {
		return err
	}
	m.Init(r.Seed + 2)
	k := t.task.AnswerLen()
	wk := m.NewWork(r.TalkerBatch, k)
	// The Mono stage reads the batches afterwards: keep those it will use.
	err = t.talkerLoop(ctx, "dual", cfgIDDual, r.DualSteps, r.MonoSteps, m.P,
		func(b cfgTalkerBatch) float32 { return m.Loss(wk, b.lat, b.dec, b.ans, b.w, r.TalkerBatch, k) },
		cfgModels{R: t.reasoner, Dual: m})
	if err != nil {
		return err
	}
	t.dual = m
	return m.Save(filepath.Join(t.Dir, FileDual), t.meta())
}

func (t *CFGTrainer) monoStage(ctx context.Context) error {
	r := t.Recipe
	m, err := talker.NewMono(t.talkerConfig())
	if err != nil {
		return err
	}
	m.Init(r.Seed + 1)
	k := t.task.AnswerLen()
	wk := m.NewWork(r.TalkerBatch, k)
	err = t.talkerLoop(ctx, "mono", cfgIDMono, r.MonoSteps, 0, m.P,
		func(b cfgTalkerBatch) float32 { return m.Loss(wk, b.lat, b.ans, b.w, r.TalkerBatch, k) },
		cfgModels{R: t.reasoner, Mono: m})
	t.talkerCache = nil
	if err != nil {
		return err
	}
	t.mono = m
	return m.Save(filepath.Join(t.Dir, FileMono), t.meta())
}

// coconutStages trains C from T0 through the curriculum (MODEL.md,
// "COCONUT (C)"): at stage s the first s answer symbols are replaced by s
// continuous thoughts, the loss is on the remaining symbols, gradients
// flow through the thoughts; each stage has its own optimiser (as the
// reference resets it) and schedule, and its own state file. A stage-s
// batch's problems share one cut and keep at least s symbols after it.
func (t *CFGTrainer) coconutStages(ctx context.Context) error {
	r := t.Recipe
	net, err := t.copyOfT0()
	if err != nil {
		return err
	}
	c, err := baseline.NewCoconut(net, cfg.IDBOT, cfg.IDEOT, r.Thoughts())
	if err != nil {
		return err
	}
	// The markers start as copies of [ANS]'s row (MODEL.md, "COCONUT"),
	// unless T0 trained their rows (pretrain_markers).
	if r.PretrainMarkers == 0 {
		E, d := net.P.W(latent.NameEmbed), r.Model.D
		for _, id := range []int{cfg.IDBOT, cfg.IDEOT} {
			copy(E[id*d:(id+1)*d], E[cfg.IDAns*d:(cfg.IDAns+1)*d])
		}
	}
	wk := c.NewWork(r.CoconutBatch, r.Model.Context)
	for s, steps := range r.CoconutSteps {
		l := &loop{
			name: fmt.Sprintf("coconut%d", s), steps: steps,
			state: &loopState{p: net.P, opt: nn.NewAdamW(net.P, t.adam()), recipe: r.JSON()},
			sched: nn.Schedule{Peak: r.CoconutLR, Min: r.CoconutLR / 10, Warmup: min(20, steps/5), Total: steps},
			do: func(_ int, rng *rand.Rand) (float32, int) {
				ps, err := t.task.SampleBatch(rng, r.CoconutBatch, max(s, 1))
				if err != nil {
					panic(err) // Validate keeps s below the answer length, which every grammar reaches
				}
				b := baseline.CoconutBatch{Stage: s}
				for _, p := range ps {
					b.Prompts = append(b.Prompts, p.Prompt())
					b.Answers = append(b.Answers, p.Answer())
				}
				lay, err := c.Layout(b)
				if err != nil {
					panic(err) // the batch was drawn to fit
				}
				return c.Loss(wk, lay, true), lay.B * lay.T
			},
			evalFn: func() string { return t.evalString(cfgModels{C: c, Thought: s}) },
		}
		if err := t.loops.runLoop(ctx, l, cfgIDCoconut+10*s); err != nil {
			return err
		}
	}
	t.coconut = c
	return c.Save(filepath.Join(t.Dir, FileCoconut), t.meta())
}

// finalEval measures the finished set on fresh problems and records the
// figures in every model file's metadata ("eval") and in eval.json.
func (t *CFGTrainer) finalEval(ctx context.Context) error {
	r := t.Recipe
	if r.FinalEvalN <= 0 {
		return nil
	}
	start := time.Now()
	problems := drawProblems(t.task, r.FinalEvalSeed, r.FinalEvalN)
	rep, err := evalCFG(ctx, t.task, cfgModels{T: t.base, R: t.reasoner, Dual: t.dual, Mono: t.mono, C: t.coconut, Thought: r.Thoughts()}, problems, r.FinalEvalN)
	if err != nil {
		return err
	}
	rep.Seed = r.FinalEvalSeed
	b, _ := json.Marshal(rep)
	t.emit(Event{Stage: "eval", Step: 1, Total: 1, Done: true, Elapsed: time.Since(start), Eval: rep.String()})
	meta := t.meta()
	meta["eval"] = string(b)
	t.reasoner.Cfg.Stage = "sst"
	if err := t.reasoner.Save(filepath.Join(t.Dir, FileReasoner), meta); err != nil {
		return err
	}
	if err := baseline.New(t.base).Save(filepath.Join(t.Dir, FileBaseline), meta); err != nil {
		return err
	}
	if err := t.mono.Save(filepath.Join(t.Dir, FileMono), meta); err != nil {
		return err
	}
	if err := t.dual.Save(filepath.Join(t.Dir, FileDual), meta); err != nil {
		return err
	}
	if err := t.coconut.Save(filepath.Join(t.Dir, FileCoconut), meta); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(t.Dir, "eval.json"), append(b, '\n'))
}
