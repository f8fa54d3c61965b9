// Package test holds end-to-end tests: the real jrx binary driven in a real
// terminal (tmux).
package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"jrx/engine"
	"jrx/tasks/tree"
)

// requireEmbeddedModels says whether the embedded default model set must
// be there: it is (assets/default), so a missing or broken set fails the
// test with the loader's message rather than skipping it. JRX_E2E_MODEL=DIR
// runs the test against a model set in DIR instead (by hand, e.g. on a set
// still being trained).
const requireEmbeddedModels = true

// tmuxTerm drives one tmux server of its own (its own socket), so the test
// never touches the user's sessions.
type tmuxTerm struct {
	t      *testing.T
	bin    string
	socket string
}

func (tm *tmuxTerm) run(args ...string) (string, error) {
	out, err := exec.Command(tm.bin, append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
	return string(out), err
}

func (tm *tmuxTerm) must(args ...string) string {
	tm.t.Helper()
	out, err := tm.run(args...)
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (tm *tmuxTerm) capture() string {
	tm.t.Helper()
	return strings.TrimRight(tm.must("capture-pane", "-p", "-t", "jrx"), "\n")
}

func (tm *tmuxTerm) keys(keys ...string) {
	tm.t.Helper()
	tm.must(append([]string{"send-keys", "-t", "jrx"}, keys...)...)
}

// waitFor polls the screen until ok holds, generously.
func (tm *tmuxTerm) waitFor(what string, ok func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var screen string
	for time.Now().Before(deadline) {
		screen = tm.capture()
		if ok(screen) {
			return screen
		}
		time.Sleep(100 * time.Millisecond)
	}
	tm.t.Fatalf("timed out waiting for %s; the screen:\n%s", what, screen)
	return ""
}

func contains(s string) func(string) bool {
	return func(screen string) bool { return strings.Contains(screen, s) }
}

// laneLine is the screen line of a lane (e.g. "baseline").
func laneLine(screen, name string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, "│ "), name+" ") {
			return l
		}
	}
	return ""
}

var (
	stepRe   = regexp.MustCompile(`step (\d+)/(\d+)`)
	targetRe = regexp.MustCompile(`target ([A-Z])\b`)
)

func atEnd(screen string) bool {
	m := stepRe.FindStringSubmatch(screen)
	return m != nil && m[1] == m[2] && !strings.Contains(screen, "⟳")
}

func checkSize(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) > h {
		t.Fatalf("%d lines on a %d-line terminal", len(lines), h)
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n > w {
			t.Fatalf("line %d is %d wide on a %d-wide terminal: %q", i, n, w, l)
		}
	}
}

