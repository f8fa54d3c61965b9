package engine_test

import (
	"fmt"
	"log"
	"math"

	"jrx/engine"
)

// A session on the embedded model set: the lanes, a token forced into the
// Dual-Talker, and the invariants a caller can rely on. Every printed value
// is checked here against something the engine did not compute (the task's
// own answer, bit patterns of two runs), not copied from it.
func Example() {
	set, err := engine.LoadEmbedded()
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range set.Lanes() {
		fmt.Printf("lane %-8s kind %-7s forced by %q\n", l.Name, l.Kind, l.Inject)
	}

	// The problem of seed 7; a tree of 4 levels with a leaf target is
	// answered in 4 route letters and [EOS]: 5 latent steps.
	p := engine.NewProblem(set.Task, 7)
	fmt.Println("steps:", len(p.Instance.Answer()))

	// Force the Dual-Talker's token at step 2 to the step's natural rival
	// (the sibling of the correct child).
	_, rival, _ := p.Instance.Rival(2)
	in := engine.ForceToken("talker", 2, rival, set.Task.Vocab())
	s, err := engine.NewSession(set, p, []engine.Injection{in}, engine.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.RunToEnd(); err != nil {
		log.Fatal(err)
	}

	// The Reasoner never reads a token: its latents are the clean run's,
	// bit for bit.
	clean, snaps := s.Clean(), s.Snapshots()
	identical := len(clean) == len(snaps)
	for t := range snaps {
		for j, v := range snaps[t].Latent {
			identical = identical && math.Float32bits(v) == math.Float32bits(clean[t].Latent[j])
		}
	}
	fmt.Println("latents bit-identical to the clean run:", identical)

	// The forced token is in the Dual-Talker's tokens and marked forced.
	dual := engine.LaneTokens(snaps, engine.LaneDual)
	sum := s.Summary()
	fmt.Println("dual token at step 2 is the rival:", dual[1] == rival, "forced:", sum.Lane(engine.LaneDual).Forced[1])

	// Back is exact: stepping back and forward again gives the same latent.
	last := snaps[len(snaps)-1]
	if err := s.Back(); err != nil {
		log.Fatal(err)
	}
	again, err := s.Step()
	if err != nil {
		log.Fatal(err)
	}
	same := true
	for j, v := range again.Latent {
		same = same && math.Float32bits(v) == math.Float32bits(last.Latent[j])
	}
	fmt.Println("back then step gives the same latent:", same)

	// A lane that nothing reached is judged against the task's own check.
	mono := engine.LaneTokens(s.Snapshots(), engine.LaneMono)
	fmt.Println("mono verdict agrees with the task:",
		(sum.Lane(engine.LaneMono).Verdict == engine.VerdictCorrect) == (p.Instance.CheckAnswer(mono) == nil))

	// Output:
	// lane reasoner kind readout forced by ""
	// lane mono     kind talker  forced by ""
	// lane dual     kind talker  forced by "talker"
	// lane baseline kind coupled forced by "baseline"
	// steps: 5
	// latents bit-identical to the clean run: true
	// dual token at step 2 is the rival: true forced: true
	// back then step gives the same latent: true
	// mono verdict agrees with the task: true
}

// Which lanes an injection can reach: noise on the latents reaches every
// lane that reads them, not the coupled baseline, which reads only tokens.
func ExampleInjection_Reaches() {
	set, err := engine.LoadEmbedded()
	if err != nil {
		log.Fatal(err)
	}
	noise := engine.Injection{Kind: engine.Noise, Step: 2, Sigma: 0.1}
	for _, l := range set.Lanes() {
		fmt.Println(l.Name, noise.Reaches(l))
	}
	// Output:
	// reasoner true
	// mono true
	// dual true
	// baseline false
}
