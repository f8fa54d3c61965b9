package test

import (
	"strings"
	"testing"
)

// The debugger in the real binary: a breakpoint typed into its list (a bad
// one refused with the parser's error), run until stopping where it holds
// and saying so in the status line; a fork on the runner-up hypothesis
// drawn as lanes under the run's, compared against the run, and left.
func TestDebuggerInTmux(t *testing.T) {
	tm := startJRX(t, 140, 45, "", "--seed", "2026")
	tm.waitFor("the first problem", contains("step 0/"))
	tm.keys("B")
	tm.waitFor("the breakpoint list", contains("no breakpoints: type a condition"))
	tm.keys("margin<", "Enter")
	tm.waitFor("the parse error", contains(`threshold "" is not a number`))
	tm.keys("C-u", "angle>-1", "Enter")
	tm.waitFor("the breakpoint", contains("[x] angle>-1"))
	tm.keys("Escape")
	tm.waitFor("the list closed", func(s string) bool { return !strings.Contains(s, "[x] angle>-1") })
	tm.keys(">")
	screen := tm.waitFor("run until", contains("breakpoint angle>-1 held at step 2"))
	checkSize(t, screen, 140, 45)
	if !strings.Contains(screen, "step 2/") {
		t.Fatalf("run until did not stop at step 2:\n%s", screen)
	}
	tm.keys("e")
	tm.waitFor("the end", atEnd)
	tm.keys("2", "f")
	tm.waitFor("the fork dialog", contains("Fork at step 2 on a hypothesis"))
	tm.keys("2")
	screen = tm.waitFor("the fork's lanes", contains("fork@2=2 rows"))
	for _, want := range []string{"fork R ", "fork Dual", "forked fork@2=2"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("the fork's screen lacks %q:\n%s", want, screen)
		}
	}
	tm.keys("D")
	tm.waitFor("the compare view", contains("The fork against the run"))
	tm.keys("Escape")
	tm.waitFor("the compare view closed", func(s string) bool { return !strings.Contains(s, "The fork against") })
	tm.keys("F")
	tm.waitFor("the fork left", func(s string) bool { return !strings.Contains(s, "fork R ") && strings.Contains(s, "left the fork") })
	tm.keys("q")
	tm.waitFor("a clean exit", contains("jrx exited 0"))
}
