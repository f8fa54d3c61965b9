package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand of jrx. Every subcommand is registered in
// commands below, the single place where the CLI is wired.
type command struct {
	name    string
	summary string
	usage   string // one-line argument synopsis
	help    string // longer text for `jrx CMD --help`
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv carries the process streams so that tests can run commands in-process.
type cliEnv struct {
	stdout io.Writer
	stderr io.Writer
	stdin  io.Reader
}

// usageError marks an error caused by bad command-line input (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

var commands []*command

func register(c *command) { commands = append(commands, c) }

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	env := &cliEnv{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin}
	os.Exit(run(ctx, env, os.Args[1:]))
}

// run dispatches args to a subcommand and returns the process exit code:
// 0 on success, 1 on a runtime error, 2 on a usage error.
func run(ctx context.Context, env *cliEnv, args []string) int {
	name := "explore"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		printUsage(env.stdout)
		return 0
	}
	if name == "help" {
		if len(args) == 0 {
			printUsage(env.stdout)
			return 0
		}
		name, args = args[0], []string{"--help"}
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(env.stderr, "jrx: unknown command %q\n\n", name)
		printUsage(env.stderr)
		return 2
	}
	err := c.run(ctx, env, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(env.stderr, "jrx %s: %v\nRun 'jrx %s --help' for usage.\n", c.name, err, c.name)
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(env.stderr, "jrx %s: interrupted\n", c.name)
		return 130
	default:
		fmt.Fprintf(env.stderr, "jrx %s: %v\n", c.name, err)
		return 1
	}
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `jrx makes latent reasoning visible: a JEPA-Reasoner thinks in unit-length
latent vectors, a separate Talker turns them into tokens, and a coupled
Transformer baseline runs beside it so that you can inject token errors and
watch whether they are contained.

Usage:
  jrx [command] [flags]

Commands:
`)
	cs := append([]*command(nil), commands...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].name == "explore" })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
With no command, jrx opens the explorer on the embedded default model.
Run 'jrx COMMAND --help' for a command's flags.
`)
}

// newFlags makes a FlagSet whose --help prints the command's usage and help.
func newFlags(c *command, env *cliEnv) *flag.FlagSet {
	fs := flag.NewFlagSet("jrx "+c.name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: jrx %s %s\n\n%s\n", c.name, c.usage, strings.TrimSpace(c.help))
		var n int
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(out, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args; --help prints to stdout and returns flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, env *cliEnv, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(env.stdout)
			fs.Usage()
			return flag.ErrHelp
		}
		if a == "--" {
			break
		}
	}
	out := fs.Output()
	fs.SetOutput(io.Discard) // the caller prints one clear error, not the flag package's dump
	err := fs.Parse(args)
	fs.SetOutput(out)
	if err != nil {
		return usageError{err}
	}
	return nil
}

// noArgs rejects positional arguments for commands that take none.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}
