package latent_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"log"
	"math"
	"path"

	"jrx/assets"
	"jrx/internal/modelfiles"
	"jrx/latent"
	"jrx/tasks"
	_ "jrx/tasks/all"
)

// The shipped Reasoner thinks a tree problem through in unit latents, each
// fed back as the next input; reading them out by the nearest row of the
// target table answers the problem (checked by the task, not by latent).
func Example() {
	b, err := fs.ReadFile(assets.Default, path.Join("default", modelfiles.Reasoner))
	if err != nil {
		log.Fatal(err)
	}
	r, meta, err := latent.Load(b, modelfiles.Reasoner)
	if err != nil {
		log.Fatal(err)
	}
	task, err := tasks.New("tree", json.RawMessage(meta["recipe"]))
	if err != nil {
		log.Fatal(err)
	}
	p := tasks.SampleSeed(task, 7)
	steps := len(p.Answer())

	// FreeRun reads the prompt, then feeds each latent back (as c·r): no
	// token enters after the prompt.
	lats, err := r.FreeRun(p.Prompt(), steps)
	if err != nil {
		log.Fatal(err)
	}
	unit := true
	var ans []int
	for _, l := range lats {
		var n float64
		for _, v := range l {
			n += float64(v) * float64(v)
		}
		unit = unit && math.Abs(math.Sqrt(n)-1) < 1e-6
		ans = append(ans, nearest(r.Target, l))
	}
	fmt.Println("latents:", len(lats), "all unit length:", unit)
	fmt.Println("read-out answers the problem:", p.CheckAnswer(ans) == nil)

	// Output:
	// latents: 5 all unit length: true
	// read-out answers the problem: true
}

// nearest is the row of table with the largest cosine to u.
func nearest(table, u []float32) int {
	d := len(u)
	best, bestCos := -1, math.Inf(-1)
	for tok := 0; tok < len(table)/d; tok++ {
		var dot, n float64
		for j, v := range table[tok*d : (tok+1)*d] {
			dot += float64(v) * float64(u[j])
			n += float64(v) * float64(v)
		}
		if c := dot / math.Sqrt(n); c > bestCos {
			best, bestCos = tok, c
		}
	}
	return best
}

// The target table Ē is not a trained tensor: it lives outside the
// ParamSet (so the optimiser never touches it), starts as a copy of the
// embedding E, and follows E by EMA, Ē ← m·Ē + (1 − m)·E.
func ExampleReasoner_UpdateTarget() {
	cfg := latent.DefaultConfig(8)
	cfg.D, cfg.A, cfg.F, cfg.Layers, cfg.Heads, cfg.Context = 4, 4, 8, 1, 1, 4
	r, err := latent.New(cfg, true, false)
	if err != nil {
		log.Fatal(err)
	}
	r.Init(1)
	fmt.Println("target in the ParamSet:", r.P.Has(latent.NameTarget))
	fmt.Println("starts as E:", fmt.Sprint(r.Target) == fmt.Sprint(r.Embed()))

	old := append([]float32(nil), r.Target...)
	e := r.Embed()
	for i := range e {
		e[i] += 1 // as if an optimiser step had moved E
	}
	r.UpdateTarget()
	m := float64(cfg.EMA)
	worst := 0.0
	for i, v := range r.Target {
		want := m*float64(old[i]) + (1-m)*float64(e[i])
		worst = math.Max(worst, math.Abs(float64(v)-want))
	}
	fmt.Println("one EMA step within 1e-6 of m·Ē + (1 − m)·E:", worst < 1e-6)

	// Output:
	// target in the ParamSet: false
	// starts as E: true
	// one EMA step within 1e-6 of m·Ē + (1 − m)·E: true
}
