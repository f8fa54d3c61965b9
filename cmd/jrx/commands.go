package main

func init() {
	register(&command{
		name:    "run",
		summary: "run one problem headless, with optional injections",
		usage:   "[--seed N | --prompt TEXT] [--inject SPEC]... [--json]",
		help:    "Runs the Reasoner, the Talkers and the baseline on one problem without the UI.",
		run:     notYet("run", "issue 4"),
	})
}
