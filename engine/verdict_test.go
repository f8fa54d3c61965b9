package engine_test

import (
	"testing"

	"jrx/engine"
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
