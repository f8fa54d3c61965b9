package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"

	"jrx/internal/safeio"
	"jrx/train"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train a model set from scratch (jrx train tree, jrx train cfg)",
		usage:   "tree|cfg [--out DIR] [--resume] [--seed N] [flags]  (jrx train cfg --help: the grammar's flags)",
		help: `jrx train tree trains the whole model set on the tree-search task, in order:
  pretrain  token next-token training of the Reasoner's network
  sst       JEPA self-supervised training (L2 latents, EMA target table)
  baseline  the coupled Transformer T: as many extra token steps as SST
  mono      the Mono-Talker on the frozen Reasoner's free-running latents
  dual      the Dual-Talker on the same latents
Each stage writes a state file in --out periodically, at its end and on
Ctrl-C (or SIGTERM, SIGHUP); --resume continues from them to the same
numbers an uninterrupted run gives, and refuses a directory without state
files. The finished set (reasoner, baseline, mono, dual .safetensors)
is what 'jrx --model DIR' loads.

Depth 3 is the quick preset (for demos and watching training); depth 4 is
the paper's setting.

The paper's k sweep (App. D): --k sets SST's loss scale and
--sst-curve-every N records SST's learning curve; --from takes the
pretraining (and the baseline) of a run that differs only in k, so a sweep
pretrains once:
  jrx train tree --depth 3 --k 4 --sst-curve-every 20
  jrx train tree --depth 3 --k 1 --sst-curve-every 20 --from runs/tree-d3-k4
  jrx eval ksweep runs/tree-d3-k*     (the curves, as a table and a figure)
'make ksweep' runs k = 1…6 that way (docs/FIGURES.md).

jrx train cfg trains the grammar set (the paper's Experiment 2); see
'jrx train cfg --help'.`,
		run: runTrain,
	})
}

// cfgTrainHelp is 'jrx train cfg --help'.
const cfgTrainHelp = `Trains the grammar model set (the paper's Experiment 2, docs/TRAINING.md
"Grammars") from one pretrained Transformer T0, in order:
  pretrain   T0: next-token cross-entropy on whole sentences of the grammar,
             [ANS] at a random cut (L blocks; cosine learning-rate decay);
             half of them with COCONUT's [BOT] [EOT] after [ANS], so that
             C's curriculum starts from a network that reads past them
  baseline   T: T0 + as many further steps as SST takes (the coupled baseline)
  sst        R: T0's embedding, first N blocks and final norm, then SST
             (k = 4, EMA 0.98, target table from E), loss on the positions
             after [ANS]; by default self-fed (docs/MODEL.md): the answer
             positions read the network's own latents, each leaned toward
             its true symbol at least until that symbol is the nearest row
  dual, mono the Talkers on R's free-running latents of the answer
  coconut0…  C: COCONUT from T0, curriculum stage s = 0 … 4 (s answer
             symbols replaced by s continuous thoughts)
then evaluates the set on fresh problems (the next 8 symbols are a valid
prefix for T and R + Dual-Talker; C's 4 symbols after 4 thoughts fit some
4 grammatical symbols; T's greedy continuation to [EOS] is a sentence) and
writes the figures into every file and DIR/eval.json. The set (reasoner,
baseline, mono, dual, coconut .safetensors) carries the recipe and the
grammar's rule table in its metadata: 'jrx --model DIR' loads it.

State files, --resume and Ctrl-C work as for 'jrx train tree'.`

// trainOut checks --out against --resume: a directory holding a run needs
// --resume, and --resume needs a directory holding one.
func trainOut(out string, resume bool, hint string) error {
	states, _ := filepath.Glob(filepath.Join(out, "*.state.safetensors"))
	switch {
	case !resume && len(states) > 0:
		return fmt.Errorf("%s already holds a training run; add --resume to continue it, or choose another --out", out)
	case resume && len(states) == 0:
		// Starting from scratch under --resume would silently throw away
		// the hours the user thinks are being continued.
		return fmt.Errorf("--resume: %s holds no saved training state (no *.state.safetensors), so there is nothing to continue; check --out%s, or drop --resume to start a new run", out, hint)
	}
	return nil
}

// readRecipe reads a recipe file into r (strict: unknown fields are
// errors).
func readRecipe(path string, r any) error {
	b, err := safeio.ReadFile(path, 1<<20)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(r); err != nil {
		return fmt.Errorf("recipe %s: %w", path, err)
	}
	return nil
}

// startProfile starts a CPU profile into path (if set); stop ends it. The
// profile is collected in memory and written through the guarded writer
// when it stops (a device, FIFO or directory is refused before any work;
// a symlink is written through).
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	if err := safeio.WriteBytes(path, nil); err != nil {
		return nil, err
	}
	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		if err := safeio.WriteBytes(path, prof.Bytes()); err != nil {
			fmt.Fprintf(os.Stderr, "jrx: --cpuprofile: %v\n", err)
		}
	}, nil
}

