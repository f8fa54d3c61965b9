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
	"jrx/internal/figures"
	"jrx/internal/termsafe"
	"jrx/probes/treeprobe"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "evaluate a model set (jrx eval tree | containment | cfg | fork | pca | ablations | ksweep)",
		usage:   "tree|containment|cfg|fork|pca|ablations|ksweep [--model DIR] [--task T] [--n N] [--seed N] [--json] [--csv]",
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
cores. --svg FILE and --png FILE draw its figures (propagation by step, the
input-corruption and latent-noise curves).

'jrx eval fork', 'jrx eval pca', 'jrx eval ablations' and 'jrx eval ksweep'
(the SST loss-scale sweep, read from training runs): see
'jrx eval NAME --help'.

'jrx eval cfg' runs the paper's Experiment-2 tables on a grammar model set
(jrx train cfg) over --n problems (default 2000): Table 7, input-token
corruption p = 0–30%, accuracy of the next 1–4 generated symbols for R +
Dual-Talker, T and COCONUT C, exact (the sentence's own symbols) and valid
(prefix + generated symbols is a valid prefix of the grammar), with 95%
Wilson intervals and relative to p = 0; Table 4, Gaussian noise at every
latent (R) or thought (C), σ = 0–15% of the vector's max |component|, on the
last 4 symbols; and each model's greedy validity (the quality bar).`,
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
		case "cfg":
			return runEvalCfg(ctx, env, args[1:])
		default:
			if sub, ok := evalSubcommands[args[0]]; ok {
				return sub.run(ctx, env, args[1:])
			}
			return usagef("unknown evaluation %q (available: tree, containment, cfg, %s)", args[0], evalSubcommandNames())
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
	rep, err := treeprobe.EvalTree(ctx, set.Reasoner, set.Mono, set.Dual, set.Baseline, set.Task, n, seed)
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
	fmt.Fprintf(w, "Reasoner + Mono-Talker route exact\t%s\t%s\t\n", pct(rep.ReasonerMonoExact), pct(treeprobe.PaperMonoExact))
	fmt.Fprintf(w, "Reasoner + Dual-Talker route exact\t%s\t–\t\n", pct(rep.ReasonerDualExact))
	fmt.Fprintf(w, "coupled baseline T route exact\t%s\t–\t\n", pct(rep.BaselineExact))
	fmt.Fprintf(w, "latent chain, nearest target token\t%s\t–\t\n", pct(rep.ReasonerNearestExact))
	fmt.Fprintf(w, "correct major contributor rate\t%s\t%s\t\n", pct(rep.MajorContributorRate), pct(treeprobe.PaperMajorRate))
	fmt.Fprintf(w, "sibling plane rank (mean percentile)\ttop %.2f%%\ttop %.2f%%\t\n", rep.SiblingPlaneRankPct, treeprobe.PaperPlaneRankPct)
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
	task  *string
	n     *int
	seed  *uint64
	// defTask is the task whose embedded set opens when neither --model
	// nor --task is given ("": the default, tree).
	defTask string
}

