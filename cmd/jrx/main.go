package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"jrx/internal/termsafe"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand of jrx. Each subcommand's file registers it
// from its init function (register); commands holds them in that order.
type command struct {
	name    string
	summary string
	usage   string // one-line argument synopsis
	help    string // longer text for `jrx CMD --help`
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv carries the process streams so that tests can run commands in-process.
// run wraps stdout in an outWriter, so a command may write without checking
// each write: the first failed write fails the command (exit 1).
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
	ctx, stop := notifySignals(context.Background())
	env := &cliEnv{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin}
	code := run(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

// Exit codes (docs/LIMITS.md). Each means one thing.
const (
	exitOK    = 0 // the command did what was asked
	exitError = 1 // it could not: a bad file, a failed write, a model that cannot run, …
	exitUsage = 2 // the command line is wrong: unknown command or flag, bad flag value
	// 128+N: stopped by signal N (SIGHUP 129, SIGINT 130, SIGQUIT 131, SIGTERM 143).
)

// run dispatches args to a subcommand and returns the process exit code:
// 0 on success, 1 on an error, 2 on a usage error, 128+N when ctx was
// cancelled by signal N (see notifySignals). Everything the command writes
// to stdout is checked: a failed write (a full disk, a closed pipe read by
// nobody) is an error, reported on stderr.
func run(ctx context.Context, env *cliEnv, args []string) int {
	out := &outWriter{w: env.stdout}
	usage := func() int {
		printUsage(out)
		if out.err != nil {
			fmt.Fprintf(env.stderr, "jrx: writing the output: %v\n", out.err)
			return exitError
		}
		return exitOK
	}
	name := "explore"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		return usage()
	}
	if name == "help" {
		if len(args) == 0 {
			return usage()
		}
		name, args = args[0], []string{"--help"}
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(env.stderr, "jrx: unknown command %q\n\n", termsafe.Line(name))
		printUsage(env.stderr)
		return exitUsage
	}
	cenv := *env
	cenv.stdout = out
	err := c.run(ctx, &cenv, args)
	if out.err != nil && (err == nil || errors.Is(err, flag.ErrHelp)) {
		err = fmt.Errorf("writing the output: %w", out.err)
	}
	if sig, ok := signalOf(ctx); ok {
		if err != nil && !errors.Is(err, context.Canceled) && !errors.As(err, new(signalCause)) {
			fmt.Fprintf(env.stderr, "jrx %s: %s\n", c.name, termsafe.String(err.Error()))
		}
		fmt.Fprintf(env.stderr, "jrx %s: stopped by %s\n", c.name, signalName(sig))
		return 128 + int(sig)
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, new(usageError)):
		fmt.Fprintf(env.stderr, "jrx %s: %s\nRun 'jrx %s --help' for usage.\n", c.name, termsafe.String(err.Error()), c.name)
		return exitUsage
	default:
		fmt.Fprintf(env.stderr, "jrx %s: %s\n", c.name, termsafe.String(err.Error()))
		return exitError
	}
}

// outWriter passes writes on to w and remembers the first error; after it,
// every write fails with that error (so a command stops printing into a
// full disk). run reports it when the command itself succeeded.
type outWriter struct {
	w   io.Writer
	err error
}

func (o *outWriter) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		o.err = err
	}
	return n, err
}

// fileOf is the *os.File behind w, if there is one (for terminal checks).
func fileOf(w io.Writer) (*os.File, bool) {
	if o, ok := w.(*outWriter); ok {
		w = o.w
	}
	f, ok := w.(*os.File)
	return f, ok
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

Exit codes: 0 success, 1 error, 2 usage error (a bad command line),
128+N stopped by signal N (docs/LIMITS.md).
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

// writeJSON writes v as JSON and a newline (indented with two spaces when
// indent is set), made safe for a terminal (termsafe.JSON). An encoding
// error (a NaN, say) is returned: nothing is written, never a blank or
// partial line.
func writeJSON(w io.Writer, v any, indent bool) error {
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		return fmt.Errorf("encoding the JSON output: %w", err)
	}
	if _, err := w.Write(append(termsafe.JSON(b), '\n')); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	return nil
}
