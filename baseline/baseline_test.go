package baseline_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"jrx/baseline"
	"jrx/engine"
	"jrx/internal/testmodels"
	"jrx/tasks/tree"
)

func TestDecodeForcingAndTruncate(t *testing.T) {
	set, _, err := testmodels.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	m := set.Baseline
	tr := tree.NewTree(tree.Config{Depth: 2}, tree.NewRNG(7))
	prompt := tr.Prompt(nil)
	free, err := m.Decode(prompt, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := tr.Answer(nil); strings.Join(sym(free), " ") != strings.Join(sym(want), " ") {
		t.Logf("tiny baseline answers %v, truth %v (not an error by itself)", sym(free), sym(want))
	}
	// A forced token is emitted as given and stays in the context: the
	// step-by-step decoder fed the same tokens gives the same next token.
	forced, err := m.Decode(prompt, 3, map[int]int{0: 25})
	if err != nil {
		t.Fatal(err)
	}
	if forced[0] != 25 {
		t.Fatalf("forced token not emitted: %v", forced)
	}
	d, err := m.NewDecoder(prompt)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Feed(25); err != nil {
		t.Fatal(err)
	}
	if got := d.Next(); got != forced[1] {
		t.Errorf("after feeding the forced token the decoder says %d, Decode said %d", got, forced[1])
	}
	// Truncate back to the prompt and feed the free choice: same as free decoding.
	d.Truncate(len(prompt))
	if d.Len() != len(prompt) {
		t.Fatalf("Len after truncate = %d", d.Len())
	}
	if err := d.Feed(free[0]); err != nil {
		t.Fatal(err)
	}
	if got := d.Next(); got != free[1] {
		t.Errorf("after truncate and refeed: %d, want %d", got, free[1])
	}
	if _, err := m.Decode(prompt, 2, map[int]int{1: 999}); err == nil {
		t.Error("out-of-vocabulary forced token accepted")
	}
	if _, err := m.Decode(nil, 2, nil); err == nil {
		t.Error("empty prompt accepted")
	}
}

func TestLoadRefusesAReasoner(t *testing.T) {
	_, dir, err := testmodels.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, engine.FileReasoner))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := baseline.Load(b, "reasoner.safetensors"); err == nil || !strings.Contains(err.Error(), "not a baseline") {
		t.Errorf("loading a Reasoner as the baseline: %v", err)
	}
	b, _ = os.ReadFile(filepath.Join(dir, engine.FileBaseline))
	if _, _, err := baseline.Load(b[:len(b)/2], "half"); err == nil {
		t.Error("truncated file accepted")
	}
}

func sym(ids []int) []string {
	v := tree.NewVocab()
	var out []string
	for _, id := range ids {
		out = append(out, v.Sym(id))
	}
	return out
}
