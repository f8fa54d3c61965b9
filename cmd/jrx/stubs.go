package main

import (
	"context"
	"fmt"
)

// notYet is the body of a subcommand whose engine has not landed yet: it
// parses --help like every command and then says plainly that the feature
// is missing, with exit code 1.
func notYet(name, issue string) func(ctx context.Context, env *cliEnv, args []string) error {
	return func(ctx context.Context, env *cliEnv, args []string) error {
		fs := newFlags(lookup(name), env)
		if err := parseFlags(fs, env, args); err != nil {
			return err
		}
		return fmt.Errorf("not implemented yet (tracked in %s)", issue)
	}
}
