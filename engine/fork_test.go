package engine_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"jrx/engine"
	"jrx/probes"
	"jrx/tasks/tree"
)

func TestForkSyntax(t *testing.T) {
	v := tree.NewVocab()
	for spec, want := range map[string]string{"fork@2=2": "fork@2=2", "FORK@3 = -TOP": "fork@3=-top", "fork@1=b": "fork@1=B", "fork@2=eos": "fork@2=[EOS]"} {
		in, err := engine.ParseInjection(spec, v)
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		if in.Kind != engine.Fork || in.String() != want {
			t.Errorf("%q reads as %v %q, want %q", spec, in.Kind, in.String(), want)
		}
		if back, err := engine.ParseInjection(in.String(), v); err != nil || back.String() != in.String() || back.Hyp != in.Hyp || back.Token != in.Token {
			t.Errorf("%q does not round-trip: %+v %v", spec, back, err)
		}
	}
	for _, bad := range []string{"fork", "fork:2", "fork@2", "fork@0=2", "fork@2=0", "fork@2=99", "fork@2=top", "fork@x=2", "fork@2=2.5"} {
		if _, err := engine.ParseInjection(bad, v); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// ForkLatent against a float64 computation written out here: the K-th
// component's row over its norm, and r with its top direction removed by
// one Gram–Schmidt step, over its norm.
func TestForkLatentMath(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const d, V = 24, 9
	for trial := 0; trial < 50; trial++ {
		table := make([]float32, V*d)
		for i := range table {
			table[i] = float32(rng.NormFloat64() * (0.5 + float64(i/d)))
		}
		// A latent mostly made of three rows, and some of the rest.
		r := make([]float32, d)
		toks := rng.Perm(V)[:3]
		for k, tok := range toks {
			for j := range r {
				r[j] += float32((3 - float64(k)) * float64(table[tok*d+j]))
			}
		}
		for j := range r {
			r[j] += float32(0.1 * rng.NormFloat64())
		}
		var rn float64
		for _, x := range r {
			rn += float64(x) * float64(x)
		}
		for j := range r {
			r[j] = float32(float64(r[j]) / math.Sqrt(rn))
		}
		mix := probes.Decompose(table, d, r, 3, nil)
		if len(mix.Atoms) < 2 {
			t.Fatalf("trial %d: mixture %+v", trial, mix)
		}
		for k := 1; k <= len(mix.Atoms); k++ {
			lat := append([]float32(nil), r...)
			tok, err := engine.ForkLatent(lat, table, mix, engine.ForkInjection(1, k))
			if err != nil || tok != mix.Atoms[k-1].Token {
				t.Fatalf("K=%d: token %d, %v", k, tok, err)
			}
			row := table[tok*d : (tok+1)*d]
			var n float64
			for _, x := range row {
				n += float64(x) * float64(x)
			}
			for j := range lat {
				if want := float64(row[j]) / math.Sqrt(n); math.Abs(float64(lat[j])-want) > 1e-6 {
					t.Fatalf("K=%d component %d: %v, want %v", k, j, lat[j], want)
				}
			}
		}
		// -top: u = r − (r·e)e/(e·e), then u/‖u‖; it is orthogonal to e.
		top := mix.Atoms[0].Token
		e := table[top*d : (top+1)*d]
		var re, ee float64
		for j := range r {
			re += float64(r[j]) * float64(e[j])
			ee += float64(e[j]) * float64(e[j])
		}
		u := make([]float64, d)
		var un float64
		for j := range u {
			u[j] = float64(r[j]) - re/ee*float64(e[j])
			un += u[j] * u[j]
		}
		lat := append([]float32(nil), r...)
		tok, err := engine.ForkLatent(lat, table, mix, engine.ForkInjection(1, engine.ForkDropTop))
		if err != nil || tok != top {
			t.Fatalf("-top: token %d, %v", tok, err)
		}
		var dotE, norm float64
		for j := range lat {
			if want := u[j] / math.Sqrt(un); math.Abs(float64(lat[j])-want) > 1e-6 {
				t.Fatalf("-top component %d: %v, want %v", j, lat[j], want)
			}
			dotE += float64(lat[j]) * float64(e[j])
			norm += float64(lat[j]) * float64(lat[j])
		}
		if math.Abs(dotE) > 1e-5*math.Sqrt(ee) || math.Abs(norm-1) > 1e-6 {
			t.Fatalf("-top: r'·e %g, ‖r'‖² %g", dotE, norm)
		}
		// A component the mixture does not have, and an empty mixture.
		lat = append([]float32(nil), r...)
		if _, err := engine.ForkLatent(lat, table, mix, engine.ForkInjection(1, len(mix.Atoms)+1)); !errors.Is(err, engine.ErrNoHypothesis) || !sameBits(lat, r) {
			t.Fatalf("a missing component: %v (latent changed: %v)", err, !sameBits(lat, r))
		}
		if _, err := engine.ForkLatent(lat, table, probes.Mixture{}, engine.ForkInjection(1, engine.ForkDropTop)); !errors.Is(err, engine.ErrNoHypothesis) {
			t.Fatalf("an empty mixture: %v", err)
		}
	}
	// A latent that is all top component has nothing left.
	table := []float32{1, 0, 0, 1}
	lat := []float32{1, 0}
	if _, err := engine.ForkLatent(lat, table, probes.Mixture{Atoms: []probes.Atom{{Token: 0, Weight: 1}}}, engine.ForkInjection(1, engine.ForkDropTop)); err == nil {
		t.Fatal("projecting out the whole latent gave a latent")
	}
}

// A fork in a session: the steps before it are the original's, bit for
// bit; its step's latent is the hypothesis the original's mixture held
// there; the diff against the original starts at the fork.
func TestForkSession(t *testing.T) {
	set := tiny(t)
	d := set.Reasoner.Cfg.D
	for seed := uint64(20); seed < 24; seed++ {
		orig, err := engine.NewSession(set, problem(t, seed), nil, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := orig.RunToEnd(); err != nil {
			t.Fatal(err)
		}
		os := orig.Snapshots()
		for step := 1; step <= orig.Steps(); step++ {
			mix := os[step-1].Mixture
			for _, hyp := range []int{2, engine.ForkDropTop} {
				f, err := orig.ForkAt(context.Background(), engine.ForkInjection(step, hyp))
				if hyp == 2 && len(mix.Atoms) < 2 {
					if !errors.Is(err, engine.ErrNoHypothesis) {
						t.Fatalf("step %d: fork onto a missing hypothesis: %v", step, err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if !f.Done() {
					t.Fatalf("the fork stopped at %d of %d", f.T(), f.Steps())
				}
				fs := f.Snapshots()
				for i := 0; i < step-1; i++ {
					if !sameBits(fs[i].Latent, os[i].Latent) {
						t.Fatalf("fork at %d changed step %d", step, i+1)
					}
				}
				want := make([]float32, d)
				if hyp == 2 {
					tok := mix.Atoms[1].Token
					var n float64
					for _, x := range set.Reasoner.Target[tok*d : (tok+1)*d] {
						n += float64(x) * float64(x)
					}
					for j := range want {
						want[j] = float32(float64(set.Reasoner.Target[tok*d+j]) / math.Sqrt(n))
					}
				} else {
					copy(want, os[step-1].Latent)
					if _, err := engine.ForkLatent(want, set.Reasoner.Target, mix, engine.ForkInjection(step, hyp)); err != nil {
						t.Fatal(err)
					}
				}
				for j := range want {
					if math.Abs(float64(want[j]-fs[step-1].Latent[j])) > 1e-6 {
						t.Fatalf("fork@%d=%d: component %d is %v, want %v", step, hyp, j, fs[step-1].Latent[j], want[j])
					}
				}
				if len(fs[step-1].Injected) != 1 || !strings.HasPrefix(fs[step-1].Injected[0], engine.ForkInjection(step, hyp).String()) {
					t.Errorf("injected at the fork: %q", fs[step-1].Injected)
				}
				diff := engine.DiffSnapshots(os, fs)
				if diff.FirstDivergence != step {
					t.Errorf("fork@%d=%d: diff's first divergence %d", step, hyp, diff.FirstDivergence)
				}
				sum := f.Summary()
				if l := sum.Lane(engine.LaneBaseline); l.Verdict != engine.VerdictCorrect && l.Verdict != engine.VerdictWrong {
					t.Errorf("a fork reached the coupled baseline: %s", l.Verdict)
				}
			}
		}
	}
}

func TestDiffSelfEmpty(t *testing.T) {
	set := tiny(t)
	s, err := engine.NewSession(set, problem(t, 31), mustInj(t, "noise@2:0.3", "talker@1=B"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	d := engine.DiffSnapshots(s.Snapshots(), s.Snapshots())
	if !d.Empty() || len(d.Steps) != s.Steps() || len(d.Notes) != 0 {
		t.Fatalf("a run diffed with itself: %+v", d)
	}
	for _, sd := range d.Steps {
		if sd.Differs || sd.MaxAbs != 0 || math.Abs(sd.Cosine-1) > 1e-12 || len(sd.Lanes) != 0 {
			t.Fatalf("step %d of a self-diff: %+v", sd.Step, sd)
		}
	}
	// Through a session file, too.
	path := filepath.Join(t.TempDir(), "s.json")
	if err := engine.WriteRecord(path, s.Record()); err != nil {
		t.Fatal(err)
	}
	rec, err := engine.ReadRecord(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := engine.DiffRecords(rec, s.Record()); !d.Empty() || len(d.Notes) != 0 {
		t.Fatalf("a session file diffed with its session: %+v", d)
	}
	// Against the clean run: the noise acts at step 2, the forced token at 1.
	c := engine.DiffSnapshots(s.Clean(), s.Snapshots())
	if c.Empty() || c.FirstDivergence != 1 {
		t.Fatalf("against the clean run: first divergence %d", c.FirstDivergence)
	}
	if c.Steps[0].MaxAbs != 0 || c.Steps[1].MaxAbs == 0 || c.Steps[1].Cosine >= 1 {
		t.Errorf("latents: step 1 %+v, step 2 %+v", c.Steps[0], c.Steps[1])
	}
	var forced bool
	for _, l := range c.Steps[0].Lanes {
		forced = forced || l.Lane == engine.LaneDual
	}
	if !forced {
		t.Errorf("step 1 lanes: %+v", c.Steps[0].Lanes)
	}
	// A shorter run differs at its first missing step.
	if d := engine.DiffSnapshots(s.Snapshots(), s.Snapshots()[:2]); d.FirstDivergence != 3 {
		t.Errorf("a prefix: first divergence %d", d.FirstDivergence)
	}
}

func TestCommandReproduces(t *testing.T) {
	set := tiny(t)
	s, err := engine.NewSession(set, problem(t, 41), mustInj(t, "noise@2:0.3", "talker@1=B", "fork@2=-top"), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cmd := s.Command("--json")
	args := shellSplit(t, cmd)
	if args[0] != "jrx" || args[1] != "run" || args[len(args)-1] != "--json" {
		t.Fatalf("command %q", cmd)
	}
	var prompt string
	var specs []string
	for i := 2; i+1 < len(args); i++ {
		switch args[i] {
		case "--prompt":
			prompt = args[i+1]
		case "--inject":
			specs = append(specs, args[i+1])
		}
	}
	p, err := engine.ParseProblem(set.Task, prompt, s.Problem.Seed)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := engine.NewSession(set, p, mustInj(t, specs...), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	if err := s2.RunToEnd(); err != nil {
		t.Fatal(err)
	}
	if d := engine.DiffSnapshots(s.Snapshots(), s2.Snapshots()); !d.Empty() {
		t.Fatalf("the command %q does not reproduce the session: %+v", cmd, d)
	}
	if q := engine.ShellQuote("it's [EOS]"); q != `'it'\''s [EOS]'` {
		t.Errorf("quote: %s", q)
	}
}

// shellSplit splits a POSIX command line of plain words and single-quoted
// strings (what ShellQuote writes).
func shellSplit(t *testing.T, s string) []string {
	var out []string
	var cur strings.Builder
	in, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case in && c == '\'':
			in = false
		case in:
			cur.WriteByte(c)
		case c == '\'':
			in, have = true, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			have = true
		case c == ' ':
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if in {
		t.Fatalf("unterminated quote in %q", s)
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}
