package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"

	"jrx/app"
	"jrx/engine"
	"jrx/internal/termsafe"
)

func init() {
	register(&command{
		name:    "explore",
		summary: "open the interactive explorer (the default command)",
		usage:   "[--seed N] [--prompt TEXT] [--model DIR] [--presenter] [--ascii]",
		help: `Opens the terminal explorer: it steps the Reasoner one latent at a time and
shows each latent's nearest tokens, its hypothesis mixture, the Talkers'
output and the coupled baseline side by side. Inject a token error into the
Dual-Talker (t) or the baseline (b) at the selected step and watch whether it
is contained; press ? inside for every key.

Plain 'jrx' opens the embedded model set on a random tree; the seed is shown
in the status line (and printed on exit) so that --seed reopens it. With
--prompt the problem is typed, and --seed only seeds the noise injections.
NO_COLOR=1 draws without colour. --ascii draws boxes and marks with ASCII
characters only, as LANG=C (or another non-UTF-8 locale) and TERM=dumb do.
--presenter starts in the presenter mode for projectors (high contrast, a
larger tree, only the tree and the lanes; P switches it inside).

Exit codes: 0 after quitting (q or Ctrl-C), 1 when the model set cannot be
loaded or the explorer fails, 2 for a bad command line, 128+N when stopped
by signal N (SIGHUP 129, SIGTERM 143, …); the terminal is restored on
every one of them.`,
		run: runExplore,
	})
}

// runTUI runs the explorer's program; tests replace it.
//
// The terminal is put back on every way out: Bubble Tea's own handler of
// SIGINT and SIGTERM is off, and jrx's (notifySignals) cancels ctx on
// SIGHUP, SIGINT, SIGQUIT and SIGTERM, which kills the program through
// WithContext: it leaves the alternate screen, turns mouse reporting off
// and restores the tty modes. A panic in the model is caught by Bubble Tea
// with the same restoration. As a last resort the tty modes saved here are
// set again after the program ends, and a forced exit (a second signal,
// while the program is still stopping) resets the terminal modes itself.
var runTUI = func(ctx context.Context, env *cliEnv, m *app.Model) error {
	f, ok := fileOf(env.stdout)
	if !ok || !term.IsTerminal(f.Fd()) {
		return errors.New("the explorer needs a terminal (for text output use 'jrx run')")
	}
	if st, err := term.GetState(f.Fd()); err == nil {
		restore := func() { _ = term.Restore(f.Fd(), st) }
		// A forced exit skips Bubble Tea's restoration: undo what the
		// explorer turns on (View: alternate screen, mouse clicks, hidden
		// cursor; Bubble Tea: bracketed paste) and the tty modes.
		onForcedExit(func() {
			_, _ = f.WriteString(ansi.ResetModeMouseButtonEvent + ansi.ResetModeMouseAnyEvent + ansi.ResetModeMouseExtSgr +
				ansi.ResetModeBracketedPaste + ansi.ResetModeAltScreenSaveCursor + ansi.ShowCursor)
			restore()
		})
		defer func() {
			onForcedExit(nil)
			restore()
		}()
	}
	_, err := tea.NewProgram(m, tea.WithContext(ctx), tea.WithoutSignalHandler()).Run()
	switch {
	case ctx.Err() != nil:
		return context.Cause(ctx)
	case errors.Is(err, tea.ErrProgramPanic):
		return fmt.Errorf("the explorer crashed (a bug; its stack trace is above) and the terminal was restored: %w", err)
	}
	return err
}

func runExplore(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(lookup("explore"), env)
	seed := fs.Uint64("seed", 0, "problem seed (0 = random); with --prompt it seeds only noise injections")
	prompt := fs.String("prompt", "", "a problem in the model set's text form (press p in the explorer for an example)")
	model := fs.String("model", "", "directory with a model set (default: the embedded model)")
	task := fs.String("task", "", "the task whose embedded model set to open when --model is not given: tree (default) or cfg")
	presenter := fs.Bool("presenter", false, "start in the presenter mode (high contrast, a larger tree, fewer panels)")
	ascii := fs.Bool("ascii", false, "draw with ASCII characters only (default when LANG/LC_ALL is not UTF-8 or TERM=dumb)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := checkPrompt(fs, *prompt); err != nil {
		return err
	}
	if *seed == 0 {
		*seed = rand.Uint64()%1_000_000 + 1
	}
	opts := app.Options{ModelDir: *model, Seed: *seed, Prompt: *prompt, NoColor: os.Getenv("NO_COLOR") != "",
		Presenter: *presenter, ASCII: *ascii || asciiTerminal(os.Getenv)}
	opts.Load = func(dir string) (*engine.Set, error) { return engine.LoadTask(dir, *task) }
	if *prompt != "" {
		// A typed problem is read with the model set's task: load the set
		// first (the explorer then opens it without loading it again).
		set, err := engine.LoadTask(*model, *task)
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
	if err := m.LoadErr(); err != nil {
		return err
	}
	if m.Frame() != nil && !m.Typed() {
		fmt.Fprintf(env.stdout, "jrx: the last problem was seed %d (reopen it with: jrx explore --seed %d", m.Seed(), m.Seed())
		if *model != "" {
			fmt.Fprintf(env.stdout, " --model %s", termsafe.Line(*model))
		}
		fmt.Fprintln(env.stdout, ")")
	}
	return nil
}

// checkPrompt refuses a --prompt that was given but holds nothing (it
// would otherwise open a random problem).
func checkPrompt(fs *flag.FlagSet, prompt string) error {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "prompt" })
	if set && strings.TrimSpace(prompt) == "" {
		return usagef("--prompt is empty; give a problem in the model set's text form (press p in the explorer for an example), or leave --prompt out for a generated one")
	}
	return nil
}

// asciiTerminal reports whether the terminal cannot be trusted with UTF-8:
// TERM=dumb, or a locale that is set and is not UTF-8 (LC_ALL, then
// LC_CTYPE, then LANG, as the C library reads them; "C" and "POSIX" are
// ASCII). No locale at all is taken as UTF-8, the norm of today's
// terminals.
func asciiTerminal(getenv func(string) string) bool {
	if getenv("TERM") == "dumb" {
		return true
	}
	for _, v := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if loc := getenv(v); loc != "" {
			l := strings.ToLower(loc)
			return !strings.Contains(l, "utf-8") && !strings.Contains(l, "utf8")
		}
	}
	return false
}
