package views

import (
	"strings"
	"testing"

	"jrx/engine"
	"jrx/tasks"
	"jrx/tasks/cfg"
)

// cfgFrame is a hand-made frame on a grammar problem: the truth in every
// lane but the baseline, which takes at step 3 a terminal the grammar does
// not allow there (chosen by the grammar's own list of next terminals).
func cfgFrame(t *testing.T) (*Frame, int) {
	t.Helper()
	task, err := tasks.New("cfg", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := tasks.SampleSeed(task, 5).(*cfg.Problem)
	g := p.Task().Grammar()
	ans := p.Answer()
	s := append(p.Prefix(), ans[:2]...)
	allowed := map[int]bool{}
	for _, x := range g.Check(s).Next() {
		allowed[x] = true
	}
	bad := -1
	for x := 0; x < cfg.NumTerminals; x++ {
		if !allowed[x] {
			bad = x
			break
		}
	}
	if bad < 0 {
		t.Fatal("every terminal is allowed at step 3 of seed 5's problem: pick another seed")
	}
	f := &Frame{Problem: p, Vocab: task.Vocab(), Task: "cfg", Steps: len(ans), Answer: ans}
	for i := range ans {
		base := ans[i]
		if i == 2 {
			base = bad
		}
		f.Snaps = append(f.Snaps, &engine.Snapshot{Step: i + 1, Truth: ans[i], Lanes: []engine.LaneStep{
			{Lane: engine.LaneReasoner, Token: ans[i]}, {Lane: engine.LaneDual, Token: ans[i], SoFar: ans[:i+1]},
			{Lane: engine.LaneBaseline, Token: base}}})
	}
	f.LaneInfo = []engine.LaneInfo{{Name: engine.LaneReasoner, Label: "reasoner"}, {Name: engine.LaneDual, Label: "dual-talker"}, {Name: engine.LaneBaseline, Label: "baseline"}}
	return f, bad
}

func TestParseView(t *testing.T) {
	f, _ := cfgFrame(t)
	if got := f.Problem.(*cfg.Problem); got == nil {
		t.Fatal("no grammar problem")
	}
	for _, w := range []int{30, 44, 80} {
		lines := renderParse(PlainStyles(), f, Visibility{}, 4, w, 40, false)
		text := strings.Join(lines, "\n")
		var base, dual string
		for _, l := range lines {
			switch {
			case strings.HasPrefix(l, "baseline"):
				base = l
			case strings.HasPrefix(l, "dual-talker"):
				dual = l
			}
		}
		want := "invalid from step 3" // the short form where the long one does not fit
		if w < 60 {
			want = "invalid @3"
		}
		if !strings.Contains(base, want) || !strings.Contains(base, "✗") {
			t.Errorf("width %d: the baseline's broken step is not marked: %q", w, base)
		}
		if !strings.Contains(dual, "valid") || strings.Contains(dual, "invalid") {
			t.Errorf("width %d: the Dual-Talker's valid continuation is not shown valid: %q", w, dual)
		}
		if !strings.Contains(text, "derivation") || !strings.Contains(text, "S ") {
			t.Errorf("width %d: no derivation from the root S:\n%s", w, text)
		}
	}
	// The panel is registered for the grammar task and chosen by the frame.
	if ps := Panels(f); ps[0].ID != "parse" {
		t.Errorf("first panel of a grammar frame is %q, want the parse view", ps[0].ID)
	}
}

// CheckContinuation against the grammar, independently of the panel: a
// thought step has no symbol, [EOS] is valid only where a sentence ends.
func TestCheckContinuation(t *testing.T) {
	f, bad := cfgFrame(t)
	p := f.Problem.(*cfg.Problem)
	ans := p.Answer()
	if got := CheckContinuation(p, ans[:3]); got.Bad != 0 {
		t.Errorf("the sentence's own continuation is invalid at %d", got.Bad)
	}
	if got := CheckContinuation(p, []int{-1, -1, ans[2]}); got.Bad != 0 {
		t.Errorf("thoughts standing for the sentence's own symbols: %+v", got)
	}
	// No filler makes 'bad' valid after the sentence's first two symbols;
	// thoughts in their place may still allow it (other fillers), so check
	// against an enumeration of every filler.
	g := p.Task().Grammar()
	want := 3
	for x := 0; x < cfg.NumTerminals; x++ {
		for y := 0; y < cfg.NumTerminals; y++ {
			if g.IsValidPrefix(append(p.Prefix(), x, y, bad)) {
				want = 0
			}
		}
	}
	if got := CheckContinuation(p, []int{-1, -1, bad}); got.Bad != want {
		t.Errorf("thoughts then %d: bad %d, enumeration says %d", bad, got.Bad, want)
	}
	if got := CheckContinuation(p, []int{ans[0], ans[1], bad}); got.Bad != 3 {
		t.Errorf("a disallowed terminal at step 3: bad %d", got.Bad)
	}
	if got := CheckContinuation(p, []int{cfg.IDEOS}); got.Bad != 1 {
		t.Errorf("[EOS] right after a proper prefix: bad %d", got.Bad)
	}
}
