package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"jrx/engine"
	"jrx/internal/captures"
)

// newTmux starts a tmux server of its own running cmdline in a w × h
// session named jrx.
func newTmux(t *testing.T, bin, name, cmdline string, w, h int) *tmuxTerm {
	t.Helper()
	tm := &tmuxTerm{t: t, bin: bin, socket: fmt.Sprintf("jrx-%s-%d", name, os.Getpid())}
	t.Cleanup(func() {
		tm.run("kill-server")
		dir := os.Getenv("TMUX_TMPDIR")
		if dir == "" {
			dir = "/tmp"
		}
		os.Remove(filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), tm.socket))
	})
	tm.must("-f", "/dev/null", "new-session", "-d", "-s", "jrx", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		cmdline+"; echo \"jrx exited $?\"; sleep 600")
	return tm
}

// settle waits until the screen has stopped changing and nothing runs.
func (tm *tmuxTerm) settle(what string) string {
	tm.t.Helper()
	time.Sleep(150 * time.Millisecond)
	prev := ""
	return tm.waitFor(what, func(s string) bool {
		ok := s == prev && !strings.Contains(s, "⟳") && !strings.Contains(s, "building the page")
		prev = s
		if !ok {
			time.Sleep(100 * time.Millisecond)
		}
		return ok
	})
}

// sameScreen compares the binary's screen with what package captures
// renders for spec (the function make docs writes the docs with).
func sameScreen(t *testing.T, set *engine.Set, screen string, spec captures.Spec) {
	t.Helper()
	want, err := captures.Render(set, spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := captures.Text(screen); got != want {
		g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < max(len(g), len(w)); i++ {
			var a, b string
			if i < len(g) {
				a = g[i]
			}
			if i < len(w) {
				b = w[i]
			}
			if a != b {
				t.Fatalf("%s: the binary's screen differs from the capture at line %d:\n binary:  %q\n capture: %q\nthe binary's screen:\n%s", spec.Marker(), i+1, a, b, got)
			}
		}
	}
}

// jrx tour in a real terminal: open a lesson, read its commentary (the
// page's facts, checked against the engine, with no warning), go to the
// next page, open and close the glossary, quit; and at each page the screen
// is exactly what package captures renders for the same command and keys
// (so the docs' captures are what the binary draws). The explorer's
// verdict-sequence capture is compared the same way.
func TestTourInTmux(t *testing.T) {
	bin, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed (.ci/run installs it)")
		}
		t.Skip("tmux is not installed")
	}
	set, err := engine.LoadEmbedded()
	if err != nil {
		t.Fatalf("the embedded model set: %v", err)
	}
	jrx := buildJRX(t)

	tm := newTmux(t, bin, "tour", jrx+" tour premature-eos", 120, 40)
	tm.waitFor("the first page", contains("page 1/5"))
	screen := tm.settle("the first page built")
	checkSize(t, screen, 120, 40)
	for _, want := range []string{"Tour · lesson 3/5 A premature EOS", "pending: it has not chosen a token", "injections baseline@2=[EOS]"} {
		if !strings.Contains(strings.ReplaceAll(screen, "│", " "), want) {
			t.Errorf("the first page lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "⚠") {
		t.Errorf("a fact of the lesson does not hold:\n%s", screen)
	}
	spec := captures.Spec{Args: []string{"tour", "premature-eos"}, W: 120, H: 40}
	sameScreen(t, set, screen, spec)

	tm.keys("Right")
	tm.waitFor("page 2", contains("page 2/5"))
	screen = tm.settle("page 2 built")
	if !strings.Contains(laneLine(screen, "baseline"), "recovered") || !strings.Contains(screen, "Δlatent 0") {
		t.Errorf("page 2 does not show the baseline's derailment:\n%s", screen)
	}
	spec.Keys = []string{"→"}
	sameScreen(t, set, screen, spec)

	tm.keys("g")
	tm.waitFor("the glossary", contains("Glossary · lines 1–"))
	tm.keys("Escape")
	tm.waitFor("the glossary closed", func(s string) bool { return !strings.Contains(s, "Glossary ·") })
	tm.keys("q")
	tm.waitFor("a clean exit", contains("jrx exited 0"))

	// The explorer's verdict sequence (docs/EXPLORER.md), one key at a time.
	ex := newTmux(t, bin, "verdicts", jrx+" --seed 1", 120, 40)
	ex.waitFor("the problem", contains("step 0/5"))
	keys := []string{"→", "→", "b", "."}
	for _, k := range keys {
		ex.keys(captures.TmuxKey(k))
		ex.settle("key " + k)
	}
	screen = ex.settle("the injection")
	if !strings.Contains(laneLine(screen, "baseline"), "· pending") {
		t.Errorf("the baseline's verdict is not pending:\n%s", screen)
	}
	sameScreen(t, set, screen, captures.Spec{Args: []string{"--seed", "1"}, Keys: keys, W: 120, H: 40})
	ex.keys("q")
	ex.waitFor("a clean exit", contains("jrx exited 0"))
}
