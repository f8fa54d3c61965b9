package cfgprobe

import (
	"context"
	"testing"

	"jrx/engine"
	"jrx/internal/testmodels"
	"jrx/tasks/cfg"
)

// randomSet is testmodels.RandomGrammarSet, loaded.
func randomSet(t *testing.T) *engine.Set {
	t.Helper()
	dir := t.TempDir()
	if err := testmodels.RandomGrammarSet(dir); err != nil {
		t.Fatal(err)
	}
	set, err := engine.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// The tables against sessions run one by one here, counted independently.
func TestTablesMatchIndependentSessions(t *testing.T) {
	set := randomSet(t)
	const n, seed = 6, 3
	rep, err := Tables(context.Background(), set, n, seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.TokenCorruption) != 3*len(CorruptionLevels)*Steps || len(rep.LatentNoise) != 2*len(NoiseLevels) {
		t.Fatalf("%d corruption rows, %d noise rows", len(rep.TokenCorruption), len(rep.LatentNoise))
	}
	// Greedy validity and the p = 0, step-1 exact match of T, by hand.
	var greedyT, exactT1 float64
	for k := 0; k < n; k++ {
		p := engine.NewProblem(set.Task, seed+uint64(k)*7919)
		s, err := engine.NewSession(set, p, nil, engine.Options{Light: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		var toks []int
		for _, sn := range s.Snapshots() {
			for _, l := range sn.Lanes {
				if l.Lane == engine.LaneBaseline {
					toks = append(toks, l.Token)
				}
			}
		}
		cp := p.Instance.(*cfg.Problem)
		// Valid by the grammar, written out: the prefix plus each symbol.
		g := cp.Task().Grammar()
		ok, str := true, cp.Prefix()
		for _, tok := range toks {
			if tok == cfg.IDEOS {
				ok = ok && g.IsMember(str)
				break
			}
			str = append(str, tok)
			ok = ok && tok < cfg.NumTerminals && g.IsValidPrefix(str)
		}
		if ok {
			greedyT++
		}
		if toks[0] == cp.Answer()[0] {
			exactT1++
		}
	}
	if got := rep.GreedyValid["T"]; got != greedyT/n {
		t.Errorf("greedy valid T %.3f, sessions %.3f", got, greedyT/n)
	}
	for _, r := range rep.TokenCorruption {
		if r.Model == "T" && r.P == 0 && r.Step == 1 && r.Exact != exactT1/n {
			t.Errorf("T exact at p=0 step 1: %.3f, sessions %.3f", r.Exact, exactT1/n)
		}
		if r.ExactCI[0] > r.Exact || r.ExactCI[1] < r.Exact {
			t.Errorf("interval %v does not hold %v", r.ExactCI, r.Exact)
		}
	}
}

func TestWilson(t *testing.T) {
	// Values from the closed form, computed independently: k=5, n=10 →
	// centre 0.5, half-width 0.2659 (z = 1.96).
	ci := wilson(5, 10)
	if d := ci[0] - 0.2366; d > 1e-3 || d < -1e-3 {
		t.Errorf("wilson(5,10) = %v, want [0.2366 0.7634]", ci)
	}
	if ci := wilson(0, 10); ci[0] != 0 || ci[1] < 0.27 || ci[1] > 0.28 {
		t.Errorf("wilson(0,10) = %v, want [0 0.2775]", ci)
	}
}
