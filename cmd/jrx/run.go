package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"text/tabwriter"

	"jrx/engine"
	"jrx/internal/termsafe"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// JSONSchemaVersion is the version of jrx run's JSON lines (docs/RUN_JSON.md).
const JSONSchemaVersion = 2

func init() {
	register(&command{
		name:    "run",
		summary: "run one problem headless, with optional injections",
		usage:   "[--model DIR] [--seed N | --prompt TEXT] [--inject SPEC]... [--break COND]... [--fork STEP:K] [--json | --csv | --markdown | --command] [--record FILE]",
		help: `Runs the Reasoner one latent step at a time with the Talkers and the coupled
baseline in lockstep, on a generated tree (--seed) or a typed one (--prompt),
under the given injections, and prints a table (or, with --json, one JSON
object per step and a final summary object; schema: docs/RUN_JSON.md).
With --prompt, --seed does not change the problem: it only seeds the noise
and input-corruption injections (a warning says so when there are none).

Injections (repeat --inject):
` + indent(engine.Grammar, "  ") + indent(runExtrasHelp, "  "),
		run: runRun,
	})
	register(&command{
		name:    "replay",
		summary: "re-run a recorded session and verify its latents bit for bit",
		usage:   "FILE [--model DIR]",
		help: `Re-runs a session file written by 'jrx run --record' (or saved in the
explorer) on the same model set, and checks that every latent is
bit-identical; on a difference it says at which step and component.`,
		run: runReplay,
	})
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(s, "\n", "\n"+pre)
}

func runRun(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(lookup("run"), env)
	model := fs.String("model", "", "model-set directory (default: the embedded set)")
	task := fs.String("task", "", "the task whose embedded model set to open when --model is not given: tree (default) or cfg")
	seed := fs.Uint64("seed", 0, "problem seed (0 = random; the seed used is printed); with --prompt it seeds only noise and input corruption")
	prompt := fs.String("prompt", "", "a problem in text form, e.g. 'AB,AC[ROOT]A[TARGET]C'")
	var inj stringList
	fs.Var(&inj, "inject", "an injection (repeatable); see above")
	asJSON := fs.Bool("json", false, "one JSON object per step, then a summary object")
	record := fs.String("record", "", "write the session to this file")
	rx := declareRunExtras(fs)
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := checkPrompt(fs, *prompt); err != nil {
		return err
	}
	set, err := engine.LoadTask(*model, *task)
	if err != nil {
		return err
	}
	if err := rx.check(set); err != nil {
		return err
	}
	var injections []engine.Injection
	seeded := false // an injection reads the seed
	for _, spec := range inj {
		in, err := engine.ParseInjection(spec, set.Task.Vocab())
		if err != nil {
			return usageError{err}
		}
		injections = append(injections, in)
		seeded = seeded || in.Kind == engine.Noise || in.Kind == engine.InputCorrupt
	}
	seedGiven := false
	fs.Visit(func(f *flag.Flag) { seedGiven = seedGiven || f.Name == "seed" })
	if seedGiven && *prompt != "" && !seeded {
		fmt.Fprintf(env.stderr, "jrx run: warning: --seed %d does not change a typed problem; it only seeds noise and input-corruption injections, and there are none\n", *seed)
	}
	if *seed == 0 {
		*seed = rand.Uint64()%1_000_000 + 1
	}
	var p engine.Problem
	if *prompt != "" {
		if p, err = engine.ParseProblem(set.Task, *prompt, *seed); err != nil {
			return usageError{fmt.Errorf("--prompt: %w", err)}
		}
		if err := set.Task.InDistribution(p.Instance); err != nil {
			fmt.Fprintf(env.stderr, "jrx run: warning: this problem lies outside the model set's training distribution (%s): %v\n", set.Task.Distribution(), err)
		}
	} else {
		p = engine.NewProblem(set.Task, *seed)
	}
	s, err := engine.NewSession(set, p, injections, engine.Options{})
	if err != nil {
		return err
	}
	if s, err = rx.run(ctx, s); err != nil {
		return err
	}
	if *record != "" {
		if err := engine.WriteRecord(*record, s.Record()); err != nil {
			return err
		}
	}
	if done, err := rx.print(env.stdout, s, *asJSON); done {
		return err
	}
	if *asJSON {
		return printRunJSON(env.stdout, s)
	}
	printRunTable(env.stdout, s)
	rx.printNotes(env.stdout, s)
	if *record != "" {
		fmt.Fprintf(env.stdout, "session recorded in %s (check it with: jrx replay %s)\n", termsafe.Line(*record), termsafe.Line(*record))
	}
	return nil
}

type jsonStep struct {
	Type string `json:"type"`
	*engine.Snapshot
}

type jsonSummary struct {
	Type     string            `json:"type"`
	Version  int               `json:"version"`
	Task     string            `json:"task"`
	Seed     uint64            `json:"seed"`
	Problem  string            `json:"problem"`
	Source   string            `json:"model"`
	LaneInfo []engine.LaneInfo `json:"lane_info"`
	engine.Summary
}

func printRunJSON(w io.Writer, s *engine.Session) error {
	for _, sn := range s.Snapshots() {
		if err := writeJSON(w, jsonStep{Type: "step", Snapshot: sn}, false); err != nil {
			return err
		}
	}
	return writeJSON(w, jsonSummary{Type: "summary", Version: JSONSchemaVersion, Task: s.Set.Task.Name(), LaneInfo: s.Set.Lanes(), Seed: s.Problem.Seed, Problem: s.Problem.Text, Source: s.Set.Source, Summary: s.Summary()}, false)
}

