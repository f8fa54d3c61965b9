package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"jrx/internal/safeio"
	"jrx/train"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train a model set from scratch (jrx train tree)",
		usage:   "tree [--depth 3|4] [--out DIR] [--resume] [--seed N] [flags]",
		help: `Trains the whole model set on the tree-search task, in order:
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
the paper's setting.`,
		run: runTrain,
	})
}

func runTrain(ctx context.Context, env *cliEnv, args []string) error {
	c := lookup("train")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		if args[0] != "tree" {
			return usagef("unknown task %q (the tasks are: tree)", args[0])
		}
		args = args[1:]
	}
	fs := newFlags(c, env)
	depth := fs.Int("depth", 3, "tree levels: 2 (tiny test), 3 (quick preset) or 4 (the paper's setting)")
	out := fs.String("out", "", "output directory (default runs/tree-d<depth>)")
	resume := fs.Bool("resume", false, "continue from the state files in --out")
	seed := fs.Uint64("seed", 1, "training seed (recorded in every checkpoint)")
	pre := fs.Int("pretrain-steps", -1, "override: pretraining steps")
	sst := fs.Int("sst-steps", -1, "override: SST steps (also the baseline's extra steps)")
	tsteps := fs.Int("talker-steps", -1, "override: steps for each Talker")
	batch := fs.Int("batch", 0, "override: batch size (sequences)")
	lr := fs.Float64("lr", 0, "override: peak pretraining learning rate")
	recipeFile := fs.String("recipe", "", "read the whole recipe from a JSON file (see --print-recipe)")
	printRecipe := fs.Bool("print-recipe", false, "print the recipe as JSON and exit")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *depth < 2 || *depth > 4 {
		return usagef("--depth %d: want 2, 3 or 4", *depth)
	}
	r := train.TreeRecipe(*depth)
	if *recipeFile != "" {
		b, err := safeio.ReadFile(*recipeFile, 1<<20)
		if err != nil {
			return err
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("recipe %s: %w", *recipeFile, err)
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
	if err := r.Validate(); err != nil {
		return usageError{err}
	}
	if *printRecipe {
		return writeJSON(env.stdout, r, true)
	}
	if *out == "" {
		*out = filepath.Join("runs", fmt.Sprintf("tree-d%d", r.Depth))
	}
	states, _ := filepath.Glob(filepath.Join(*out, "*.state.safetensors"))
	switch {
	case !*resume && len(states) > 0:
		return fmt.Errorf("%s already holds a training run; add --resume to continue it, or choose another --out", *out)
	case *resume && len(states) == 0:
		// Starting from scratch under --resume would silently throw away
		// the hours the user thinks are being continued.
		return fmt.Errorf("--resume: %s holds no saved training state (no *.state.safetensors), so there is nothing to continue; check --out (and --depth, which names the default directory), or drop --resume to start a new run", *out)
	}
	if *cpuProfile != "" {
		// The profile is collected in memory and written through the
		// guarded writer at the end (a device, FIFO or directory is refused
		// before any work; a symlink is written through).
		if err := safeio.WriteBytes(*cpuProfile, nil); err != nil {
			return err
		}
		var prof bytes.Buffer
		if err := pprof.StartCPUProfile(&prof); err != nil {
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			if werr := safeio.WriteBytes(*cpuProfile, prof.Bytes()); werr != nil {
				fmt.Fprintf(env.stderr, "jrx train: --cpuprofile: %v\n", werr)
			}
		}()
	}
	p := newProgressPrinter(env.stdout)
	t := &train.Trainer{Recipe: r, Dir: *out, Resume: *resume, Progress: p.event}
	fmt.Fprintf(env.stdout, "jrx train tree: depth %d, seed %d, output %s\n", r.Depth, r.Seed, *out)
	start := time.Now()
	err := t.Run(ctx)
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
	if e.Done {
		line = fmt.Sprintf("%-8s done (%d steps, %s)", e.Stage, e.Total, e.Elapsed.Round(time.Second))
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
