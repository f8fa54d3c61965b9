package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"jrx/engine"
	"jrx/internal/termsafe"
	"jrx/probes"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "evaluate a model set (jrx eval tree | containment)",
		usage:   "tree|containment [--model DIR] [--n N] [--seed N] [--json] [--csv]",
		help: `Evaluates a model set on fresh leaf-target trees drawn from --seed (not a
training seed) and prints the paper's Experiment-1 figures beside jrx's:
route exact match of Reasoner + Mono-Talker, Reasoner + Dual-Talker and the
coupled baseline T; the correct major contributor rate; the sibling plane's
mean distance percentile among all letter pairs.

'jrx eval containment' runs the paper's error-containment experiments on this
task over --n problems (default 1000): a wrong token (the right child's
sibling), a premature EOS, and the target a level too early, each forced
into the coupled baseline, or into the Dual-Talker, at each route step
(route exact match over the steps each lane chose itself, how often the
error propagated, and the Reasoner's largest latent change, which must be
0); input corruption 0–30% (per-step accuracy, absolute and relative to 0%,
for R and T); and latent noise σ = 0, 5, 10, 15% of max|component| at every
step. Problems run on GOMAXPROCS workers; the report does not depend on
their number or order. 1,000 depth-4 problems take about 4 minutes on 2
cores.`,
		run: runEval,
	})
}

func runEval(ctx context.Context, env *cliEnv, args []string) error {
	c := lookup("eval")
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "tree":
		case "containment":
			return runContainment(ctx, env, args[1:])
		default:
			return usagef("unknown evaluation %q (available: tree, containment)", args[0])
		}
		args = args[1:]
	}
	fs := newFlags(c, env)
	ef := declareEvalFlags(fs, 2000, "number of fresh trees", "seed of the evaluation trees")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the table")
	set, n, seed, err := ef.load(fs, env, args)
	if err != nil {
		return err
	}
	rep, err := probes.EvalTree(ctx, set.Reasoner, set.Mono, set.Dual, set.Baseline, set.Depth(), n, seed)
	if err != nil {
		return err
	}
	rep.Hashes = set.Hashes
	if *asJSON {
		return writeJSON(env.stdout, rep, false)
	}
	fmt.Fprintf(env.stdout, "tree search, depth %d: %d fresh trees (seed %d), model set %s, %.1fs\n\n", rep.Depth, rep.N, rep.Seed, termsafe.Line(set.Source), rep.Seconds)
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

// evalFlags are the flags both evaluations take.
type evalFlags struct {
	model *string
	n     *int
	seed  *uint64
}

func declareEvalFlags(fs *flag.FlagSet, n int, nHelp, seedHelp string) evalFlags {
	return evalFlags{
		model: fs.String("model", "", "model-set directory (default: the embedded set)"),
		n:     fs.Int("n", n, nHelp),
		seed:  fs.Uint64("seed", 20251219, seedHelp),
	}
}

// load parses args, checks --n and loads the model set.
func (ef evalFlags) load(fs *flag.FlagSet, env *cliEnv, args []string) (set *engine.Set, n int, seed uint64, err error) {
	if err := parseFlags(fs, env, args); err != nil {
		return nil, 0, 0, err
	}
	if err := noArgs(fs); err != nil {
		return nil, 0, 0, err
	}
	if *ef.n < 1 || *ef.n > 1_000_000 {
		return nil, 0, 0, usagef("--n %d: want 1..1000000", *ef.n)
	}
	set, err = engine.Load(*ef.model)
	return set, *ef.n, *ef.seed, err
}

func runContainment(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(lookup("eval"), env)
	ef := declareEvalFlags(fs, 1000, "number of problems", "seed of the problems")
	asJSON := fs.Bool("json", false, "print one JSON object")
	asCSV := fs.Bool("csv", false, "print CSV tables")
	set, n, seed, err := ef.load(fs, env, args)
	if err != nil {
		return err
	}
	var last time.Time
	began := time.Now()
	tty := isTerminal(env.stderr)
	rep, err := engine.Containment(ctx, set, n, seed, func(done, total int) {
		every := 5 * time.Second
		if tty {
			every = 200 * time.Millisecond
		}
		if time.Since(last) < every && done != total {
			return
		}
		last = time.Now()
		el := time.Since(began)
		eta := "–"
		if done > 0 && done < total {
			eta = (time.Duration(float64(el) * float64(total-done) / float64(done))).Round(time.Second).String()
		}
		line := fmt.Sprintf("containment: %d/%d sessions, %s elapsed, ETA %s", done, total, el.Round(time.Second), eta)
		if done == total {
			line = fmt.Sprintf("containment: %d sessions in %s", total, el.Round(time.Second))
		}
		if tty {
			fmt.Fprintf(env.stderr, "\r\x1b[2K%s", line)
			if done == total {
				fmt.Fprintln(env.stderr)
			}
		} else {
			fmt.Fprintln(env.stderr, line)
		}
	})
	if err != nil {
		return err
	}
	switch {
	case *asJSON:
		return writeJSON(env.stdout, rep, false)
	case *asCSV:
		printContainmentCSV(env.stdout, rep)
	default:
		printContainmentTable(env.stdout, rep)
	}
	return nil
}

