package testmodels

import (
	"path/filepath"

	"jrx/baseline"
	"jrx/engine"
	"jrx/latent"
	"jrx/talker"
	"jrx/tasks/cfg"
)

// RandomGrammarSet writes a random-weight model set of the grammar task
// (a 2-level grammar, 8-symbol answers, tiny widths, with a 4-thought
// COCONUT) into dir: untrained, for tests of the machinery only.
func RandomGrammarSet(dir string) error {
	recipe := map[string]string{"recipe": `{"task":"cfg","levels":2,"answer_len":8}`}
	task, err := cfg.Settings{Levels: 2, AnswerLen: 8}.Task()
	if err != nil {
		return err
	}
	v := task.Vocab().Size()
	lc := latent.DefaultConfig(v)
	lc.D, lc.A, lc.F, lc.Layers, lc.Heads = 16, 16, 32, 1, 2
	lc.Context = task.MaxPrompt() + task.MaxAnswer() + 8
	mk := func(target bool, seed uint64) (*latent.Reasoner, error) {
		r, err := latent.New(lc, target, false)
		if err != nil {
			return nil, err
		}
		r.Init(seed)
		return r, nil
	}
	r, err := mk(true, 1)
	if err != nil {
		return err
	}
	if err := r.Save(filepath.Join(dir, engine.FileReasoner), recipe); err != nil {
		return err
	}
	b, err := mk(false, 2)
	if err != nil {
		return err
	}
	if err := baseline.New(b).Save(filepath.Join(dir, engine.FileBaseline), recipe); err != nil {
		return err
	}
	tc := talker.Config{Vocab: v, D: 16, A: 16, Heads: 2, F: 32, Layers: 1, EncLayers: 1, DecLayers: 1,
		Context: task.MaxAnswer(), QKNorm: lc.QKNorm, RopeBase: lc.RopeBase, BOS: cfg.IDBOS}
	mono, err := talker.NewMono(tc)
	if err != nil {
		return err
	}
	mono.Init(3)
	if err := mono.Save(filepath.Join(dir, engine.FileMono), recipe); err != nil {
		return err
	}
	dual, err := talker.NewDual(tc)
	if err != nil {
		return err
	}
	dual.Init(4)
	if err := dual.Save(filepath.Join(dir, engine.FileDual), recipe); err != nil {
		return err
	}
	cn, err := mk(false, 5)
	if err != nil {
		return err
	}
	c, err := baseline.NewCoconut(cn, cfg.IDBOT, cfg.IDEOT, 4)
	if err != nil {
		return err
	}
	return c.Save(filepath.Join(dir, engine.FileCoconut), recipe)
}
