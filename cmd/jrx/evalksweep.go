package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"jrx/internal/figures"
	"jrx/internal/termplot"
	"jrx/internal/termsafe"
	"jrx/train"
)

func init() {
	registerEval("ksweep", &command{
		name:    "eval ksweep",
		summary: "the paper's App. D: the major contributor rate against SST steps for each loss scale k",
		usage:   "RUN... [--reach R] [--plateau F] [--json] [--csv] [--svg FILE] [--png FILE]",
		help: `Reads the SST learning curve of each training run directory RUN (its
` + train.FileSSTCurve + `, recorded by 'jrx train tree --sst-curve-every N') and compares
them: the paper's Appendix D sweeps SST's loss scale k in k·(1 − cos) over
1…6 and reports that k = 1 learns latest and plateaus lowest (near 0.98),
which is why k = 4 is the default.

Each curve point is the correct major contributor rate (on the plane of the
correct child's and its sibling's target-table rows, the correct one has
the larger coefficient: the figure of 'jrx eval tree') after that many SST
steps, measured on the run's eval_n evaluation trees (a seed training never
uses) with the Reasoner's free-running chain; step 0 is the pretrained
network before SST. The table gives per run: k, the training seed, the
final rate and its step, the step from which the rate stays ≥ --reach
(default 0.95: that point and every later one are; "never" when the last
is below; not the first crossing, since SST can start above it from the
pretrained network and dip before it learns), the plateau (the mean rate
over the last --plateau share of the steps, default 0.25), and the route
exact match of the chain read out by the nearest target-table row at the
end. Runs are sorted by k;
runs that differ in more than k (depth, seed, evaluation trees, SST length)
are named in a note. The curves are drawn in the terminal (braille, each
run's points labelled by its k) and, with --svg/--png, as a figure.

To make the runs (one pretraining shared through --from; 'make ksweep' does
k = 1…6 at depth 3):
  jrx train tree --depth 3 --k 4 --sst-curve-every 20
  jrx train tree --depth 3 --k 1 --sst-curve-every 20 --from runs/tree-d3-k4
  jrx eval ksweep runs/tree-d3-k4 runs/tree-d3-k1 --svg ksweep.svg
A run trained without --sst-curve-every has no curve, and a finished SST
cannot be measured after the fact: train SST again into a new directory
(--from the old run keeps its pretraining).

--json prints the report (every point included); --csv one line per point.`,
		run: runEvalKSweep,
	})
}

