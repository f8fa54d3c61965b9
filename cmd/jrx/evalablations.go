package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"jrx/engine"
	"jrx/internal/figures"
	"jrx/internal/termplot"
	"jrx/internal/termsafe"
)

func init() {
	registerEval("ablations", &command{
		name:    "eval ablations",
		summary: "the paper's App. C: what each Talker makes of latents that are not the problem's",
		usage:   "[--model DIR] [--n N] [--seed N] [--json] [--svg FILE] [--png FILE]",
		help: `The paper's Experiment 3 / Appendix C ("the Talker cannot reason"): over --n
problems (default 500) each Talker decodes
  clean          the Reasoner's latents
  random unit    latents drawn uniformly on the unit sphere
  gaussian       latents with N(0,1) components (not normalised)
  other problem  the next problem's latents
  random prefix  clean latents, with the Dual-Talker's first token forced to a
                 random hypothesis (the Mono-Talker has no decoder prefix)
and the table gives the rate of correct answers (the task's check; for the
random prefix, the tokens after it equal the reference), and under "other
problem" the rate of switching to the other problem's answer, beside the
paper's qualitative results.`,
		run: runEvalAblations,
	})
}

// paperAblation is the paper's qualitative result per condition.
var paperAblation = map[string]string{
	engine.AblClean:        "reproduces the sentence",
	engine.AblRandomUnit:   "garbage (\"random string\" latents)",
	engine.AblGaussian:     "garbage",
	engine.AblOtherProblem: "switches to the other sentence",
	engine.AblRandomPrefix: "recovers after a garbled start",
}

func runEvalAblations(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(evalSubcommands["ablations"], env)
	ef := declareEvalFlags(fs, 500, "number of problems", "seed of the problems")
	asJSON := fs.Bool("json", false, "print one JSON object")
	ff := declareFigFlags(fs)
	set, n, seed, err := ef.load(fs, env, args)
	if err != nil {
		return err
	}
	if n < 2 {
		return usagef("--n %d: the ablations need 2 problems at least", n)
	}
	rep, err := engine.Ablations(ctx, set, n, seed, nil)
	if err != nil {
		return err
	}
	if err := ff.write(env, func() figures.Figure { return figures.Ablations(rep) }); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.stdout, rep, false)
	}
	fmt.Fprintf(env.stdout, "Talker ablations, %s: %d problems (seed %d), model set %s\n\n", rep.Task, rep.N, rep.Seed, termsafe.Line(set.Source))
	printAblationTable(env.stdout, rep)
	return nil
}

func printAblationTable(w io.Writer, rep engine.AblationReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "condition\t")
	if len(rep.Rows) == 0 {
		return
	}
	for _, l := range rep.Rows[0].Lanes {
		fmt.Fprintf(tw, "%s correct\t%s switched\t", l.Lane, l.Lane)
	}
	fmt.Fprintln(tw, "paper (App. C, natural text, Dual-Talker)")
	var bars []termplot.Bar
	for _, r := range rep.Rows {
		fmt.Fprintf(tw, "%s\t", r.Condition)
		for _, l := range r.Lanes {
			switch {
			case !l.Applies:
				fmt.Fprint(tw, "–\t–\t")
			case r.Condition == engine.AblOtherProblem:
				fmt.Fprintf(tw, "%.1f%%\t%.1f%%\t", 100*l.Correct, 100*l.Switched)
			default:
				fmt.Fprintf(tw, "%.1f%%\t–\t", 100*l.Correct)
			}
			if l.Applies {
				bars = append(bars, termplot.Bar{Label: r.Condition + " " + l.Lane, Value: 100 * l.Correct})
			}
		}
		fmt.Fprintln(tw, paperAblation[r.Condition])
	}
	tw.Flush()
	fmt.Fprintln(w, "\ncorrect answers (%):")
	for _, l := range termplot.Bars(bars, 100, 40, "%.1f") {
		fmt.Fprintln(w, "  "+l)
	}
}
