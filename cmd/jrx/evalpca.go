package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"jrx/engine"
	"jrx/internal/figures"
	"jrx/internal/termplot"
	"jrx/internal/termsafe"
)

func init() {
	registerEval("pca", &command{
		name:    "eval pca",
		summary: "the paper's Fig. 2: PCA of route latents with the vocabulary",
		usage:   "[--model DIR] [--n N] [--seed N] [--json] [--svg FILE] [--png FILE]",
		help: `Fits principal components to the route latents (every step but the final EOS)
of --n clean runs (default 500), prints the variance each of the top ten
components explains beside the paper's (PC1 8.7%, PC2 7.9%), how far the
latents sit from vocabulary points (the mean cosine to the nearest
target-table row; the share below 0.9), and draws the first problem's route
latents with its hypotheses' target-table rows on PC1 and PC2 (in the
terminal, and with --svg/--png as a figure).`,
		run: runEvalPCA,
	})
}

func runEvalPCA(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(evalSubcommands["pca"], env)
	ef := declareEvalFlags(fs, 500, "number of problems", "seed of the problems")
	asJSON := fs.Bool("json", false, "print one JSON object")
	ff := declareFigFlags(fs)
	set, n, seed, err := ef.load(fs, env, args)
	if err != nil {
		return err
	}
	rep, err := engine.PCAFigure(ctx, set, n, seed, nil)
	if err != nil {
		return err
	}
	if err := ff.write(env, func() figures.Figure { return figures.PCA(rep) }); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.stdout, rep, false)
	}
	fmt.Fprintf(env.stdout, "PCA of %d route latents (%d %s problems, seed %d), model set %s\n\n", rep.Latents, rep.N, rep.Task, rep.Seed, termsafe.Line(set.Source))
	tw := tabwriter.NewWriter(env.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "component\tvariance explained\tpaper (depth 4)\t")
	for i, e := range rep.Explained {
		paper := "–"
		switch i {
		case 0:
			paper = fmt.Sprintf("%.1f%%", 100*engine.PaperPC1)
		case 1:
			paper = fmt.Sprintf("%.1f%%", 100*engine.PaperPC2)
		}
		fmt.Fprintf(tw, "PC%d\t%.2f%%\t%s\t\n", i+1, 100*e, paper)
	}
	tw.Flush()
	fmt.Fprintf(env.stdout, "\nlatents between vocabulary points: mean cosine to the nearest target-table row %.3f; %.1f%% below 0.9\n\n", rep.MeanNearestCos, 100*rep.FracBelow09)
	var pts []termplot.Point
	for _, c := range rep.Cloud {
		pts = append(pts, termplot.Point{X: c[0], Y: c[1]})
	}
	var legend []string
	// Vocabulary points first, so that a route latent lying on its token's
	// point shows its step number there.
	for _, p := range rep.Points {
		if p.Step > 0 {
			continue
		}
		lab := []rune(set.Task.Vocab().Short(p.Token))
		l := lab[0]
		if len(lab) > 1 {
			l = '•'
			legend = append(legend, "• = "+string(lab))
		}
		pts = append(pts, termplot.Point{X: p.X, Y: p.Y, Label: l})
	}
	for _, p := range rep.Points {
		if p.Step > 0 {
			pts = append(pts, termplot.Point{X: p.X, Y: p.Y, Label: rune('0' + p.Step%10)})
		}
	}
	fmt.Fprintln(env.stdout, "PC2 ↑ / PC1 →: dots = every route latent; letters = problem 0's vocabulary points; 1, 2, … = its route latents by step (drawn over the letter they sit on) "+strings.Join(legend, " "))
	for _, l := range termplot.Scatter(pts, 72, 20) {
		fmt.Fprintln(env.stdout, "│"+l)
	}
	fmt.Fprintln(env.stdout, "└"+strings.Repeat("─", 72))
	return nil
}
