package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(context.Background(), &cliEnv{stdout: &o, stderr: &e, stdin: strings.NewReader("")}, args)
	return code, o.String(), e.String()
}

func TestEveryCommandHasHelp(t *testing.T) {
	want := []string{"explore", "train", "eval", "run", "bench", "info", "version"}
	for _, name := range want {
		if lookup(name) == nil {
			t.Fatalf("subcommand %q is not registered", name)
		}
		code, out, errOut := runCLI(t, name, "--help")
		if code != 0 {
			t.Errorf("jrx %s --help: exit %d, stderr %q", name, code, errOut)
		}
		if !strings.Contains(out, "Usage: jrx "+name) {
			t.Errorf("jrx %s --help: no usage line in %q", name, out)
		}
	}
}

func TestTopLevelHelpListsCommands(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("top-level help does not list %q:\n%s", c.name, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{"no-such-command"},
		{"version", "--no-such-flag"},
		{"version", "extra-arg"},
	}
	for _, args := range cases {
		code, out, errOut := runCLI(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if errOut == "" {
			t.Errorf("%v: nothing on stderr", args)
		}
		if strings.Contains(out, "Usage: jrx") && args[0] != "no-such-command" {
			t.Errorf("%v: error output went to stdout: %q", args, out)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "jrx ") {
		t.Fatalf("version: exit %d, %q", code, out)
	}
}
