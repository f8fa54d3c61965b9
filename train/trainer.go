package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"jrx/baseline"
	"jrx/internal/safeio"
	"jrx/latent"
	"jrx/nn"
	"jrx/probes/treeprobe"
	"jrx/talker"
	"jrx/tasks"
)

// Event is one progress report. Trainer sends at most one per second per
// stage, plus one at each stage's end and at each evaluation.
type Event struct {
	Stage        string        // pretrain, sst, baseline, mono, dual
	Step, Total  int           // steps done in this stage, of Total
	Loss         float32       // mean loss since the previous event
	TokensPerSec float64       // since the stage (or resume) started
	Elapsed      time.Duration // in this stage, this process
	ETA          time.Duration // for this stage
	Eval         string        // a measured figure, when this event carries one
	Done         bool          // the stage finished
	Start        int           // the step this process started the stage at (> 0 after a resume)
}

// Trainer runs the stages of a recipe in order: pretrain → SST and the
// baseline continuation → Mono-Talker → Dual-Talker. Each stage keeps a
// state file in Dir, written periodically, at its end and when the context
// is cancelled; with Resume a stage continues from its state file, and a
// finished stage is loaded instead of re-run.
type Trainer struct {
	Recipe Recipe
	Dir    string
	Resume bool
	// From, when set, is another run's directory: a stage with no state
	// file in Dir whose finished state in From was saved under the same
	// stage key (stagekey.go) is taken from there (and saved into Dir)
	// instead of being trained; a stage whose key differs is trained.
	From      string
	Progress  func(Event)
	SaveEvery time.Duration // state-file interval (default 2 minutes)
	// ProgressEvery is the least time between two progress events of a
	// stage (default 1 s; negative: every step).
	ProgressEvery time.Duration

	tokenNet *latent.Reasoner // pretrained network (with the two-ahead head)
	reasoner *latent.Reasoner
	base     *baseline.Model
	mono     *talker.Mono
	dual     *talker.Dual

	talkerCache map[int]talkerBatch // Talker batches computed by the Mono stage, reused by the Dual stage

	task, pretask tasks.Task // the recipe's task (evaluation form) and its pretraining form

	// stageKey returns a stage's recipe-key function (stagekey.go); nil:
	// the tree recipe's.
	stageKey func(stage string) func(string) (string, bool)
}

// Stage stream ids for the per-step random generators.
const (
	idPretrain = 1 + iota
	idSST
	idBaseline
	idMono
	idDual
	idEval = 99
)

// stepRNG returns the generator of a stage's step: every step's data depends
// only on (seed, stage, step), so a resumed run sees the same batches.
func (t *Trainer) stepRNG(stage, step int) *rand.Rand {
	return rand.New(rand.NewPCG(t.Recipe.Seed, uint64(stage)<<40|uint64(step)))
}

// Run trains every stage. It returns ctx.Err() after saving state if
// cancelled.
func (t *Trainer) Run(ctx context.Context) error {
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
	if err := t.pretrain(ctx); err != nil {
		return err
	}
	if err := t.sst(ctx); err != nil {
		return err
	}
	if err := t.baselineStage(ctx); err != nil {
		return err
	}
	if err := t.monoStage(ctx); err != nil {
		return err
	}
	if err := t.dualStage(ctx); err != nil {
		return err
	}
	return t.finalEval(ctx)
}

