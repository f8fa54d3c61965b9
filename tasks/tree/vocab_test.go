package tree

import (
	"strings"
	"testing"
)

// The ids are part of every checkpoint: this table is written by hand and
// must never change.
func TestVocabFixedIDs(t *testing.T) {
	v := NewVocab()
	if v.Size() != 33 || VocabSize != 33 {
		t.Fatalf("Size = %d, VocabSize = %d, want 33", v.Size(), VocabSize)
	}
	cases := []struct {
		sym string
		id  int
	}{
		{"A", 0}, {"B", 1}, {"K", 10}, {"N", 13}, {"Z", 25},
		{",", 26}, {"[ROOT]", 27}, {"[TARGET]", 28}, {"[ROUTE]", 29},
		{"[EOS]", 30}, {"[PAD]", 31}, {"[BOS]", 32},
	}
	for _, c := range cases {
		id, ok := v.ID(c.sym)
		if !ok || id != c.id {
			t.Errorf("ID(%q) = %d, %v; want %d", c.sym, id, ok, c.id)
		}
		if got := v.Sym(c.id); got != c.sym {
			t.Errorf("Sym(%d) = %q, want %q", c.id, got, c.sym)
		}
	}
	fields := []struct {
		name      string
		field, id int
	}{
		{"Comma", IDComma, 26}, {"Root", IDRoot, 27}, {"Target", IDTarget, 28},
		{"Route", IDRoute, 29}, {"EOS", v.EOS(), 30}, {"PAD", v.PAD(), 31}, {"BOS", v.BOS(), 32},
	}
	for _, f := range fields {
		if f.field != f.id {
			t.Errorf("Vocab.%s = %d, want %d", f.name, f.field, f.id)
		}
	}
}

func TestVocabRoundTripAndLetters(t *testing.T) {
	var v *Vocab // nil behaves as the standard vocabulary
	seen := map[string]bool{}
	for id := 0; id < v.Size(); id++ {
		s := v.Sym(id)
		if seen[s] {
			t.Errorf("symbol %q twice", s)
		}
		seen[s] = true
		back, ok := v.ID(s)
		if !ok || back != id {
			t.Errorf("ID(Sym(%d)=%q) = %d, %v", id, s, back, ok)
		}
		if want := id < 26; v.IsLetter(id) != want {
			t.Errorf("IsLetter(%d) = %v, want %v", id, !want, want)
		}
	}
	for _, bad := range []string{"", "a", "AB", "[root]", "[ROOT", ";", "[UNK]"} {
		if id, ok := v.ID(bad); ok {
			t.Errorf("ID(%q) = %d, want not found", bad, id)
		}
	}
	for _, id := range []int{-1, 33, 1000} {
		if v.IsLetter(id) {
			t.Errorf("IsLetter(%d) true", id)
		}
		if s := v.Sym(id); !strings.HasPrefix(s, "[?") {
			t.Errorf("Sym(%d) = %q, want [?…]", id, s)
		}
	}
}

func TestVocabCheckSymbols(t *testing.T) {
	v := NewVocab()
	syms := v.Symbols()
	if err := v.CheckSymbols(syms); err != nil {
		t.Fatal(err)
	}
	syms[0] = "Q" // Symbols returns a copy
	if v.Sym(0) != "A" {
		t.Fatal("Symbols exposed the internal table")
	}
	if err := v.CheckSymbols(syms); err == nil || !strings.Contains(err.Error(), "id 0") {
		t.Errorf("CheckSymbols(changed id 0) = %v", err)
	}
	if err := v.CheckSymbols(syms[:32]); err == nil {
		t.Error("CheckSymbols accepted 32 symbols")
	}
}

func TestVocabFormat(t *testing.T) {
	got := NewVocab().Format([]int{13, 11, 26, 27, 13, 28, 10, 29, 13, 30})
	if want := "NL,[ROOT]N[TARGET]K[ROUTE]N[EOS]"; got != want {
		t.Errorf("Format = %q, want %q", got, want)
	}
}
