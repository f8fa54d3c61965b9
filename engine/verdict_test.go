package engine_test

import (
	"slices"
	"testing"

	"jrx/engine"
	"jrx/internal/testmodels"
	"jrx/tasks/cfg"
)

// The verdict state machine, case by case. Tokens are small ints; the
// clean run is 1 2 3 4 5 and so is the truth unless a case says otherwise.
func TestDecide(t *testing.T) {
	clean := []int{1, 2, 3, 4, 5}
	f := func(steps ...int) []bool { // forced steps, 1-based
		out := make([]bool, 5)
		for _, s := range steps {
			out[s-1] = true
		}
		return out
	}
	cases := []struct {
		name     string
		reached  bool
		taken    int
		tokens   []int
		forced   []bool
		truth    []int
		want     string
		left, rj int
	}{
		{"untouched, mid-run", false, 3, []int{1, 2, 3}, f(), nil, engine.VerdictPending, 0, 0},
		{"untouched, finished", false, 5, clean, f(), nil, engine.VerdictCorrect, 0, 0},
		{"untouched, wrong at step 2: decided at once", false, 2, []int{1, 9}, f(), nil, engine.VerdictWrong, 0, 0},
		{"forced at 2, nothing chosen yet after it", true, 2, []int{1, 7}, f(2), nil, engine.VerdictPending, 0, 0},
		{"forced at 2, off at 3, mid-run: not decided", true, 3, []int{1, 7, 9}, f(2), nil, engine.VerdictPending, 3, 0},
		{"forced at 2, back on at 3..5", true, 5, []int{1, 7, 3, 4, 5}, f(2), nil, engine.VerdictContained, 0, 0},
		{"forced at 2, off at 3, back at 4..5", true, 5, []int{1, 7, 9, 4, 5}, f(2), nil, engine.VerdictRecovered, 3, 4},
		{"forced at 2, off at 3 and 5", true, 5, []int{1, 7, 9, 4, 8}, f(2), nil, engine.VerdictPropagated, 3, 0},
		{"forced at 2, off only at the last step", true, 5, []int{1, 7, 3, 4, 8}, f(2), nil, engine.VerdictPropagated, 5, 0},
		{"forced at the last step only", true, 5, []int{1, 2, 3, 4, 7}, f(5), nil, engine.VerdictContained, 0, 0},
		{"latent injection healing a step later", true, 5, []int{1, 9, 3, 4, 5}, f(), nil, engine.VerdictRecovered, 2, 3},
		{"reached, equal to a wrong clean run", true, 5, clean, f(), []int{1, 2, 3, 4, 6}, engine.VerdictContained, 0, 0},
		{"untouched, no reference (free text)", false, 5, clean, f(), []int{-1, -1, -1, -1, -1}, engine.VerdictUnknown, 0, 0},
		{"untouched, no reference, mid-run", false, 3, []int{1, 2, 3}, f(), []int{-1, -1, -1, -1, -1}, engine.VerdictPending, 0, 0},
	}
	for _, c := range cases {
		truth := c.truth
		if truth == nil {
			truth = clean
		}
		d := engine.Decide(engine.Evidence{Reached: c.reached, Finished: c.taken == 5, Tokens: c.tokens,
			Forced: c.forced[:c.taken], Clean: clean[:c.taken], Truth: truth[:c.taken]})
		if d.Verdict != c.want || (c.want != engine.VerdictPending && (d.Left != c.left || d.Rejoined != c.rj)) {
			t.Errorf("%s: %+v, want %s left %d rejoined %d", c.name, d, c.want, c.left, c.rj)
		}
	}
}

// A task that judges continuations itself (a grammar): a lane that differs
// from the sentence but stays a valid prefix is right; it is wrong from
// the first invalid step, decided at that step; a reached lane is still
// judged against its clean run.
func TestDecideChecked(t *testing.T) {
	truth := []int{1, 2, 3, 4}
	cases := []struct {
		name    string
		reached bool
		tokens  []int
		invalid int
		want    string
	}{
		{"differs from the sentence, valid, finished", false, []int{1, 5, 6, 7}, 0, engine.VerdictCorrect},
		{"differs, valid, mid-run", false, []int{1, 5}, 0, engine.VerdictPending},
		{"invalid from step 2: decided at once", false, []int{1, 5}, 2, engine.VerdictWrong},
		{"invalid only after the steps taken: not yet", false, []int{1, 5}, 3, engine.VerdictPending},
		{"equals the sentence but the check says invalid", false, []int{1, 2, 3, 4}, 4, engine.VerdictWrong},
		{"reached: judged against the clean run", true, []int{1, 2, 3, 4}, 2, engine.VerdictContained},
	}
	for _, c := range cases {
		d := engine.Decide(engine.Evidence{Reached: c.reached, Finished: len(c.tokens) == 4, Tokens: c.tokens,
			Forced: make([]bool, len(c.tokens)), Clean: []int{1, 2, 3, 4}[:len(c.tokens)], Truth: truth[:len(c.tokens)],
			Checked: true, Invalid: c.invalid})
		if d.Verdict != c.want {
			t.Errorf("%s: %s, want %s", c.name, d.Verdict, c.want)
		}
	}
}

// On a grammar problem each lane's verdict follows the parser: a lane is
// wrong exactly from the first symbol that cannot continue the prefix
// (computed here with the grammar's own membership test), whatever the
// sentence's own continuation is.
func TestGrammarLanesJudgedByTheParser(t *testing.T) {
	dir := t.TempDir()
	if err := testmodels.RandomGrammarSet(dir); err != nil {
		t.Fatal(err)
	}
	set, err := engine.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	checked, differs := 0, 0
	for seed := uint64(1); seed <= 12; seed++ {
		p := engine.NewProblem(set.Task, seed)
		s, err := engine.NewSession(set, p, nil, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		cp := p.Instance.(*cfg.Problem)
		g := cp.Task().Grammar()
		sum := s.Summary()
		for _, l := range sum.Lanes {
			if l.Name == engine.LaneCoconut {
				continue // thoughts: CheckContinuation's fillers
			}
			want := 0
			seq := cp.Prefix()
			for i, tok := range l.Tokens {
				if tok == cfg.IDEOS {
					if !g.IsMember(seq) {
						want = i + 1
					}
					break
				}
				seq = append(seq, tok)
				if tok >= cfg.NumTerminals || !g.IsValidPrefix(seq) {
					want = i + 1
					break
				}
			}
			if l.InvalidFrom != want {
				t.Errorf("seed %d %s %v: invalid from %d, the parser says %d", seed, l.Name, l.Tokens, l.InvalidFrom, want)
			}
			if (l.Verdict == engine.VerdictWrong) != (want > 0) {
				t.Errorf("seed %d %s: verdict %s with invalid_from %d", seed, l.Name, l.Verdict, want)
			}
			checked++
			if !slices.Equal(l.Tokens, sum.Truth) && want == 0 {
				differs++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no lane checked")
	}
	t.Logf("%d lanes checked, %d valid but not the sentence's own", checked, differs)
}
