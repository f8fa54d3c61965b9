package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"jrx/engine"
	"jrx/internal/termsafe"
	"jrx/probes/treeprobe"
)

func init() {
	registerEval("fork", &command{
		name:    "eval fork",
		summary: "fork each step onto its second hypothesis and measure the forked chains",
		usage:   "[--model DIR] [--n N] [--seed N] [--json]",
		help: `The first measurement of the paper's "multi-threaded reasoning" claim: over --n
problems (default 500), every step but the last is forked (docs/MODEL.md,
"Forking on a hypothesis") onto the second component of its latent's
mixture (fork@T=2), again with the top component projected out
(fork@T=-top), and again onto the step's rival named directly (fork@T=X:
the tree's sibling of the right child, the grammar's other grammatical
terminal), whatever its rank in the mixture; each fork runs to the end and the lanes it reaches (the
Reasoner's read-out and the Talkers) are judged:

  follows   the lane's token at the fork step is the hypothesis forked onto
            (for -top: is still the dropped top hypothesis)
  =rival    the lane's token at the fork step is the step's rival (the
            tree: the sibling of the right child)
  changed   a later token differs from the clean run
  valid     the whole answer passes the task's check (the tree: a route to
            the original target; the grammar: a grammatical continuation)
  ok-after  no step after the fork is the answer's first invalid one
  EOS       the answer ends with EOS
and, on trees: subtree_path (from the fork on, a downward path from the
forked node; after -top, from the lane's own token at the fork), leaf_then_eos (that path ends at a leaf, then EOS),
reaches_target (the target appears at or after the fork).
docs/FORK.md reads the numbers.`,
		run: runEvalFork,
	})
}

func runEvalFork(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(evalSubcommands["fork"], env)
	ef := declareEvalFlags(fs, 500, "number of problems", "seed of the problems")
	asJSON := fs.Bool("json", false, "print one JSON object")
	set, n, seed, err := ef.load(fs, env, args)
	if err != nil {
		return err
	}
	var judge engine.ForkJudge
	if set.Task.Name() == "tree" {
		judge = treeprobe.JudgeFork
	}
	began := time.Now()
	var last time.Time
	rep, err := engine.ForkExperiment(ctx, set, n, seed, judge, func(done, total int) {
		if time.Since(last) < 2*time.Second && done != total {
			return
		}
		last = time.Now()
		fmt.Fprintf(env.stderr, "fork: %d/%d problems, %s\n", done, total, time.Since(began).Round(time.Second))
	})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.stdout, rep, false)
	}
	printForkTable(env.stdout, rep, set)
	return nil
}

func printForkTable(w io.Writer, rep engine.ForkReport, set *engine.Set) {
	what := rep.Task
	if rep.Depth > 0 {
		what = fmt.Sprintf("%s depth %d", rep.Task, rep.Depth)
	}
	fmt.Fprintf(w, "forks on a hypothesis, %s: %d problems (seed %d), model set %s\n", what, rep.N, rep.Seed, termsafe.Line(set.Source))
	short := map[string]string{}
	for _, l := range rep.Lanes {
		short[l.Name] = l.Short
	}
	table := func(title string, rows []engine.ForkRow) {
		fmt.Fprintf(w, "\n%s\n", title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		var extra []string
		for _, r := range rows {
			for _, e := range r.TaskOutcomes() {
				if !slices.Contains(extra, e) {
					extra = append(extra, e)
				}
			}
		}
		fmt.Fprint(tw, "step\tforked\thyp=rival\thyp valid\tweight\tlane\tfollows\t=rival\tchanged\tvalid\tok-after\tEOS\t")
		for _, e := range extra {
			fmt.Fprintf(tw, "%s\t", e)
		}
		fmt.Fprintln(tw)
		pct := func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }
		for _, r := range rows {
			if r.Problems == 0 {
				continue
			}
			for j, l := range r.Lanes {
				if j == 0 {
					fmt.Fprintf(tw, "%d\t%d/%d\t%s\t%s\t%.3f\t", r.Step, r.Forked, r.Problems, pct(r.HypRival), pct(r.HypValid), r.HypWeight)
				} else {
					fmt.Fprint(tw, "\t\t\t\t\t")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t", short[l.Lane], pct(l.Follows), pct(l.FollowsRival), pct(l.Changed), pct(l.Valid), pct(l.ValidAfter), pct(l.EOS))
				for _, e := range extra {
					fmt.Fprintf(tw, "%s\t", pct(l.Task[e]))
				}
				fmt.Fprintln(tw)
			}
		}
		tw.Flush()
	}
	table("Onto the second hypothesis (fork@T=2): rates over the forked problems", rep.Second)
	table("Without the top hypothesis (fork@T=-top; hyp = the dropped top)", rep.DropTop)
	table("Onto the step's rival by name (fork@T=X, X the tree's sibling; weight = its mixture weight, 0 when absent)", rep.Rival)
	fmt.Fprintln(w, "\n(R = the Reasoner's nearest-token read-out; "+strings.Join(laneShorts(rep.Lanes), ", ")+")")
}

func laneShorts(ls []engine.LaneInfo) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Short+" = "+l.Label)
	}
	return out
}
