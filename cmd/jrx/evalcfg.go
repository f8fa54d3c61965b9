package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"jrx/probes/cfgprobe"
)

// runEvalCfg is 'jrx eval cfg': the grammar tables (probes/cfgprobe).
func runEvalCfg(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(lookup("eval"), env)
	ef := declareEvalFlags(fs, 2000, "number of grammar problems", "seed of the problems")
	ef.defTask = "cfg" // without --model: the embedded grammar set
	asJSON := fs.Bool("json", false, "print one JSON object")
	asCSV := fs.Bool("csv", false, "print CSV tables")
	set, n, seed, err := ef.load(fs, env, args)
	if err != nil {
		return err
	}
	rep, err := cfgprobe.Tables(ctx, set, n, seed, progressLine(env, "eval cfg", "problems"))
	if err != nil {
		return err
	}
	switch {
	case *asJSON:
		return writeJSON(env.stdout, rep, false)
	case *asCSV:
		printCfgCSV(env.stdout, rep)
	default:
		printCfgTables(env.stdout, rep)
	}
	return nil
}

func printCfgTables(w io.Writer, rep cfgprobe.Report) {
	fmt.Fprintf(w, "grammar robustness, %d-level grammar: %d problems (seed %d)\n\n", rep.Levels, rep.N, rep.Seed)
	fmt.Fprintln(w, "Greedy validity (clean prefix; the whole answer a valid continuation):")
	for _, m := range []string{"R+Dual", "T", "C"} {
		fmt.Fprintf(w, "  %-7s %.1f%%\n", m, 100*rep.GreedyValid[m])
	}
	fmt.Fprintln(w, "\nTable 7 — input-token corruption: accuracy of the next 1–4 generated symbols, exact (relative to p = 0) / valid")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tp\tstep 1\tstep 2\tstep 3\tstep 4\t")
	for i := 0; i < len(rep.TokenCorruption); i += cfgprobe.Steps {
		r := rep.TokenCorruption[i]
		fmt.Fprintf(tw, "%s\t%.0f%%\t", r.Model, 100*r.P)
		for s := 0; s < cfgprobe.Steps; s++ {
			c := rep.TokenCorruption[i+s]
			fmt.Fprintf(tw, "%.3f (%.2f) / %.3f\t", c.Exact, c.Relative, c.Valid)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nTable 4 — noise at every latent (R) or thought (C), σ = level × max|component|: last 4 symbols, exact / valid")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tσ\texact last 4\tvalid last 4\t")
	for _, r := range rep.LatentNoise {
		fmt.Fprintf(tw, "%s\t%.0f%%\t%.3f [%.3f, %.3f]\t%.3f\t\n", r.Model, r.SigmaPct, r.ExactLast4, r.ExactCI[0], r.ExactCI[1], r.ValidLast4)
	}
	tw.Flush()
	fmt.Fprintln(w, "\n(R+Dual: the Reasoner read out by the Dual-Talker; T: the coupled baseline; C: COCONUT, its symbols after its thoughts.)")
}

func printCfgCSV(w io.Writer, rep cfgprobe.Report) {
	fmt.Fprintln(w, "table,model,level,step,metric,value")
	for _, r := range rep.TokenCorruption {
		fmt.Fprintf(w, "token_corruption,%s,%g,%d,exact,%g\n", r.Model, r.P, r.Step, r.Exact)
		fmt.Fprintf(w, "token_corruption,%s,%g,%d,valid,%g\n", r.Model, r.P, r.Step, r.Valid)
		fmt.Fprintf(w, "token_corruption,%s,%g,%d,relative,%g\n", r.Model, r.P, r.Step, r.Relative)
	}
	for _, r := range rep.LatentNoise {
		fmt.Fprintf(w, "latent_noise,%s,%g,last4,exact,%g\n", r.Model, r.SigmaPct/100, r.ExactLast4)
		fmt.Fprintf(w, "latent_noise,%s,%g,last4,valid,%g\n", r.Model, r.SigmaPct/100, r.ValidLast4)
	}
	for _, m := range []string{"R+Dual", "T", "C"} {
		fmt.Fprintf(w, "greedy_valid,%s,0,all,valid,%g\n", m, rep.GreedyValid[m])
	}
}
