package talker_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"jrx/internal/testmodels"
	"jrx/tasks/tree"
)

// The batched Reader gives exactly what token-by-token greedy decoding
// gives, whatever its hint (right, wrong or missing) and forcing.
func TestReaderMatchesSequentialDecode(t *testing.T) {
	set, _, err := testmodels.Tiny()
	if err != nil {
		t.Fatal(err)
	}
	m := set.Dual
	r := m.NewReader(3)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		tr := tree.NewTree(tree.Config{Depth: 2}, rand.New(rand.NewPCG(uint64(trial), 9)))
		lat, err := set.Reasoner.FreeRun(tr.Prompt(nil), 3)
		if err != nil {
			t.Fatal(err)
		}
		if trial%4 == 3 { // arbitrary unit vectors too
			for _, l := range lat {
				for i := range l {
					l[i] = float32(rng.NormFloat64())
				}
			}
		}
		for T := 1; T <= 3; T++ {
			var force map[int]int
			if trial%3 == 1 {
				force = map[int]int{rng.IntN(T): rng.IntN(tree.NumLetters)}
			}
			want, err := m.Decode(lat[:T], force)
			if err != nil {
				t.Fatal(err)
			}
			hints := [][]int{want, nil, {rng.IntN(33), rng.IntN(33)}}
			if T > 1 {
				prev, _ := m.Decode(lat[:T-1], force)
				hints = append(hints, prev)
			}
			for _, h := range hints {
				got, err := r.Decode(lat[:T], force, h)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("trial %d T %d force %v hint %v: batched %v, sequential %v", trial, T, force, h, got, want)
				}
			}
		}
	}
	if r.Fast == 0 || r.Slow == 0 {
		t.Errorf("both paths should run: fast %d, slow %d", r.Fast, r.Slow)
	}
	t.Logf("batched pass settled %d decodings, %d fell back", r.Fast, r.Slow)
}
