package views

import (
	"testing"

	"jrx/engine"
	"jrx/probes"
	"jrx/tasks/tree"
)

// fixture is a hand-made frame on a depth-3 tree: taken steps of four, with
// or without a token error injected into the baseline and the Dual-Talker
// at step 2. It needs no model, so the goldens do not depend on training
// numerics (which differ from one CPU to the next).
func fixture(t testing.TB, taken int, injected bool) *Frame {
	t.Helper()
	task, err := tree.NewTask(tree.Config{Depth: 3}, tree.LeafOnly)
	if err != nil {
		t.Fatal(err)
	}
	p := engine.NewProblem(task, 7)
	tr := tree.Of(p.Instance)
	sym := tree.Sym
	ans := tr.Answer(nil)
	route := tr.Route()
	sib := func(step int) int { // the sibling of the truth at 1-based step
		if _, s, ok := tr.Siblings(step - 1); ok {
			return s
		}
		return -1
	}
	other := func(not ...int) int {
		for _, n := range tr.Nodes() {
			ok := true
			for _, m := range not {
				if n == m {
					ok = false
				}
			}
			if ok {
				return n
			}
		}
		return 0
	}
	wrongLeaf := -1
	if a, b, ok := tr.Children(sib(2)); ok {
		wrongLeaf = a
		_ = b
	}
	mk := func(step int, inj bool) *engine.Snapshot {
		truth := ans[step-1]
		s2 := sib(step)
		if s2 < 0 {
			s2 = other(truth)
		}
		sn := &engine.Snapshot{Step: step, Truth: truth, PreNorm: 3.1 + 0.2*float64(step)}
		if step > 1 {
			sn.Angle = 60 + 9*float64(step)
		}
		sn.NearestTarget = []probes.TokenScore{{Token: truth, Cos: 0.93 - 0.05*float64(step)}, {Token: s2, Cos: 0.41}, {Token: other(truth, s2), Cos: 0.22}, {Token: tree.IDComma, Cos: 0.08}, {Token: tree.IDRoot, Cos: -0.03}}
		if truth == tree.IDEOS {
			sn.NearestTarget[1].Token = other(truth)
		}
		sn.NearestEmbed = []probes.TokenScore{{Token: truth, Cos: 0.61}, {Token: s2, Cos: 0.33}, {Token: tree.IDEOS, Cos: 0.1}}
		sn.Margin = sn.NearestTarget[0].Cos - sn.NearestTarget[1].Cos
		sn.Mixture = probes.Mixture{Atoms: []probes.Atom{{Token: truth, Weight: 0.72, Coef: 0.81}, {Token: s2, Weight: 0.25, Coef: 0.28}, {Token: tree.IDEOS, Weight: 0.03, Coef: 0.03}}, Residual: 0.17, Explained: 0.97}
		if c, s, ok := tr.Siblings(step - 1); ok && step < len(ans) {
			sn.Probe = &engine.SiblingProbe{Correct: c, Sibling: s, Alpha: 0.81, Beta: 0.27, Dist: 0.12, RankPct: 1.7}
		}
		mono, dual, base := truth, append([]int(nil), ans[:step]...), truth
		if inj {
			if step >= 2 {
				dual[1] = sib(2)
			}
			switch step {
			case 2:
				base = sib(2)
				sn.Injected = []string{"talker@2=" + sym(sib(2)), "baseline@2=" + sym(sib(2))}
			case 3:
				base = wrongLeaf
			}
		}
		sn.Lanes = []engine.LaneStep{{Lane: engine.LaneReasoner, Token: truth}, {Lane: engine.LaneMono, Token: mono},
			{Lane: engine.LaneDual, Token: dual[step-1], SoFar: dual}, {Lane: engine.LaneBaseline, Token: base}}
		return sn
	}
	f := &Frame{Task: task.Name(), Problem: p.Instance, Vocab: task.Vocab(), LaneInfo: engine.StandardLanes(), Steps: len(ans), Answer: ans}
	var clean []*engine.Snapshot
	for s := 1; s <= len(ans); s++ {
		clean = append(clean, mk(s, false))
	}
	for s := 1; s <= taken; s++ {
		f.Snaps = append(f.Snaps, mk(s, injected))
	}
	sum := engine.Summary{Taken: taken, Steps: len(ans), Truth: ans[:taken]}
	lane := func(name string, verdict string, div int) engine.Lane {
		l := engine.Lane{Name: name, Tokens: engine.LaneTokens(f.Snaps, name), Forced: make([]bool, taken), Correct: true, Verdict: verdict, FirstDivergence: div}
		return l
	}
	if injected {
		f.Clean = clean
		for _, spec := range []string{"baseline@2=" + sym(sib(2)), "talker@2=" + sym(sib(2))} {
			in, err := engine.ParseInjection(spec, task.Vocab())
			if err != nil {
				t.Fatal(err)
			}
			f.Injections = append(f.Injections, in)
			sum.Injections = append(sum.Injections, spec)
		}
		dual := lane(engine.LaneDual, engine.VerdictContained, 2)
		base := lane(engine.LaneBaseline, engine.VerdictPropagated, 2)
		if taken >= 2 {
			dual.Forced[1], base.Forced[1] = true, true
		}
		if taken >= 3 {
			base.FirstDivergence = 2
			base.Correct = false
		} else {
			base.Verdict = engine.VerdictContained
		}
		sum.Lanes = []engine.Lane{lane(engine.LaneReasoner, engine.VerdictCorrect, 0), lane(engine.LaneMono, engine.VerdictCorrect, 0), dual, base}
	} else {
		for _, n := range []string{engine.LaneReasoner, engine.LaneMono, engine.LaneDual, engine.LaneBaseline} {
			sum.Lanes = append(sum.Lanes, lane(n, engine.VerdictCorrect, 0))
		}
	}
	f.Summary = sum
	_ = route
	return f
}

func fixtureScreen(t testing.TB, w, h, taken, sel int, injected bool) Screen {
	keys := DefaultKeyMap()
	f := fixture(t, taken, injected)
	keys.Main.SetState(KeyState{HasSet: true, HasSession: true, Taken: taken, Steps: f.Steps, Selected: sel, HasInjections: injected})
	return Screen{
		Width: w, Height: h, Styles: PlainStyles(), Keys: keys, Help: newHelp(), Frame: f, Sel: sel,
		Show:   AllVisible(),
		Status: Status{Model: "embedded", Depth: 3, Seed: 7},
	}
}