func declareEvalFlags(fs *flag.FlagSet, n int, nHelp, seedHelp string) evalFlags {
	return evalFlags{
		model: fs.String("model", "", "model-set directory (default: the embedded set)"),
		task:  fs.String("task", "", "the task whose embedded model set to open when --model is not given: tree (default) or cfg"),
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
	task := *ef.task
	if task == "" && *ef.model == "" {
		task = ef.defTask
	}
	set, err = engine.LoadTask(*ef.model, task)
	return set, *ef.n, *ef.seed, err
}

func runContainment(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(lookup("eval"), env)
	ef := declareEvalFlags(fs, 1000, "number of problems", "seed of the problems")
	asJSON := fs.Bool("json", false, "print one JSON object")
	asCSV := fs.Bool("csv", false, "print CSV tables")
	ff := declareFigFlags(fs)
	set, n, seed, err := ef.load(fs, env, args)
	if err != nil {
		return err
	}
	rep, err := engine.Containment(ctx, set, n, seed, progressLine(env, "containment", "sessions"))
	if err != nil {
		return err
	}
	if err := ff.write(env, func() figures.Figure { return figures.Containment(rep) }); err != nil {
		return err
	}
	switch {
	case *asJSON:
		return writeJSON(env.stdout, rep, false)
	case *asCSV:
		printContainmentCSV(env.stdout, rep)
	default:
		printContainmentTable(env.stdout, rep)
		printContainmentBars(env.stdout, rep)
	}
	return nil
}

func printContainmentTable(w io.Writer, rep engine.ContainmentReport) {
	what := rep.Task
	if rep.Depth > 0 {
		what = fmt.Sprintf("%s depth %d", rep.Task, rep.Depth)
	}
	fmt.Fprintf(w, "error containment, %s: %d problems (seed %d)\n\n", what, rep.N, rep.Seed)
	info := map[string]engine.LaneInfo{}
	for _, l := range rep.Lanes {
		info[l.Name] = l
	}
	tokenRows := func(rows []engine.ContainmentRow) {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "step\t")
		if len(rows) > 0 {
			for _, l := range rows[0].Lanes {
				fmt.Fprintf(tw, "%s exact\t", info[l.Lane].Column)
				if l.Forced {
					fmt.Fprintf(tw, "%s propagated\t%s recovered\t", info[l.Lane].Short, info[l.Lane].Short)
				}
			}
		}
		fmt.Fprintln(tw, "Reasoner max Δlatent\t")
		for _, r := range rows {
			fmt.Fprintf(tw, "%d\t", r.Step)
			for _, l := range r.Lanes {
				fmt.Fprintf(tw, "%.1f%%\t", 100*l.Exact)
				if l.Forced {
					fmt.Fprintf(tw, "%.1f%%\t%.1f%%\t", 100*l.Propagated, 100*l.Recovered)
				}
			}
			fmt.Fprintf(tw, "%g\t\n", r.MaxLatentChange)
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
	// Per-step columns for the lanes whose tokens are final when chosen (a
	// lane that revises is shown by its exact match only).
	sweep := func(title string, rows []engine.SweepRow) {
		if len(rows) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s\n", title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "level\t")
		for _, l := range rows[0].Lanes {
			if !info[l.Lane].Revises {
				for s := range l.Step {
					fmt.Fprintf(tw, "%s s%d\t", sweepName(info[l.Lane]), s+1)
				}
			}
		}
		for _, l := range rows[0].Lanes {
			fmt.Fprintf(tw, "%s exact\t", sweepName(info[l.Lane]))
		}
		fmt.Fprintln(tw)
		for _, r := range rows {
			fmt.Fprintf(tw, "%.0f%%\t", 100*r.Level)
			for _, l := range r.Lanes {
				if !info[l.Lane].Revises {
					for s := range l.Step {
						fmt.Fprintf(tw, "%.3f (%.2f)\t", l.Step[s], l.Rel[s])
					}
				}
			}
			for _, l := range r.Lanes {
				fmt.Fprintf(tw, "%.3f\t", l.Exact)
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	sweep("Input corruption: per-step accuracy (relative to 0%)", rep.Corruption)
	sweep("Latent noise at every step, σ = level × max|component|: per-step accuracy (relative to σ = 0)", rep.Noise)
}

// sweepName is a lane's name in the sweep tables: a coupled model by its
// short name ("T"), the Talkers as "R+Mono", "R+Dual".
func sweepName(l engine.LaneInfo) string {
	if l.Kind == engine.KindCoupled {
		return l.Short
	}
	return l.Column
}

// csvLane is a lane's name in the CSV output.
func csvLane(l engine.LaneInfo) string {
	if l.Kind == engine.KindTalker {
		return "reasoner_" + l.Name
	}
	return l.Name
}

func printContainmentCSV(w io.Writer, rep engine.ContainmentReport) {
	info := map[string]engine.LaneInfo{}
	for _, l := range rep.Lanes {
		info[l.Name] = l
	}
	fmt.Fprintln(w, "table,step_or_level,lane,metric,value")
	for _, tab := range []struct {
		name string
		rows []engine.ContainmentRow
	}{{"token_errors", rep.Injected}, {"premature_eos", rep.EOS}, {"target_too_early", rep.Early}} {
		for _, r := range tab.rows {
			for _, l := range r.Lanes {
				fmt.Fprintf(w, "%s,%d,%s,exact,%g\n", tab.name, r.Step, csvLane(info[l.Lane]), l.Exact)
				if l.Forced {
					fmt.Fprintf(w, "%s,%d,%s,propagated,%g\n", tab.name, r.Step, csvLane(info[l.Lane]), l.Propagated)
					fmt.Fprintf(w, "%s,%d,%s,recovered,%g\n", tab.name, r.Step, csvLane(info[l.Lane]), l.Recovered)
				}
			}
			fmt.Fprintf(w, "%s,%d,reasoner,max_latent_change,%g\n", tab.name, r.Step, r.MaxLatentChange)
		}
	}
	// In a fixed order (a map's would change from run to run).
	for _, tab := range []struct {
		name string
		rows []engine.SweepRow
	}{{"input_corruption", rep.Corruption}, {"latent_noise", rep.Noise}} {
		for _, r := range tab.rows {
			if len(r.Lanes) == 0 {
				continue
			}
			for s := range r.Lanes[0].Step {
				for _, l := range r.Lanes {
					fmt.Fprintf(w, "%s,%g,%s,step%d_acc,%g\n", tab.name, r.Level, csvLane(info[l.Lane]), s+1, l.Step[s])
				}
			}
			for _, l := range r.Lanes {
				fmt.Fprintf(w, "%s,%g,%s,exact,%g\n", tab.name, r.Level, csvLane(info[l.Lane]), l.Exact)
			}
		}
	}
}

// progressLine prints an evaluation's progress on stderr at a bounded rate
// (5 s, or 200 ms on a terminal, where one line is rewritten): done of
// total units, elapsed time and ETA, then the total time at the end.
func progressLine(env *cliEnv, label, unit string) func(done, total int) {
	var last time.Time
	began := time.Now()
	tty := isTerminal(env.stderr)
	return func(done, total int) {
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
		line := fmt.Sprintf("%s: %d/%d %s, %s elapsed, ETA %s", label, done, total, unit, el.Round(time.Second), eta)
		if done == total {
			line = fmt.Sprintf("%s: %d %s in %s", label, total, unit, el.Round(time.Second))
		}
		if tty {
			fmt.Fprintf(env.stderr, "\r\x1b[2K%s", line)
			if done == total {
				fmt.Fprintln(env.stderr)
			}
		} else {
			fmt.Fprintln(env.stderr, line)
		}
	}
}
