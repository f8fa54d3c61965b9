package baseline_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"log"
	"path"
	"slices"

	"jrx/assets"
	"jrx/baseline"
	"jrx/internal/modelfiles"
	"jrx/tasks"
	_ "jrx/tasks/all"
)

// shipped loads the embedded set's coupled baseline T and its task.
func shipped() (*baseline.Model, tasks.Task) {
	b, err := fs.ReadFile(assets.Default, path.Join("default", modelfiles.Baseline))
	if err != nil {
		log.Fatal(err)
	}
	m, meta, err := baseline.Load(b, modelfiles.Baseline)
	if err != nil {
		log.Fatal(err)
	}
	task, err := tasks.New("tree", json.RawMessage(meta["recipe"]))
	if err != nil {
		log.Fatal(err)
	}
	return m, task
}

// The coupled baseline T reads its own tokens: it answers the problem
// (checked by the task), and a token forced at step 2 stays in its context,
// where every later token reads it.
func Example() {
	m, task := shipped()
	p := tasks.SampleSeed(task, 7)
	steps := len(p.Answer())
	out, err := m.Decode(p.Prompt(), steps, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("answers:", p.CheckAnswer(out) == nil)

	_, rival, _ := p.Rival(2)
	forced, err := m.Decode(p.Prompt(), steps, map[int]int{1: rival})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("forced token kept:", forced[1] == rival, "step before unchanged:", forced[0] == out[0])

	// Truncate is exact: back to the prompt and the first token, the
	// decoder's next choice is the clean run's second token again.
	d, err := m.NewDecoder(p.Prompt())
	if err != nil {
		log.Fatal(err)
	}
	for _, tok := range forced[:steps-1] {
		if err := d.Feed(tok); err != nil {
			log.Fatal(err)
		}
	}
	d.Truncate(len(p.Prompt()))
	if err := d.Feed(out[0]); err != nil {
		log.Fatal(err)
	}
	fmt.Println("after Truncate the next token is the clean one:", d.Next() == out[1])

	// Output:
	// answers: true
	// forced token kept: true step before unchanged: true
	// after Truncate the next token is the clean one: true
}

// COCONUT on the baseline's network (untrained as COCONUT: the example is
// about the layout, not the answers): k thoughts between [BOT] and [EOT],
// each seen by perturb before it is fed, then tokens; a thought after [EOT]
// and a token before it are errors.
func ExampleCoconut_Decode() {
	m, task := shipped()
	v := task.Vocab()
	// The tree vocabulary has no thought markers; any two distinct ids
	// serve to show the mechanics.
	c, err := baseline.NewCoconut(m.Net, v.PAD(), v.BOS(), 2)
	if err != nil {
		log.Fatal(err)
	}
	p := tasks.SampleSeed(task, 7)
	seen := 0
	tr, err := c.Decode(p.Prompt(), c.Thoughts, 3, func(j int, th []float32) { seen++ }, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("thoughts:", len(tr.Thoughts), "perturb calls:", seen, "tokens:", len(tr.Tokens))

	dc, err := c.NewDecoder(p.Prompt())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("token before [EOT] refused:", dc.Feed(0) != nil)
	if err := dc.FeedThought(dc.Thought()); err != nil {
		log.Fatal(err)
	}
	if err := dc.EndThoughts(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("thought after [EOT] refused:", dc.FeedThought(dc.Thought()) != nil)
	fmt.Println("after the prompt: [BOT], a thought, [EOT]:",
		slices.Equal(dc.Kinds(), []int{baseline.KindBOT, baseline.KindThought, baseline.KindEOT}))

	// Output:
	// thoughts: 2 perturb calls: 2 tokens: 3
	// token before [EOT] refused: true
	// thought after [EOT] refused: true
	// after the prompt: [BOT], a thought, [EOT]: true
}
