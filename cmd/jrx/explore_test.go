package main

import (
	"context"
	"strings"
	"testing"

	"jrx/app"
)

// stubTUI replaces the terminal program for the test and records the
// model it was given.
func stubTUI(t *testing.T) *[]*app.Model {
	t.Helper()
	var got []*app.Model
	old := runTUI
	runTUI = func(ctx context.Context, env *cliEnv, m *app.Model) error {
		got = append(got, m)
		return nil
	}
	t.Cleanup(func() { runTUI = old })
	return &got
}

func TestExploreFlags(t *testing.T) {
	got := stubTUI(t)
	code, out, errOut := runCLI(t, "explore", "--seed", "7", "--model", "/some/dir")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	o := (*got)[0].Options()
	if o.Seed != 7 || o.ModelDir != "/some/dir" || o.Prompt != "" {
		t.Fatalf("options %+v", o)
	}
	if !strings.Contains(out, "jrx explore --seed 7 --model /some/dir") {
		t.Fatalf("no way to reopen the problem in %q", out)
	}

	// Plain jrx is explore on the embedded set with a random seed.
	code, out, _ = runCLI(t)
	if code != 0 {
		t.Fatalf("plain jrx: exit %d", code)
	}
	o = (*got)[1].Options()
	if o.Seed == 0 || o.ModelDir != "" {
		t.Fatalf("plain jrx: options %+v", o)
	}
	if !strings.Contains(out, "--seed ") {
		t.Fatalf("plain jrx does not print the seed: %q", out)
	}

	code, _, errOut = runCLI(t, "explore", "--prompt", "NL,NO,LJ,LI,OA,OM[ROOT]N[TARGET]J", "--seed", "3")
	if code != 0 || (*got)[2].Options().Prompt == "" {
		t.Fatalf("--prompt: exit %d %s", code, errOut)
	}
}

func TestExploreUsageErrors(t *testing.T) {
	stubTUI(t)
	for _, args := range [][]string{{"explore", "--seed", "x"}, {"explore", "extra"}, {"explore", "--nope"}} {
		if code, _, errOut := runCLI(t, args...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	code, _, errOut := runCLI(t, "explore", "--prompt", "NL,NO[ROOT]N[TARGET]Q")
	if code != 2 || !strings.Contains(errOut, "^") || !strings.Contains(errOut, "character") {
		t.Fatalf("a bad --prompt: exit %d, stderr %q", code, errOut)
	}
}

func TestExploreNeedsATerminal(t *testing.T) {
	code, _, errOut := runCLI(t, "explore", "--seed", "1")
	if code != 1 || !strings.Contains(errOut, "needs a terminal") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
