package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"jrx/baseline"
	"jrx/engine"
	"jrx/internal/safeio"
	"jrx/latent"
	"jrx/nn"
	"jrx/talker"
	"jrx/tasks"
)

func init() {
	register(&command{
		name:    "init",
		summary: "write a random-weight model set of a named size (to measure scale without training)",
		usage:   "--config tree-paper|gsm8k-0.9b|FILE --out DIR [--dtype f32|bf16|f16] [--seed N] [--tokenizer FILE]",
		help: `Writes a model set with random weights (jrx's initialisation) of a named
configuration, so that speed and memory at scale can be measured without
training. docs/SCALE.md gives the dimensions and parameter counts.
  tree-paper  the paper's tree model: Reasoner 42M (d 384, attention 768,
              16 heads, FFN 1536, 18 blocks) on the depth-4 tree task, a
              6-block Mono-Talker, a 3+3-block Dual-Talker and the coupled
              baseline
  gsm8k-0.9b  the paper's 0.9B system: a 696M Reasoner (d 1280, attention
              2560, 20 heads, FFN 5120, 25 blocks, 32,000 tokens) and a
              198M Mono-Talker (6 blocks), free-text task (no baseline, no
              Dual-Talker)
  FILE        a JSON configuration (see docs/SCALE.md)
--tokenizer copies a Hugging Face tokenizer.json into the set (text task).`,
		run: runInit,
	})
}

// initConfig is a model set's shape. Zero DualEnc/DualDec or !Baseline
// leave those models out.
type initConfig struct {
	Name string `json:"-"`
	// Task is the recipe stored in the Reasoner's metadata: the task and
	// its settings ({"task":"tree","depth":4}).
	Task     json.RawMessage `json:"task"`
	D        int             `json:"d"`
	A        int             `json:"attn"`
	Heads    int             `json:"heads"`
	F        int             `json:"ffn"`
	Layers   int             `json:"layers"`
	Mono     int             `json:"mono_layers"`
	DualEnc  int             `json:"dual_enc_layers"`
	DualDec  int             `json:"dual_dec_layers"`
	Baseline bool            `json:"baseline"`
	QKNorm   bool            `json:"qk_norm"`
	// Context is the Reasoner's context (0: the task's prompt + steps).
	Context int `json:"context"`
}

// namedConfigs are the paper's configurations (docs/SCALE.md).
var namedConfigs = map[string]initConfig{
	"tree-paper": {Task: json.RawMessage(`{"task":"tree","depth":4}`),
		D: 384, A: 768, Heads: 16, F: 1536, Layers: 18, Mono: 6, DualEnc: 3, DualDec: 3, Baseline: true, QKNorm: true},
	"gsm8k-0.9b": {Task: json.RawMessage(`{"task":"text","vocab":32000,"steps":16,"max_prompt":1008}`),
		D: 1280, A: 2560, Heads: 20, F: 5120, Layers: 25, Mono: 6, QKNorm: true, Context: 1024},
}

// models builds the configs of the set's models for task t.
func (c initConfig) models(t tasks.Task) (latent.Config, talker.Config, talker.Config, error) {
	v := t.Vocab()
	ctx := c.Context
	if ctx == 0 {
		ctx = t.MaxPrompt() + t.MaxAnswer()
	}
	r := latent.DefaultConfig(v.Size())
	r.D, r.A, r.Heads, r.F, r.Layers, r.Context, r.QKNorm = c.D, c.A, c.Heads, c.F, c.Layers, ctx, c.QKNorm
	if err := r.Validate(); err != nil {
		return r, talker.Config{}, talker.Config{}, err
	}
	tc := talker.Config{Vocab: v.Size(), D: c.D, A: c.A, Heads: c.Heads, F: c.F, Context: t.MaxAnswer(), QKNorm: c.QKNorm, RopeBase: 10000}
	mono, dual := tc, tc
	mono.Format, mono.Layers = talker.FormatMono, c.Mono
	dual.Format, dual.EncLayers, dual.DecLayers, dual.BOS = talker.FormatDual, c.DualEnc, c.DualDec, v.BOS()
	if err := mono.Validate(); err != nil {
		return r, mono, dual, err
	}
	if c.DualEnc > 0 || c.DualDec > 0 {
		if err := dual.Validate(); err != nil {
			return r, mono, dual, err
		}
	}
	return r, mono, dual, nil
}

