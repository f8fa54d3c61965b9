package main

import (
	"sort"
	"strings"
)

// evalSubcommands are the evaluations beyond tree and containment, each
// registered by its own file's init (registerEval): jrx eval NAME runs it.
var evalSubcommands = map[string]*command{}

// registerEval makes jrx eval NAME run c (c.name is "eval NAME", so that
// its --help says so).
func registerEval(name string, c *command) {
	if _, dup := evalSubcommands[name]; dup {
		panic("registerEval called twice for " + name)
	}
	evalSubcommands[name] = c
}

// evalSubcommandNames lists them, sorted, for errors.
func evalSubcommandNames() string {
	var out []string
	for name := range evalSubcommands {
		out = append(out, name)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
