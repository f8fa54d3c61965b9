package probes

import (
	"math"
	"slices"
	"testing"

	"jrx/latent"
	"jrx/talker"
	"jrx/tasks/tree"
)

// TestStreamingMatchesOnePass checks that drawing and evaluating a problem
// set a batch at a time (what jrx eval tree does, to keep its memory
// independent of n) gives the problems, latents and counts of one pass over
// the whole set, bit for bit, with batches of another size (a problem's
// numbers do not depend on the batch it runs in).
func TestStreamingMatchesOnePass(t *testing.T) {
	task, err := tree.NewTask(tree.Config{Depth: 2}, tree.LeafOnly)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2*EvalBatch + 37
	whole, err := NewProblemSet(task, 5, n)
	if err != nil {
		t.Fatal(err)
	}
	v := task.Vocab().Size()
	cfg := latent.DefaultConfig(v)
	cfg.D, cfg.A, cfg.F, cfg.Layers, cfg.Heads = 16, 16, 32, 2, 2
	r, err := latent.New(cfg, true, false)
	if err != nil {
		t.Fatal(err)
	}
	r.Init(3)
	mono, err := talker.NewMono(talker.Config{Vocab: v, D: 16, A: 16, Heads: 2, F: 32, Layers: 1, Context: 16})
	if err != nil {
		t.Fatal(err)
	}
	mono.Init(4)
	content := task.Vocab().Content()

	lat := FreeLatents(r, whole)
	var ref Buffers
	wantTok, wantMono := ref.TokenCount(r, whole), ref.MonoCount(mono, lat, whole)
	wantNear := NearestCount(r.Target, cfg.D, lat, whole)
	wantMajor, wantPct, wantSteps := RivalStats(r.Target, cfg.D, lat, content, whole)

	st := NewProblemStream(task, 5)
	var (
		bf                    = Buffers{Batch: 50}
		rt                    RivalTally
		tok, mo, near, done   int
		prompts, answers, got []int
	)
	for done < n {
		set, err := st.Next(min(100, n-done))
		if err != nil {
			t.Fatal(err)
		}
		prompts, answers = append(prompts, set.Prompts...), append(answers, set.Answers...)
		l := bf.FreeLatents(r, set)
		off := done * whole.Steps * cfg.D
		for i, x := range l {
			if math.Float32bits(x) != math.Float32bits(lat[off+i]) {
				t.Fatalf("batch at %d: latent %d = %g, one pass %g", done, i, x, lat[off+i])
			}
		}
		tok += bf.TokenCount(r, set)
		mo += bf.MonoCount(mono, l, set)
		near += NearestCount(r.Target, cfg.D, l, set)
		rt.Add(r.Target, cfg.D, l, content, set)
		done += set.Len()
		got = append(got, set.Len())
	}
	if !slices.Equal(prompts, whole.Prompts) || !slices.Equal(answers, whole.Answers) {
		t.Fatal("the stream drew other problems than NewProblemSet")
	}
	if !slices.Equal(got, []int{100, 100, 93}) {
		t.Fatalf("batches %v", got)
	}
	major, pct, steps := rt.Stats()
	if tok != wantTok || mo != wantMono || near != wantNear || major != wantMajor || pct != wantPct || steps != wantSteps {
		t.Fatalf("streamed: token %d mono %d nearest %d rival %v %v %d; one pass %d %d %d %v %v %d",
			tok, mo, near, major, pct, steps, wantTok, wantMono, wantNear, wantMajor, wantPct, wantSteps)
	}
	if wantSteps == 0 || wantPct == 0 {
		t.Fatalf("degenerate rival figures (%d steps, %v%%): the test checks nothing", wantSteps, wantPct)
	}
}
