package main

func init() {
	register(&command{
		name:    "run",
		summary: "run one problem headless, with optional injections",
		usage:   "[--seed N | --prompt TEXT] [--inject SPEC]... [--json]",
		help:    "Runs the Reasoner, the Talkers and the baseline on one problem without the UI.",
		run:     notYet("run", "issue 4"),
	})
	register(&command{
		name:    "info",
		summary: "print the model set's configs, sizes, seeds and recorded figures",
		usage:   "[--model DIR]",
		help:    "Prints each model's configuration, parameter count, training seed and eval figures.",
		run:     notYet("info", "issue 3"),
	})
}
