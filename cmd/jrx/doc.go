// Command jrx opens the JEPA-Reasoner explorer and runs training, evaluation,
// headless runs and benchmarks. It only parses flags, calls lower packages
// and prints; every subcommand is wired through one table in main.go.
package main
