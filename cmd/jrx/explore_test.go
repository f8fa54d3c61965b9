package main

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"jrx/app"
	"jrx/internal/testmodels"
)

// stubTUI replaces the terminal program for the test and records the
// model it was given. It drives the model as the program would, without a
// terminal: Init, then every command and message in turn until nothing is
// left (the model set loads, the first problem is built).
func stubTUI(t *testing.T) *[]*app.Model {
	t.Helper()
	var got []*app.Model
	old := runTUI
	runTUI = func(ctx context.Context, env *cliEnv, m *app.Model) error {
		got = append(got, m)
		drive(m)
		return nil
	}
	t.Cleanup(func() { runTUI = old })
	return &got
}

func drive(m *app.Model) {
	queue := []tea.Cmd{m.Init()}
	for n := 0; len(queue) > 0 && n < 1000; n++ {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case nil:
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

func TestExploreFlags(t *testing.T) {
	_, dir, err := testmodels.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	got := stubTUI(t)
	code, out, errOut := runCLI(t, "explore", "--seed", "7", "--model", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if (*got)[0].Frame() == nil {
		t.Fatal("the driven explorer shows no problem")
	}
	o := (*got)[0].Options()
	if o.Seed != 7 || o.ModelDir != dir || o.Prompt != "" {
		t.Fatalf("options %+v", o)
	}
	if !strings.Contains(out, "jrx explore --seed 7 --model "+dir) {
		t.Fatalf("no way to reopen the problem in %q", out)
	}

	// Plain jrx is explore on the embedded set with a random seed.
	code, out, errOut = runCLI(t)
	if code != 0 {
		t.Fatalf("plain jrx: exit %d: %s", code, errOut)
	}
	o = (*got)[1].Options()
	if o.Seed == 0 || o.ModelDir != "" {
		t.Fatalf("plain jrx: options %+v", o)
	}
	if !strings.Contains(out, "--seed ") {
		t.Fatalf("plain jrx does not print the seed: %q", out)
	}

	// A typed problem has no seed to reopen it with.
	code, out, errOut = runCLI(t, "explore", "--prompt", "AB,AC[ROOT]A[TARGET]C", "--seed", "3", "--model", dir)
	if m := (*got)[2]; code != 0 || m.Options().Prompt == "" || m.Frame() == nil || !m.Typed() {
		t.Fatalf("--prompt: exit %d %s", code, errOut)
	}
	if strings.Contains(out, "--seed") {
		t.Errorf("--prompt: a seed line for a typed problem: %q", out)
	}
}

// A model set that does not load: the explorer showed the error, and the
// command exits 1 with it; no "last problem" line (none was shown).
func TestExploreLoadErrorExits1(t *testing.T) {
	stubTUI(t)
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "explore", "--seed", "7", "--model", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", code, errOut)
	}
	if !strings.Contains(errOut, dir) || !strings.Contains(errOut, "missing") {
		t.Errorf("stderr does not give the load error: %q", errOut)
	}
	if strings.Contains(out, "last problem") || strings.Contains(out, "seed") {
		t.Errorf("a seed line although no problem was shown: %q", out)
	}
}

func TestExploreUsageErrors(t *testing.T) {
	stubTUI(t)
	for _, args := range [][]string{{"explore", "--seed", "x"}, {"explore", "extra"}, {"explore", "--nope"}, {"explore", "--prompt", ""}, {"explore", "--prompt", " \t "}} {
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

// The explorer draws ASCII when the terminal cannot be trusted with UTF-8.
func TestASCIITerminal(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"LANG": "en_US.UTF-8"}, false},
		{map[string]string{"LANG": "C.utf8"}, false},
		{map[string]string{"LANG": "C"}, true},
		{map[string]string{"LANG": "POSIX"}, true},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": "C"}, true},
		{map[string]string{"LANG": "C", "LC_CTYPE": "de_DE.UTF-8"}, false},
		{map[string]string{"LANG": "en_US.ISO-8859-1"}, true},
		{map[string]string{"TERM": "dumb", "LANG": "en_US.UTF-8"}, true},
	} {
		if got := asciiTerminal(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: ASCII %v, want %v", c.env, got, c.want)
		}
	}
}
