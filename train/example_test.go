package train_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"jrx/internal/modelfiles"
	"jrx/train"
)

// A run interrupted in its first stage and resumed writes the same bytes as
// one that ran straight through: every step's data depends only on (seed,
// stage, step), and the state file holds the weights, AdamW's moments and
// the next step. (A recipe a few steps long, so that the example is fast;
// the models it trains are not meant to be good.)
func Example() {
	r := train.TinyRecipe()
	r.PretrainSteps, r.SSTSteps, r.TalkerSteps, r.FinalEvalN = 6, 3, 3, 0
	r.Batch, r.TalkerBatch = 4, 4

	tmp, err := os.MkdirTemp("", "jrx-train-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	straight, resumed := filepath.Join(tmp, "straight"), filepath.Join(tmp, "resumed")

	if err := (&train.Trainer{Recipe: r, Dir: straight}).Run(context.Background()); err != nil {
		log.Fatal(err)
	}

	// Stop the second run after pretraining step 3, then resume it.
	ctx, cancel := context.WithCancel(context.Background())
	stop := func(e train.Event) {
		if e.Stage == "pretrain" && e.Step >= 3 {
			cancel()
		}
	}
	err = (&train.Trainer{Recipe: r, Dir: resumed, Progress: stop, ProgressEvery: -1}).Run(ctx)
	fmt.Println("interrupted:", errors.Is(err, context.Canceled))
	start := -1
	note := func(e train.Event) {
		if e.Stage == "pretrain" && start < 0 {
			start = e.Start
		}
	}
	if err := (&train.Trainer{Recipe: r, Dir: resumed, Resume: true, Progress: note, ProgressEvery: -1}).Run(context.Background()); err != nil {
		log.Fatal(err)
	}
	fmt.Println("resumed pretraining at step:", start)

	same := true
	for _, name := range modelfiles.All() {
		a, err1 := os.ReadFile(filepath.Join(straight, name))
		b, err2 := os.ReadFile(filepath.Join(resumed, name))
		if err := errors.Join(err1, err2); err != nil {
			log.Fatal(err)
		}
		same = same && bytes.Equal(a, b)
	}
	fmt.Println("model files byte-identical:", same)

	// Output:
	// interrupted: true
	// resumed pretraining at step: 3
	// model files byte-identical: true
}