// The explorer in a real terminal: open jrx at 120×40, step to the end,
// inject a token error into the baseline and one into the Dual-Talker at
// step 2, and read from the screen that the baseline's error propagates,
// the Reasoner's latents do not change (Δlatent 0) and the Talkers
// recover; then resize to 80×24 and quit cleanly.
func TestExplorerInTmux(t *testing.T) {
	bin, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tmux is not installed (.ci/run installs it)")
		}
		t.Skip("tmux is not installed; the end-to-end test of the explorer needs it")
	}
	var flags []string
	var set *engine.Set
	if dir := os.Getenv("JRX_E2E_MODEL"); dir != "" {
		set, err = engine.LoadDir(dir)
		if err != nil {
			t.Fatalf("JRX_E2E_MODEL: %v", err)
		}
		if set.Depth() < 3 {
			t.Fatalf("JRX_E2E_MODEL: a depth-%d set; step 2 needs depth 3 or more", set.Depth())
		}
		flags = append(flags, "--model", dir)
	} else {
		set, err = engine.LoadEmbedded()
		switch {
		case err != nil && requireEmbeddedModels:
			t.Fatalf("the embedded model set does not load: %v", err)
		case err != nil:
			t.Skipf("the embedded model set is not there (%v); set JRX_E2E_MODEL=DIR to run this test", err)
		case set.Depth() < 3:
			t.Fatalf("the embedded model set has depth %d; the test needs depth 3 or more", set.Depth())
		}
	}
	// The problem is fixed by its seed, and what the lanes must say is
	// computed here by the engine, independently of the explorer: the first
	// seed whose baseline derails after a premature EOS at step 2 while the
	// Dual-Talker recovers from a skipped level. (Whether a coupled model
	// recovers is a property of the problem: on some it continues the route
	// after the EOS, so a random problem made this test flaky.)
	seed, want := pickE2EProblem(t, set)
	flags = append(flags, "--seed", fmt.Sprint(seed))
	t.Logf("problem seed %d; the engine computes baseline %v, Dual-Talker %v", seed,
		tokenNames(want.lane(engine.LaneBaseline).Tokens), tokenNames(want.lane(engine.LaneDual).Tokens))

	dir := t.TempDir()
	jrx := filepath.Join(dir, "jrx")
	build := exec.Command("go", "build", "-o", jrx, "./cmd/jrx")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	tm := &tmuxTerm{t: t, bin: bin, socket: fmt.Sprintf("jrx-e2e-%d", os.Getpid())}
	t.Cleanup(func() {
		tm.run("kill-server")
		// tmux leaves its socket file behind; remove ours.
		if dir := os.Getenv("TMUX_TMPDIR"); dir != "" {
			os.Remove(filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), tm.socket))
		} else {
			os.Remove(filepath.Join("/tmp", fmt.Sprintf("tmux-%d", os.Getuid()), tm.socket))
		}
	})
	// The shell line reports how jrx ended, then keeps the pane open.
	cmdline := fmt.Sprintf("%s %s; echo \"jrx exited $?\"; sleep 600", jrx, strings.Join(flags, " "))
	tm.must("-f", "/dev/null", "new-session", "-d", "-s", "jrx", "-x", "120", "-y", "40", cmdline)

	screen := tm.waitFor("the first problem", func(s string) bool { return strings.Contains(s, "step 0/") && strings.Contains(s, "seed ") })
	checkSize(t, screen, 120, 40)
	// The errors to inject at step 2: a premature EOS into the baseline
	// (a coupled model that reads its own tokens cannot continue the route;
	// a wrong letter there it shrugs off, since it finds each node from the
	// target), and the target (a skipped level) into the Dual-Talker, which
	// the latents guide back.
	target := targetRe.FindStringSubmatch(screen)
	if target == nil {
		t.Fatalf("no target on the screen:\n%s", screen)
	}
	if target[1] != tokenNames([]int{want.target})[0] {
		t.Fatalf("the screen shows target %s; the engine's problem for seed %d has %s", target[1], seed, tokenNames([]int{want.target})[0])
	}
	tm.keys("e")
	tm.waitFor("the end of the route", atEnd)
	tm.keys("2")
	tm.waitFor("step 2 selected", contains("viewing 2"))
	tm.keys("b")
	tm.waitFor("the baseline's picker", contains("Inject into the baseline at step 2"))
	tm.keys(".")
	tm.waitFor("the baseline injection", func(s string) bool { return strings.Contains(s, "baseline@2=[EOS]") && atEnd(s) })
	tm.keys("t")
	tm.waitFor("the Dual-Talker's picker", contains("Inject into the Dual-Talker at step 2"))
	tm.keys(target[1])
	screen = tm.waitFor("both injections", func(s string) bool {
		return strings.Contains(s, "talker@2=") && strings.Contains(laneLine(s, "dual-talker"), "*") && atEnd(s)
	})
	checkSize(t, screen, 120, 40)

	if !strings.Contains(screen, fmt.Sprintf("seed %d ", seed)) {
		t.Errorf("the header does not show seed %d:\n%s", seed, screen)
	}
	if l := laneLine(screen, "baseline"); !strings.Contains(l, want.lane(engine.LaneBaseline).Verdict) || !strings.Contains(l, "!") {
		t.Errorf("the baseline lane does not show the engine's verdict %q with a differing token: %q\n%s", want.lane(engine.LaneBaseline).Verdict, l, screen)
	}
	for _, lane := range []struct{ screen, engine string }{{"baseline", engine.LaneBaseline}, {"dual-talker", engine.LaneDual}} {
		got := laneTokens(laneLine(screen, lane.screen), len(want.Truth))
		if w := tokenNames(want.lane(lane.engine).Tokens); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("the %s lane shows %v; the engine computes %v", lane.screen, got, w)
		}
	}
	if l := laneLine(screen, "reasoner"); !strings.Contains(l, "Δlatent 0 ") && !strings.HasSuffix(strings.TrimRight(l, "│ "), "Δlatent 0") {
		t.Errorf("the Reasoner's latent change is not 0: %q", l)
	}
	if l := laneLine(screen, "mono-talker"); !strings.Contains(l, "correct") {
		t.Errorf("the Mono-Talker lane is not correct: %q", l)
	}
	if l := laneLine(screen, "dual-talker"); !strings.Contains(l, "contained") {
		t.Errorf("the Dual-Talker does not recover: %q", l)
	}

	tm.must("resize-window", "-t", "jrx", "-x", "80", "-y", "24")
	screen = tm.waitFor("the compact layout", func(s string) bool {
		return strings.Contains(s, "Nearest · step") && strings.Contains(s, "embedded d") && len(strings.Split(s, "\n")) <= 24
	})
	checkSize(t, screen, 80, 24)
	if !strings.Contains(laneLine(screen, "baseline"), want.lane(engine.LaneBaseline).Verdict) {
		t.Errorf("the compact layout lost the baseline's verdict:\n%s", screen)
	}
	tm.keys("q")
	tm.waitFor("a clean exit", contains("jrx exited 0"))
}

