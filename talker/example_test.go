package talker_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"log"
	"path"
	"slices"

	"jrx/assets"
	"jrx/internal/modelfiles"
	"jrx/latent"
	"jrx/talker"
	"jrx/tasks"
	_ "jrx/tasks/all"
)

// read returns one file of the embedded model set.
func read(name string) []byte {
	b, err := fs.ReadFile(assets.Default, path.Join("default", name))
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// Both Talkers read the shipped Reasoner's latents for one problem and say
// its answer (checked by the task). The Mono-Talker is causal: its token at
// step t reads r_1 … r_t only. The Dual-Talker reads its own previous
// tokens, so a forced token stays in its output and later tokens read it.
func Example() {
	r, meta, err := latent.Load(read(modelfiles.Reasoner), modelfiles.Reasoner)
	if err != nil {
		log.Fatal(err)
	}
	mono, _, err := talker.LoadMono(read(modelfiles.Mono), modelfiles.Mono)
	if err != nil {
		log.Fatal(err)
	}
	dual, _, err := talker.LoadDual(read(modelfiles.Dual), modelfiles.Dual)
	if err != nil {
		log.Fatal(err)
	}
	task, err := tasks.New("tree", json.RawMessage(meta["recipe"]))
	if err != nil {
		log.Fatal(err)
	}
	p := tasks.SampleSeed(task, 7)
	lats, err := r.FreeRun(p.Prompt(), len(p.Answer()))
	if err != nil {
		log.Fatal(err)
	}

	m, err := mono.Read(lats)
	if err != nil {
		log.Fatal(err)
	}
	d, err := dual.Decode(lats, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("mono answers:", p.CheckAnswer(m) == nil, "dual answers:", p.CheckAnswer(d) == nil)

	// Causality: replace the last latent by its opposite; the Mono-Talker's
	// earlier tokens cannot change.
	last := len(lats) - 1
	flipped := slices.Clone(lats)
	flipped[last] = make([]float32, len(lats[last]))
	for i, v := range lats[last] {
		flipped[last][i] = -v
	}
	m2, err := mono.Read(flipped)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("mono tokens before the changed latent unchanged:", slices.Equal(m[:last], m2[:last]))

	// A forced token: the rival at step 2 (index 1) stays in the output.
	_, rival, _ := p.Rival(2)
	f, err := dual.Decode(lats, map[int]int{1: rival})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("dual keeps the forced token:", f[1] == rival, "and the step before:", f[0] == d[0])

	// Output:
	// mono answers: true dual answers: true
	// mono tokens before the changed latent unchanged: true
	// dual keeps the forced token: true and the step before: true
}
