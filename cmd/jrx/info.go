package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"jrx/engine"
	"jrx/internal/termsafe"
)

func init() {
	register(&command{
		name:    "info",
		summary: "print the model set's configs, sizes, seeds and recorded figures",
		usage:   "[--model DIR] [--json]",
		help: `Prints each model of the set (the embedded one by default): its
configuration, parameter count, training seed, file SHA-256, and the
evaluation figures recorded when it was trained.`,
		run: runInfo,
	})
}

type modelInfo struct {
	File   string          `json:"file"`
	SHA256 string          `json:"sha256"`
	Params int             `json:"params"`
	Config json.RawMessage `json:"config"`
	Eval   json.RawMessage `json:"eval,omitempty"`
	Recipe json.RawMessage `json:"recipe,omitempty"`
	// Converted is jrx convert's entry ({"from": …, "dtype": …}).
	Converted json.RawMessage `json:"converted,omitempty"`
}

func runInfo(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(lookup("info"), env)
	model := fs.String("model", "", "model-set directory (default: the embedded set)")
	task := fs.String("task", "", "the task whose embedded model set to open when --model is not given: tree (default) or cfg")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	start := time.Now()
	set, err := engine.LoadTask(*model, *task)
	if err != nil {
		return err
	}
	loadTime := time.Since(start)
	defer set.Close()
	params := map[string]int{
		engine.FileReasoner: set.Reasoner.Cfg.NumParams() + set.Reasoner.TargetMat().Len(),
		engine.FileMono:     set.Mono.Cfg.NumParams(),
	}
	if set.Baseline != nil {
		params[engine.FileBaseline] = set.Baseline.Net.Cfg.NumParams()
	}
	if set.Dual != nil {
		params[engine.FileDual] = set.Dual.Cfg.NumParams()
	}
	if set.Coconut != nil {
		params[engine.FileCoconut] = set.Coconut.Net.Cfg.NumParams()
	}
	raw := func(s string) json.RawMessage {
		if s == "" || !json.Valid([]byte(s)) {
			return nil
		}
		return json.RawMessage(s)
	}
	var infos []modelInfo
	for _, f := range []string{engine.FileReasoner, engine.FileMono, engine.FileDual, engine.FileBaseline, engine.FileCoconut} {
		m, ok := set.Meta[f]
		if !ok {
			continue // the set has no such model
		}
		infos = append(infos, modelInfo{File: f, SHA256: set.Hashes[f], Params: params[f],
			Config: raw(m["config"]), Eval: raw(m["eval"]), Recipe: raw(m["recipe"]), Converted: raw(m["converted"])})
	}
	if *asJSON {
		return writeJSON(env.stdout, map[string]any{"source": set.Source, "task": set.Task.Name(), "distribution": set.Task.Distribution(),
			"depth": set.Depth(), "load_ms": loadTime.Milliseconds(), "models": infos}, true)
	}
	// The metadata is JSON that a file supplied: termsafe.JSON shows any
	// control character in it as a \u escape.
	fmt.Fprintf(env.stdout, "model set: %s (task %s: %s), loaded in %s\n", termsafe.Line(set.Source), set.Task.Name(), set.Task.Distribution(), loadTime.Round(time.Millisecond))
	for _, in := range infos {
		fmt.Fprintf(env.stdout, "\n%s  %d parameters  sha256 %s\n  config %s\n", in.File, in.Params, in.SHA256, termsafe.JSON(in.Config))
		if in.Eval != nil {
			fmt.Fprintf(env.stdout, "  eval   %s\n", termsafe.JSON(in.Eval))
		}
		if in.Converted != nil {
			fmt.Fprintf(env.stdout, "  converted %s (the figures of the weights before it were dropped; measure with jrx eval)\n", termsafe.JSON(in.Converted))
		}
	}
	if r := infos[0].Recipe; r != nil {
		fmt.Fprintf(env.stdout, "\nrecipe %s\n", termsafe.JSON(r))
	}
	return nil
}