func runTrain(ctx context.Context, env *cliEnv, args []string) error {
	c := lookup("train")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "tree":
		case "cfg":
			return runTrainCFG(ctx, env, args[1:])
		default:
			return usagef("unknown task %q (the tasks are: tree, cfg)", args[0])
		}
		args = args[1:]
	}
	fs := newFlags(c, env)
	depth := fs.Int("depth", 3, "tree levels: 2 (tiny test), 3 (quick preset) or 4 (the paper's setting)")
	out := fs.String("out", "", "output directory (default runs/tree-d<depth>)")
	resume := fs.Bool("resume", false, "continue from the state files in --out")
	from := declareFrom(fs)
	seed := fs.Uint64("seed", 1, "training seed (recorded in every checkpoint)")
	pre := fs.Int("pretrain-steps", -1, "override: pretraining steps")
	sst := fs.Int("sst-steps", -1, "override: SST steps (also the baseline's extra steps)")
	tsteps := fs.Int("talker-steps", -1, "override: steps for each Talker")
	batch := fs.Int("batch", 0, "override: batch size (sequences)")
	lr := fs.Float64("lr", 0, "override: peak pretraining learning rate")
	k := fs.Float64("k", 4, "the SST loss scale k in k·(1 − cos), "+kRange+" (the paper's App. D sweeps 1…6 and keeps 4); with --k the default --out is runs/tree-d<depth>-k<k>")
	curve := fs.Int("sst-curve-every", -1, "record SST's learning curve (major contributor rate, nearest-token route exact) every N SST steps into DIR/"+train.FileSSTCurve+", for 'jrx eval ksweep' (0: none, the default); it does not change the trained numbers")
	recipeFile := fs.String("recipe", "", "read the whole recipe from a JSON file (see --print-recipe)")
	printRecipe := fs.Bool("print-recipe", false, "print the recipe as JSON and exit")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *depth < 2 || *depth > 4 {
		return usagef("--depth %d: want 2, 3 or 4", *depth)
	}
	if set["k"] {
		if err := checkK(*k); err != nil {
			return err
		}
	}
	if *curve < -1 {
		return usagef("--sst-curve-every %d: want a number of SST steps ≥ 1, or 0 for no curve", *curve)
	}
	r := train.TreeRecipe(*depth)
	if *recipeFile != "" {
		if err := readRecipe(*recipeFile, &r); err != nil {
			return err
		}
		// What the file says is checked on its own: a bad recipe file is an
		// error in a file (exit 1), not in the command line.
		if err := r.Validate(); err != nil {
			return fmt.Errorf("recipe %s: %w", *recipeFile, err)
		}
	}
	r.Seed = *seed
	if *pre >= 0 {
		r.PretrainSteps = *pre
	}
	if *sst >= 0 {
		r.SSTSteps = *sst
	}
	if *tsteps >= 0 {
		r.TalkerSteps = *tsteps
	}
	if *batch > 0 {
		r.Batch, r.TalkerBatch = *batch, *batch
	}
	if *lr > 0 {
		r.LR = float32(*lr)
	}
	if set["k"] {
		r.Model.K = float32(*k)
	}
	if *curve >= 0 {
		r.SSTCurveEvery = *curve
	}
	if err := r.Validate(); err != nil {
		return usageError{err}
	}
	if *printRecipe {
		return writeJSON(env.stdout, r, true)
	}
	if *out == "" {
		*out = filepath.Join("runs", fmt.Sprintf("tree-d%d", r.Depth))
		if set["k"] {
			*out += fmt.Sprintf("-k%g", r.Model.K)
		}
	}
	if err := trainOut(*out, *resume, " (and --depth, which names the default directory)"); err != nil {
		return err
	}
	stop, err := startProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	p := newProgressPrinter(env.stdout)
	if err := checkFrom(*from, *out); err != nil {
		return err
	}
	t := &train.Trainer{Recipe: r, Dir: *out, Resume: *resume, From: *from, Progress: p.event}
	fmt.Fprintf(env.stdout, "jrx train tree: depth %d, seed %d, output %s\n", r.Depth, r.Seed, *out)
	if set["k"] || r.Model.K != train.TreeRecipe(r.Depth).Model.K || r.SSTCurveEvery > 0 {
		line := fmt.Sprintf("SST loss scale k = %g", r.Model.K)
		if r.SSTCurveEvery > 0 {
			line += fmt.Sprintf("; SST curve every %d steps on %d evaluation trees into %s", r.SSTCurveEvery, r.EvalN, filepath.Join(*out, train.FileSSTCurve))
		}
		fmt.Fprintln(env.stdout, line)
	}
	start := time.Now()
	err = t.Run(ctx)
	p.finish()
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(env.stderr, "interrupted: state saved in %s; continue with --resume\n", *out)
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "done in %s; model set in %s (open it with: jrx --model %s)\n", time.Since(start).Round(time.Second), *out, *out)
	return nil
}

