package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"jrx/engine"
	"jrx/internal/termsafe"
)

// runExtras are jrx run's breakpoints, fork and export flags.
type runExtras struct {
	breaks   stringList
	fork     *string
	csv, md  *bool
	command  *bool
	conds    []engine.Condition
	forkSpec engine.Injection
	// Results.
	hit  *engine.Hit
	orig *engine.Session // the run the fork was made from
}

func declareRunExtras(fs *flag.FlagSet) *runExtras {
	x := &runExtras{}
	fs.Var(&x.breaks, "break", "stop at the first step where this condition holds (repeatable; see below)")
	x.fork = fs.String("fork", "", "STEP:K — fork the run at STEP onto the K-th hypothesis of its mixture (K = 2: the runner-up), a token, or -top (see below); prints the fork and how it differs from the run")
	x.csv = fs.Bool("csv", false, "print the lanes and read-outs per step as CSV")
	x.md = fs.Bool("markdown", false, "print the lanes and read-outs per step as a Markdown table")
	x.command = fs.Bool("command", false, "print the jrx run command line that reproduces this problem and its injections, and nothing else")
	return x
}

// runExtrasHelp is appended to jrx run's help.
const runExtrasHelp = `

Breakpoints (repeat --break; the run stops at the first step where one holds,
and says which):
` + engine.BreakGrammar + `

Forks (--fork STEP:K is the injection fork@STEP=K added to a copy of the run;
both run to the end and the differences are printed; docs/MODEL.md):
` + engine.ForkGrammar

// check parses the flags against the model set.
func (x *runExtras) check(set *engine.Set) error {
	if *x.csv && *x.md {
		return usagef("--csv and --markdown: choose one")
	}
	for _, b := range x.breaks {
		c, err := engine.ParseCondition(b)
		if err != nil {
			return usageError{err}
		}
		x.conds = append(x.conds, c)
	}
	conds, err := engine.CheckConditions(set, x.conds)
	if err != nil {
		return usageError{err}
	}
	x.conds = conds
	if *x.fork != "" {
		step, k, ok := strings.Cut(*x.fork, ":")
		if !ok {
			return usagef("--fork %q: want STEP:K (e.g. 2:2, 2:-top, 2:B)", *x.fork)
		}
		in, err := engine.ParseInjection("fork@"+step+"="+k, set.Task.Vocab())
		if err != nil {
			return usagef("--fork %q: %v", *x.fork, err)
		}
		x.forkSpec = in
	}
	return nil
}

// run takes the session's steps: to the end, or until a breakpoint holds;
// with --fork, the original runs to the end first and the returned
// session is the fork (run until a breakpoint, if any).
func (x *runExtras) run(ctx context.Context, s *engine.Session) (*engine.Session, error) {
	if *x.fork != "" {
		if err := s.RunToEndContext(ctx); err != nil {
			return nil, err
		}
		f, err := s.ForkAt(ctx, x.forkSpec)
		if err != nil {
			return nil, err
		}
		x.orig = s
		s = f
		if len(x.conds) > 0 {
			s.Reset()
		}
	}
	if len(x.conds) == 0 {
		return s, s.RunToEndContext(ctx)
	}
	h, ok, err := s.RunUntil(ctx, x.conds)
	if err != nil {
		return nil, err
	}
	if ok {
		x.hit = &h
	}
	return s, nil
}

