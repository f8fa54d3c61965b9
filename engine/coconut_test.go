package engine_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"jrx/baseline"
	"jrx/engine"
	"jrx/internal/testmodels"
	"jrx/latent"
	"jrx/tasks/tree"
)

// coconutSet is the tiny set plus a COCONUT model made from its baseline's
// weights (2 thoughts; the tree vocabulary's [PAD] and [BOS] stand in for
// [BOT] and [EOT]): untrained as COCONUT, which is all the lane's
// mechanics need.
func coconutSet(t *testing.T) *engine.Set {
	t.Helper()
	_, dir, err := testmodels.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	cdir := t.TempDir()
	for _, f := range []string{engine.FileReasoner, engine.FileBaseline, engine.FileMono, engine.FileDual} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cdir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, engine.FileBaseline))
	net, _, err := latent.Load(b, engine.FileBaseline)
	if err != nil {
		t.Fatal(err)
	}
	c, err := baseline.NewCoconut(net, tree.IDPAD, tree.IDBOS, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(filepath.Join(cdir, engine.FileCoconut), nil); err != nil {
		t.Fatal(err)
	}
	set, err := engine.LoadDir(cdir)
	if err != nil {
		t.Fatal(err)
	}
	if set.Coconut == nil {
		t.Fatal("coconut.safetensors was not loaded")
	}
	return set
}

func TestCoconutLane(t *testing.T) {
	set := coconutSet(t)
	if l := set.Lanes(); l[len(l)-1].Name != engine.LaneCoconut {
		t.Fatalf("lanes %v: no coconut lane last", l)
	}
	p := problem(t, 3)
	s, err := engine.NewSession(set, p, nil, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	snaps := s.Snapshots()
	toks := engine.LaneTokens(snaps, engine.LaneCoconut)
	for i, sn := range snaps {
		ls := sn.LaneStep(engine.LaneCoconut)
		if thought := i < 2; ls.Thought != thought || (thought && ls.Token != -1) || (!thought && ls.Token < 0) {
			t.Fatalf("step %d: %+v (2 thoughts, then tokens)", i+1, ls)
		}
	}
	// The lane against the model's own decoder: 2 thoughts, [EOT], greedy.
	tr, err := set.Coconut.Decode(s.Prompt(), 2, len(snaps)-2, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr.Tokens, toks[2:]) {
		t.Fatalf("lane tokens %v, Coconut.Decode %v", toks[2:], tr.Tokens)
	}
	// Back is exact through the thoughts and the [EOT].
	for back := 1; back <= len(snaps); back++ {
		if err := s.JumpTo(len(snaps) - back); err != nil {
			t.Fatal(err)
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		if got := engine.LaneTokens(s.Snapshots(), engine.LaneCoconut); !slices.Equal(got, toks) {
			t.Fatalf("after %d steps back: %v, first run %v", back, got, toks)
		}
	}
	// Thought noise reaches COCONUT only; the Reasoner's latents do not move.
	n, err := engine.NewSession(set, p, mustInj(t, "thought:0.5"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	for _, l := range n.Summary().Lanes {
		reached := l.Name == engine.LaneCoconut
		if !reached && l.Verdict != engine.VerdictCorrect && l.Verdict != engine.VerdictWrong {
			t.Errorf("thought noise reached lane %s: %s", l.Name, l.Verdict)
		}
		if l.Name == engine.LaneReasoner && l.MaxLatentChange != 0 {
			t.Errorf("thought noise moved the Reasoner's latents by %g", l.MaxLatentChange)
		}
	}
	// A forced token after the thoughts stays in COCONUT's context, and
	// thought steps are not counted as the lane's own.
	f, err := engine.NewSession(set, p, mustInj(t, "coconut@3=[EOS]"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	cl := f.Summary().Lane(engine.LaneCoconut)
	if !cl.Forced[2] || cl.Tokens[2] != tree.IDEOS || cl.Verdict == engine.VerdictPending {
		t.Errorf("forced coconut lane: %+v", cl)
	}
	if cl.Left == 1 || cl.Left == 2 {
		t.Errorf("a thought step counted as the lane's own: left %d", cl.Left)
	}
}