// progressPrinter prints one line per event; on a terminal it redraws a
// progress bar in place and keeps evaluation lines.
type progressPrinter struct {
	w   io.Writer
	tty bool
	bar bool // a bar is on the current line
}

func newProgressPrinter(w io.Writer) *progressPrinter {
	return &progressPrinter{w: w, tty: isTerminal(w)}
}

// isTerminal reports whether w is a terminal (not merely a character
// device such as /dev/null).
func isTerminal(w io.Writer) bool {
	f, ok := fileOf(w)
	return ok && term.IsTerminal(f.Fd())
}

func (p *progressPrinter) event(e train.Event) {
	line := fmt.Sprintf("%-8s %6d/%-6d loss %.4f  %7.0f tok/s  ETA %s", e.Stage, e.Step, e.Total, e.Loss, e.TokensPerSec, e.ETA.Round(time.Second))
	switch {
	case e.Done:
		line = fmt.Sprintf("%-8s done (%d steps, %s)", e.Stage, e.Total, e.Elapsed.Round(time.Second))
	case e.Step == 0 && e.Eval != "":
		// A note before the stage's first step (not reused from --from: why).
		line = fmt.Sprintf("%-8s %s", e.Stage, e.Eval)
		if p.bar {
			fmt.Fprint(p.w, "\r\x1b[2K")
			p.bar = false
		}
		fmt.Fprintln(p.w, line)
		return
	}
	if e.Eval != "" {
		line += "  " + e.Eval
	}
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	const width = 24
	frac := float64(e.Step) / float64(max(e.Total, 1))
	n := int(frac * width)
	bar := "[" + strings.Repeat("█", n) + strings.Repeat("·", width-n) + "] "
	if e.Eval != "" || e.Done {
		fmt.Fprintf(p.w, "\r\x1b[2K%s\n", line)
		p.bar = false
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[2K%s%s", bar, line)
	p.bar = true
}

func (p *progressPrinter) finish() {
	if p.bar {
		fmt.Fprintln(p.w)
		p.bar = false
	}
}

// kRange is what --k accepts (checkK).
const kRange = "a number in (0, 16]"

// checkK checks --k: the loss scale multiplies SST's gradient, so 0 trains
// nothing and a huge k is a typo, not an experiment.
func checkK(k float64) error {
	if !(k > 0 && k <= 16) {
		return usagef("--k %g: want %s (the paper sweeps 1…6; 4 is the default)", k, kRange)
	}
	return nil
}

// declareFrom declares --from (checked by checkFrom).
func declareFrom(fs *flag.FlagSet) *string {
	return fs.String("from", "", "take every finished stage whose settings are unchanged from this other run's directory (its state files) instead of training it again; e.g. a new SST setting keeps the pretrained network")
}

// checkFrom checks --from: a directory holding state files, not --out.
func checkFrom(from, out string) error {
	if from == "" {
		return nil
	}
	if a, b := filepath.Clean(from), filepath.Clean(out); a == b {
		return usagef("--from %s is --out: to continue a run in place use --resume", from)
	}
	st, err := os.Stat(from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("--from %s: not a directory (want another run's output directory)", from)
	}
	if states, _ := filepath.Glob(filepath.Join(from, "*.state.safetensors")); len(states) == 0 {
		return fmt.Errorf("--from %s holds no training state files (*.state.safetensors): nothing to take", from)
	}
	return nil
}

// runTrainCFG is 'jrx train cfg'.
func runTrainCFG(ctx context.Context, env *cliEnv, args []string) error {
	c := &command{name: "train cfg", usage: "[--levels 4] [--out DIR] [--resume] [--seed N] [flags]", help: cfgTrainHelp}
	fs := newFlags(c, env)
	levels := fs.Int("levels", 4, "grammar levels, the root's included: 2 (tiny test) … 5")
	grammarSeed := fs.Uint64("grammar-seed", 6, "seed the grammar is generated from (6 is the task's default grammar)")
	out := fs.String("out", "", "output directory (default runs/cfg-l<levels>)")
	resume := fs.Bool("resume", false, "continue from the state files in --out")
	from := declareFrom(fs)
	seed := fs.Uint64("seed", 1, "training seed (recorded in every checkpoint)")
	layers := fs.Int("layers", 0, "override: T0's blocks L")
	rlayers := fs.Int("reasoner-layers", 0, "override: R's blocks N (T0's first N)")
	pre := fs.Int("pretrain-steps", -1, "override: T0's pretraining steps")
	sst := fs.Int("sst-steps", -1, "override: SST steps (also T's extra steps)")
	dual := fs.Int("dual-steps", -1, "override: Dual-Talker steps")
	mono := fs.Int("mono-steps", -1, "override: Mono-Talker steps")
	coconut := fs.String("coconut-steps", "", "override: COCONUT steps per curriculum stage, comma-separated from stage 0 (e.g. 100,100,100,100,100: 4 thoughts)")
	batch := fs.Int("batch", 0, "override: batch size of every stage (sequences)")
	lr := fs.Float64("lr", 0, "override: peak pretraining learning rate")
	finalN := fs.Int("final-eval-n", -1, "override: problems in the final evaluation")
	evalEvery := fs.Int("eval-every", -1, "override: steps between two evaluations in a stage, which also evaluates at its end (0: none)")
	micro := fs.Int("micro-batches", -1, "override: split T0's, T's and SST's batches into this many length-sorted micro-batches (the same step to float32 rounding on fewer padded positions; 0 or 1: one batch)")
	recipeFile := fs.String("recipe", "", "read the whole recipe from a JSON file (see --print-recipe)")
	printRecipe := fs.Bool("print-recipe", false, "print the recipe as JSON and exit")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *levels < 2 || *levels > 5 {
		return usagef("--levels %d: want 2..5", *levels)
	}
	r, err := train.CFGRecipeFor(*levels)
	if err != nil {
		return usageError{err}
	}
	if *recipeFile != "" {
		if err := readRecipe(*recipeFile, &r); err != nil {
			return err
		}
		if err := r.Validate(); err != nil {
			return fmt.Errorf("recipe %s: %w", *recipeFile, err)
		}
	}
	if set["levels"] || set["grammar-seed"] || *recipeFile == "" {
		if err := r.SetShape(*levels, *grammarSeed, r.AnswerLen); err != nil {
			return usageError{err}
		}
	}
	r.Seed = *seed
	if *layers > 0 {
		r.Model.Layers = *layers
		r.ReasonerLayers = min(r.ReasonerLayers, *layers)
	}
	if *rlayers > 0 {
		r.ReasonerLayers = *rlayers
	}
	for _, o := range []struct {
		v   int
		dst *int
	}{{*pre, &r.PretrainSteps}, {*sst, &r.SSTSteps}, {*dual, &r.DualSteps}, {*mono, &r.MonoSteps}, {*finalN, &r.FinalEvalN}, {*evalEvery, &r.EvalEvery}, {*micro, &r.MicroBatches}} {
		if o.v >= 0 {
			*o.dst = o.v
		}
	}
	if *coconut != "" {
		var steps []int
		for _, f := range strings.Split(*coconut, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 0 {
				return usagef("--coconut-steps %q: want comma-separated step counts ≥ 0", *coconut)
			}
			steps = append(steps, n)
		}
		r.CoconutSteps = steps
	}
	if *batch > 0 {
		r.Batch, r.TalkerBatch, r.CoconutBatch = *batch, *batch, *batch
	}
	if *lr > 0 {
		r.LR = float32(*lr)
		r.MinLR = min(r.MinLR, r.LR)
	}
	if err := r.Validate(); err != nil {
		return usageError{err}
	}
	if *printRecipe {
		return writeJSON(env.stdout, r, true)
	}
	if *out == "" {
		*out = filepath.Join("runs", fmt.Sprintf("cfg-l%d", r.Levels))
	}
	if err := trainOut(*out, *resume, " (and --levels, which names the default directory)"); err != nil {
		return err
	}
	stop, err := startProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	p := newProgressPrinter(env.stdout)
	// A finished stage's line also says how much CPU time the process has
	// used so far: on a shared machine the wall time says little, and the
	// CPU time per stage is what predicts a quiet machine's wall time.
	if err := checkFrom(*from, *out); err != nil {
		return err
	}
	t := &train.CFGTrainer{Recipe: r, Dir: *out, Resume: *resume, From: *from, Progress: func(e train.Event) {
		if e.Done {
			e.Eval = strings.TrimSpace(e.Eval + fmt.Sprintf("  [process CPU %s]", processCPU().Round(time.Second)))
		}
		p.event(e)
	}}
	fmt.Fprintf(env.stdout, "jrx train cfg: %d-level grammar (seed %d), T0 %d blocks, R %d, seed %d, output %s\n",
		r.Levels, r.GrammarSeed, r.Model.Layers, r.ReasonerLayers, r.Seed, *out)
	start := time.Now()
	err = t.Run(ctx)
	p.finish()
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(env.stderr, "interrupted: state saved in %s; continue with --resume\n", *out)
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "done in %s; model set in %s (open it with: jrx --model %s)\n", time.Since(start).Round(time.Second), *out, *out)
	return nil
}

// processCPU is the CPU time (user + system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
