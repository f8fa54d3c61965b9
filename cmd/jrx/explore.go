package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"jrx/app"
	"jrx/engine"
)

func init() {
	register(&command{
		name:    "explore",
		summary: "open the interactive explorer (the default command)",
		usage:   "[--seed N] [--prompt TEXT] [--model DIR]",
		help: `Opens the terminal explorer: it steps the Reasoner one latent at a time and
shows each latent's nearest tokens, its hypothesis mixture, the Talkers'
output and the coupled baseline side by side. Inject a token error into the
Dual-Talker (t) or the baseline (b) at the selected step and watch whether it
is contained; press ? inside for every key.

Plain 'jrx' opens the embedded model set on a random tree; the seed is shown
in the status line (and printed on exit) so that --seed reopens it.
NO_COLOR=1 draws without colour.`,
		run: runExplore,
	})
}

// runTUI runs the explorer's program; tests replace it.
var runTUI = func(ctx context.Context, env *cliEnv, m *app.Model) error {
	if f, ok := env.stdout.(*os.File); !ok || !term.IsTerminal(f.Fd()) {
		return errors.New("the explorer needs a terminal (for text output use 'jrx run')")
	}
	_, err := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return context.Canceled
	}
	return err
}

func runExplore(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(lookup("explore"), env)
	seed := fs.Uint64("seed", 0, "problem seed (0 = random)")
	prompt := fs.String("prompt", "", "a problem in text form, e.g. 'NL,NO,LJ,LI,OA,OM[ROOT]N[TARGET]J'")
	model := fs.String("model", "", "directory with a model set (default: the embedded model)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *seed == 0 {
		*seed = rand.Uint64()%1_000_000 + 1
	}
	opts := app.Options{ModelDir: *model, Seed: *seed, Prompt: *prompt, NoColor: os.Getenv("NO_COLOR") != ""}
	if *prompt != "" {
		// A typed problem is read with the model set's task: load the set
		// first (the explorer then opens it without loading it again).
		set, err := engine.Load(*model)
		if err != nil {
			return err
		}
		if _, err := engine.ParseProblem(set.Task, *prompt, *seed); err != nil {
			return usagef("--prompt:\n%s", app.DescribeParseError(*prompt, err, 72))
		}
		opts.Load = func(string) (*engine.Set, error) { return set, nil }
	}
	m := app.New(opts)
	if err := runTUI(ctx, env, m); err != nil {
		return err
	}
	if !m.Typed() {
		fmt.Fprintf(env.stdout, "jrx: the last problem was seed %d (reopen it with: jrx explore --seed %d", m.Seed(), m.Seed())
		if *model != "" {
			fmt.Fprintf(env.stdout, " --model %s", *model)
		}
		fmt.Fprintln(env.stdout, ")")
	}
	return nil
}