func printContainmentTable(w io.Writer, rep engine.ContainmentReport) {
	fmt.Fprintf(w, "error containment, tree depth %d: %d problems (seed %d)\n\n", rep.Depth, rep.N, rep.Seed)
	tokenRows := func(rows []engine.ContainmentRow) {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "step\tbaseline T exact\tT propagated\tR+Dual exact\tDual propagated\tR+Mono exact\tReasoner max Δlatent\t")
		for _, r := range rows {
			fmt.Fprintf(tw, "%d\t%.1f%%\t%.1f%%\t%.1f%%\t%.1f%%\t%.1f%%\t%g\t\n", r.Step, 100*r.BaselineExact, 100*r.BaselinePropagated, 100*r.DualExact, 100*r.DualPropagated, 100*r.MonoExact, r.MaxLatentChange)
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "A wrong token forced at one route step (the sibling of the right child where there is one).")
	fmt.Fprintln(w, "Exact match counts the steps each lane chose itself; the forced step is excluded.")
	tokenRows(rep.Injected)
	fmt.Fprintln(w, "\nA premature EOS forced at one route step.")
	tokenRows(rep.EOS)
	fmt.Fprintln(w, "\nThe target forced at one route step before the leaf (a skipped level).")
	tokenRows(rep.Early)
	sweep := func(title string, rows []engine.SweepRow, withBase bool) {
		fmt.Fprintf(w, "\n%s\n", title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "level\t")
		for s := range rows[0].Mono {
			fmt.Fprintf(tw, "R+Mono s%d\t", s+1)
		}
		if withBase {
			for s := range rows[0].Baseline {
				fmt.Fprintf(tw, "T s%d\t", s+1)
			}
		}
		fmt.Fprint(tw, "R+Mono exact\tR+Dual exact\t")
		if withBase {
			fmt.Fprint(tw, "T exact\t")
		}
		fmt.Fprintln(tw)
		for _, r := range rows {
			fmt.Fprintf(tw, "%.0f%%\t", 100*r.Level)
			for s := range r.Mono {
				fmt.Fprintf(tw, "%.3f (%.2f)\t", r.Mono[s], r.MonoRel[s])
			}
			if withBase {
				for s := range r.Baseline {
					fmt.Fprintf(tw, "%.3f (%.2f)\t", r.Baseline[s], r.BaselineRel[s])
				}
			}
			fmt.Fprintf(tw, "%.3f\t%.3f\t", r.MonoExact, r.DualExact)
			if withBase {
				fmt.Fprintf(tw, "%.3f\t", r.BaselineExact)
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	sweep("Input corruption: per-step accuracy (relative to 0%)", rep.Corruption, true)
	sweep("Latent noise at every step, σ = level × max|component|: per-step accuracy (relative to σ = 0)", rep.Noise, false)
}

func printContainmentCSV(w io.Writer, rep engine.ContainmentReport) {
	fmt.Fprintln(w, "table,step_or_level,lane,metric,value")
	for _, tab := range []struct {
		name string
		rows []engine.ContainmentRow
	}{{"token_errors", rep.Injected}, {"premature_eos", rep.EOS}, {"target_too_early", rep.Early}} {
		for _, r := range tab.rows {
			fmt.Fprintf(w, "%s,%d,baseline,exact,%g\n", tab.name, r.Step, r.BaselineExact)
			fmt.Fprintf(w, "%s,%d,baseline,propagated,%g\n", tab.name, r.Step, r.BaselinePropagated)
			fmt.Fprintf(w, "%s,%d,reasoner_dual,exact,%g\n", tab.name, r.Step, r.DualExact)
			fmt.Fprintf(w, "%s,%d,reasoner_dual,propagated,%g\n", tab.name, r.Step, r.DualPropagated)
			fmt.Fprintf(w, "%s,%d,reasoner_mono,exact,%g\n", tab.name, r.Step, r.MonoExact)
			fmt.Fprintf(w, "%s,%d,reasoner,max_latent_change,%g\n", tab.name, r.Step, r.MaxLatentChange)
		}
	}
	// In a fixed order (a map's would change from run to run).
	for _, tab := range []struct {
		name string
		rows []engine.SweepRow
	}{{"input_corruption", rep.Corruption}, {"latent_noise", rep.Noise}} {
		name, rows := tab.name, tab.rows
		for _, r := range rows {
			for s := range r.Mono {
				fmt.Fprintf(w, "%s,%g,reasoner_mono,step%d_acc,%g\n", name, r.Level, s+1, r.Mono[s])
				fmt.Fprintf(w, "%s,%g,reasoner_dual,step%d_acc,%g\n", name, r.Level, s+1, r.Dual[s])
				if len(r.Baseline) > 0 {
					fmt.Fprintf(w, "%s,%g,baseline,step%d_acc,%g\n", name, r.Level, s+1, r.Baseline[s])
				}
			}
			fmt.Fprintf(w, "%s,%g,reasoner_mono,exact,%g\n", name, r.Level, r.MonoExact)
			fmt.Fprintf(w, "%s,%g,reasoner_dual,exact,%g\n", name, r.Level, r.DualExact)
			if len(r.Baseline) > 0 {
				fmt.Fprintf(w, "%s,%g,baseline,exact,%g\n", name, r.Level, r.BaselineExact)
			}
		}
	}
}
