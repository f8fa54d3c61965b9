package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"jrx/app"
	"jrx/engine"
	"jrx/internal/termsafe"
	"jrx/tour"
)

func init() {
	register(&command{
		name:    "tour",
		summary: "a guided tour of the explorer: scripted lessons with commentary",
		usage:   "[NAME | FILE] [--list] [--check] [--pick] [--model DIR]",
		help: `Opens the explorer on scripted lessons: each page opens a problem, steps,
injects, and says what to look at in a commentary panel. → or space goes to
the next page, ← back, 1-9 to a lesson, g opens the glossary, esc leaves the
tour to explore from the page's state, q quits.

With no argument the tour runs the built-in lessons in order (jrx tour
--list names them); NAME starts at that lesson; FILE opens a lesson file
(the format is docs/TOUR.md). Every fact a lesson states is written as an
expectation and checked against the engine when the page is built: a
paragraph whose fact does not hold is replaced by a warning.

--check runs the lessons without a terminal, prints every page's commentary
and exits 1 if an expectation fails. --pick prints the first seed (from 1)
at which every expectation of the lesson holds: how the built-in lessons'
seeds were chosen.

Exit codes: 0 after quitting, 1 when a lesson file or the model set cannot
be read (the message names the file and line) or a check fails, 2 for a bad
command line.`,
		run: runTour,
	})
}

func runTour(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(lookup("tour"), env)
	list := fs.Bool("list", false, "list the built-in lessons")
	check := fs.Bool("check", false, "run the lessons headless and check every expectation")
	pick := fs.Bool("pick", false, "print the first seed at which every expectation of the lesson holds")
	maxSeed := fs.Uint64("max-seed", 500, "the last seed --pick tries")
	model := fs.String("model", "", "directory with a model set (default: the embedded model)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("unexpected argument %q (give one lesson name or file)", fs.Arg(1))
	}
	builtin, err := tour.Builtin()
	if err != nil {
		return fmt.Errorf("the built-in lessons: %w", err)
	}
	if *list {
		if fs.NArg() > 0 {
			return usagef("--list takes no lesson")
		}
		return listLessons(env.stdout, builtin)
	}
	lessons, start := builtin, 0
	if fs.NArg() == 1 {
		arg := fs.Arg(0)
		l, err := tour.Open(arg, builtin)
		switch {
		case err != nil && !strings.ContainsAny(arg, "/\\.") && !fileExists(arg):
			return usageError{err}
		case err != nil:
			return err
		}
		if i := indexOf(builtin, l); i >= 0 {
			start = i
		} else {
			lessons = []*tour.Lesson{l}
		}
	}
	if *pick && fs.NArg() != 1 {
		return usagef("--pick wants one lesson (a name or a file)")
	}
	set, err := engine.Load(*model)
	if err != nil {
		return err
	}
	for _, l := range lessons {
		if err := l.Check(set); err != nil {
			return err
		}
	}
	switch {
	case *pick:
		l := lessons[start]
		seed, err := tour.Pick(ctx, set, l, 1, *maxSeed, engine.Options{})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "%s: seed %d is the first from 1 at which all %d expectations hold\n", termsafe.Line(l.Name), seed, l.Expectations())
		return nil
	case *check:
		if fs.NArg() == 1 {
			lessons = lessons[start : start+1]
		}
		return checkLessons(ctx, env.stdout, set, lessons)
	}
	m := app.New(app.Options{ModelDir: *model, Seed: lessons[start].Seed(), NoColor: os.Getenv("NO_COLOR") != "",
		Load: func(string) (*engine.Set, error) { return set, nil },
		Tour: &app.TourStart{Lessons: lessons, Lesson: start}})
	if err := runTUI(ctx, env, m); err != nil {
		return err
	}
	return m.LoadErr()
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func indexOf(ls []*tour.Lesson, l *tour.Lesson) int {
	for i, x := range ls {
		if x == l {
			return i
		}
	}
	return -1
}

func listLessons(w io.Writer, ls []*tour.Lesson) error {
	_, err := io.WriteString(w, tour.List(ls))
	return err
}

// checkLessons builds every page of every lesson and prints its
// commentary; an expectation that fails makes the command fail.
func checkLessons(ctx context.Context, w io.Writer, set *engine.Set, ls []*tour.Lesson) error {
	failed := 0
	for _, l := range ls {
		fmt.Fprintf(w, "%s — %s (%s)\n", termsafe.Line(l.Name), termsafe.Line(l.Title), termsafe.Line(l.File))
		for i, pg := range l.Pages {
			_, _, r, err := l.Build(ctx, set, i, engine.Options{})
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "  page %d: %s\n", i+1, termsafe.Line(pg.Title))
			for _, p := range r.Paras {
				if len(p.Failed) > 0 {
					failed += len(p.Failed)
					for _, f := range p.Failed {
						fmt.Fprintf(w, "    FAIL %s\n", termsafe.Line(f))
					}
					continue
				}
				fmt.Fprintf(w, "    %s\n", termsafe.Line(p.Text))
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d expectation(s) do not hold", failed)
	}
	fmt.Fprintln(w, "every expectation holds")
	return nil
}
