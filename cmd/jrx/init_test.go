package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jrx/engine"
)

// blockParams counts one pre-norm block's parameters from MODEL.md: four
// d×A/A×d attention matrices, two d×F/F×d FFN matrices, two gains.
func blockParams(d, A, F int) int { return 4*d*A + 2*d*F + 2*d }

// The named configurations' parameter counts, computed from the formula
// above (not by the code under test), against the paper's figures (within
// 1.5%: the paper rounds 42.49M to "42M").
func TestInitConfigParams(t *testing.T) {
	for _, c := range []struct {
		name            string
		reasoner, mono  int // paper's counts
		wantR, wantMono int
	}{
		// tree-paper: V = 33 tree tokens; the paper says 42M.
		{"tree-paper", 42e6, 0, 33*384 + 18*blockParams(384, 768, 1536) + 384, 0},
		// gsm8k-0.9b: V = 32000; the paper says 694M + 198M.
		{"gsm8k-0.9b", 694e6, 198e6, 32000*1280 + 25*blockParams(1280, 2560, 5120) + 1280, 6*blockParams(1280, 2560, 5120) + 1280 + 1280*32000},
	} {
		ic, err := loadInitConfig(c.name)
		if err != nil {
			t.Fatal(err)
		}
		task, err := ic.task()
		if err != nil {
			t.Fatal(err)
		}
		rc, mc, _, err := ic.models(task)
		if err != nil {
			t.Fatal(err)
		}
		if got := rc.NumParams(); got != c.wantR {
			t.Errorf("%s: Reasoner %d parameters, the formula gives %d", c.name, got, c.wantR)
		}
		if rel := float64(rc.NumParams())/float64(c.reasoner) - 1; rel < -0.015 || rel > 0.015 {
			t.Errorf("%s: Reasoner %d parameters, %.2f%% from the paper's %d", c.name, rc.NumParams(), 100*rel, c.reasoner)
		}
		if c.mono > 0 {
			if got := mc.NumParams(); got != c.wantMono {
				t.Errorf("%s: Mono-Talker %d parameters, the formula gives %d", c.name, got, c.wantMono)
			}
			if rel := float64(mc.NumParams())/float64(c.mono) - 1; rel < -0.015 || rel > 0.015 {
				t.Errorf("%s: Mono-Talker %d parameters, %.2f%% from the paper's %d", c.name, mc.NumParams(), 100*rel, c.mono)
			}
		}
	}
}

// A small FILE configuration written in BF16 opens mapped in the engine
// and runs a session with the Reasoner and Mono-Talker lanes; with a
// tokenizer it reads typed text.
func TestInitFileConfigOpens(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "small.json")
	os.WriteFile(cfg, []byte(`{"task":{"task":"text","vocab":300,"steps":4,"max_prompt":20},"d":32,"attn":32,"heads":2,"ffn":64,"layers":2,"mono_layers":1,"qk_norm":true}`), 0o644)
	tok := filepath.Join(dir, "tok.json")
	os.WriteFile(tok, []byte(`{"pre_tokenizer":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"h":0,"i":1,"hi":2,"Ġ":3},"merges":["h i"]}}`), 0o644)
	out := filepath.Join(dir, "set")
	var so, se bytes.Buffer
	if code := run(t.Context(), &cliEnv{stdout: &so, stderr: &se}, []string{"init", "--config", cfg, "--out", out, "--dtype", "bf16", "--tokenizer", tok}); code != 0 {
		t.Fatalf("init: exit %d: %s", code, se.String())
	}
	set, err := engine.LoadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	if !set.Mapped || set.Baseline != nil || set.Dual != nil || len(set.Lanes()) != 2 {
		t.Fatalf("mapped %v, lanes %v", set.Mapped, set.Lanes())
	}
	p, err := engine.ParseProblem(set.Task, "hi hi", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Instance.Prompt(); len(got) != 3 || got[0] != 2 || got[1] != 3 || got[2] != 2 {
		t.Errorf("prompt %v, want [2 3 2]", got)
	}
	s, err := engine.NewSession(set, p, nil, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	snaps := s.Snapshots()
	if len(snaps) != 4 || len(snaps[0].NearestTarget) != 5 || len(snaps[0].Mixture.Atoms) == 0 || snaps[0].Token(engine.LaneMono) < 0 {
		b, _ := json.Marshal(snaps[0])
		t.Errorf("snapshot: %s", b)
	}
	// The bad cases: an unknown name, a config with an unknown field.
	os.WriteFile(cfg, []byte(`{"task":{"task":"tree"},"d":32,"bogus":1}`), 0o644)
	for _, args := range [][]string{{"init", "--config", "nope", "--out", out}, {"init", "--config", cfg, "--out", out}, {"init", "--config", "tree-paper", "--out", out, "--dtype", "f8"}} {
		se.Reset()
		if code := run(t.Context(), &cliEnv{stdout: &so, stderr: &se}, args); code == 0 || !strings.Contains(se.String(), "jrx init") {
			t.Errorf("%v: exit %d, %s", args, code, se.String())
		}
	}
}