// task builds the configuration's task from its recipe.
func (c initConfig) task() (tasks.Task, error) {
	var head struct {
		Task string `json:"task"`
	}
	if err := json.Unmarshal(c.Task, &head); err != nil || head.Task == "" {
		return nil, fmt.Errorf("config: \"task\" must be a recipe object naming its task (%v)", err)
	}
	return tasks.New(head.Task, c.Task)
}

func loadInitConfig(name string) (initConfig, error) {
	if c, ok := namedConfigs[name]; ok {
		c.Name = name
		return c, nil
	}
	b, err := safeio.ReadFile(name, 1<<20)
	if err != nil {
		return initConfig{}, fmt.Errorf("--config %s: not a named configuration (tree-paper, gsm8k-0.9b) nor a readable file: %w", name, err)
	}
	var c initConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("--config %s: %w", name, err)
	}
	c.Name = filepath.Base(name)
	return c, nil
}

func runInit(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(lookup("init"), env)
	cfgName := fs.String("config", "", "tree-paper, gsm8k-0.9b or a JSON file")
	out := fs.String("out", "", "directory to write the set into (created)")
	dtName := fs.String("dtype", "f32", "f32, bf16 or f16")
	seed := fs.Uint64("seed", 1, "initialisation seed")
	tokPath := fs.String("tokenizer", "", "a tokenizer.json to copy into the set (text task)")
	if err := parseFlags(fs, env, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *cfgName == "" || *out == "" {
		return usagef("--config and --out are required")
	}
	dt, err := nn.ParseDType(*dtName)
	if err != nil {
		return usagef("--dtype: %v", err)
	}
	c, err := loadInitConfig(*cfgName)
	if err != nil {
		return err
	}
	var tokBytes []byte
	if *tokPath != "" {
		if tokBytes, err = safeio.ReadFile(*tokPath, 64<<20); err != nil {
			return err
		}
		var recipe map[string]any
		if err := json.Unmarshal(c.Task, &recipe); err != nil {
			return err
		}
		recipe["tokenizer"] = "tokenizer.json"
		c.Task, _ = json.Marshal(recipe)
	}
	task, err := c.task()
	if err != nil {
		return err
	}
	rc, mc, dc, err := c.models(task)
	if err != nil {
		return fmt.Errorf("config %s: %w", c.Name, err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if tokBytes != nil {
		if err := safeio.WriteFile(filepath.Join(*out, "tokenizer.json"), func(w io.Writer) error { _, err := w.Write(tokBytes); return err }); err != nil {
			return err
		}
	}
	meta := map[string]string{"recipe": string(c.Task), "init": fmt.Sprintf(`{"config":%q,"seed":%d,"dtype":%q}`, c.Name, *seed, dt)}
	start := time.Now()
	say := func(file string, params int) {
		fmt.Fprintf(env.stdout, "%s  %d parameters (%s)\n", filepath.Join(*out, file), params, time.Since(start).Round(time.Millisecond))
	}
	// One model at a time, so that memory holds one.
	{
		r, err := latent.New(rc, true, false)
		if err != nil {
			return err
		}
		r.Init(*seed)
		if err := r.SaveAs(filepath.Join(*out, engine.FileReasoner), meta, dt); err != nil {
			return err
		}
		say(engine.FileReasoner, rc.NumParams())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.Baseline {
		bc := rc
		bc.Stage = "baseline"
		r, err := latent.New(bc, false, false)
		if err != nil {
			return err
		}
		r.Init(*seed + 1)
		if err := baseline.New(r).SaveAs(filepath.Join(*out, engine.FileBaseline), meta, dt); err != nil {
			return err
		}
		say(engine.FileBaseline, bc.NumParams())
	}
	m, err := talker.NewMono(mc)
	if err != nil {
		return err
	}
	m.Init(*seed + 2)
	if err := m.SaveAs(filepath.Join(*out, engine.FileMono), meta, dt); err != nil {
		return err
	}
	say(engine.FileMono, mc.NumParams())
	if c.DualEnc > 0 || c.DualDec > 0 {
		d, err := talker.NewDual(dc)
		if err != nil {
			return err
		}
		d.Init(*seed + 3)
		if err := d.SaveAs(filepath.Join(*out, engine.FileDual), meta, dt); err != nil {
			return err
		}
		say(engine.FileDual, dc.NumParams())
	}
	return nil
}
