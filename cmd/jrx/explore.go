package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{
		name:    "explore",
		summary: "open the interactive explorer (the default command)",
		usage:   "[--seed N] [--prompt TEXT] [--model DIR]",
		help: `Opens the terminal explorer: it steps the Reasoner one latent at a time and
shows each latent's nearest tokens, its hypothesis mixture, the Talkers'
output and the coupled baseline side by side.`,
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			fs := newFlags(lookup("explore"), env)
			seed := fs.Uint64("seed", 0, "problem seed (0 = random)")
			prompt := fs.String("prompt", "", "a problem in text form, e.g. 'NL,NO,LJ,LI,OA,OM,JB,JH,IG,IF,AD,AE,MK,MC[ROOT]N[TARGET]K'")
			model := fs.String("model", "", "directory with a model set (default: the embedded model)")
			if err := parseFlags(fs, env, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			_, _, _ = seed, prompt, model
			fmt.Fprintln(env.stdout, "jrx explorer: the interactive explorer is not built yet.")
			fmt.Fprintln(env.stdout, "Try 'jrx --help' for the commands that work today.")
			return nil
		},
	})
}
