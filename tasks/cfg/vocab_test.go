package cfg

import (
	"slices"
	"testing"

	"jrx/tasks"
)

// The ids are a specification (checkpoints depend on them), so they are
// written out here by hand.
func TestVocabIDs(t *testing.T) {
	var v *Vocab
	var _ tasks.Vocab = v
	want := []string{"a", "b", "c", "[ANS]", "[EOS]", "[PAD]", "[BOS]", "[BOT]", "[EOT]"}
	if !slices.Equal(v.Symbols(), want) || v.Size() != 9 {
		t.Fatalf("Symbols() = %v; want %v", v.Symbols(), want)
	}
	if v.EOS() != 4 || v.PAD() != 5 || v.BOS() != 6 || v.Ans() != 3 || v.BOT() != 7 || v.EOT() != 8 {
		t.Fatal("special ids moved")
	}
	if !slices.Equal(v.Content(), []int{0, 1, 2}) {
		t.Fatalf("Content() = %v", v.Content())
	}
	if err := v.CheckSymbols(want); err != nil {
		t.Fatal(err)
	}
	if v.CheckSymbols(want[:8]) == nil || v.CheckSymbols(append(want[:8:8], "[X]")) == nil {
		t.Fatal("CheckSymbols accepted a wrong vocabulary")
	}
	if v.Sym(9) != "[?9]" || v.Sym(-1) != "[?-1]" || v.Short(-1) != "?" || v.Short(IDEOS) != "EOS" || v.Short(IDa) != "a" || v.Short(IDAns) != "ANS" {
		t.Fatal("Sym/Short of edge cases")
	}
	if got := v.Format([]int{0, 1, 3, 2, 4}); got != "ab[ANS]c[EOS]" {
		t.Fatalf("Format = %q", got)
	}
}

func TestVocabLookup(t *testing.T) {
	var v Vocab
	for in, want := range map[string]int{
		"a": 0, "B": 1, " c ": 2, "[ANS]": 3, "ans": 3, "[eos]": 4, "EOS": 4, "Pad": 5, "[BOS]": 6, "bot": 7, "[EOT]": 8,
		"d": -1, "": -1, "[]": -1, "[A]": -1, "ab": -1, "[[EOS]]": -1, "x": -1,
	} {
		id, ok := v.Lookup(in)
		if id != want || ok != (want >= 0) {
			t.Errorf("Lookup(%q) = %d, %v; want %d", in, id, ok, want)
		}
	}
	for id := 0; id < VocabSize; id++ {
		if got, ok := v.Lookup(v.Sym(id)); !ok || got != id {
			t.Errorf("Lookup(Sym(%d)) = %d", id, got)
		}
		if got, ok := v.Lookup(v.Short(id)); !ok || got != id {
			t.Errorf("Lookup(Short(%d)) = %d", id, got)
		}
	}
}
