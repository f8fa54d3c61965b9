package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jrx/engine"
	"jrx/internal/testmodels"
	"jrx/nn"
	"jrx/tasks/tree"
)

func tiny(t *testing.T) *engine.Set {
	t.Helper()
	set, _, err := testmodels.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func problem(t *testing.T, seed uint64) engine.Problem {
	t.Helper()
	task, err := tree.NewTask(tree.Config{Depth: 2}, tree.LeafOnly)
	if err != nil {
		t.Fatal(err)
	}
	return engine.NewProblem(task, seed)
}

func mustInj(t *testing.T, specs ...string) []engine.Injection {
	t.Helper()
	var out []engine.Injection
	for _, s := range specs {
		in, err := engine.ParseInjection(s, tree.NewVocab())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	return out
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// The containment property: whatever tokens the Talkers or the baseline
// emit (here: forced at random at every step), the Reasoner's latents are
// bit-identical to the clean run's.
func TestContainmentTokenInjectionsLeaveLatentsBitIdentical(t *testing.T) {
	set := tiny(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for seed := uint64(1); seed <= 20; seed++ {
		p := problem(t, seed)
		clean, err := engine.NewSession(set, p, nil, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := clean.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		var specs []string
		for step := 1; step <= clean.Steps(); step++ {
			specs = append(specs,
				"talker@"+itoa(step)+"="+string(rune('A'+rng.IntN(26))),
				"baseline@"+itoa(step)+"="+string(rune('A'+rng.IntN(26))))
		}
		s, err := engine.NewSession(set, p, mustInj(t, specs...), engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		cs := clean.Snapshots()
		for i, sn := range s.Snapshots() {
			if !sameBits(sn.Latent, cs[i].Latent) {
				t.Fatalf("seed %d step %d: a token injection changed the Reasoner's latent", seed, i+1)
			}
			if sn.LatentChange != 0 {
				t.Fatalf("seed %d step %d: latent change %g, want exactly 0", seed, i+1, sn.LatentChange)
			}
			if sn.Token(engine.LaneMono) != cs[i].Token(engine.LaneMono) {
				t.Fatalf("seed %d step %d: the Mono-Talker reads only latents, yet its token changed", seed, i+1)
			}
		}
		sum := s.Summary()
		for _, l := range sum.Lanes {
			if l.Name == engine.LaneReasoner && l.MaxLatentChange != 0 {
				t.Fatalf("reasoner lane max latent change %g", l.MaxLatentChange)
			}
		}
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

// A latent-level injection does change the latents (the test above could
// not pass by comparing a session with itself).
func TestLatentInjectionsChangeLatents(t *testing.T) {
	set := tiny(t)
	p := problem(t, 5)
	s, err := engine.NewSession(set, p, mustInj(t, "noise@1:0.5", "latent@2=0.5*A+0.5*B"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	sn := s.Snapshots()
	if sn[0].LatentChange == 0 {
		t.Error("noise at step 1 left the latent unchanged")
	}
	// Surgery: the latent is L2(0.5·Ē[A] + 0.5·Ē[B]), computed here independently.
	r := set.Reasoner
	d := r.Cfg.D
	want := make([]float64, d)
	var n float64
	for j := 0; j < d; j++ {
		want[j] = 0.5*float64(r.Target[0*d+j]) + 0.5*float64(r.Target[1*d+j])
		n += want[j] * want[j]
	}
	for j := 0; j < d; j++ {
		if math.Abs(want[j]/math.Sqrt(n)-float64(sn[1].Latent[j])) > 1e-6 {
			t.Fatalf("surgery latent component %d = %v, want %v", j, sn[1].Latent[j], want[j]/math.Sqrt(n))
		}
	}
	if len(sn[1].Injected) != 1 || !strings.HasPrefix(sn[1].Injected[0], "latent@2=") {
		t.Errorf("step 2 injected = %v", sn[1].Injected)
	}
}

// Back restores the previous state exactly: stepping again gives
// bit-identical snapshots; Reset and JumpTo agree.
func TestBackRestoresExactly(t *testing.T) {
	set := tiny(t)
	s, err := engine.NewSession(set, problem(t, 9), mustInj(t, "noise:0.05", "baseline@1=Q"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	first := s.Snapshots()
	for back := 1; back <= len(first); back++ {
		for i := 0; i < back; i++ {
			if err := s.Back(); err != nil {
				t.Fatal(err)
			}
		}
		if s.T() != len(first)-back {
			t.Fatalf("after %d backs T = %d", back, s.T())
		}
		if err := s.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		for i, sn := range s.Snapshots() {
			f := first[i]
			if !sameBits(sn.Latent, f.Latent) || sn.Token(engine.LaneMono) != f.Token(engine.LaneMono) || sn.Token(engine.LaneBaseline) != f.Token(engine.LaneBaseline) || fmt.Sprint(sn.Lanes) != fmt.Sprint(f.Lanes) || sn.PreNorm != f.PreNorm {
				t.Fatalf("back %d: step %d differs after stepping again", back, i+1)
			}
		}
	}
	s.Reset()
	if s.T() != 0 {
		t.Fatal("reset did not go to step 0")
	}
	if err := s.Back(); err == nil {
		t.Error("back at step 0 succeeded")
	}
	if err := s.JumpTo(2); err != nil || s.T() != 2 {
		t.Fatalf("jump: %v, T %d", err, s.T())
	}
	if !sameBits(s.Snapshots()[1].Latent, first[1].Latent) {
		t.Error("jump gave different latents")
	}
	if err := s.JumpTo(99); err == nil {
		t.Error("jump past the end succeeded")
	}
	if _, err := func() (*engine.Snapshot, error) { s.RunToEnd(); return s.Step() }(); err != engine.ErrDone {
		t.Errorf("step after the end: %v", err)
	}
}

func TestSummaryVerdicts(t *testing.T) {
	set := tiny(t)
	p := problem(t, 11)
	clean, _ := engine.NewSession(set, p, nil, engine.Options{})
	clean.RunToEnd()
	truth := clean.Answer()
	// Force the baseline's first token (the root) to a wrong letter: a
	// coupled model must carry the error (its route then starts elsewhere).
	wrong := (truth[0] + 1) % tree.NumLetters
	s, err := engine.NewSession(set, p, []engine.Injection{engine.ForceToken("baseline", 1, wrong, tree.NewVocab()), engine.ForceToken("talker", 1, wrong, tree.NewVocab())}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.RunToEnd()
	sum := s.Summary()
	byName := map[string]engine.Lane{}
	for _, l := range sum.Lanes {
		byName[l.Name] = l
	}
	if l := byName[engine.LaneMono]; l.Verdict != engine.VerdictCorrect && l.Verdict != engine.VerdictWrong {
		t.Errorf("mono lane: verdict %q though no injection reached it", l.Verdict)
	}
	for _, name := range []string{engine.LaneBaseline, engine.LaneDual} {
		l := byName[name]
		if l.FirstDivergence != 1 || !l.Forced[0] || l.Tokens[0] != wrong {
			t.Errorf("%s lane: %+v", name, l)
		}
		if l.Verdict != engine.VerdictContained && l.Verdict != engine.VerdictPropagated {
			t.Errorf("%s lane verdict %q", name, l.Verdict)
		}
	}
	t.Logf("baseline %s, dual %s", byName[engine.LaneBaseline].Verdict, byName[engine.LaneDual].Verdict)
}

func TestInjectionGrammar(t *testing.T) {
	good := map[string]string{
		"talker@2=B":           "talker@2=B",
		" baseline@1 = q ":     "baseline@1=Q",
		"input:0.1":            "input:0.1",
		"input:10%":            "input:0.1",
		"noise@3:0.05":         "noise@3:0.05",
		"noise:5%":             "noise:0.05",
		"latent@2=0.6*O+0.4*L": "latent@2=0.6*O+0.4*L",
		"latent@1=O":           "latent@1=1*O",
		"talker@4=[EOS]":       "talker@4=[EOS]",
		"LATENT@2=0.5*a-0.5*b": "latent@2=0.5*A-0.5*B",
	}
	for spec, want := range good {
		in, err := engine.ParseInjection(spec, tree.NewVocab())
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		if in.String() != want {
			t.Errorf("%q: canonical %q, want %q", spec, in.String(), want)
		}
		back, err := engine.ParseInjection(in.String(), tree.NewVocab())
		if err != nil || back.String() != in.String() {
			t.Errorf("%q: round trip %v %q", spec, err, back.String())
		}
	}
	bad := map[string]string{
		"":              "empty",
		"talker":        "want talker@STEP=TOKEN",
		"talker@2":      "missing '=TOKEN'",
		"talker@0=A":    "not a whole number",
		"talker@x=A":    "not a whole number",
		"talker@2=AB":   "unknown token",
		"baseline@2=?":  "unknown token",
		"input:-1":      "not a non-negative number",
		"input:2":       "more than 1",
		"input:abc":     "not a non-negative number",
		"noise@2":       "missing ':SIGMA'",
		"noise:NaN":     "not a non-negative number",
		"latent@2":      "missing '=MIXTURE'",
		"latent@2=0.5*": "unknown token",
		"latent@2=x*A":  "not a number",
		"warp:2":        "unknown kind",
		"warp2":         "want warp2@STEP=TOKEN",
	}
	for spec, want := range bad {
		_, err := engine.ParseInjection(spec, tree.NewVocab())
		if err == nil {
			t.Errorf("%q: accepted", spec)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %q does not say %q", spec, err, want)
		}
	}
	set := tiny(t)
	if _, err := engine.NewSession(set, problem(t, 1), mustInj(t, "talker@9=A"), engine.Options{}); err == nil || !strings.Contains(err.Error(), "past the last step") {
		t.Errorf("injection past the end: %v", err)
	}
	// A lane name is checked against the model set's lanes.
	if _, err := engine.NewSession(set, problem(t, 1), mustInj(t, "warp@2=A"), engine.Options{}); err == nil || !strings.Contains(err.Error(), `no lane "warp"`) {
		t.Errorf("unknown lane: %v", err)
	}
	if _, err := engine.NewSession(set, problem(t, 1), mustInj(t, "mono@2=A"), engine.Options{}); err == nil || !strings.Contains(err.Error(), `no lane "mono" that can be forced`) {
		t.Errorf("a lane that cannot be forced: %v", err)
	}
}

func TestRecordReplay(t *testing.T) {
	set := tiny(t)
	s, err := engine.NewSession(set, problem(t, 21), mustInj(t, "noise@2:0.1", "talker@1=C"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.RunToEnd()
	path := filepath.Join(t.TempDir(), "s.json")
	if err := engine.WriteRecord(path, s.Record()); err != nil {
		t.Fatal(err)
	}
	rec, err := engine.ReadRecord(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Replay(set, rec); err != nil {
		t.Fatalf("clean replay: %v", err)
	}
	// A changed latent is found, with its step.
	rec.Snapshots[1].Latent[3] = math.Nextafter32(rec.Snapshots[1].Latent[3], 2)
	if _, err := engine.Replay(set, rec); err == nil || !strings.Contains(err.Error(), "step 2, component 3") {
		t.Errorf("tampered replay: %v", err)
	}
	// Another model set is refused.
	rec.Models = map[string]string{engine.FileReasoner: "00"}
	if _, err := engine.Replay(set, rec); err == nil || !strings.Contains(err.Error(), "different reasoner.safetensors") {
		t.Errorf("hash mismatch: %v", err)
	}
	// Unknown versions and non-session files are refused.
	b, _ := os.ReadFile(path)
	bad := strings.Replace(string(b), `"version": 3`, `"version": 7`, 1)
	if _, err := engine.ParseRecord([]byte(bad), "x"); err == nil || !strings.Contains(err.Error(), "version 7") {
		t.Errorf("version: %v", err)
	}
	old := strings.Replace(string(b), `"version": 3`, `"version": 1`, 1)
	if _, err := engine.ParseRecord([]byte(old), "x"); err == nil || !strings.Contains(err.Error(), "Re-create the session") {
		t.Errorf("version 1: %v", err)
	}
	// An edited summary is found.
	rec2, _ := engine.ReadRecord(path)
	rec2.Summary.Lanes[0].FirstDivergence += 7
	if _, err := engine.Replay(set, rec2); err == nil || !strings.Contains(err.Error(), "summary differs") {
		t.Errorf("edited summary: %v", err)
	}
	// A recording without steps is refused.
	rec3, _ := engine.ReadRecord(path)
	rec3.Snapshots, rec3.Steps = nil, 0
	if _, err := engine.Replay(set, rec3); err == nil || !strings.Contains(err.Error(), "no steps") {
		t.Errorf("empty recording: %v", err)
	}
	if _, err := engine.ParseRecord([]byte(`{"format":"other"}`), "x"); err == nil {
		t.Error("foreign file accepted")
	}
	if _, err := engine.ParseRecord([]byte(`not json`), "x"); err == nil {
		t.Error("garbage accepted")
	}
}

// WithInjections rebuilds the session under new injections at the same
// step; its clean copy matches an uninjected session.
func TestWithInjections(t *testing.T) {
	set := tiny(t)
	p := problem(t, 31)
	s, err := engine.NewSession(set, p, nil, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Step(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Step(); err != nil {
		t.Fatal(err)
	}
	n, err := s.WithInjections(mustInj(t, "noise@2:0.3"))
	if err != nil {
		t.Fatal(err)
	}
	if n.T() != 2 {
		t.Fatalf("new session at step %d, want 2", n.T())
	}
	if !sameBits(n.Snapshots()[0].Latent, s.Snapshots()[0].Latent) {
		t.Error("step 1 (before the noise) changed")
	}
	if sameBits(n.Snapshots()[1].Latent, s.Snapshots()[1].Latent) {
		t.Error("noise at step 2 did not change step 2")
	}
	clean := n.Clean()
	if len(clean) != s.Steps() || !sameBits(clean[1].Latent, s.Snapshots()[1].Latent) {
		t.Error("the clean copy differs from the uninjected session")
	}
	if len(n.Injections()) != 1 || n.Injections()[0].String() != "noise@2:0.3" {
		t.Errorf("injections %v", n.Injections())
	}
}

// Input corruption changes the prompt the models read, deterministically,
// and only letters.
func TestInputCorruption(t *testing.T) {
	set := tiny(t)
	p := problem(t, 41)
	a, err := engine.NewSession(set, p, mustInj(t, "input:0.5"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := engine.NewSession(set, p, mustInj(t, "input:0.5"), engine.Options{})
	orig := p.Instance.Prompt()
	pa, pb := a.Prompt(), b.Prompt()
	changed := 0
	for i := range orig {
		if pa[i] != pb[i] {
			t.Fatal("input corruption is not deterministic")
		}
		if pa[i] != orig[i] {
			changed++
			if !tree.IsLetter(orig[i]) || !tree.IsLetter(pa[i]) {
				t.Fatalf("position %d: corrupted a non-letter (%d → %d)", i, orig[i], pa[i])
			}
		}
	}
	letters := 0
	for _, t := range orig {
		if tree.IsLetter(t) {
			letters++
		}
	}
	if want := int(math.Round(0.5 * float64(letters))); changed != want {
		t.Errorf("%d letters changed, want %d of %d", changed, want, letters)
	}
}

// A cancelled context stops RunToEndContext and JumpToContext between
// steps; the session keeps the steps taken and stays usable.
func TestCancelLongOperations(t *testing.T) {
	set := tiny(t)
	s, err := engine.NewSession(set, problem(t, 5), nil, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.RunToEndContext(ctx); !errors.Is(err, context.Canceled) || s.T() != 0 {
		t.Fatalf("cancelled run: err %v, %d steps taken", err, s.T())
	}
	if err := s.JumpToContext(ctx, 2); !errors.Is(err, context.Canceled) || s.T() != 0 {
		t.Fatalf("cancelled jump: err %v, %d steps taken", err, s.T())
	}
	if err := s.JumpToContext(context.Background(), 2); err != nil || s.T() != 2 {
		t.Fatalf("jump after a cancelled one: err %v, T %d", err, s.T())
	}
	// Going back needs no context and always finishes.
	if err := s.JumpToContext(ctx, 1); err != nil || s.T() != 1 {
		t.Fatalf("jump back under a cancelled context: err %v, T %d", err, s.T())
	}
}

// A session file recorded by the jrx before the lane seam (version 2, the
// lanes as fixed fields; recorded with the embedded set: baseline@2=K,
// latent@3=0.6*O+0.4*L, noise@4:0.1 on seed 7) replays bit-identically:
// latents, every lane's tokens and the summary but its verdicts, whose
// vocabulary is newer.
func TestReplayVersion2(t *testing.T) {
	// It was recorded on the AVX2 path; AVX-512 kernels round differently
	// in the last bits, so the replay runs on the recording's path.
	restore, ok := nn.UseKernel("avx2")
	defer restore()
	if !ok {
		t.Skipf("the session file was recorded on the avx2 kernel, which this machine lacks (active: %s)", nn.KernelName())
	}
	set, err := engine.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	rec, err := engine.ReadRecord(filepath.Join("testdata", "session-v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version != 2 || rec.VerdictsComparable() {
		t.Fatalf("version %d", rec.Version)
	}
	if _, err := engine.Replay(set, rec); err != nil {
		t.Fatal(err)
	}
	// Its recorded tokens still count: change one and replay fails.
	rec.Snapshots[2].Lanes[3].Token = (rec.Snapshots[2].Lanes[3].Token + 1) % 26
	if _, err := engine.Replay(set, rec); err == nil || !strings.Contains(err.Error(), "baseline tokens") {
		t.Errorf("a changed baseline token: %v", err)
	}
}