// finalEval measures the finished set on fresh trees and records the
// figures in every model file's metadata ("eval") and in eval.json.
func (t *Trainer) finalEval(ctx context.Context) error {
	r := t.Recipe
	if r.FinalEvalN <= 0 {
		return nil
	}
	start := time.Now()
	rep, err := treeprobe.EvalTree(ctx, t.reasoner, t.mono, t.dual, t.base, t.task, r.FinalEvalN, r.FinalEvalSeed)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(rep)
	t.emit(Event{Stage: "eval", Step: 1, Total: 1, Done: true, Elapsed: time.Since(start), Eval: string(b)})
	meta := map[string]string{"recipe": r.JSON(), "eval": string(b)}
	t.reasoner.Cfg.Stage = "sst"
	if err := t.reasoner.Save(filepath.Join(t.Dir, FileReasoner), meta); err != nil {
		return err
	}
	if err := t.base.Save(filepath.Join(t.Dir, FileBaseline), meta); err != nil {
		return err
	}
	if err := t.mono.Save(filepath.Join(t.Dir, FileMono), meta); err != nil {
		return err
	}
	if err := t.dual.Save(filepath.Join(t.Dir, FileDual), meta); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(t.Dir, "eval.json"), append(b, '\n'))
}

// writeFileAtomic writes data to path through jrx's guarded writer
// (internal/safeio: temporary file + rename; devices, FIFOs and directories
// refused).
func writeFileAtomic(path string, data []byte) error {
	return safeio.WriteBytes(path, data)
}

// loop is one stage's optimisation loop.
type loop struct {
	name   string
	steps  int
	sched  nn.Schedule
	state  *loopState
	do     func(step int, rng *rand.Rand) (loss float32, tokens int)
	after  func()
	evalFn func() string

	// curve, when set, is measured as training goes (the SST curve):
	// begin when training starts at a step (0 or a resumed run's), point
	// after every curveEvery steps and after the last one. Neither may
	// touch the training numbers.
	curve      *curveRecorder
	curveEvery int
	// fromOK, when set, may refuse a finished stage that reuse would take
	// from another run (with the reason); fromTaken is called after one
	// was taken.
	fromOK    func(from string) (ok bool, why string)
	fromTaken func(from string) error
}

func (t *Trainer) statePath(stage string) string {
	return filepath.Join(t.Dir, stage+".state.safetensors")
}

// reuse takes stage l's finished state from t.From when its stage key
// matches, and saves it as this run's. A state that differs (or is not
// finished, or absent) is not an error: the stage is trained.
func (t *Trainer) reuse(l *loop, path string) (bool, error) {
	if t.From == "" {
		return false, nil
	}
	from := filepath.Join(t.From, filepath.Base(path))
	if !exists(from) {
		return false, nil
	}
	match, done, err := l.state.peek(from)
	if err != nil {
		return false, err
	}
	why := ""
	switch {
	case !match:
		why = "its recipe differs in what this stage depends on"
	case !done:
		why = "unfinished there"
	case l.fromOK != nil:
		if ok, w := l.fromOK(t.From); !ok {
			why = w
		}
	}
	if why != "" {
		t.emit(Event{Stage: l.name, Step: 0, Total: l.steps, Eval: fmt.Sprintf("not reused from %s (%s): trained", t.From, why)})
		return false, nil
	}
	if err := l.state.load(from); err != nil {
		return false, err
	}
	if err := l.state.save(path); err != nil {
		return false, err
	}
	if l.fromTaken != nil {
		if err := l.fromTaken(t.From); err != nil {
			return false, err
		}
	}
	t.emit(Event{Stage: l.name, Step: l.state.step, Total: l.steps, Done: true, Eval: "reused from " + from})
	return true, nil
}

