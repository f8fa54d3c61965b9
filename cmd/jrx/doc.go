// Command jrx opens the JEPA-Reasoner explorer and runs training, evaluation,
// headless runs and benchmarks. It only parses flags, calls lower packages
// and prints. Each subcommand lives in its own file, whose init adds it to
// the commands list in main.go (register); run dispatches on that list.
package main