func runEvalKSweep(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(evalSubcommands["ksweep"], env)
	reach := fs.Float64("reach", 0.95, "report the SST step from which the major contributor rate stays ≥ this (0 < R ≤ 1)")
	plateau := fs.Float64("plateau", 0.25, "the plateau is the mean rate over this final share of the SST steps (0 < F ≤ 1)")
	asJSON := fs.Bool("json", false, "print one JSON object (every point included)")
	asCSV := fs.Bool("csv", false, "print CSV: one line per curve point")
	ff := declareFigFlags(fs)
	// Runs and flags may come in any order.
	var runs []string
	for rest := args; ; {
		if err := parseFlags(fs, env, rest); err != nil {
			return err
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		runs, rest = append(runs, rest[0]), rest[1:]
	}
	switch {
	case len(runs) == 0:
		return usagef("which runs? give one or more training run directories (jrx train tree --sst-curve-every N --out DIR)")
	case !(*reach > 0 && *reach <= 1):
		return usagef("--reach %g: want a rate in (0, 1]", *reach)
	case !(*plateau > 0 && *plateau <= 1):
		return usagef("--plateau %g: want a share of the steps in (0, 1]", *plateau)
	case *asJSON && *asCSV:
		return usagef("--json and --csv: choose one")
	}
	curves := make([]train.SSTCurve, len(runs))
	for i, dir := range runs {
		c, err := train.ReadSSTCurve(dir)
		if err != nil {
			return err
		}
		curves[i] = c
	}
	rep, err := train.KSweep(runs, curves, *reach, *plateau)
	if err != nil {
		return err
	}
	if err := ff.write(env, func() figures.Figure { return figures.KSweep(rep) }); err != nil {
		return err
	}
	switch {
	case *asJSON:
		return writeJSON(env.stdout, rep, false)
	case *asCSV:
		return printKSweepCSV(env.stdout, rep)
	}
	printKSweep(env.stdout, rep)
	return nil
}

// ksweepLabels gives each run the rune that marks its points: its k when
// every k is a distinct whole number 1…9, else a, b, c… (with a legend).
func ksweepLabels(rep train.KSweepReport) (labels []rune, legend []string) {
	digits := true
	seen := map[float32]bool{}
	for _, r := range rep.Runs {
		if r.K != float32(math.Round(float64(r.K))) || r.K < 1 || r.K > 9 || seen[r.K] {
			digits = false
		}
		seen[r.K] = true
	}
	for i, r := range rep.Runs {
		if digits {
			labels = append(labels, rune('0'+int(r.K)))
			continue
		}
		l := rune('a' + i%26)
		labels = append(labels, l)
		legend = append(legend, fmt.Sprintf("%c = k %g (seed %d)", l, r.K, r.Seed))
	}
	return labels, legend
}

func printKSweep(w io.Writer, rep train.KSweepReport) {
	pct := func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }
	if len(rep.Runs) > 0 {
		r := rep.Runs[0]
		fmt.Fprintf(w, "SST loss-scale sweep (the paper's App. D): %d runs, depth %d; each point on %d evaluation trees (seed %d)\n\n",
			len(rep.Runs), r.Depth, r.EvalN, r.EvalSeed)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "k\tseed\tfinal rate\tat step\t≥ %s from step\tplateau (last %.0f%%)\troute exact (nearest)\trun\t\n", pct(rep.Threshold), 100*rep.PlateauFrac)
	for _, r := range rep.Runs {
		reach := "never"
		if r.ReachStep >= 0 {
			reach = strconv.Itoa(r.ReachStep)
		}
		fmt.Fprintf(tw, "%g\t%d\t%s\t%d\t%s\t%s\t%s\t%s\t\n", r.K, r.Seed, pct(r.Final), r.FinalStep, reach, pct(r.Plateau), pct(r.FinalNearest), termsafe.Line(r.Dir))
	}
	tw.Flush()
	fmt.Fprintf(w, "\npaper (App. D, depth-4 trees): k = 1 learns latest and plateaus lowest, near %s; k = 4 was kept\n", pct(rep.PaperK1Plateau))
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", termsafe.Line(n))
	}
	if len(rep.Runs) == 0 {
		return
	}
	labels, legend := ksweepLabels(rep)
	// Each curve: dots between its measurements, its label at each one
	// (drawn after every curve's dots, so that no line hides a label).
	var dots, marks []termplot.Point
	lo, hi, maxStep := math.Inf(1), math.Inf(-1), 0
	for i, r := range rep.Runs {
		for j, p := range r.Points {
			lo, hi, maxStep = math.Min(lo, p.MajorRate), math.Max(hi, p.MajorRate), max(maxStep, p.Step)
			marks = append(marks, termplot.Point{X: float64(p.Step), Y: p.MajorRate, Label: labels[i]})
			if j == 0 {
				continue
			}
			q := r.Points[j-1]
			for s := 1; s < 12; s++ {
				f := float64(s) / 12
				dots = append(dots, termplot.Point{X: float64(q.Step) + f*float64(p.Step-q.Step), Y: q.MajorRate + f*(p.MajorRate-q.MajorRate)})
			}
		}
	}
	const width, height = 64, 14
	fmt.Fprintf(w, "\ncorrect major contributor rate ↑ / SST step →; %s\n", strings.Join(append([]string{"each run's points labelled by its k"}, legend...), "; "))
	lines := termplot.Scatter(append(dots, marks...), width, height)
	for i, l := range lines {
		axis := "      "
		switch i {
		case 0:
			axis = fmt.Sprintf("%5.3f", hi)
		case len(lines) - 1:
			axis = fmt.Sprintf("%5.3f", lo)
		}
		fmt.Fprintf(w, "%6s │%s\n", axis, l)
	}
	fmt.Fprintf(w, "%6s └%s\n", "", strings.Repeat("─", width))
	end := strconv.Itoa(maxStep)
	fmt.Fprintf(w, "%6s  0%s%s\n", "", strings.Repeat(" ", max(width-1-len(end), 1)), end)
}

func printKSweepCSV(w io.Writer, rep train.KSweepReport) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"run", "k", "seed", "eval_n", "eval_seed", "step", "major_contributor_rate", "sibling_plane_rank_pct", "route_exact_nearest"})
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, r := range rep.Runs {
		for _, p := range r.Points {
			_ = cw.Write([]string{termsafe.Line(r.Dir), strconv.FormatFloat(float64(r.K), 'g', -1, 32), strconv.FormatUint(r.Seed, 10),
				strconv.Itoa(r.EvalN), strconv.FormatUint(r.EvalSeed, 10), strconv.Itoa(p.Step), f(p.MajorRate), f(p.PlaneRankPct), f(p.NearestExact)})
		}
	}
	cw.Flush()
	return cw.Error()
}
