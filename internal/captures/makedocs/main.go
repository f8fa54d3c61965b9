// Command makedocs regenerates every capture in README.md and docs/*.md
// from what the binary draws with the embedded model set (make docs; see
// package jrx/internal/captures). With -check it only reports stale
// captures and exits 1 when there is one.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"jrx/engine"
	"jrx/internal/captures"
)

func main() {
	check := flag.Bool("check", false, "report stale captures; change nothing")
	root := flag.String("root", ".", "the repository's root")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "makedocs:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	set, err := engine.LoadEmbedded()
	if err != nil {
		return err
	}
	files, err := captures.Files(root)
	if err != nil {
		return err
	}
	ctx := context.Background()
	if check {
		rs, err := captures.Check(ctx, set, files)
		if err != nil {
			return err
		}
		stale := 0
		for _, r := range rs {
			switch {
			case r.Err != nil:
				return fmt.Errorf("%s:%d: %w", r.File, r.Line, r.Err)
			case r.Stale():
				stale++
				fmt.Printf("%s:%d: stale: %s\n", r.File, r.Line, r.Diff())
			}
		}
		fmt.Printf("%d captures, %d stale\n", len(rs), stale)
		if stale > 0 {
			return fmt.Errorf("run make docs")
		}
		return nil
	}
	changed, err := captures.Update(ctx, set, files)
	if err != nil {
		return err
	}
	for _, r := range changed {
		fmt.Printf("%s:%d: regenerated (%s)\n", r.File, r.Line, r.Spec.Marker())
	}
	fmt.Printf("%d captures regenerated\n", len(changed))
	return nil
}