// runLoop runs (or resumes, or skips if done) one stage.
func (t *Trainer) runLoop(ctx context.Context, l *loop, stageID int) error {
	path := t.statePath(l.name)
	if l.state.key == nil {
		if t.stageKey != nil {
			l.state.key = t.stageKey(l.name)
		} else {
			l.state.key = treeStageKey(l.name)
		}
	}
	if t.Resume && exists(path) {
		if err := l.state.load(path); err != nil {
			return err
		}
		if l.state.done {
			t.emit(Event{Stage: l.name, Step: l.state.step, Total: l.steps, Done: true, Eval: "loaded from " + path})
			return nil
		}
	} else if reused, err := t.reuse(l, path); err != nil || reused {
		return err
	}
	start := time.Now()
	startStep := l.state.step
	if startStep > 0 {
		t.emit(Event{Stage: l.name, Step: startStep, Total: l.steps, Start: startStep, Eval: fmt.Sprintf("resumed at step %d", startStep)})
	}
	if l.curve != nil {
		if err := l.curve.begin(startStep); err != nil {
			return err
		}
	}
	lastEmit, lastSave := start, start
	var lossSum float64
	var lossN, tokens int
	for step := l.state.step; step < l.steps; step++ {
		if err := ctx.Err(); err != nil {
			l.state.step = step
			if serr := l.state.save(path); serr != nil {
				return errors.Join(err, serr)
			}
			return err
		}
		l.state.p.ZeroGrad()
		loss, ntok := l.do(step, t.stepRNG(stageID, step))
		l.state.opt.Step(l.sched.LR(step))
		if l.after != nil {
			l.after()
		}
		lossSum += float64(loss)
		lossN++
		tokens += ntok
		last := step+1 == l.steps
		if l.curve != nil && ((step+1)%l.curveEvery == 0 || last) {
			if err := l.curve.point(step + 1); err != nil {
				return err
			}
		}
		now := time.Now()
		evalNow := l.evalFn != nil && t.Recipe.EvalEvery > 0 && ((step+1)%t.Recipe.EvalEvery == 0 || last)
		if now.Sub(lastEmit) >= t.ProgressEvery || last || evalNow {
			el := now.Sub(start)
			ev := Event{Stage: l.name, Step: step + 1, Total: l.steps, Loss: float32(lossSum / float64(max(lossN, 1))), Elapsed: el, Start: startStep}
			if s := el.Seconds(); s > 0 {
				ev.TokensPerSec = float64(tokens) / s
				done := step + 1 - startStep
				ev.ETA = time.Duration(float64(el) / float64(done) * float64(l.steps-step-1))
			}
			if evalNow {
				ev.Eval = l.evalFn()
			}
			t.emit(ev)
			lastEmit, lossSum, lossN = now, 0, 0
		}
		if now.Sub(lastSave) >= t.SaveEvery && !last {
			l.state.step = step + 1
			if err := l.state.save(path); err != nil {
				return err
			}
			lastSave = now
		}
	}
	l.state.step = l.steps
	l.state.done = true
	if err := l.state.save(path); err != nil {
		return err
	}
	t.emit(Event{Stage: l.name, Step: l.steps, Total: l.steps, Done: true, Elapsed: time.Since(start)})
	return nil
}

func (t *Trainer) emit(e Event) {
	if t.Progress != nil {
		t.Progress(e)
	}
}

func (t *Trainer) adam() nn.AdamWConfig {
	c := nn.DefaultAdamWConfig()
	c.WeightDecay = t.Recipe.WeightDecay
	return c
}

// newTokenNet builds the stage-1 network (with the two-ahead head when the
// recipe asks for it), initialised from the recipe's seed.
func (t *Trainer) newTokenNet() (*latent.Reasoner, error) {
	cfg := t.Recipe.Model
	net, err := latent.New(cfg, false, cfg.MTPWeight > 0)
	if err != nil {
		return nil, err
	}
	net.Init(t.Recipe.Seed)
	net.Target = nil
	return net, nil
}

// tokenStep is one stage-1 step (pretraining and the baseline's
// continuation): a fresh batch of trees from the step's generator, the
// token loss (with the two-ahead head when the network has one), backward.
func (t *Trainer) tokenStep(net *latent.Reasoner, wk *latent.Work, task tasks.Task, T int) func(int, *rand.Rand) (float32, int) {
	r := t.Recipe
	return func(_ int, rng *rand.Rand) (float32, int) {
		b := tasks.MakeBatch(sample(task, rng, r.Batch), task.Vocab().PAD(), T, r.RouteWeight)
		loss, _ := net.TokenLoss(wk, b.Inputs, b.Targets, b.Targets2, b.W1, b.W2, b.B, b.T)
		return loss, b.B * b.T
	}
}