func printRunTable(w io.Writer, s *engine.Session) {
	v := s.Set.Task.Vocab()
	sym := func(tok int) string {
		if tok < 0 {
			return "–"
		}
		return v.Sym(tok)
	}
	format := func(ids []int) string {
		var b strings.Builder
		for _, id := range ids {
			b.WriteString(v.Sym(id))
		}
		return b.String()
	}
	fmt.Fprintf(w, "problem  %s\nseed     %d   model %s\n", termsafe.Line(s.Problem.Text), s.Problem.Seed, termsafe.Line(s.Set.Source))
	if inj := s.Injections(); len(inj) > 0 {
		var specs []string
		for _, in := range inj {
			specs = append(specs, in.String())
		}
		fmt.Fprintf(w, "inject   %s\n", strings.Join(specs, "  "))
		if p := s.Prompt(); format(p) != format(s.Problem.Instance.Prompt()) {
			fmt.Fprintf(w, "prompt   %s (as the models read it)\n", format(p))
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var lanes []string // every lane but the Reasoner's read-out (the nearest column)
	for _, l := range s.Set.Lanes() {
		if l.Kind != engine.KindReadout {
			lanes = append(lanes, l.Name)
		}
	}
	fmt.Fprintln(tw, "step\ttruth\tnearest (cos)\tmargin\tmixture\t"+strings.Join(lanes, "\t")+"\t‖h‖\tangle\tΔlatent\tinjected")
	snaps := s.Snapshots()
	toks := make([][]int, len(lanes))
	for j, l := range lanes {
		toks[j] = engine.LaneTokens(snaps, l)
	}
	for i, sn := range snaps {
		var mix []string
		for _, a := range sn.Mixture.Atoms {
			mix = append(mix, fmt.Sprintf("%s %.2f", sym(a.Token), a.Weight))
		}
		near := "–"
		if len(sn.NearestTarget) > 0 {
			near = fmt.Sprintf("%s (%.3f)", sym(sn.NearestTarget[0].Token), sn.NearestTarget[0].Cos)
		}
		var cols []string
		for j := range lanes {
			cols = append(cols, sym(toks[j][i]))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.3f\t%s\t%s\t%.2f\t%.1f°\t%.3g\t%s\n", sn.Step, sym(sn.Truth), near, sn.Margin,
			strings.Join(mix, " "), strings.Join(cols, "\t"), sn.PreNorm, sn.Angle, sn.LatentChange, strings.Join(sn.Injected, " "))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	sum := s.Summary()
	// A grammar judges a continuation by the parser: "correct" there only
	// says whether it is the sentence's own, so the table says "exact" and
	// where it stops being a valid prefix.
	grammar := false
	if _, ok := s.Problem.Instance.(engine.ContinuationChecker); ok {
		grammar = true
		fmt.Fprintln(tw, "lane\tanswer\texact\tvalid\tfirst divergence\tverdict\tmax latent change")
	} else {
		fmt.Fprintln(tw, "lane\tanswer\tcorrect\tfirst divergence\tverdict\tmax latent change")
	}
	for _, l := range sum.Lanes {
		var toks []string
		for i, t := range l.Tokens {
			m := sym(t)
			if l.Forced[i] {
				m += "*"
			}
			toks = append(toks, m)
		}
		fd := "–"
		if l.FirstDivergence > 0 {
			fd = fmt.Sprintf("step %d", l.FirstDivergence)
		}
		lc := ""
		if l.Name == engine.LaneReasoner { // the read-out lane carries the Reasoner's latent change
			lc = fmt.Sprintf("%g", l.MaxLatentChange)
		}
		if grammar {
			valid := "yes"
			if l.InvalidFrom > 0 {
				valid = fmt.Sprintf("no, from step %d", l.InvalidFrom)
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%s\n", l.Name, strings.Join(toks, " "), l.Correct, valid, fd, l.Verdict, lc)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\n", l.Name, strings.Join(toks, " "), l.Correct, fd, l.Verdict, lc)
	}
	tw.Flush()
	fmt.Fprintln(w, "\n(* = injected token; the reasoner lane reads each latent by its nearest target-table token)")
}

func runReplay(ctx context.Context, env *cliEnv, args []string) error {
	c := lookup("replay")
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	fs := newFlags(c, env)
	model := fs.String("model", "", "model-set directory (default: the embedded set)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if err := noArgs(fs); err != nil {
		return err
	}
	if file == "" {
		return usagef("which session file?")
	}
	rec, err := engine.ReadRecord(file)
	if err != nil {
		return err
	}
	set, err := engine.Load(*model)
	if err != nil {
		return err
	}
	if _, err := engine.Replay(set, rec); err != nil {
		return err
	}
	inj := fmt.Sprintf("%d injections", len(rec.Injections))
	if len(rec.Injections) == 1 {
		inj = "1 injection"
	}
	fmt.Fprintf(env.stdout, "%s: %d steps replayed, every latent bit-identical, every lane's tokens and the summary as recorded (seed %d, %s)\n", termsafe.Line(file), rec.Steps, rec.Seed, inj)
	if !rec.VerdictsComparable() {
		fmt.Fprintf(env.stdout, "(a version-%d file: its verdicts predate pending/recovered, docs/VERDICTS.md, so they were not compared)\n", rec.Version)
	}
	return nil
}
