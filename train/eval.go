package train

import (
	"jrx/latent"
	"jrx/probes"
	"jrx/talker"
)

// evaluator measures progress during training on a fixed set of leaf trees
// drawn from a seed stream that training never uses.
type evaluator struct{ set *probes.ProblemSet }

func (t *Trainer) newEvaluator() *evaluator {
	set, err := probes.NewProblemSet(t.task, t.Recipe.Seed<<8|idEval, t.Recipe.EvalN)
	if err != nil {
		panic(err) // the tree task's evaluation problems have one length
	}
	return &evaluator{set: set}
}

func (e *evaluator) tokenExact(net *latent.Reasoner) float64 { return probes.TokenExact(net, e.set) }

func (e *evaluator) latentExact(r *latent.Reasoner) float64 {
	lat := probes.FreeLatents(r, e.set)
	return probes.NearestExact(r.Target, r.Cfg.D, lat, e.set)
}

func (e *evaluator) monoExact(r *latent.Reasoner, m *talker.Mono) float64 {
	return probes.MonoExact(m, probes.FreeLatents(r, e.set), e.set)
}

func (e *evaluator) dualExact(r *latent.Reasoner, m *talker.Dual) float64 {
	return probes.DualExact(m, probes.FreeLatents(r, e.set), e.set)
}