// pretrain runs stage 1.
func (t *Trainer) pretrain(ctx context.Context) error {
	r := t.Recipe
	net, err := t.newTokenNet()
	if err != nil {
		return err
	}
	tc := t.pretask
	T := seqLen(tc) - 1
	wk := net.NewWork(r.Batch, T)
	opt := nn.NewAdamW(net.P, t.adam())
	st := &loopState{p: net.P, opt: opt, recipe: r.JSON()}
	ev := t.newEvaluator()
	l := &loop{
		name: "pretrain", steps: r.PretrainSteps, state: st,
		sched:  nn.Schedule{Peak: r.LR, Min: r.MinLR, Warmup: r.Warmup, Total: r.PretrainSteps},
		do:     t.tokenStep(net, wk, tc, T),
		evalFn: func() string { return fmt.Sprintf("greedy route exact %.1f%%", 100*ev.tokenExact(net)) },
	}
	if err := t.runLoop(ctx, l, idPretrain); err != nil {
		return err
	}
	t.tokenNet = net
	net.Cfg.Stage = "pretrain"
	return net.Save(filepath.Join(t.Dir, FilePretrain), map[string]string{"recipe": r.JSON()})
}

// sst runs stage 2 from the pretrained weights.
func (t *Trainer) sst(ctx context.Context) error {
	r := t.Recipe
	cfg := r.Model
	net, err := latent.New(cfg, true, false)
	if err != nil {
		return err
	}
	if err := net.CopyWeightsFrom(t.tokenNet); err != nil {
		return err
	}
	net.Cfg.Seed = r.Seed
	net.ResetTarget()
	tc := t.task
	T := seqLen(tc) - 1
	wk := net.NewWork(r.Batch, T)
	opt := nn.NewAdamW(net.P, t.adam())
	st := &loopState{p: net.P, opt: opt, recipe: r.JSON(), extra: map[string][]float32{"target_embed": net.Target}}
	ev := t.newEvaluator()
	l := &loop{
		name: "sst", steps: r.SSTSteps, state: st,
		sched: nn.Schedule{Peak: r.SSTLR, Min: r.SSTLR / 10, Warmup: r.SSTWarmup, Total: r.SSTSteps},
		do: func(step int, rng *rand.Rand) (float32, int) {
			b := tasks.MakeBatch(sample(tc, rng, r.Batch), tc.Vocab().PAD(), T, r.RouteWeight)
			return net.SSTLoss(wk, b.Inputs, b.Targets, b.WSST, b.B, b.T), b.B * b.T
		},
		after: net.UpdateTarget,
		evalFn: func() string {
			return fmt.Sprintf("free-running chain, nearest target token: route exact %.1f%%", 100*ev.latentExact(net))
		},
	}
	if r.SSTCurveEvery > 0 {
		l.curve, l.curveEvery = t.newCurveRecorder(net, ev), r.SSTCurveEvery
		// A finished SST taken from another run brings that run's curve;
		// one without a curve is trained again, so that this run has one.
		l.fromOK = func(from string) (bool, string) {
			if exists(filepath.Join(from, FileSSTCurve)) {
				return true, ""
			}
			return false, "it recorded no SST curve, and this run asks for one"
		}
		l.fromTaken = func(from string) error { return copyCurve(from, t.Dir) }
	}
	if err := t.runLoop(ctx, l, idSST); err != nil {
		return err
	}
	if r.SSTCurveEvery > 0 && !exists(filepath.Join(t.Dir, FileSSTCurve)) {
		// A finished SST loaded with --resume from before the curve was
		// asked for: it cannot be measured after the fact.
		t.emit(Event{Stage: "sst", Step: r.SSTSteps, Total: r.SSTSteps, Eval: "no SST curve: this run's SST finished before one was asked for; train SST again into a new directory (--from this one keeps the pretraining) to record it"})
	}
	net.Cfg.Stage = "sst"
	t.reasoner = net
	return net.Save(filepath.Join(t.Dir, FileReasoner), map[string]string{"recipe": r.JSON()})
}

