package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"jrx/engine"
	"jrx/probes"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "evaluate a model set (jrx eval tree)",
		usage:   "tree [--model DIR] [--n N] [--seed N] [--json]",
		help: `Evaluates a model set on fresh leaf-target trees drawn from --seed (not a
training seed) and prints the paper's Experiment-1 figures beside jrx's:
route exact match of Reasoner + Mono-Talker, Reasoner + Dual-Talker and the
coupled baseline T; the correct major contributor rate; the sibling plane's
mean distance percentile among all letter pairs.`,
		run: runEval,
	})
}

func runEval(ctx context.Context, env *cliEnv, args []string) error {
	c := lookup("eval")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		if args[0] != "tree" {
			return usagef("unknown evaluation %q (available: tree)", args[0])
		}
		args = args[1:]
	}
	fs := newFlags(c, env)
	model := fs.String("model", "", "model-set directory (default: the embedded set)")
	n := fs.Int("n", 2000, "number of fresh trees")
	seed := fs.Uint64("seed", 20251219, "seed of the evaluation trees")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *n < 1 || *n > 1_000_000 {
		return usagef("--n %d: want 1..1000000", *n)
	}
	set, err := engine.Load(*model)
	if err != nil {
		return err
	}
	rep, err := probes.EvalTree(ctx, set.Reasoner, set.Mono, set.Dual, set.Baseline, set.Depth(), *n, *seed)
	if err != nil {
		return err
	}
	rep.Hashes = set.Hashes
	if *asJSON {
		b, _ := json.Marshal(rep)
		fmt.Fprintln(env.stdout, string(b))
		return nil
	}
	fmt.Fprintf(env.stdout, "tree search, depth %d: %d fresh trees (seed %d), model set %s, %.1fs\n\n", rep.Depth, rep.N, rep.Seed, set.Source, rep.Seconds)
	w := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "figure\tjrx\tpaper (depth 4)\t")
	pct := func(v float64) string { return fmt.Sprintf("%.2f%%", 100*v) }
	fmt.Fprintf(w, "Reasoner + Mono-Talker route exact\t%s\t%s\t\n", pct(rep.ReasonerMonoExact), pct(probes.PaperMonoExact))
	fmt.Fprintf(w, "Reasoner + Dual-Talker route exact\t%s\t–\t\n", pct(rep.ReasonerDualExact))
	fmt.Fprintf(w, "coupled baseline T route exact\t%s\t–\t\n", pct(rep.BaselineExact))
	fmt.Fprintf(w, "latent chain, nearest target token\t%s\t–\t\n", pct(rep.ReasonerNearestExact))
	fmt.Fprintf(w, "correct major contributor rate\t%s\t%s\t\n", pct(rep.MajorContributorRate), pct(probes.PaperMajorRate))
	fmt.Fprintf(w, "sibling plane rank (mean percentile)\ttop %.2f%%\ttop %.2f%%\t\n", rep.SiblingPlaneRankPct, probes.PaperPlaneRankPct)
	w.Flush()
	fmt.Fprintf(env.stdout, "\n(%d route steps in the plane figures)\n", rep.PlaneSteps)
	for _, f := range []string{engine.FileReasoner, engine.FileMono, engine.FileDual, engine.FileBaseline} {
		fmt.Fprintf(env.stdout, "sha256 %s  %s\n", rep.Hashes[f], f)
	}
	return nil
}
