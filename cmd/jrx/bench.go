package main

func init() {
	register(&command{
		name:    "bench",
		summary: "measure speed: matmul kernels, training, engine steps",
		usage:   "matmul|train|step [--json]",
		help:    "Measures jrx's speed on this machine, as ratios against a reference run in the same process.",
		run:     notYet("bench", "issue 2"),
	})
}