// baselineStage continues stage 1 for as many steps as SST took.
func (t *Trainer) baselineStage(ctx context.Context) error {
	r := t.Recipe
	net, err := t.newTokenNet()
	if err != nil {
		return err
	}
	if err := net.CopyWeightsFrom(t.tokenNet); err != nil {
		return err
	}
	tc := t.pretask
	T := seqLen(tc) - 1
	wk := net.NewWork(r.Batch, T)
	opt := nn.NewAdamW(net.P, t.adam())
	st := &loopState{p: net.P, opt: opt, recipe: r.JSON()}
	ev := t.newEvaluator()
	l := &loop{
		name: "baseline", steps: r.SSTSteps, state: st,
		sched:  nn.Schedule{Peak: r.SSTLR, Min: r.SSTLR / 10, Warmup: r.SSTWarmup, Total: r.SSTSteps},
		do:     t.tokenStep(net, wk, tc, T),
		evalFn: func() string { return fmt.Sprintf("greedy route exact %.1f%%", 100*ev.tokenExact(net)) },
	}
	if err := t.runLoop(ctx, l, idBaseline); err != nil {
		return err
	}
	t.base = baseline.New(net)
	return t.base.Save(filepath.Join(t.Dir, FileBaseline), map[string]string{"recipe": r.JSON()})
}

// talkerConfig is the Talkers' shape: the Reasoner's widths.
func (t *Trainer) talkerConfig() talker.Config {
	m := t.Recipe.Model
	return talker.Config{Vocab: m.Vocab, D: m.D, A: m.A, Heads: m.Heads, F: m.F,
		Layers: t.Recipe.MonoLayers, EncLayers: t.Recipe.DualEnc, DecLayers: t.Recipe.DualDec,
		Context: t.task.MaxAnswer(), QKNorm: m.QKNorm, RopeBase: m.RopeBase, BOS: t.task.Vocab().BOS()}
}

// talkerData holds one Talker batch: leaf trees and the frozen Reasoner's
// free-running latents for them, lat [B×steps×d], answers [B×steps] (route
// then EOS) and the Dual-Talker's decoder inputs (BOS, then the answer
// shifted). Both Talkers train on the same stream of batches (step i of
// either stage sees batch i), and the latents of a batch are computed once
// and kept for the other Talker: the Reasoner's free run is the expensive
// part of a Talker step.
type talkerData struct {
	wk    *latent.Work
	kv    *nn.BatchKVCache
	lat   []float32
	ans   []int
	dec   []int
	steps int
}

func (t *Trainer) newTalkerData() *talkerData {
	steps := t.task.MaxAnswer()
	B := t.Recipe.TalkerBatch
	P := t.task.MaxPrompt()
	return &talkerData{wk: t.reasoner.NewWork(B, P), kv: t.reasoner.NewFreeRunCache(B, P+steps-1), lat: make([]float32, B*steps*t.Recipe.Model.D),
		ans: make([]int, B*steps), dec: make([]int, B*steps), steps: steps}
}

// talkerBatch is a cached batch.
type talkerBatch struct {
	lat      []float32
	ans, dec []int
}

// fillTalkerData loads batch step of the Talkers' stream into d.
func (t *Trainer) fillTalkerData(d *talkerData, step int) {
	if b, ok := t.talkerCache[step]; ok {
		copy(d.lat, b.lat)
		copy(d.ans, b.ans)
		copy(d.dec, b.dec)
		return
	}
	rng := t.stepRNG(idMono, step)
	B := t.Recipe.TalkerBatch
	var prompts []int
	for b, p := range sample(t.task, rng, B) {
		prompts = append(prompts, p.Prompt()...)
		a := p.Answer()
		copy(d.ans[b*d.steps:], a)
		d.dec[b*d.steps] = t.task.Vocab().BOS()
		copy(d.dec[b*d.steps+1:(b+1)*d.steps], a[:d.steps-1])
	}
	P := len(prompts) / B
	// On the batched KV cache: the prompt once, then one position a latent
	// (the same bits as whole-sequence passes on the pure-Go paths; tested).
	t.reasoner.FreeRunBatchKV(d.wk, d.kv, prompts, B, P, d.steps, d.lat)
	if t.talkerCache == nil {
		t.talkerCache = map[int]talkerBatch{}
	}
	t.talkerCache[step] = talkerBatch{lat: append([]float32(nil), d.lat...), ans: append([]int(nil), d.ans...), dec: append([]int(nil), d.dec...)}
}

