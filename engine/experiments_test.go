package engine_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"jrx/engine"
	"jrx/tasks/tree"
)

// The report is a sum of counts: one worker and several give the same
// report, bit for bit.
func TestContainmentWorkersAgree(t *testing.T) {
	set := tiny(t)
	a, err := engine.ContainmentWorkers(context.Background(), set, 7, 5, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := engine.ContainmentWorkers(context.Background(), set, 7, 5, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("1 worker and 3 workers differ:\n%+v\n%+v", a, b)
	}
}

// The token-error rows against sessions built independently, each with its
// own clean run (engine.NewSession), rather than the shared one.
func TestContainmentMatchesIndependentSessions(t *testing.T) {
	set := tiny(t)
	const n, seed = 5, 11
	rep, err := engine.Containment(context.Background(), set, n, seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	T := set.Task.MaxAnswer()
	// [0]: the sibling errors at steps 1..T; [1]: premature EOS at 1..T−1;
	// [2]: the target at 1..T−2.
	var base, dual, mono, baseProp, dualProp, baseRec, dualRec [3][]float64
	for e := range 3 {
		base[e], dual[e], mono[e] = make([]float64, T), make([]float64, T), make([]float64, T)
		baseProp[e], dualProp[e] = make([]float64, T), make([]float64, T)
		baseRec[e], dualRec[e] = make([]float64, T), make([]float64, T)
	}
	maxChange := 0.0
	// The sweep levels of the report, in its order: input corruption, then
	// latent noise.
	var sweeps []engine.Injection
	for _, r := range rep.Corruption {
		sweeps = append(sweeps, engine.Injection{Kind: engine.InputCorrupt, Frac: r.Level})
	}
	for _, r := range rep.Noise {
		sweeps = append(sweeps, engine.Injection{Kind: engine.Noise, Sigma: r.Level})
	}
	if len(sweeps) != 11 {
		t.Fatalf("%d sweep levels; the experiment has 7 corruption and 4 noise levels", len(sweeps))
	}
	sweepExact := make([][3]float64, len(sweeps))
	sweepStep := make([][3][]float64, len(sweeps)) // per-step accuracy sums: Mono, Dual, baseline
	for i := range sweepStep {
		for l := range 3 {
			sweepStep[i][l] = make([]float64, T)
		}
	}
	for k := range n {
		p := engine.NewProblem(set.Task, seed+uint64(k)*7919)
		tr := tree.Of(p.Instance)
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		answer := tr.Answer(nil)
		type tokenError struct{ e, s, wrong int }
		var errs []tokenError
		for s := 1; s <= T; s++ {
			errs = append(errs, tokenError{0, s, wrongToken(tr, answer, s, rng)})
		}
		for s := 1; s < T; s++ {
			errs = append(errs, tokenError{1, s, tree.IDEOS})
		}
		for s := 1; s < T-1; s++ {
			errs = append(errs, tokenError{2, s, tr.Target()})
		}
		for _, te := range errs {
			e, s, wrong := te.e, te.s, te.wrong
			for _, kind := range []string{"baseline", "talker"} {
				sess, err := engine.NewSession(set, p, []engine.Injection{engine.ForceToken(kind, s, wrong, tree.NewVocab())}, engine.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if err := sess.RunToEnd(); err != nil {
					t.Fatal(err)
				}
				// Exact match over the steps the lane chose itself.
				clean := sess.Clean()
				for i, sn := range sess.Snapshots() {
					maxChange = math.Max(maxChange, float64(engine.MaxAbsDiff(sn.Latent, clean[i].Latent)))
				}
				last, cleanLast := sess.Snapshots()[T-1], clean[T-1]
				okBase, okDual, okMono := 1.0, 1.0, 1.0
				// Propagated: the last step the lane chose itself differs
				// from the clean run; recovered: an earlier one did, the
				// last does not.
				lastBase, lastDual, anyBase, anyDual := false, false, false, false
				for i, sn := range sess.Snapshots() {
					if i == s-1 {
						continue
					}
					db := sn.Token(engine.LaneBaseline) != clean[i].Token(engine.LaneBaseline)
					dd := dualSoFar(last)[i] != dualSoFar(cleanLast)[i]
					anyBase, anyDual = anyBase || db, anyDual || dd
					lastBase, lastDual = db, dd
					if kind == "baseline" && sn.Token(engine.LaneBaseline) != answer[i] {
						okBase = 0
					}
					if kind == "talker" && dualSoFar(last)[i] != answer[i] {
						okDual = 0
					}
				}
				propBase, propDual := b2f(lastBase), b2f(lastDual)
				recBase, recDual := b2f(anyBase && !lastBase), b2f(anyDual && !lastDual)
				for i, sn := range sess.Snapshots() {
					if sn.Token(engine.LaneMono) != answer[i] {
						okMono = 0
					}
				}
				if kind == "baseline" {
					base[e][s-1] += okBase
					baseProp[e][s-1] += propBase
					baseRec[e][s-1] += recBase
				} else {
					dual[e][s-1] += okDual
					dualProp[e][s-1] += propDual
					dualRec[e][s-1] += recDual
					mono[e][s-1] += okMono
				}
			}
		}
		// The sweeps: whole-answer exact match of each lane.
		for i, in := range sweeps {
			sess, err := engine.NewSession(set, p, []engine.Injection{in}, engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.RunToEnd(); err != nil {
				t.Fatal(err)
			}
			snaps := sess.Snapshots()
			ok := [3]float64{1, 1, 1}
			for j, sn := range snaps {
				for l, tok := range []int{sn.Token(engine.LaneMono), dualSoFar(snaps[T-1])[j], sn.Token(engine.LaneBaseline)} {
					if tok != answer[j] {
						ok[l] = 0
					} else {
						sweepStep[i][l][j]++
					}
				}
			}
			for l := range ok {
				sweepExact[i][l] += ok[l]
			}
		}
	}
	if len(rep.Injected) != T || len(rep.EOS) != T-1 || len(rep.Early) != T-2 {
		t.Fatalf("%d sibling-error rows, %d EOS rows, %d early-target rows; want %d, %d, %d",
			len(rep.Injected), len(rep.EOS), len(rep.Early), T, T-1, T-2)
	}
	for e, rows := range [][]engine.ContainmentRow{rep.Injected, rep.EOS, rep.Early} {
		for s, r := range rows {
			rb, rd, rm := rate(t, r, engine.LaneBaseline), rate(t, r, engine.LaneDual), rate(t, r, engine.LaneMono)
			if rb.Exact != base[e][s]/n || rd.Exact != dual[e][s]/n || rm.Exact != mono[e][s]/n {
				t.Errorf("error %d, step %d: report baseline %.2f dual %.2f mono %.2f; independent sessions %.2f %.2f %.2f",
					e, s+1, rb.Exact, rd.Exact, rm.Exact, base[e][s]/n, dual[e][s]/n, mono[e][s]/n)
			}
			if rb.Recovered != baseRec[e][s]/n || rd.Recovered != dualRec[e][s]/n {
				t.Errorf("error %d, step %d: report recovered baseline %.2f dual %.2f; independent sessions %.2f %.2f",
					e, s+1, rb.Recovered, rd.Recovered, baseRec[e][s]/n, dualRec[e][s]/n)
			}
			if rb.Propagated != baseProp[e][s]/n || rd.Propagated != dualProp[e][s]/n || rm.Forced || !rb.Forced || !rd.Forced {
				t.Errorf("error %d, step %d: report propagated baseline %.2f dual %.2f; independent sessions %.2f %.2f",
					e, s+1, rb.Propagated, rd.Propagated, baseProp[e][s]/n, dualProp[e][s]/n)
			}
			if r.MaxLatentChange != 0 {
				t.Errorf("error %d, step %d: latent change %g after a token injection", e, s+1, r.MaxLatentChange)
			}
		}
	}
	if maxChange != 0 {
		t.Errorf("independent sessions: latent change %g", maxChange)
	}
	nontrivial := false
	for i, row := range append(append([]engine.SweepRow(nil), rep.Corruption...), rep.Noise...) {
		bl := row.Lane(engine.LaneBaseline)
		if (bl == nil) != (i >= len(rep.Corruption)) {
			t.Errorf("sweep %s: baseline lane present %v; it reads no latent, so only input corruption reaches it", sweeps[i], bl != nil)
		}
		if bl == nil {
			bl = &engine.SweepLane{Step: make([]float64, T)}
		}
		got := [3]float64{row.Lane(engine.LaneMono).Exact, row.Lane(engine.LaneDual).Exact, bl.Exact}
		want := sweepExact[i]
		if i >= len(rep.Corruption) {
			want[2] = 0 // the noise sweep leaves the baseline out
		}
		for l := range got {
			want[l] /= n
			nontrivial = nontrivial || (want[l] > 0 && want[l] < 1)
		}
		if got != want {
			t.Errorf("sweep %s: report mono/dual/baseline exact %v; independent sessions %v", sweeps[i], got, want)
		}
		for j := range T {
			g := [3]float64{row.Lane(engine.LaneMono).Step[j], row.Lane(engine.LaneDual).Step[j], 0}
			w := [3]float64{sweepStep[i][0][j] / n, sweepStep[i][1][j] / n, 0}
			if i < len(rep.Corruption) {
				g[2], w[2] = bl.Step[j], sweepStep[i][2][j]/n
			}
			if g != w {
				t.Errorf("sweep %s, step %d: report per-step accuracy mono/dual/baseline %v; independent sessions %v", sweeps[i], j+1, g, w)
			}
		}
	}
	if !nontrivial {
		t.Error("every sweep level is 0 or 1: the comparison checks little; pick a seed with partial failures")
	}
}

func TestContainmentCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := engine.Containment(ctx, tiny(t), 50, 1, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: err %v", err)
	}
}

// rate is a row's entry for lane.
func rate(t *testing.T, r engine.ContainmentRow, lane string) engine.LaneRate {
	t.Helper()
	for _, l := range r.Lanes {
		if l.Lane == lane {
			return l
		}
	}
	t.Fatalf("row %d has no lane %s", r.Step, lane)
	return engine.LaneRate{}
}

// dualSoFar is the Dual-Talker's decoding recorded in a snapshot, read
// from the raw lane list (not through engine.LaneTokens, under test).
func dualSoFar(sn *engine.Snapshot) []int {
	for _, l := range sn.Lanes {
		if l.Lane == engine.LaneDual {
			return l.SoFar
		}
	}
	return nil
}

// wrongToken is the containment experiment's error at step s, written out
// independently: the sibling of the right child where there is one,
// otherwise another node of the tree drawn from rng.
func wrongToken(tr *tree.Tree, answer []int, s int, rng *rand.Rand) int {
	if _, sib, ok := tr.Siblings(s - 1); ok && s < len(answer) {
		return sib
	}
	nodes := tr.Nodes()
	for {
		c := nodes[rng.IntN(len(nodes))]
		if c != answer[s-1] {
			return c
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
