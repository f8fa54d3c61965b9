package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print the version and build information",
		usage:   "",
		help:    "Prints jrx's version, the Go toolchain, and the platform.",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			c := lookup("version")
			fs := newFlags(c, env)
			if err := parseFlags(fs, env, args); err != nil {
				return err
			}
			if err := noArgs(fs); err != nil {
				return err
			}
			v := version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" && len(s.Value) >= 12 {
						v = "dev-" + s.Value[:12]
					}
				}
			}
			fmt.Fprintf(env.stdout, "jrx %s (%s, %s/%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	})
}