// e2eWant is what the engine computes for the test's problem and injections.
type e2eWant struct {
	engine.Summary
	target int
}

func (w e2eWant) lane(name string) engine.Lane {
	for _, l := range w.Lanes {
		if l.Name == name {
			return l
		}
	}
	return engine.Lane{}
}

// pickE2EProblem finds, with the engine alone, the first seed (from 1) whose
// problem shows the explorer's headline: a premature EOS at step 2 derails
// the baseline (it leaves the clean run on a step it chose itself:
// propagated or recovered), while the Dual-Talker contains the target
// forced at step 2, and the Mono-Talker is right.
func pickE2EProblem(t *testing.T, set *engine.Set) (uint64, e2eWant) {
	t.Helper()
	for seed := uint64(1); seed <= 200; seed++ {
		p := engine.NewProblem(set.Task, seed)
		tr := tree.Of(p.Instance)
		var inj []engine.Injection
		for _, spec := range []string{"baseline@2=[EOS]", "talker@2=" + tree.Sym(tr.Target())} {
			in, err := engine.ParseInjection(spec, set.Task.Vocab())
			if err != nil {
				t.Fatalf("%s: %v", spec, err)
			}
			inj = append(inj, in)
		}
		s, err := engine.NewSession(set, p, inj, engine.Options{Light: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		w := e2eWant{s.Summary(), tr.Target()}
		if bl := w.lane(engine.LaneBaseline); (bl.Verdict == engine.VerdictPropagated || bl.Verdict == engine.VerdictRecovered) && bl.Left > 0 &&
			w.lane(engine.LaneDual).Verdict == engine.VerdictContained &&
			w.lane(engine.LaneMono).Correct {
			return seed, w
		}
	}
	t.Fatal("no problem among seeds 1..200 where a premature EOS derails the baseline and the Dual-Talker recovers; the model set does not show the paper's contrast")
	return 0, e2eWant{}
}

// laneTokens reads the first n token cells of a lane's screen line, marks
// (* injected, ! differs) removed.
func laneTokens(line string, n int) []string {
	f := strings.Fields(strings.Trim(line, "│ "))
	if len(f) < 1+n {
		return f
	}
	out := make([]string, n)
	for i := range n {
		out[i] = strings.TrimRight(f[1+i], "*!")
	}
	return out
}

func tokenNames(ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		switch {
		case tree.IsLetter(id):
			out[i] = string(rune('A' + id))
		case id == tree.IDEOS:
			out[i] = "EOS"
		default:
			out[i] = fmt.Sprintf("[%d]", id)
		}
	}
	return out
}
