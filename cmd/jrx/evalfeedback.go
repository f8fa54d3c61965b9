package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"jrx/engine"
	"jrx/internal/termsafe"
)

func init() {
	registerEval("feedback", &command{
		name:    "eval feedback",
		summary: "what the Reasoner's chain loses to the mixtures it feeds back",
		usage:   "[--model DIR] [--task T] [--n N] [--seed N] [--json]",
		help: `Runs the Reasoner alone on --n problems (default 500) three times, reading
its chain by nearest target-table token at every step (as the Reasoner lane
does) and checking it with the task's answer check:
  latent         the Reasoner as it is: each latent fed back (c·r)
  nearest row    each latent replaced, before it is fed back, by the unit
                 vector of its nearest target-table row: the same chain with
                 the mixture removed
  nearest token  each latent replaced by its nearest token's embedding row:
                 the network decoding greedily, as a token model would
The first step is the same in all three (it reads only the prompt). Where
"latent" falls below the other two, the chain is lost to its own mixed
latents: inputs the network was not trained to read (docs/EXPERIMENT2.md).
The table gives the rate of correct answers, the share of problems still
right after each step, and where the first wrong token falls.`,
		run: runEvalFeedback,
	})
}

func runEvalFeedback(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(evalSubcommands["feedback"], env)
	ef := declareEvalFlags(fs, 500, "number of problems", "seed of the problems")
	asJSON := fs.Bool("json", false, "print one JSON object")
	set, n, seed, err := ef.load(fs, env, args)
	if err != nil {
		return err
	}
	rep, err := engine.FeedbackStudy(ctx, set, n, seed, progressLine(env, "eval feedback", "problems"))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.stdout, rep, false)
	}
	fmt.Fprintf(env.stdout, "Feedback study, %s: %d problems (seed %d), model set %s\n\n", rep.Task, rep.N, rep.Seed, termsafe.Line(set.Source))
	printFeedbackTable(env.stdout, rep)
	return nil
}

func printFeedbackTable(w io.Writer, rep engine.FeedbackReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "fed back\tcorrect\t")
	for t := range rep.Steps {
		fmt.Fprintf(tw, "ok@%d\t", t+1)
	}
	fmt.Fprintln(tw, "first wrong at step 1, 2, …")
	for _, r := range rep.Rows {
		fmt.Fprintf(tw, "%s\t%.1f%%\t", r.Feed, 100*r.Correct)
		for _, v := range r.StepOK {
			fmt.Fprintf(tw, "%.3f\t", v)
		}
		parts := make([]string, len(r.FirstWrong))
		for i, c := range r.FirstWrong {
			parts[i] = fmt.Sprint(c)
		}
		fmt.Fprintln(tw, strings.Join(parts, " "))
	}
	tw.Flush()
}
