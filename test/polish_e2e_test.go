package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// startJRX builds jrx and starts it in a tmux session of w × h under env
// (VAR=value words put before the command); the pane reports how jrx
// ended ("jrx exited N").
func startJRX(t *testing.T, w, h int, env string, flags ...string) *tmuxTerm {
	t.Helper()
	bin, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed (.ci/run installs it)")
		}
		t.Skip("tmux is not installed")
	}
	dir := t.TempDir()
	jrx := filepath.Join(dir, "jrx")
	build := exec.Command("go", "build", "-o", jrx, "./cmd/jrx")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tm := &tmuxTerm{t: t, bin: bin, socket: fmt.Sprintf("jrx-e2e-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), os.Getpid())}
	t.Cleanup(func() {
		tm.run("kill-server")
		tmp := os.Getenv("TMUX_TMPDIR")
		if tmp == "" {
			tmp = "/tmp"
		}
		os.Remove(filepath.Join(tmp, fmt.Sprintf("tmux-%d", os.Getuid()), tm.socket))
	})
	cmdline := fmt.Sprintf("env %s %s %s; echo \"jrx exited $?\"; sleep 600", env, jrx, strings.Join(flags, " "))
	tm.must("-f", "/dev/null", "new-session", "-d", "-s", "jrx", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), cmdline)
	return tm
}

// Below the minimum size only quit and resize act: with the problem input
// open, q quits instead of being typed; with a picker open, → and enter do
// not inject.
func TestTooSmallInTmux(t *testing.T) {
	tm := startJRX(t, 100, 30, "", "--seed", "2026")
	tm.waitFor("the first problem", contains("step 0/"))
	tm.keys("right")
	tm.waitFor("a step", contains("step 1/"))
	tm.keys("t")
	tm.waitFor("the picker", contains("Inject into the Dual-Talker"))
	tm.must("resize-window", "-t", "jrx", "-x", "40", "-y", "10")
	tm.waitFor("the too-small screen", contains("terminal too small"))
	tm.keys("Right", "Enter", "a")
	tm.must("resize-window", "-t", "jrx", "-x", "100", "-y", "30")
	screen := tm.waitFor("the picker again", contains("Inject into the Dual-Talker"))
	if !strings.Contains(screen, "inj none") && !strings.Contains(screen, "injections none") {
		t.Fatalf("keys on the too-small screen injected:\n%s", screen)
	}
	// (Escape and p sent together read as alt+p.)
	tm.keys("Escape")
	tm.waitFor("the picker closed", func(s string) bool { return !strings.Contains(s, "Inject into") })
	tm.keys("p")
	tm.waitFor("the problem input", contains("Type or paste a problem"))
	tm.must("resize-window", "-t", "jrx", "-x", "40", "-y", "10")
	tm.waitFor("the too-small screen", contains("terminal too small"))
	tm.keys("q")
	tm.waitFor("q quits", contains("jrx exited 0"))
}

// LANG=C (or LC_ALL=C) and TERM=dumb get boxes and marks in ASCII.
func TestASCIIInTmux(t *testing.T) {
	for _, env := range []string{"LC_ALL=C", "TERM=dumb"} {
		// (A test's temporary folder is named after it, and env reads a
		// word with "=" as a variable: keep "=" out of the name.)
		t.Run(strings.Split(env, "=")[0], func(t *testing.T) {
			tm := startJRX(t, 100, 30, env, "--seed", "2026")
			tm.waitFor("the first problem", contains("step 0/"))
			tm.keys("e")
			screen := tm.waitFor("the end", atEnd)
			checkSize(t, screen, 100, 30)
			for _, r := range screen {
				if r >= 0x80 {
					t.Fatalf("%s: a non-ASCII character %q on the screen:\n%s", env, r, screen)
				}
			}
			for _, want := range []string{"+- Problem", "| model embedded", "+ correct", "Dlatent 0", "? help", "q quit"} {
				if !strings.Contains(screen, want) {
					t.Errorf("%s: the screen lacks %q:\n%s", env, want, screen)
				}
			}
			tm.keys("q")
			tm.waitFor("a clean exit", contains("jrx exited 0"))
		})
	}
}

// A typed problem outside the training distribution says so in the status
// line and the problem panel before the first step, and the status line
// says "typed problem", not a seed.
func TestTypedProblemInTmux(t *testing.T) {
	tm := startJRX(t, 120, 40, "", "--seed", "2026")
	tm.waitFor("the first problem", contains("step 0/"))
	tm.keys("p")
	screen := tm.waitFor("the problem input", contains("ctrl+u clear"))
	if !strings.Contains(screen, "4 levels") || !strings.Contains(screen, "e.g.") {
		t.Fatalf("the input does not show the distribution and an example:\n%s", screen)
	}
	tm.keys("C-u", "AB,AC,BD,BE,CF,CG[ROOT]A[TARGET]G", "Enter")
	screen = tm.waitFor("the typed problem", contains("│ typed problem │"))
	st := strings.SplitN(screen, "\n", 2)[0]
	if !strings.Contains(st, "outside the training distribution") || strings.Contains(st, "seed") || !strings.Contains(st, "step 0/") {
		t.Fatalf("status line %q", st)
	}
	if !strings.Contains(screen, "this tree has 3 levels") {
		t.Fatalf("the problem panel does not say why:\n%s", screen)
	}
	tm.keys("q")
	tm.waitFor("a clean exit", contains("jrx exited 0"))
}