// print handles the output modes this file adds; done is false when the
// ordinary table or JSON should follow (then printNotes adds to it).
func (x *runExtras) print(w io.Writer, s *engine.Session, asJSON bool) (done bool, err error) {
	switch {
	case *x.command:
		fmt.Fprintln(w, s.Command())
		return true, nil
	case *x.csv || *x.md:
		writeLanesTable(w, s, *x.md)
		return true, nil
	case asJSON:
		for _, sn := range s.Snapshots() {
			if err := writeJSON(w, jsonStep{Type: "step", Snapshot: sn}, false); err != nil {
				return true, err
			}
		}
		if len(x.conds) > 0 {
			type brk struct {
				Type   string      `json:"type"`
				Held   bool        `json:"held"`
				Checks []string    `json:"conditions"`
				Hit    *engine.Hit `json:"hit,omitempty"`
			}
			var specs []string
			for _, c := range x.conds {
				specs = append(specs, c.String())
			}
			if err := writeJSON(w, brk{Type: "break", Held: x.hit != nil, Checks: specs, Hit: x.hit}, false); err != nil {
				return true, err
			}
		}
		if x.orig != nil {
			type fork struct {
				Type string      `json:"type"`
				Fork string      `json:"fork"`
				Diff engine.Diff `json:"diff"`
			}
			if err := writeJSON(w, fork{Type: "fork", Fork: x.forkSpec.String(), Diff: engine.DiffSnapshots(x.orig.Snapshots(), s.Snapshots())}, false); err != nil {
				return true, err
			}
		}
		return true, writeJSON(w, jsonSummary{Type: "summary", Version: JSONSchemaVersion, Task: s.Set.Task.Name(), LaneInfo: s.Set.Lanes(), Seed: s.Problem.Seed, Problem: s.Problem.Text, Source: s.Set.Source, Summary: s.Summary()}, false)
	}
	return false, nil
}

// printNotes follows the ordinary table: where the run stopped and why,
// and how the fork differs from the run it was made from.
func (x *runExtras) printNotes(w io.Writer, s *engine.Session) {
	if len(x.conds) > 0 {
		if x.hit != nil {
			fmt.Fprintf(w, "\nstopped at step %d of %d: %s (%s)\n", x.hit.Step, s.Steps(), x.hit.Spec, termsafe.Line(x.hit.Why))
		} else {
			fmt.Fprintf(w, "\nno breakpoint held; the run went to the end (%d steps)\n", s.Steps())
		}
	}
	if x.orig != nil {
		fmt.Fprintf(w, "\nfork %s against the run it was made from:\n", x.forkSpec)
		printDiff(w, engine.DiffSnapshots(x.orig.Snapshots(), s.Snapshots()), s.Set.Task.Vocab().Sym)
	}
}

// writeLanesTable writes one row per step: the read-outs and every lane's
// token, as CSV or as a Markdown table.
func writeLanesTable(w io.Writer, s *engine.Session, markdown bool) {
	v := s.Set.Task.Vocab()
	sym := func(t int) string {
		if t < 0 {
			return ""
		}
		return v.Sym(t)
	}
	lanes := s.Set.Lanes()
	head := []string{"step", "truth", "nearest", "cos", "margin", "mixture", "entropy", "pre_norm", "angle_deg", "latent_change"}
	for _, l := range lanes {
		head = append(head, l.Name)
	}
	head = append(head, "injected")
	snaps := s.Snapshots()
	toks := make([][]int, len(lanes))
	for j, l := range lanes {
		toks[j] = engine.LaneTokens(snaps, l.Name)
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
	var rows [][]string
	for i, sn := range snaps {
		near, cos := "", ""
		if len(sn.NearestTarget) > 0 {
			near, cos = sym(sn.NearestTarget[0].Token), f(sn.NearestTarget[0].Cos)
		}
		var mix []string
		for _, a := range sn.Mixture.Atoms {
			mix = append(mix, fmt.Sprintf("%s %.3f", sym(a.Token), a.Weight))
		}
		row := []string{strconv.Itoa(sn.Step), sym(sn.Truth), near, cos, f(sn.Margin), strings.Join(mix, " "), f(engine.MixtureEntropy(sn)), f(sn.PreNorm), f(sn.Angle), f(sn.LatentChange)}
		for j := range lanes {
			row = append(row, sym(toks[j][i]))
		}
		rows = append(rows, append(row, strings.Join(sn.Injected, " ")))
	}
	if !markdown {
		cw := csv.NewWriter(w)
		cw.Write(head)
		cw.WriteAll(rows)
		return
	}
	esc := func(c string) string { return strings.ReplaceAll(termsafe.Line(c), "|", `\|`) }
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + esc(c) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(head)
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = "---"
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
}