// talkerLoop trains one Talker (parameters p) on the shared stream of
// Talker batches. loss runs forward and backward on a batch; exact measures
// the Reasoner + Talker route exact match for the progress line. The Dual
// stage, the stream's last reader, frees each cached batch after use.
func (t *Trainer) talkerLoop(ctx context.Context, name string, id int, p *nn.ParamSet, lastReader bool,
	loss func(d *talkerData) float32, exact func(e *evaluator) float64) error {
	r := t.Recipe
	data := t.newTalkerData()
	ev := t.newEvaluator()
	l := &loop{
		name: name, steps: r.TalkerSteps,
		state: &loopState{p: p, opt: nn.NewAdamW(p, t.adam()), recipe: r.JSON()},
		sched: nn.Schedule{Peak: r.TalkerLR, Min: r.TalkerLR / 10, Warmup: 20, Total: r.TalkerSteps},
		do: func(step int, _ *rand.Rand) (float32, int) {
			t.fillTalkerData(data, step)
			if lastReader {
				defer delete(t.talkerCache, step)
			}
			return loss(data), r.TalkerBatch * data.steps
		},
		evalFn: func() string {
			return fmt.Sprintf("Reasoner + %s-Talker route exact %.1f%%", strings.ToUpper(name[:1])+name[1:], 100*exact(ev))
		},
	}
	return t.runLoop(ctx, l, id)
}

func (t *Trainer) monoStage(ctx context.Context) error {
	r := t.Recipe
	m, err := talker.NewMono(t.talkerConfig())
	if err != nil {
		return err
	}
	m.Init(r.Seed + 1)
	wk := m.NewWork(r.TalkerBatch, t.task.MaxAnswer())
	err = t.talkerLoop(ctx, "mono", idMono, m.P, false,
		func(d *talkerData) float32 { return m.Loss(wk, d.lat, d.ans, nil, r.TalkerBatch, d.steps) },
		func(e *evaluator) float64 { return e.monoExact(t.reasoner, m) })
	if err != nil {
		return err
	}
	t.mono = m
	return m.Save(filepath.Join(t.Dir, FileMono), map[string]string{"recipe": r.JSON()})
}

func (t *Trainer) dualStage(ctx context.Context) error {
	r := t.Recipe
	m, err := talker.NewDual(t.talkerConfig())
	if err != nil {
		return err
	}
	m.Init(r.Seed + 2)
	wk := m.NewWork(r.TalkerBatch, t.task.MaxAnswer())
	err = t.talkerLoop(ctx, "dual", idDual, m.P, true,
		func(d *talkerData) float32 { return m.Loss(wk, d.lat, d.dec, d.ans, nil, r.TalkerBatch, d.steps) },
		func(e *evaluator) float64 { return e.dualExact(t.reasoner, m) })
	if err != nil {
		return err
	}
	t.dual = m
	return m.Save(filepath.Join(t.Dir, FileDual), map[string]string{"recipe": r.JSON()})
}

// sample draws n problems of task from rng, one after another.
func sample(task tasks.Task, rng *rand.Rand, n int) []tasks.Problem {
	out := make([]tasks.Problem, n)
	for i := range out {
		out[i] = task.Sample(rng)
	}
	return out
}

// seqLen is the task's longest sequence, prompt and answer.
func seqLen(task tasks.Task) int { return task.MaxPrompt() + task.MaxAnswer() }
