package engine

import (
	"math"
	"testing"

	"jrx/latent"
	"jrx/talker"
	"jrx/tasks/tree"
)

// FuzzModelSetConfig drives the config path of a model-set load (the
// "config" metadata of each file and the recipe's depth) with arbitrary
// JSON: parsing, validation, the set check and the memory estimate must
// never panic, and whatever passes must be a set the loader could build:
// positive sizes, the task's vocabulary, contexts that hold a problem, a
// finite positive estimate.
func FuzzModelSetConfig(f *testing.F) {
	c := smallConfigs()
	def := latent.DefaultConfig(tree.VocabSize)
	f.Add(c.r.JSON(), c.b.JSON(), jsonOf(c.m), jsonOf(c.d), `{"depth":2}`)
	f.Add(def.JSON(), def.JSON(), jsonOf(c.m), jsonOf(c.d), `{"depth":4}`)
	f.Add(`{"format":"jrx-reasoner/1","vocab":33,"d":4096,"attn":4096,"heads":32,"ffn":16384,"layers":64,"context":65536,"rope_base":-1}`,
		`{}`, `{"format":"jrx-mono-talker/1"}`, `null`, `{"depth":5}`)
	f.Add(`{"format":"jrx-reasoner/1","vocab":33,"d":8,"attn":8,"heads":2,"ffn":16,"layers":1,"context":13,"feedback_scale":1e39,"ema":0.5}`,
		`[]`, `"x"`, `{"format":"jrx-dual-talker/1","bos":-1}`, `{"depth":1e400}`)
	f.Fuzz(func(t *testing.T, rj, bj, mj, dj, recipe string) {
		var cs Configs
		var err error
		if cs.Reasoner, err = latent.ParseConfig(map[string]string{"config": rj}); err != nil {
			return
		}
		var errB, errM, errD error
		cs.Baseline, errB = latent.ParseConfig(map[string]string{"config": bj})
		cs.Mono, errM = talker.ParseConfig(map[string]string{"config": mj}, talker.FormatMono)
		cs.Dual, errD = talker.ParseConfig(map[string]string{"config": dj}, talker.FormatDual)
		for _, cfg := range []latent.Config{cs.Reasoner, cs.Baseline} {
			if cfg.Validate() == nil && (cfg.NumParams() <= 0 || len(cfg.Shapes(true)) < 3) {
				t.Fatalf("valid config %+v declares nothing", cfg)
			}
		}
		if errB != nil || errM != nil || errD != nil {
			return
		}
		for _, m := range []talker.Config{cs.Mono, cs.Dual} {
			if m.NumParams() <= 0 || len(m.Shapes()) < 3 {
				t.Fatalf("valid talker config %+v declares nothing", m)
			}
		}
		if cs.Task, err = taskOf(map[string]string{"recipe": recipe}, cs.Mono.Context); err != nil {
			return
		}
		if err := cs.Check(); err != nil {
			return
		}
		v, seq, steps := cs.Task.Vocab().Size(), cs.Task.MaxPrompt()+cs.Task.MaxAnswer(), cs.Task.MaxAnswer()
		if cs.Reasoner.Vocab != v || cs.Dual.Vocab != v ||
			cs.Reasoner.Context < seq || cs.Baseline.Context < seq ||
			cs.Mono.Context < steps || cs.Dual.Context < steps || cs.Mono.D != cs.Reasoner.D {
			t.Fatalf("Check passed an unusable set: %+v", cs)
		}
		m := cs.EstimateMemory(1 << 20)
		if tot := m.Total(); !(tot > 0) || math.IsInf(tot, 0) || m.Weights <= 0 || m.Work <= 0 || m.Largest == "" {
			t.Fatalf("estimate %+v for %+v", m, cs)
		}
		cs.checkMemory(1<<20, 1<<30) // must not panic either way
	})
}
