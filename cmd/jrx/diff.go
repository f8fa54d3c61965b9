package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"jrx/engine"
	"jrx/internal/termsafe"
	"jrx/tasks"
)

func init() {
	register(&command{
		name:    "diff",
		summary: "compare two session files step by step",
		usage:   "A.json B.json [--json]",
		help: `Compares two session files (written by 'jrx run --record' or saved in the
explorer): per step the cosine of the two latents and their largest
component difference, the nearest target-table tokens, the lanes whose
tokens differ, and the first step that differs; then each lane whose answer
differs, and how the two setups differ (problem, seed, injections, models).
A run compared with itself has no differences (exit 0 either way; with
--json, "first_divergence" is 0 and "lanes" absent when they are the same).`,
		run: runDiff,
	})
}

func runDiff(ctx context.Context, env *cliEnv, args []string) error {
	var files []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		files, args = append(files, args[0]), args[1:]
	}
	fs := newFlags(lookup("diff"), env)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	files = append(files, fs.Args()...)
	if len(files) != 2 {
		return usagef("want two session files, got %d", len(files))
	}
	var recs [2]engine.Record
	for i, f := range files {
		r, err := engine.ReadRecord(f)
		if err != nil {
			return err
		}
		recs[i] = r
	}
	d := engine.DiffRecords(recs[0], recs[1])
	if *asJSON {
		return writeJSON(env.stdout, d, false)
	}
	name := recs[0].Task
	if name == "" {
		name = "tree"
	}
	sym := func(t int) string { return fmt.Sprint(t) }
	if task, err := tasks.New(name, nil); err == nil {
		sym = task.Vocab().Sym
	}
	fmt.Fprintf(env.stdout, "A %s\nB %s\n", termsafe.Line(files[0]), termsafe.Line(files[1]))
	for _, n := range d.Notes {
		fmt.Fprintf(env.stdout, "  %s\n", termsafe.Line(n))
	}
	fmt.Fprintln(env.stdout)
	printDiff(env.stdout, d, sym)
	return nil
}

// printDiff prints a diff: "no differences", or its steps and lanes.
func printDiff(w io.Writer, d engine.Diff, sym func(int) string) {
	if d.Empty() {
		fmt.Fprintf(w, "no differences: %d steps, every latent bit-identical, every token equal\n", d.StepsA)
		return
	}
	s := func(t int) string {
		if t < 0 {
			return "–"
		}
		return sym(t)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\tcosine\tmax |Δ|\tnearest A→B\tlanes that differ (A→B)")
	for _, sd := range d.Steps {
		mark := ""
		if sd.Step == d.FirstDivergence {
			mark = "  ← first divergence"
		}
		near := s(sd.NearestA)
		if sd.NearestA != sd.NearestB {
			near += "→" + s(sd.NearestB)
		}
		var lanes []string
		for _, l := range sd.Lanes {
			lanes = append(lanes, fmt.Sprintf("%s %s→%s", l.Lane, s(l.A), s(l.B)))
		}
		fmt.Fprintf(tw, "%d\t%.6f\t%.3g\t%s\t%s%s\n", sd.Step, sd.Cosine, sd.MaxAbs, near, strings.Join(lanes, ", "), mark)
	}
	tw.Flush()
	if d.StepsA != d.StepsB {
		fmt.Fprintf(w, "A took %d steps, B %d\n", d.StepsA, d.StepsB)
	}
	for _, l := range d.Lanes {
		join := func(ts []int) string {
			var b strings.Builder
			for _, t := range ts {
				b.WriteString(s(t))
			}
			return b.String()
		}
		fmt.Fprintf(w, "lane %s: A %s, B %s (from step %d)\n", l.Lane, join(l.A), join(l.B), l.FirstDivergence)
	}
}
